// Wiring only: the runtime, the platform adapters that are configured, the
// jobs, and the HTTP server with its webhooks; and shutdown in the right order under a timeout.
import { registry } from "../commands/index.ts";
import { stopPictures, warmPictures } from "./chat/pictures/index.ts";
import type { Config } from "./config.ts";
import { consoleIsModerator } from "./adapters/console/session.ts";
import type { Platform } from "./core/actor.ts";
import type { Mounted, Route } from "./http/server.ts";
import { startJobs, type Jobs } from "./jobs/index.ts";
import type { DeliveryTarget } from "./jobs/target.ts";
import { createRuntime, type Runtime } from "./runtime.ts";
import { INBOUND_LEASE_MS } from "./services/inbound.ts";
import { sweepUnfinishedPartnerEvents } from "./services/partner-events.ts";
import { endTerminal, fixTargets, TERMINAL } from "./services/outbox-targets.ts";
import { withTimeout } from "./core/timeout.ts";

export interface Running {
  runtime: Runtime;
  jobs: Jobs;
  platforms: string[];
  stop(): Promise<void>;
}

interface Adapter {
  name: string;
  platform: Platform;
  target: DeliveryTarget;
  /** Requests the platform sends to the HTTP server (Discord's Interactions Endpoint URL). */
  routes?: Route[];
  /** Whether an account of this platform is a moderator now (the dashboard asks on every request). */
  isModerator(externalId: string): Promise<boolean>;
  stop(): Promise<void>;
}

/** Platform adapters are imported only when configured, so the terminal chat starts fast. */
async function startAdapters(runtime: Runtime): Promise<Adapter[]> {
  const config = runtime.app.config;
  const adapters: Adapter[] = [];
  if (config.SLACK_BOT_TOKEN) {
    const { startSlack } = await import("./adapters/slack/app.ts");
    const slack = await startSlack(runtime, registry);
    adapters.push({
      name: slack.port ? `slack (HTTP on port ${slack.port})` : "slack (Socket Mode)",
      platform: "slack",
      target: slack.target,
      isModerator: (id) => slack.context.actors.isModerator(id),
      stop: slack.stop,
    });
  }
  if (config.DISCORD_TOKEN) {
    const { startDiscord } = await import("./adapters/discord/start.ts");
    const discord = await startDiscord(runtime, registry);
    adapters.push({ name: discord.route ? "discord (interactions over HTTP)" : "discord", platform: "discord", target: discord.target, ...(discord.route ? { routes: [discord.route] } : {}), isModerator: discord.isModerator, stop: discord.stop });
  }
  if (config.DISCOURSE_URL && config.DISCOURSE_API_KEY) {
    const { discourseTarget } = await import("./adapters/forum/target.ts");
    const target = discourseTarget(runtime.app, { url: config.DISCOURSE_URL, apiKey: config.DISCOURSE_API_KEY, apiUsername: config.DISCOURSE_API_USERNAME });
    // A forum account never signs in to the dashboard as a moderator.
    adapters.push({ name: "forum (badges)", platform: "forum", target, isModerator: async () => false, stop: async () => undefined });
  }
  return adapters;
}

/** The webhooks the HTTP server takes: each one only when its secret is set (else it answers 404). */
async function webhookRoutes(runtime: Runtime): Promise<Route[]> {
  const { app } = runtime;
  const { discourseWebhook } = await import("./adapters/forum/webhook.ts");
  const { partnerWebhook } = await import("./adapters/partner-dashboard/webhook.ts");
  return [discourseWebhook(app), partnerWebhook(app)];
}

/** The dashboard when STEWARD_PUBLIC_URL turns it on; moderators are re-checked by the platform they signed in from. */
async function dashboard(runtime: Runtime, adapters: Adapter[], jobs: Jobs): Promise<Mounted | undefined> {
  const config = runtime.app.config;
  if (!config.STEWARD_PUBLIC_URL) return undefined;
  const { mountWeb } = await import("./adapters/web/routes.ts");
  return mountWeb({
    app: runtime.app,
    registry,
    ...(jobs.bull ? { queues: [jobs.bull.scheduleQueue, jobs.bull.deliveryQueue] } : {}),
    isModerator: async (platform, externalId) =>
      platform === "console" ? consoleIsModerator(config, externalId) : ((await adapters.find((a) => a.platform === platform)?.isModerator(externalId)) ?? false),
  });
}

/** Partner events and import lines a dead process left half-done are taken up here, without waiting for a resend. */
function startInboundSweep(runtime: Runtime): { stop(): Promise<unknown> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => sweepUnfinishedPartnerEvents(runtime.app)).catch((err: Error) => runtime.app.log.warn({ err: err.message }, "inbound sweep failed; the next one retries"));
  }, INBOUND_LEASE_MS / 2);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return running;
    },
  };
}

export async function startSteward(config: Config, extraTargets: DeliveryTarget[] = []): Promise<Running> {
  const runtime = await createRuntime(config);
  // The terminal chat prints the rows this process writes, and no other process's.
  fixTargets(runtime.app, { terminal: extraTargets.some((t) => t.name === TERMINAL) });
  const log = runtime.app.log;
  let adapters: Adapter[] = [];
  try {
    adapters = await startAdapters(runtime);
    // A platform's first picture should not wait for the drawing thread to load its fonts.
    if (adapters.length > 0) void warmPictures();
    const jobs = await startJobs(runtime, [...extraTargets, ...adapters.map((a) => a.target)]);
    const ops =
      config.STEWARD_HTTP_PORT !== undefined
        ? await (await import("./http/server.ts")).startOpsServer(runtime.app, config.STEWARD_HTTP_PORT, {
            web: await dashboard(runtime, adapters, jobs),
            routes: [...(await webhookRoutes(runtime)), ...adapters.flatMap((a) => a.routes ?? [])],
          })
        : undefined;
    const inbound = startInboundSweep(runtime);
    if (ops) log.info({ port: ops.port, dashboard: config.STEWARD_PUBLIC_URL ? `${config.STEWARD_PUBLIC_URL}/admin` : "off" }, "health, readiness, metrics and webhooks served");
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        // Adapters first (no new work comes in), then jobs (finish the current one), then connections.
        await withTimeout(Promise.allSettled(adapters.map((a) => a.stop())), 10_000, "timeout");
        await withTimeout(inbound.stop(), 10_000, "timeout");
        await withTimeout(jobs.stop(), 15_000, "timeout");
        await endTerminal(runtime.app).catch((err: unknown) => log.warn({ err }, "the terminal's unprinted rows still wait for it"));
        await ops?.close();
        await stopPictures();
        await runtime.close();
      })());
    return { runtime, jobs, platforms: adapters.map((a) => a.name), stop };
  } catch (err) {
    await Promise.allSettled(adapters.map((a) => a.stop()));
    await runtime.close();
    throw err;
  }
}
