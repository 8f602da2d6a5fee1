// Delivers pending outbox rows to every target. The row claim in the database
// (a lock pushed forward with FOR UPDATE SKIP LOCKED) decides who delivers a
// row, whichever scheduler asked: the in-process loop and any number of BullMQ
// workers can run at once. Each (row, target) pair is recorded once delivered,
// so a retry after a crash skips what already went out; a row is done when
// every target delivered or had nothing to do.
//
// Before a DM reaches a target: quiet hours hold it (availableAt moves to the
// end of the quiet hours in the member's timezone), and the member's other due
// DMs written within the pack's batchMinutes go out with it as one message.
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import type { Block, Reply } from "../chat/reply.ts";
import { messageOf, type OutboxMessage } from "../services/outbox.ts";
import { memoryGate, type RateGate } from "./rate.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryTarget, type Recipient } from "./target.ts";

const LOCK_MS = 60_000;
const MAX_ATTEMPTS = 8;
/** Longer waits for a rate slot release the row instead of holding a worker. */
const MAX_GATE_WAIT_MS = 2_000;

function backoffMs(attempt: number): number {
  return Math.min(60 * 60_000, 1000 * 2 ** attempt);
}

export interface DeliverOptions {
  /** Shared between processes with BullMQ; one per process otherwise. */
  gate?: RateGate;
}

/** What became of one row (and the DMs batched with it). */
export type DeliveryOutcome =
  | { status: "delivered"; ids: number[] }
  /** Not claimable: delivered already, not due, or another worker holds it. */
  | { status: "not-claimed" }
  | { status: "held"; until: Date }
  | { status: "retry"; at: Date; error: string }
  /** `platform`: a 429 from the platform itself, not our own spacing. */
  | { status: "rate-limited"; retryAfterMs: number; platform: boolean }
  | { status: "failed"; error: string };

interface Row {
  id: number;
  kind: string;
  memberId: string | null;
  channel: string | null;
  payload: unknown;
  dedupeKey: string;
  attempts: number;
  createdAt: Date;
}

const defaultGate = memoryGate();

// A row nobody deferred (available_at still equals created_at, both the insert's now()) is due at
// once, whatever the application clock says: tests run on fixed clocks behind the database's.
export const due = (now: string) => `(available_at <= ${now} OR available_at = created_at) AND (locked_until IS NULL OR locked_until < ${now})`;

const CLAIM_DUE = `UPDATE outbox SET locked_until = $1, attempts = attempts + 1
  WHERE id IN (
    SELECT id FROM outbox WHERE status = 'pending' AND ${due("$2")}
    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
  RETURNING id`;

const CLAIM_ONE = `UPDATE outbox SET locked_until = $1, attempts = attempts + 1
  WHERE id IN (
    SELECT id FROM outbox WHERE id = $3 AND status = 'pending' AND ${due("$2")}
    FOR UPDATE SKIP LOCKED)
  RETURNING id`;

const CLAIM_BATCH = `UPDATE outbox SET locked_until = $1, attempts = attempts + 1
  WHERE id IN (
    SELECT id FROM outbox WHERE kind = 'dm' AND member_id = $3 AND id <> $4 AND status = 'pending' AND ${due("$2")} AND created_at BETWEEN $5 AND $6
    ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED)
  RETURNING id`;

/** Claims and delivers up to `limit` due rows; returns how many rows went out. */
export async function deliverDue(app: App, targets: DeliveryTarget[], limit = 50, options: DeliverOptions = {}): Promise<number> {
  const now = app.now();
  const claimed = await app.sql.query<{ id: number }>(CLAIM_DUE, [new Date(now.getTime() + LOCK_MS), now, limit]);
  if (claimed.length === 0) return 0;
  const rows = await loadRows(app, claimed.map((c) => c.id));
  let delivered = 0;
  for (const group of groupDms(app, rows)) {
    const outcome = await deliverGroup(app, targets, group, options);
    if (outcome.status === "delivered") delivered += outcome.ids.length;
  }
  return delivered;
}

