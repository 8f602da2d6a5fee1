// `steward run`'s delivery: the rows its command wrote, printed in the terminal, and no other row
// (services/outbox-targets.ts). Their Slack, Discord and forum parts are left to the processes that
// run those targets.
import { setTimeout as sleep } from "node:timers/promises";
import type { App } from "../app.ts";
import { endTerminal, unprintedRows } from "../services/outbox-targets.ts";
import { LOCK_MS } from "./claims.ts";
import { deliverDue } from "./deliver.ts";
import type { DeliveryTarget } from "./target.ts";

/** How often to look again for a row another process holds. */
const RECHECK_MS = 50;

/**
 * Prints the rows this command wrote, then ends the terminal. A row `steward serve` holds for a moment
 * (delivering its forum or Slack part) is printed once it lets go; a claim expires after LOCK_MS whatever
 * becomes of its holder, so the wait is bounded.
 */
export async function printOwnRows(app: App, terminal: DeliveryTarget): Promise<void> {
  const until = Date.now() + LOCK_MS;
  for (;;) {
    while ((await deliverDue(app, [terminal])) > 0) {
      /* until nothing is due */
    }
    if ((await unprintedRows(app)) === 0 || Date.now() > until) break;
    await sleep(RECHECK_MS);
  }
  await endTerminal(app);
}
