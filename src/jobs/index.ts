// The one entry point for schedules and delivery: BullMQ when REDIS_URL is
// set, in-process otherwise. Either way the same schedule table, the same job
// functions and the same delivery code run; on start, schedules whose time
// passed while no process ran are caught up once.
import type { App } from "../app.ts";
import type { Runtime } from "../runtime.ts";
import type { BullJobs } from "./bullmq.ts";
import { startInProcessDelivery, startInProcessScheduler } from "./in-process.ts";
import { catchUp, runScheduleNow } from "./run.ts";
import { DEADLINE_REMINDERS, findSchedules, isDeadlineReminder, leadDays, nextRun, scheduleTable, type ScheduleDef, type ScheduleKind } from "./schedules.ts";
import type { DeliveryTarget } from "./target.ts";
import { withTimeout } from "../core/timeout.ts";
import { fillTemplate } from "../domain/templates.ts";

export interface ScheduleInfo {
  id: string;
  kind: ScheduleKind;
  description: string;
  /** "0 9 * * 1" or "every 5 s". */
  when: string;
  tz: string;
  nextRun: Date | null;
}

export interface Jobs {
  mode: "bullmq" | "in-process";
  schedules(): ScheduleInfo[];
  /** Runs a schedule (an id, or a kind such as "weekly-report" for every program) now; returns what happened. */
  runNow(name: string): Promise<string>;
  /** Delivers what is due now (in-process) or queues it (BullMQ). */
  drain(): Promise<void>;
  /** Stops taking jobs, lets the current ones finish (under a timeout), closes Redis connections. */
  stop(): Promise<void>;
  /** Only with BullMQ: the queues, for tests and health checks. */
  bull?: BullJobs;
}

export interface StartJobsOptions {
  /** Default: REDIS_URL from config. Pass null to force in-process. */
  redisUrl?: string | null;
  /** Redis key prefix (default "steward"). */
  prefix?: string;
  /** Run missed schedules at start (default true). */
  catchUp?: boolean;
  stopTimeoutMs?: number;
  /** Parallel deliveries per process with BullMQ (default DELIVERY_CONCURRENCY). */
  concurrency?: number;
  /** Poll interval of in-process delivery (default 1000 ms). */
  pollMs?: number;
  /** With BullMQ: the first wait of a job's retries and of the outage backoff (default 1000 ms; tests shorten it). */
  retryDelayMs?: number;
  /** How often the outbox sweep runs (default OUTBOX_SWEEP_MS; tests shorten it). */
  outboxSweepMs?: number;
}

/**
 * A booked row's job holds a worker about BOOKED_EARLY_MS before its slot, so a backlog over N channels that take one
 * message a second keeps about N jobs waiting for their slots at once (~35 for 40 channels): two processes meet them
 * with room to spare, one left alone nearly. More would let a swept backlog's booking jobs crowd the database pool.
 */
const DELIVERY_CONCURRENCY = 32;

function describeWhen(d: ScheduleDef, pack: App["pack"]): string {
  if (isDeadlineReminder(d.kind)) {
    const unit = DEADLINE_REMINDERS[d.kind];
    return fillTemplate(pack.texts.reminderDeadlineWhen, { days: leadDays(pack, unit), unit, cron: d.cron ?? "" });
  }
  return d.cron ?? `every ${Math.round((d.everyMs ?? 0) / 1000)} s`;
}

export function listSchedules(app: App): ScheduleInfo[] {
  const now = app.now();
  return scheduleTable(app.pack, app.config).map((d) => ({
    id: d.id,
    kind: d.kind,
    description: d.description,
    when: describeWhen(d, app.pack),
    tz: d.tz,
    nextRun: nextRun(d, now, app.pack),
  }));
}

/** Runs schedules by name in this process; the job functions need no scheduler. */
export async function runSchedulesNow(app: App, name: string): Promise<string[]> {
  const defs: ScheduleDef[] = findSchedules(scheduleTable(app.pack, app.config), name);
  const out: string[] = [];
  for (const def of defs) out.push((await runScheduleNow(app, def)).summary);
  return out;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

export async function startJobs(runtime: Runtime, targets: DeliveryTarget[], options: StartJobsOptions = {}): Promise<Jobs> {
  const { app } = runtime;
  const sweepMs = options.outboxSweepMs;
  const defs = scheduleTable(app.pack, app.config).map((d) => (d.kind === "outbox" && sweepMs ? { ...d, everyMs: sweepMs } : d));
  const redisUrl = options.redisUrl === undefined ? app.config.REDIS_URL : options.redisUrl;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const common = {
    schedules: () => listSchedules(app),
    runNow: async (name: string) => (await runSchedulesNow(app, name)).join("\n"),
  };

  if (redisUrl) {
    // BullMQ and ioredis load only in Redis mode.
    const { startBullJobs } = await import("./bullmq.ts");
    const bull = await startBullJobs(runtime, targets, defs, {
      redisUrl,
      prefix: options.prefix ?? "steward",
      stopTimeoutMs,
      concurrency: options.concurrency ?? DELIVERY_CONCURRENCY,
      retryDelayMs: options.retryDelayMs ?? 1000,
    });
    if (options.catchUp !== false) await catchUp(app, defs);
    app.log.info({ schedules: defs.length }, "jobs running on BullMQ");
    return {
      mode: "bullmq",
      ...common,
      bull,
      drain: async () => {
        await bull.sweep();
      },
      stop: once(() => bull.stop()),
    };
  }

  const delivery = startInProcessDelivery(runtime, targets, options.pollMs);
  const scheduler = startInProcessScheduler(runtime, defs);
  if (options.catchUp !== false) await catchUp(app, defs);
  app.log.info({ schedules: defs.length }, "jobs running in-process");
  return {
    mode: "in-process",
    ...common,
    drain: () => delivery.drain(),
    stop: once(async () => {
      const stopping = Promise.all([scheduler.stop(), delivery.stop()]);
      await withTimeout(stopping, stopTimeoutMs, "timeout");
    }),
  };
}
