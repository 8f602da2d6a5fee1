// Jobs on Redis with BullMQ, for production and for several bot processes at
// once. Two queues:
//   schedules — one job scheduler per schedule-table entry (stable ids, cron
//               with tz), plus the outbox sweep every few seconds; a schedule
//               fires once across all processes, and schedule_runs makes its
//               period run once even so.
//   delivery  — one job per outbox row. The job only names the row: the
//               database claim decides who delivers it, so a duplicate job or
//               a second worker never delivers a row twice, and a lost job is
//               found again by the sweep.
// BullMQ's limiter caps the whole queue at the strictest platform's global
// rate; the Redis rate gate spaces messages per channel (Slack) across
// processes; a platform's own 429 pauses the queue for its Retry-After, unless
// the platform's limit is per channel (Slack): then only that channel waits.
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { Runtime } from "../runtime.ts";
import { isDatabaseUnavailable } from "../core/unavailable.ts";
import { Backoff } from "./backoff.ts";
import { dueRows } from "../store/outbox.ts";
import { deliverOne, runsOf, type DeliveryOutcome } from "./deliver.ts";
import { redisGate } from "./rate.ts";
import { runDue } from "./run.ts";
import { BOOKED_EARLY_MS, type Booking } from "./slots.ts";
import type { ScheduleDef } from "./schedules.ts";
import type { DeliveryTarget } from "./target.ts";
import { withTimeout } from "../core/timeout.ts";

export const SCHEDULE_QUEUE = "schedules";
export const DELIVERY_QUEUE = "delivery";
const OUTBOX_SWEEP_JOB = "outbox";
/**
 * Swept rows wait behind every job without a priority (BullMQ takes its wait list first, then the prioritized set):
 * a backlog's sweep queues thousands of rows at once, each only booking its channel's slot, and a booked row's job
 * queued behind them would come seconds after its slot, lose it and book again at the back of its channel's line.
 */
const SWEPT_PRIORITY = 10;
/** Longest wait before a job tries the database again while it is away. */
const OUTAGE_BACKOFF_CAP_MS = 60_000;

export interface BullJobsOptions {
  redisUrl: string;
  /** Redis key prefix; tests use a fresh one each. */
  prefix: string;
  /** How long stop() waits for the current jobs before closing anyway. */
  stopTimeoutMs: number;
  concurrency: number;
  /** The first wait of BullMQ's retries and of the outage backoff; both double from there. */
  retryDelayMs: number;
}

interface DeliveryJob {
  outboxId: number;
  /** The channel slot an earlier try booked for this row (see deliverOne). */
  booking?: Booking;
}

export interface BullJobs {
  /** Queues every due outbox row (the sweep; also run when a transaction wrote rows). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
  /** For tests and health checks. */
  readonly deliveryQueue: Queue;
  readonly scheduleQueue: Queue;
}

/** The strictest global rate among the targets, as BullMQ's limiter; none when no target declares one. */
function limiterFor(targets: DeliveryTarget[]): { max: number; duration: number } | undefined {
  const rates = targets.map((t) => t.limits?.perSecond).filter((r): r is number => typeof r === "number" && r > 0);
  return rates.length ? { max: Math.min(...rates), duration: 1000 } : undefined;
}

