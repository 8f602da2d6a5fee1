// Jobs without Redis: the embedded default. Delivery starts as soon as a
// transaction wrote outbox rows and polls for rows whose time has come;
// croner fires the schedule table's cron patterns in the organisation's
// timezone and calls the same job functions a BullMQ worker would.
import { Cron } from "croner";
import type { Runtime } from "../runtime.ts";
import { isDatabaseUnavailable } from "../core/unavailable.ts";
import { Backoff } from "./backoff.ts";
import { deliverDue } from "./deliver.ts";
import { runDue } from "./run.ts";
import type { ScheduleDef } from "./schedules.ts";
import type { DeliveryTarget } from "./target.ts";

/** Rows claimed at a time: enough to find a row for every channel that has a free slot. */
const CLAIM = 200;
/**
 * Claims in flight at once, started at least STAGGER_MS apart. A claim's batch lasts as long as
 * its busiest channel's slots (up to 2 s); a second claim started meanwhile serves the channels
 * that batch is done with, so no channel idles until the slowest one finishes.
 */
const PARALLEL = 4;
const STAGGER_MS = 250;
/** Longest wait between tries while delivery keeps failing (the database away). */
const DELIVERY_BACKOFF_CAP_MS = 60_000;
/** A schedule whose run failed is tried again, waiting up to this long between tries. */
const SCHEDULE_BACKOFF_CAP_MS = 5 * 60_000;

/** One line per failed try; the stack only when it is not an outage. */
function failureFields(err: unknown): Record<string, unknown> {
  return isDatabaseUnavailable(err) ? { err: (err as Error).message, databaseUnavailable: true } : { err };
}

export function startInProcessDelivery(runtime: Runtime, targets: DeliveryTarget[], pollMs = 1000): { drain(): Promise<void>; stop(): Promise<void> } {
  const active = new Set<Promise<void>>();
  let stopped = false;
  /** Rows may be due: set by every wake-up and by a claim that delivered something. */
  let more = false;
  let kicks = 0;
  let lastStart = 0;
  let staggerTimer: NodeJS.Timeout | undefined;
  // While delivery fails, wake-ups (new rows, the poll) wait until the backoff's next try.
  const backoff = new Backoff(pollMs, DELIVERY_BACKOFF_CAP_MS);
  let pausedUntil = 0;
  let resumeTimer: NodeJS.Timeout | undefined;
  // Rows that went back to wait for a rate slot are often due again before the next poll: wake
  // then. Each distinct time (to 50 ms) is kept, so the rows due later are not left to the poll.
  const wakes = new Set<number>();
  let wake: { at: number; timer: NodeJS.Timeout } | undefined;
  const armWake = () => {
    if (stopped || wakes.size === 0) return;
    const at = Math.min(...wakes);
    if (wake && wake.at <= at) return;
    if (wake) clearTimeout(wake.timer);
    const timer = setTimeout(
      () => {
        wake = undefined;
        const now = Date.now();
        for (const w of wakes) if (w <= now) wakes.delete(w);
        kick();
        armWake();
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    wake = { at, timer };
  };
  const onDeferred = (at: Date) => {
    const ms = Math.max(0, at.getTime() - runtime.app.now().getTime());
    if (stopped || ms >= pollMs) return;
    wakes.add(Math.ceil((Date.now() + ms) / 50) * 50);
    armWake();
  };
  const run = () => {
    const kicksAtStart = kicks;
    lastStart = Date.now();
    const p: Promise<void> = deliverDue(runtime.app, targets, CLAIM, { onDeferred })
      .then(
        (delivered) => {
          if (backoff.succeed()) runtime.app.log.info("outbox delivery works again");
          // Nothing went out and nobody woke us since: wait for the next wake-up.
          if (delivered > 0) more = true;
          else if (kicks === kicksAtStart) more = false;
        },
        (err: unknown) => {
          const waitMs = backoff.fail();
          runtime.app.log.error({ ...failureFields(err), attempt: backoff.streak, retryInMs: waitMs }, "outbox delivery failed");
          pausedUntil = Date.now() + waitMs;
          more = false;
          if (resumeTimer) clearTimeout(resumeTimer);
          resumeTimer = setTimeout(() => {
            resumeTimer = undefined;
            kick();
          }, waitMs);
          resumeTimer.unref();
        },
      )
      .finally(() => {
        active.delete(p);
        pump();
      });
    active.add(p);
  };
  const pump = () => {
    while (!stopped && more && active.size < PARALLEL) {
      const since = Date.now() - lastStart;
      if (active.size > 0 && since < STAGGER_MS) {
        if (!staggerTimer) {
          staggerTimer = setTimeout(() => {
            staggerTimer = undefined;
            pump();
          }, STAGGER_MS - since);
          staggerTimer.unref();
        }
        return;
      }
      run();
    }
  };
  const kick = () => {
    if (stopped || Date.now() < pausedUntil) return;
    kicks++;
    more = true;
    pump();
  };
  runtime.events.on("outbox", kick);
  const timer = setInterval(kick, pollMs);
  timer.unref();
  kick();
  const settle = async () => {
    while (active.size > 0) await Promise.all([...active]);
  };
  return {
    drain: async () => {
      kick();
      await settle();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      if (wake) clearTimeout(wake.timer);
      if (staggerTimer) clearTimeout(staggerTimer);
      if (resumeTimer) clearTimeout(resumeTimer);
      runtime.events.off("outbox", kick);
      await settle();
    },
  };
}

/**
 * Fires every cron schedule in this process; runs one job at a time so a slow report never overlaps
 * itself. A run that fails is tried again with backoff until it succeeds: the period it was due for
 * still runs once (schedule_runs), instead of waiting for the next firing a week later.
 */
export function startInProcessScheduler(runtime: Runtime, defs: ScheduleDef[], baseRetryMs = 1000): { stop(): Promise<void> } {
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const retries = new Map<string, NodeJS.Timeout>();
  const backoffs = new Map<string, Backoff>();
  const fire = (def: ScheduleDef) => {
    if (stopped) return;
    clearTimeout(retries.get(def.id));
    retries.delete(def.id);
    chain = chain.then(async () => {
      if (stopped) return;
      const backoff = backoffs.get(def.id) ?? new Backoff(baseRetryMs, SCHEDULE_BACKOFF_CAP_MS);
      backoffs.set(def.id, backoff);
      try {
        const r = await runDue(runtime.app, def);
        backoff.succeed();
        runtime.app.log.info({ schedule: def.id, status: r.status, period: r.period }, r.summary);
      } catch (err) {
        const waitMs = backoff.fail();
        runtime.app.log.error({ ...failureFields(err), schedule: def.id, attempt: backoff.streak, retryInMs: waitMs }, "scheduled job failed");
        if (stopped) return;
        const timer = setTimeout(() => fire(def), waitMs);
        timer.unref();
        retries.set(def.id, timer);
      }
    });
  };
  const crons = defs
    .filter((d): d is ScheduleDef & { cron: string } => Boolean(d.cron))
    .map((def) => new Cron(def.cron, { name: def.id, timezone: def.tz, unref: true }, () => fire(def)));
  return {
    stop: async () => {
      stopped = true;
      for (const c of crons) c.stop();
      for (const t of retries.values()) clearTimeout(t);
      await chain;
    },
  };
}
