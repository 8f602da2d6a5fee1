// How a platform is started: the one contract every adapter's start.ts exports, so the wiring
// (src/main.ts) starts the terminal, Slack, Discord, the forum, the webhooks and the dashboard
// the same way. A platform answers people through the kit (src/kit/adapter.ts); this file is only
// about starting and stopping it. A new platform is a folder with a start.ts and one line in
// src/adapters/index.ts.
import type { Queue } from "bullmq";
import type { Config } from "../config.ts";
import type { Platform } from "../core/actor.ts";
import type { Mounted, Route } from "../http/server.ts";
import type { DeliveryTarget } from "../jobs/target.ts";
import type { Registry } from "../kit/framework.ts";
import type { Runtime } from "../runtime.ts";

/** What kind of process is starting: `steward chat` runs the terminal, `steward serve` does not. */
export interface ProcessKind {
  /** Set for `steward chat`: the terminal runs, and `as` is who types first (`--as NAME`). */
  terminal?: { as?: string };
  /** The HTTP server's port (STEWARD_HTTP_PORT); undefined when no server runs, so no routes are served. */
  httpPort: number | undefined;
}

/** What a platform's start receives. */
export interface StartContext {
  runtime: Runtime;
  kind: ProcessKind;
  registry: Registry;
  /** Whether an account is a moderator now, asked of the platform it belongs to (the dashboard re-checks on every request). */
  isModerator(platform: Platform, externalId: string): Promise<boolean>;
  /** BullMQ's queues when REDIS_URL runs the jobs there; only for platforms started after the jobs (`afterJobs`). */
  queues?: Queue[];
}

/** What runs in front of everything else until the person leaves (the terminal's conversation). */
export interface Foreground {
  /** The names of the other platforms running in this process ("slack (Socket Mode)"). */
  platforms: string[];
  /** Delivers what the last command queued before the next prompt. */
  drain(): Promise<void>;
  /** Stops the whole process's platforms, jobs and database, in order. */
  stop(): Promise<void>;
}

export interface StartedPlatform {
  /** How the logs and the terminal's greeting name it ("discord (interactions over HTTP)"); absent: not listed. */
  name?: string;
  /** The accounts it answers for, when it has any (the dashboard's sessions are re-checked by it). */
  platform?: Platform;
  /** Where the outbox's rows for this platform go. */
  target?: DeliveryTarget;
  /** Requests the platform sends to the HTTP server (webhooks, Discord's Interactions Endpoint URL). */
  routes?: Route[];
  /** A whole site on the HTTP server (the moderators' dashboard). */
  web?: Mounted;
  /** Whether an account of this platform is a moderator now. */
  isModerator?(externalId: string): Promise<boolean>;
  /** The conversation that holds the process until it ends (the terminal); main.ts runs at most one. */
  foreground?(running: Foreground): Promise<void>;
  stop(): Promise<void>;
}

/** An adapter's start.ts. */
export interface PlatformModule {
  start(context: StartContext): Promise<StartedPlatform>;
}

/** One line of src/adapters/index.ts. */
export interface PlatformEntry {
  /** Whether this process starts it: its settings are set (and for the terminal, `steward chat`). */
  wanted(config: Config, kind: ProcessKind): boolean;
  /** Imported only when wanted, so a process loads only the platforms it runs (Bolt, discord.js, Hono). */
  load(): Promise<PlatformModule>;
  /** Started once the jobs run (the dashboard shows their queues); the others start first, since the jobs deliver to their targets. */
  afterJobs?: boolean;
}
