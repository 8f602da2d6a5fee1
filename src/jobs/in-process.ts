// Jobs without Redis: the embedded default. Delivery starts as soon as a
// transaction wrote outbox rows and polls for rows whose time has come;
// croner fires the schedule table's cron patterns in the organisation's
// timezone and calls the same job functions a BullMQ worker would.
import { Cron } from "croner";
import type { Runtime } from "../runtime.ts";
import { deliverDue } from "./deliver.ts";
import { runDue } from "./run.ts";
import type { ScheduleDef } from "./schedules.ts";
import type { DeliveryTarget } from "./target.ts";

export function startInProcessDelivery(runtime: Runtime, targets: DeliveryTarget[], pollMs = 1000): { drain(): Promise<void>; stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let stopped = false;
  const kick = () => {
    if (stopped) return;
    again = true;
    running = running.then(async () => {
      while (again && !stopped) {
        again = false;
        try {
          while ((await deliverDue(runtime.app, targets)) > 0) {
            /* keep going while rows come */
          }
        } catch (err) {
          runtime.app.log.error({ err }, "outbox delivery failed");
        }
      }
    });
  };
  runtime.events.on("outbox", kick);
  const timer = setInterval(kick, pollMs);
  timer.unref();
  kick();
  return {
    drain: async () => {
      kick();
      await running;
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      runtime.events.off("outbox", kick);
      await running;
    },
  };
}

/** Fires every cron schedule in this process; runs one job at a time so a slow report never overlaps itself. */
export function startInProcessScheduler(runtime: Runtime, defs: ScheduleDef[]): { stop(): Promise<void> } {
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const crons = defs
    .filter((d): d is ScheduleDef & { cron: string } => Boolean(d.cron))
    .map(
      (def) =>
        new Cron(def.cron, { name: def.id, timezone: def.tz, unref: true }, () => {
          if (stopped) return;
          chain = chain.then(async () => {
            if (stopped) return;
            try {
              const r = await runDue(runtime.app, def);
              runtime.app.log.info({ schedule: def.id, status: r.status, period: r.period }, r.summary);
            } catch (err) {
              runtime.app.log.error({ err, schedule: def.id }, "scheduled job failed");
            }
          });
        }),
    );
  return {
    stop: async () => {
      stopped = true;
      for (const c of crons) c.stop();
      await chain;
    },
  };
}