/** Claims one row by id (a BullMQ job names it) with the DMs batched with it, and delivers them. */
export async function deliverOne(app: App, targets: DeliveryTarget[], id: number, options: DeliverOptions = {}): Promise<DeliveryOutcome> {
  const now = app.now();
  const lock = new Date(now.getTime() + LOCK_MS);
  const claimed = await app.sql.query<{ id: number }>(CLAIM_ONE, [lock, now, id]);
  if (claimed.length === 0) return { status: "not-claimed" };
  const [row] = await loadRows(app, [id]);
  if (!row) return { status: "not-claimed" };
  const group = [row];
  const windowMs = app.pack.batchMinutes * 60_000;
  if (row.kind === "dm" && row.memberId && windowMs > 0) {
    const more = await app.sql.query<{ id: number }>(CLAIM_BATCH, [
      lock,
      now,
      row.memberId,
      row.id,
      new Date(row.createdAt.getTime() - windowMs),
      new Date(row.createdAt.getTime() + windowMs),
    ]);
    group.push(...(await loadRows(app, more.map((m) => m.id))));
  }
  return deliverGroup(app, targets, group, options);
}

async function loadRows(app: App, ids: number[]): Promise<Row[]> {
  if (ids.length === 0) return [];
  const rows = await app.db.outboxMessage.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
  return rows;
}

/** DMs to one member written within batchMinutes of the group's first go together; everything else alone. */
function groupDms(app: App, rows: Row[]): Row[][] {
  const windowMs = app.pack.batchMinutes * 60_000;
  const groups: Row[][] = [];
  const open = new Map<string, Row[]>();
  for (const row of rows) {
    if (row.kind !== "dm" || !row.memberId || windowMs <= 0) {
      groups.push([row]);
      continue;
    }
    const group = open.get(row.memberId);
    const first = group?.[0];
    if (group && first && row.createdAt.getTime() - first.createdAt.getTime() <= windowMs) {
      group.push(row);
    } else {
      const fresh = [row];
      open.set(row.memberId, fresh);
      groups.push(fresh);
    }
  }
  return groups;
}

/** One message made of several DMs, in the order they were written. */
export function mergeReplies(replies: Reply[]): Reply {
  const blocks: Block[] = [];
  replies.forEach((r, i) => {
    if (i > 0) blocks.push({ type: "divider" });
    blocks.push(...(r.blocks.length ? r.blocks : [{ type: "text" as const, text: r.text }]));
  });
  const files = replies.flatMap((r) => r.files ?? []);
  return {
    text: replies.map((r) => r.text).join("\n"),
    blocks,
    visibility: "ephemeral",
    status: "ok",
    ...(files.length ? { files } : {}),
  };
}

/** When the quiet hours that `at` falls in end, in timezone `tz`; null outside quiet hours. */
export function quietUntil(quiet: { start: string; end: string } | undefined, at: Date, tz: string): Date | null {
  if (!quiet || quiet.start === quiet.end) return null;
  const minutes = (hhmm: string) => {
    const [h, m] = hhmm.split(":").map(Number);
    return (h ?? 0) * 60 + (m ?? 0);
  };
  const local = DateTime.fromJSDate(at, { zone: tz });
  const now = local.hour * 60 + local.minute;
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  const inQuiet = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inQuiet) return null;
  const endToday = local.startOf("day").plus({ minutes: end });
  // luxon resolves a wall time that a DST change skips to a real instant, so this is never in a gap.
  return (now < end ? endToday : endToday.plus({ days: 1 })).toJSDate();
}

async function release(app: App, ids: number[], data: { availableAt?: Date; lastError?: string | null; status?: string; refund?: boolean }): Promise<void> {
  await app.db.outboxMessage.updateMany({
    where: { id: { in: ids } },
    data: {
      lockedUntil: null,
      ...(data.availableAt ? { availableAt: data.availableAt } : {}),
      ...(data.lastError !== undefined ? { lastError: data.lastError } : {}),
      ...(data.status ? { status: data.status } : {}),
      // Waiting for quiet hours or a rate slot is not a failed attempt.
      ...(data.refund ? { attempts: { decrement: 1 } } : {}),
    },
  });
}

function channelKey(message: OutboxMessage): string {
  return "channel" in message ? `channel:${message.channel}` : "memberId" in message ? `member:${message.memberId}` : "other";
}