export async function startBullJobs(runtime: Runtime, targets: DeliveryTarget[], defs: ScheduleDef[], options: BullJobsOptions): Promise<BullJobs> {
  const { app } = runtime;
  const connections: Redis[] = [];
  // Workers block on Redis: BullMQ requires maxRetriesPerRequest null so a command waits through a reconnect.
  const connect = () => {
    const c = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    c.on("error", (err) => app.log.warn({ err: err.message }, "redis connection error; reconnecting"));
    connections.push(c);
    return c;
  };
  const conn = connect();
  const prefix = options.prefix;
  const scheduleQueue = new Queue(SCHEDULE_QUEUE, { connection: conn, prefix });
  const deliveryQueue = new Queue<DeliveryJob>(DELIVERY_QUEUE, {
    connection: conn,
    prefix,
    // Failures of the row itself are handled in the database (backoff on availableAt); these
    // retries only cover the job machinery failing (database briefly away).
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: "exponential", delay: options.retryDelayMs } },
  });
  const gate = redisGate(conn, prefix);

  // Both queues share `conn`, whose own handler logs the error; without a listener BullMQ prints each one to stderr.
  for (const q of [scheduleQueue, deliveryQueue]) q.on("error", (err) => app.log.debug({ err: err.message, queue: q.name }, "bullmq queue error"));

  // While the database is away a job waits (delayed, with backoff shared by the process) and tries
  // again as often as it takes. BullMQ's own retries would give up after a few and keep the failed
  // job, whose id then stops the sweep from queueing that outbox row again: it would never go out.
  // One line per doubling of the failures, so a long outage logs a handful of lines.
  const outage = new Backoff(options.retryDelayMs, OUTAGE_BACKOFF_CAP_MS);
  const waitForDatabase = async (job: Job, token: string | undefined, err: unknown): Promise<never> => {
    const waitMs = outage.fail();
    if ((outage.streak & (outage.streak - 1)) === 0)
      app.log.warn({ err: (err as Error).message, failures: outage.streak, retryInMs: waitMs, queue: job.queueName }, "database unavailable; jobs wait and try again");
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  };
  const databaseBack = () => {
    if (outage.succeed()) app.log.info("database reachable again; jobs resume");
  };

  const cronDefs = defs.filter((d) => d.cron);
  const sweepDef = defs.find((d) => d.kind === "outbox");
  // Upserts are idempotent (stable ids), so they can run again whenever Redis may have lost them.
  const upsertSchedulers = async () => {
    for (const def of cronDefs)
      await scheduleQueue.upsertJobScheduler(def.id, { pattern: def.cron as string, tz: def.tz }, { name: def.id, data: { scheduleId: def.id }, opts: { removeOnComplete: 100, removeOnFail: 100 } });
    if (sweepDef?.everyMs)
      await scheduleQueue.upsertJobScheduler(OUTBOX_SWEEP_JOB, { every: sweepDef.everyMs }, { name: OUTBOX_SWEEP_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } });
  };
  await upsertSchedulers();
  // A program removed from the pack must not keep firing from an old deploy's scheduler.
  const wanted = new Set([...cronDefs.map((d) => d.id), OUTBOX_SWEEP_JOB]);
  for (const s of await scheduleQueue.getJobSchedulers()) {
    const id = s.id ?? s.key;
    if (id && !wanted.has(id)) await scheduleQueue.removeJobScheduler(id);
  }

  const sweep = async (): Promise<number> => {
    const rows = await dueRows(app, runsOf(app, targets), app.now(), 1000);
    // The jobId makes a row queued once per attempt; BullMQ ignores an add while that job exists.
    if (rows.length)
      await deliveryQueue.addBulk(rows.map((r) => ({ name: "deliver", data: { outboxId: r.id }, opts: { jobId: `outbox-${r.id}-${r.attempts}`, priority: SWEPT_PRIORITY } })));
    return rows.length;
  };

  const later = async (outboxId: number, at: Date, tag: string, booking?: Booking) => {
    const delay = Math.max(0, at.getTime() - app.now().getTime());
    await deliveryQueue.add("deliver", { outboxId, ...(booking ? { booking } : {}) }, { jobId: `outbox-${outboxId}-${tag}-${at.getTime()}`, delay });
  };

  const scheduleWorker = new Worker(
    SCHEDULE_QUEUE,
    async (job: Job, token?: string) => {
      // A sweep that fails is not retried: the next one comes within seconds.
      if (job.name === OUTBOX_SWEEP_JOB) return `${await sweep()} queued`;
      const def = defs.find((d) => d.id === job.name);
      // An old deploy's schedule with no entry in this table: failing it again will not help.
      if (!def) throw new UnrecoverableError(`no schedule ${job.name} in this version's table`);
      let r;
      try {
        r = await runDue(app, def);
      } catch (err) {
        if (isDatabaseUnavailable(err)) return waitForDatabase(job, token, err);
        throw err;
      }
      databaseBack();
      app.log.info({ schedule: def.id, status: r.status, period: r.period }, r.summary);
      return r.summary;
    },
    { connection: connect(), prefix, concurrency: 1 },
  );

  const limiter = limiterFor(targets);
  const deliveryWorker: Worker<DeliveryJob> = new Worker<DeliveryJob>(
    DELIVERY_QUEUE,
    async (job, token) => {
      const id = Number(job.data?.outboxId);
      if (!Number.isInteger(id) || id <= 0) throw new UnrecoverableError(`delivery job without an outbox id: ${JSON.stringify(job.data)}`);
      let outcome: DeliveryOutcome;
      try {
        outcome = await deliverOne(app, targets, id, { gate, ...(job.data.booking ? { booking: job.data.booking } : {}) });
      } catch (err) {
        if (isDatabaseUnavailable(err)) return waitForDatabase(job, token, err);
        throw err;
      }
      databaseBack();
      switch (outcome.status) {
        case "rate-limited":
          if (outcome.platform && !outcome.channelOnly) {
            // The platform answered 429: nothing on this queue should go out before Retry-After.
            // The row's availableAt moved by the same amount, so the retried job finds it due.
            await deliveryWorker.rateLimit(outcome.retryAfterMs);
            throw Worker.RateLimitError();
          }
          // A 429 for one channel (Slack's limit is per channel) blocked that channel in the gate: pausing the
          // whole queue would make every other channel's booked job miss its slot. The row comes back after it.
          if (outcome.platform) {
            await later(id, new Date(app.now().getTime() + outcome.retryAfterMs), "slot");
            break;
          }
          // A booked slot's job comes a little early and sleeps to it (slots.ts).
          await later(id, new Date(app.now().getTime() + outcome.retryAfterMs - (outcome.booking ? BOOKED_EARLY_MS : 0)), "slot", outcome.booking);
          break;
        case "held":
          await later(id, outcome.until, "quiet");
          break;
        case "retry":
          await later(id, outcome.at, "retry");
          break;
        default:
          break;
      }
      return outcome.status;
    },
    { connection: connect(), prefix, concurrency: options.concurrency, ...(limiter ? { limiter } : {}) },
  );
  for (const w of [scheduleWorker, deliveryWorker]) w.on("error", (err) => app.log.warn({ err: err.message }, "bullmq worker error"));

  // Queue rows as soon as a transaction wrote them, coalescing bursts into one sweep at a time.
  let sweeping: Promise<unknown> | null = null;
  let again = false;
  let stopped = false;
  const kick = () => {
    if (stopped) return;
    if (sweeping) {
      again = true;
      return;
    }
    sweeping = (async () => {
      do {
        again = false;
        try {
          await sweep();
        } catch (err) {
          app.log.warn({ err: (err as Error).message }, "outbox sweep failed; the scheduled sweep will retry");
        }
      } while (again && !stopped);
      sweeping = null;
    })();
  };
  runtime.events.on("outbox", kick);
  await Promise.all([scheduleWorker.waitUntilReady(), deliveryWorker.waitUntilReady()]);
  kick();

  // A Redis that restarted without persistence (or failed over to a replica that lagged) comes back
  // without the job schedulers: nothing would fire again. Every reconnect after the first connect
  // registers them again and queues what was written while Redis was away.
  let reregistering: Promise<void> = Promise.resolve();
  const onReconnect = () => {
    if (stopped) return;
    reregistering = reregistering.then(async () => {
      if (stopped) return;
      try {
        await upsertSchedulers();
        app.log.info({ schedules: cronDefs.length }, "redis reconnected; job schedulers registered again");
      } catch (err) {
        app.log.warn({ err: (err as Error).message }, "could not register the job schedulers again after a reconnect; the next reconnect retries");
      }
      kick();
    });
  };
  conn.on("ready", onReconnect);

  return {
    sweep,
    deliveryQueue,
    scheduleQueue,
    stop: async () => {
      stopped = true;
      runtime.events.off("outbox", kick);
      conn.off("ready", onReconnect);
      await withTimeout(reregistering, options.stopTimeoutMs, "timeout");
      await sweeping;
      // close() stops fetching and waits for the current jobs, with no timeout of its own.
      const closing = Promise.all([scheduleWorker.close(), deliveryWorker.close()]);
      if ((await withTimeout(closing, options.stopTimeoutMs, "timeout")) === "timeout") {
        app.log.warn({ timeoutMs: options.stopTimeoutMs }, "jobs still running at shutdown; closing anyway (their rows stay claimed until the lock expires, then go out again)");
        await withTimeout(Promise.all([scheduleWorker.close(true), deliveryWorker.close(true)]), 2000, "timeout");
      }
      await withTimeout(Promise.all([scheduleQueue.close(), deliveryQueue.close()]), 2000, "timeout");
      for (const c of connections) {
        if (c.status === "end") continue;
        if ((await withTimeout(c.quit().catch(() => "error"), 1000, "timeout")) !== "OK") c.disconnect();
      }
    },
  };
}
