// The answer to a request that failed for a reason other than the person's input, the same on
// every surface. A database outage is said as such ("nothing was recorded, try again") and
// logged as a warning without a stack; anything else is our fault, logged with a reference the
// person can quote. Neither claims the action was kept: it was not, or we cannot tell.
import { randomUUID } from "node:crypto";
import type { Reply } from "../chat/reply.ts";
import type { Logger } from "../log.ts";
import { isDatabaseUnavailable } from "../core/unavailable.ts";

export const UNAVAILABLE_TEXT = "Sorry, the database is unavailable; nothing was recorded, try again in a minute.";

export function failureReply(log: Logger, err: unknown, what: Record<string, unknown>, message = "command failed"): Reply {
  if (isDatabaseUnavailable(err)) {
    log.warn({ ...what, err: (err as Error).message }, "database unavailable");
    return { text: UNAVAILABLE_TEXT, blocks: [{ type: "text", text: UNAVAILABLE_TEXT }], visibility: "ephemeral", status: "unavailable" };
  }
  const ref = randomUUID().slice(0, 8);
  log.error({ err, ref, ...what }, message);
  const text = `Sorry, something went wrong on our side (ref ${ref}), and what you asked may not have been done. Please try again in a minute; if it keeps failing, tell a moderator the ref.`;
  return { text, blocks: [{ type: "text", text }], visibility: "ephemeral", status: "internal-error" };
}
