// Delivery without Redis: the embedded default. Delivers as soon as a
// transaction wrote outbox rows, and polls for rows whose time has come.
import type { Runtime } from "../runtime.ts";
import { deliverDue } from "./deliver.ts";
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