/** Takes this target's rate slots, sleeping a short wait; a long wait becomes a RateLimitedError. */
async function takeSlot(gate: RateGate, target: DeliveryTarget, message: OutboxMessage): Promise<void> {
  const limits = target.limits;
  if (!limits) return;
  let wait = 0;
  if (limits.perChannelMs) {
    const r = await gate.reserve(`${target.name}:${channelKey(message)}`, limits.perChannelMs, MAX_GATE_WAIT_MS);
    if (!r.reserved) throw new GateWait(r.waitMs);
    wait = r.waitMs;
  }
  if (limits.perSecond) {
    const r = await gate.reserve(`${target.name}:*`, Math.ceil(1000 / limits.perSecond), MAX_GATE_WAIT_MS);
    if (!r.reserved) throw new GateWait(r.waitMs);
    wait = Math.max(wait, r.waitMs);
  }
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Our own spacing asked for a longer wait than a worker should sleep. */
class GateWait extends RateLimitedError {}

async function deliverGroup(app: App, targets: DeliveryTarget[], rows: Row[], options: DeliverOptions): Promise<DeliveryOutcome> {
  const gate = options.gate ?? defaultGate;
  const first = rows[0];
  if (!first) return { status: "not-claimed" };
  const ids = rows.map((r) => r.id);
  const memberRow = first.memberId
    ? await app.db.member.findUnique({ where: { id: first.memberId }, include: { identities: { select: { platform: true, externalId: true } } } })
    : null;
  const member: Recipient | undefined = memberRow ?? undefined;

  // The terminal wakes nobody: quiet hours matter only where a DM reaches someone's phone.
  if (first.kind === "dm" && targets.some((t) => t.wakesPeople !== false)) {
    const until = quietUntil(app.pack.quietHours, app.now(), memberRow?.timezone ?? app.config.STEWARD_TIMEZONE);
    if (until) {
      await release(app, ids, { availableAt: until, refund: true });
      return { status: "held", until };
    }
  }

  const messages = rows.map((r) => messageOf(r));
  const message: OutboxMessage =
    rows.length === 1
      ? (messages[0] as OutboxMessage)
      : { kind: "dm", memberId: first.memberId as string, reply: mergeReplies(messages.map((m) => (m as Extract<OutboxMessage, { kind: "dm" }>).reply)) };
  // A batch's key names its rows: a retry of the same batch is recognised by the receiver, and a
  // retry that batches differently is a different message rather than a silently dropped one.
  const dedupeKey = rows.length === 1 ? first.dedupeKey : `batch:${ids.join(",")}`;
  // A target is done only when it has every row of the batch: a partial earlier batch is sent again
  // whole (some text twice) rather than leaving the new rows out.
  const records = await app.db.outboxDelivery.findMany({ where: { outboxId: { in: ids } }, select: { target: true } });
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.target, (counts.get(r.target) ?? 0) + 1);
  const done = new Set([...counts].filter(([, n]) => n === ids.length).map(([t]) => t));
  try {
    for (const target of targets) {
      if (done.has(target.name)) continue;
      await takeSlot(gate, target, message);
      try {
        await target.deliver(message, { outboxId: first.id, dedupeKey, ...(member ? { member } : {}) });
      } catch (err) {
        if (err instanceof RateLimitedError && !(err instanceof GateWait)) await gate.block(`${target.name}:${channelKey(message)}`, err.retryAfterMs);
        throw err;
      }
      await app.db.outboxDelivery.createMany({ data: ids.map((outboxId) => ({ outboxId, target: target.name })), skipDuplicates: true });
    }
    await app.db.outboxMessage.updateMany({
      where: { id: { in: ids } },
      data: { status: "delivered", deliveredAt: app.now(), lockedUntil: null, lastError: null },
    });
    return { status: "delivered", ids };
  } catch (err) {
    const error = (err as Error).message;
    if (err instanceof RateLimitedError) {
      await release(app, ids, { availableAt: new Date(app.now().getTime() + err.retryAfterMs), lastError: error, refund: true });
      return { status: "rate-limited", retryAfterMs: err.retryAfterMs, platform: !(err instanceof GateWait) };
    }
    const attempts = first.attempts;
    if (err instanceof PermanentDeliveryError || attempts >= MAX_ATTEMPTS) {
      app.log.warn({ outboxId: first.id, batch: ids, err: error }, "outbox row failed for good");
      await release(app, ids, { status: "failed", lastError: error });
      return { status: "failed", error };
    }
    app.log.warn({ outboxId: first.id, attempt: attempts, err: error }, "outbox delivery failed; will retry");
    const at = new Date(app.now().getTime() + backoffMs(attempts));
    await release(app, ids, { availableAt: at, lastError: error });
    return { status: "retry", at, error };
  }
}
