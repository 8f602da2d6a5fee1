// Delivers pending outbox rows to every target. Each (row, target) pair is
// recorded once delivered, so a retry after a crash skips what already went
// out; a row is done when every target delivered or had nothing to do.
import type { App } from "../app.ts";
import { messageOf } from "../services/outbox.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryTarget } from "./target.ts";

const LOCK_MS = 60_000;
const MAX_ATTEMPTS = 8;

function backoffMs(attempt: number): number {
  return Math.min(60 * 60_000, 1000 * 2 ** attempt);
}

/** Claims and delivers up to `limit` due rows; returns how many it finished. */
export async function deliverDue(app: App, targets: DeliveryTarget[], limit = 50): Promise<number> {
  const now = app.now();
  // Claim rows by pushing their lock forward, so two workers never deliver the same row at once.
  const claimed = await app.sql.query<{ id: number }>(
    `UPDATE outbox SET locked_until = $1, attempts = attempts + 1
     WHERE id IN (
       SELECT id FROM outbox WHERE status = 'pending' AND available_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
       ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [new Date(now.getTime() + LOCK_MS), now, limit],
  );
  let finished = 0;
  for (const { id } of claimed.sort((a, b) => a.id - b.id)) {
    if (await deliverRow(app, targets, id)) finished++;
  }
  return finished;
}

async function deliverRow(app: App, targets: DeliveryTarget[], id: number): Promise<boolean> {
  const row = await app.db.outboxMessage.findUniqueOrThrow({ where: { id } });
  const done = new Set((await app.db.outboxDelivery.findMany({ where: { outboxId: id }, select: { target: true } })).map((d) => d.target));
  const member = row.memberId
    ? await app.db.member.findUnique({ where: { id: row.memberId }, include: { identities: { select: { platform: true, externalId: true } } } })
    : null;
  const message = messageOf(row);
  try {
    for (const target of targets) {
      if (done.has(target.name)) continue;
      await target.deliver(message, { outboxId: id, dedupeKey: row.dedupeKey, ...(member ? { member } : {}) });
      await app.db.outboxDelivery.createMany({ data: [{ outboxId: id, target: target.name }], skipDuplicates: true });
    }
    await app.db.outboxMessage.update({ where: { id }, data: { status: "delivered", deliveredAt: app.now(), lockedUntil: null, lastError: null } });
    return true;
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof RateLimitedError) {
      await app.db.outboxMessage.update({
        where: { id },
        data: { availableAt: new Date(app.now().getTime() + err.retryAfterMs), lockedUntil: null, attempts: { decrement: 1 }, lastError: message },
      });
    } else if (err instanceof PermanentDeliveryError || row.attempts >= MAX_ATTEMPTS) {
      app.log.warn({ outboxId: id, err: message }, "outbox row failed for good");
      await app.db.outboxMessage.update({ where: { id }, data: { status: "failed", lockedUntil: null, lastError: message } });
    } else {
      app.log.warn({ outboxId: id, attempt: row.attempts, err: message }, "outbox delivery failed; will retry");
      await app.db.outboxMessage.update({
        where: { id },
        data: { availableAt: new Date(app.now().getTime() + backoffMs(row.attempts)), lockedUntil: null, lastError: message },
      });
    }
    return false;
  }
}
