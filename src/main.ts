// Wiring only: the runtime, the platforms this process wants (src/adapters/index.ts), the jobs, and
// the HTTP server with their routes; and shutdown in the right order under a timeout.
import { registry } from "../commands/index.ts";
import { PLATFORMS } from "./adapters/index.ts";
import type { PlatformEntry, ProcessKind, StartContext, StartedPlatform } from "./adapters/platform.ts";
import { stopPictures, warmPictures } from "./chat/pictures/index.ts";
import type { Config } from "./config.ts";
import { consoleIsModerator } from "./adapters/console/session.ts";
import { startJobs, type Jobs } from "./jobs/index.ts";
import { createRuntime, type Runtime } from "./runtime.ts";
import { INBOUND_LEASE_MS } from "./services/inbound.ts";
import { sweepUnfinishedPartnerEvents } from "./services/partner-events.ts";
import { endTerminal, fixTargets } from "./services/outbox-targets.ts";
import { withTimeout } from "./core/timeout.ts";

export interface Running {
  runtime: Runtime;
  jobs: Jobs;
  /** The platforms running, by name ("slack (Socket Mode)"); the terminal is not listed. */
  platforms: string[];
  /** The terminal's conversation when this process runs it (`steward chat`): resolves once the person left and everything stopped. */
  foreground?: () => Promise<void>;
  stop(): Promise<void>;
}

/** Starts `entries` in order, each imported only now; what started is in `started` even when a later one fails. */
async function startPlatforms(entries: PlatformEntry[], context: StartContext, started: StartedPlatform[]): Promise<void> {
  for (const entry of entries) started.push(await (await entry.load()).start(context));
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

/** `steward serve`, or with `terminal` set `steward chat`. */
export async function startSteward(config: Config, options: Omit<ProcessKind, "httpPort"> = {}): Promise<Running> {
  const runtime = await createRuntime(config, { smallBuffers: options.terminal !== undefined, noCounters: config.STEWARD_HTTP_PORT === undefined });
  const kind: ProcessKind = { ...options, httpPort: config.STEWARD_HTTP_PORT };
  // The terminal chat prints the rows this process writes, and no other process's.
  fixTargets(runtime.app, { terminal: kind.terminal !== undefined });
  const log = runtime.app.log;
  const wanted = PLATFORMS.filter((p) => p.wanted(config, kind));
  const started: StartedPlatform[] = [];
  const context: StartContext = {
    runtime,
    registry,
    kind,
    // A terminal account is a moderator by STEWARD_MODERATORS, whether or not this process runs the terminal.
    isModerator: async (platform, externalId) =>
      (await started.find((p) => p.platform === platform)?.isModerator?.(externalId)) ?? (platform === "console" && consoleIsModerator(config, externalId)),
  };
  let jobs: Jobs | undefined;
  try {
    await startPlatforms(wanted.filter((p) => !p.afterJobs), context, started);
    // A platform's first picture should not wait for the drawing thread to load its fonts.
    if (started.some((p) => p.name)) void warmPictures();
    const running = await startJobs(runtime, started.flatMap((p) => (p.target ? [p.target] : [])));
    jobs = running;
    await startPlatforms(wanted.filter((p) => p.afterJobs), { ...context, ...(running.bull ? { queues: [running.bull.scheduleQueue, running.bull.deliveryQueue] } : {}) }, started);
    const ops =
      kind.httpPort !== undefined
        ? await (await import("./http/server.ts")).startOpsServer(runtime.app, kind.httpPort, {
            web: started.find((p) => p.web)?.web,
            routes: started.flatMap((p) => p.routes ?? []),
          })
        : undefined;
    const inbound = startInboundSweep(runtime);
    if (ops) log.info({ port: ops.port, dashboard: config.STEWARD_PUBLIC_URL ? `${config.STEWARD_PUBLIC_URL}/admin` : "off" }, "health, readiness, metrics and webhooks served");
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        // Platforms first (no new work comes in), then jobs (finish the current one), then connections.
        await withTimeout(Promise.allSettled(started.map((p) => p.stop())), 10_000, "timeout");
        await withTimeout(inbound.stop(), 10_000, "timeout");
        await withTimeout(running.stop(), 15_000, "timeout");
        await endTerminal(runtime.app).catch((err: unknown) => log.warn({ err }, "the terminal's unprinted rows still wait for it"));
        await ops?.close();
        await stopPictures();
        await runtime.close();
      })());
    const platforms = started.flatMap((p) => (p.name ? [p.name] : []));
    const front = started.find((p) => p.foreground)?.foreground;
    return { runtime, jobs: running, platforms, ...(front ? { foreground: () => front({ platforms, drain: () => running.drain(), stop }) } : {}), stop };
  } catch (err) {
    // A start that failed after the jobs began (the dashboard, the HTTP server) stops them too: their workers and
    // timers would otherwise run on against a closed database.
    await Promise.allSettled(started.map((p) => p.stop()));
    await jobs?.stop().catch(() => undefined);
    await stopPictures();
    await runtime.close();
    throw err;
  }
}
