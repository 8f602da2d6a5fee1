// Delivers pending outbox rows to every target. The row claim in the database
// (a lock pushed forward with FOR UPDATE SKIP LOCKED) decides who delivers a
// row, whichever scheduler asked: the in-process loop and any number of BullMQ
// workers can run at once. Each (row, target) pair is recorded once delivered,
// so a retry after a crash skips what already went out; a row is done when
// every target delivered or had nothing to do.
//
// deliverDue runs the rows it claimed for different channels at the same
// time, and each channel's rows one after another: a channel waiting for its
// rate slot holds back only its own rows. A channel (or a platform's global
// limit) busy for longer than a worker should sleep sends its rows back to
// the table for when it frees up, without counting an attempt, and the loop
// goes on with the rows it can deliver now.
//
// Before a DM reaches a target: quiet hours hold it (availableAt moves to the
// end of the quiet hours in the member's timezone), and the member's other due
// DMs written within the pack's batchMinutes go out with it as one message.
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import type { Block, Reply } from "../chat/reply.ts";
import { messageOf, type OutboxMessage } from "../services/outbox.ts";
import { memoryGate, realClock, type RateGate, type WallClock } from "./rate.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryTarget, type Recipient } from "./target.ts";

const LOCK_MS = 60_000;
const MAX_ATTEMPTS = 8;
/** Longer waits for a rate slot release the row instead of holding a worker. */
const MAX_GATE_WAIT_MS = 2_000;

function backoffMs(attempt: number): number {
  return Math.min(60 * 60_000, 1000 * 2 ** attempt);
}

/** Channels deliverDue delivers to at once; mostly they sleep until their rate slot. */
const DEFAULT_CONCURRENCY = 64;

export interface DeliverOptions {
  /** Shared between processes with BullMQ; one per process otherwise. */
  gate?: RateGate;
  /** The real time rate slots are waited for in (the gate's, for a memory gate); tests pass a virtual one. */
  clock?: WallClock;
  /** deliverDue: how many channels get their rows at the same time (each channel's rows still go one at a time). */
  concurrency?: number;
  /** deliverDue: rows went back to wait for a rate slot; the earliest is due at `at` (a loop can wake then). */
  onDeferred?: (at: Date) => void;
}

/** What became of one row (and the DMs batched with it). */
export type DeliveryOutcome =
  | { status: "delivered"; ids: number[] }
  /** Not claimable: delivered already, not due, or another worker holds it. */
  | { status: "not-claimed" }
  | { status: "held"; until: Date }
  | { status: "retry"; at: Date; error: string }
  /** `platform`: a 429 from the platform itself, not our own spacing. */
  | { status: "rate-limited"; retryAfterMs: number; platform: boolean; global?: boolean }
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

// enqueue stamps rows with the application's clock, so "due" is read on that same clock.
export const due = (now: string) => `available_at <= ${now} AND (locked_until IS NULL OR locked_until < ${now})`;

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
  const lanes = byChannel(groupDms(app, rows));
  let delivered = 0;
  // A channel takes no slot further than this: otherwise the busiest channel's lane would keep
  // the batch (and the channels done early) waiting while the rest of its rows trickle out.
  const channelDeadline = (options.clock ?? realClock).now() + MAX_GATE_WAIT_MS;
  // A platform-wide limit (Discord's) busy past the wait: every lane would hear the same, so the
  // lanes not started yet go back together, in one statement.
  const halt: { at?: Date; ids: number[] } = { ids: [] };
  const deliverLane = async (lane: Row[][]): Promise<void> => {
    for (let i = 0; i < lane.length; i++) {
      if (halt.at) {
        halt.ids.push(...lane.slice(i).flatMap((g) => g.map((r) => r.id)));
        return;
      }
      const outcome = await deliverGroup(app, targets, lane[i] as Row[], options, channelDeadline);
      if (outcome.status === "delivered") delivered += outcome.ids.length;
      if (outcome.status === "rate-limited" && outcome.global) {
        const at = new Date(app.now().getTime() + outcome.retryAfterMs);
        halt.at = latest(halt.at, at);
        halt.ids.push(...lane.slice(i + 1).flatMap((g) => g.map((r) => r.id)));
        return;
      }
      if (outcome.status === "rate-limited") {
        // The channel is busy at least this long: its later rows would only wait the same, so
        // they go back now, in one statement, with no attempt counted.
        const at = new Date(app.now().getTime() + outcome.retryAfterMs);
        const rest = lane.slice(i + 1).flatMap((g) => g.map((r) => r.id));
        if (rest.length) await release(app, rest, { availableAt: at, refund: true });
        options.onDeferred?.(at);
        return;
      }
    }
  };
  await inParallel(lanes, options.concurrency ?? DEFAULT_CONCURRENCY, deliverLane);
  if (halt.at) {
    if (halt.ids.length) await release(app, halt.ids, { availableAt: halt.at, refund: true });
    options.onDeferred?.(halt.at);
  }
  return delivered;
}

function latest(a: Date | undefined, b: Date): Date {
  return a && a > b ? a : b;
}

/** Groups (in claim order) by the channel they go to: one lane per channel, in order within it. */
function byChannel(groups: Row[][]): Row[][][] {
  const lanes = new Map<string, Row[][]>();
  for (const group of groups) {
    const first = group[0];
    if (!first) continue;
    const key = channelKey(messageOf(first));
    // Rows with no channel of their own share no slot: each is a lane.
    const lane = key === "other" ? undefined : lanes.get(key);
    if (lane) lane.push(group);
    else lanes.set(key === "other" ? `other:${first.id}` : key, [group]);
  }
  return [...lanes.values()];
}

/** Runs `work` over `items`, at most `limit` at a time; a throw stops nothing else and is rethrown at the end. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length) throw errors[0];
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
async function takeSlot(gate: RateGate, clock: WallClock, target: DeliveryTarget, message: OutboxMessage, member: Recipient | undefined, channelDeadline: number | undefined): Promise<void> {
  const limits = target.limits;
  if (!limits) return;
  let wait = 0;
  if (limits.perChannelMs) {
    const maxWait = channelDeadline === undefined ? MAX_GATE_WAIT_MS : Math.max(0, Math.min(MAX_GATE_WAIT_MS, channelDeadline - clock.now()));
    const r = await gate.reserve(`${target.name}:${channelKey(message)}`, limits.perChannelMs, maxWait);
    if (!r.reserved) throw new GateWait(Math.ceil(r.waitMs));
    wait = r.waitMs;
  }
  // A message that takes several requests takes as many slots of the global limit; one the target skips takes none.
  const requests = Math.max(0, target.requests?.(message, member) ?? 1);
  if (limits.perSecond && requests > 0) {
    const r = await gate.reserve(`${target.name}:*`, (1000 * requests) / limits.perSecond, MAX_GATE_WAIT_MS);
    if (!r.reserved) throw new GateWait(Math.ceil(r.waitMs), true);
    wait = Math.max(wait, r.waitMs);
  }
  if (wait > 0) await clock.sleep(wait);
}

/** Our own spacing asked for a longer wait than a worker should sleep. */
class GateWait extends RateLimitedError {
  constructor(
    retryAfterMs: number,
    /** The target's platform-wide limit, not one channel's. */
    readonly global = false,
  ) {
    super(retryAfterMs);
  }
}

/** `channelDeadline` (wall-clock time): no per-channel slot later than this; the rows go back instead. */
async function deliverGroup(app: App, targets: DeliveryTarget[], rows: Row[], options: DeliverOptions, channelDeadline?: number): Promise<DeliveryOutcome> {
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
      await takeSlot(gate, options.clock ?? realClock, target, message, member, channelDeadline);
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
    for (const r of rows) app.metrics?.deliveryLatency.observe({ kind: r.kind }, Math.max(0, app.now().getTime() - r.createdAt.getTime()) / 1000);
    app.metrics?.deliveries.inc({ result: "delivered" }, ids.length);
    return { status: "delivered", ids };
  } catch (err) {
    const error = (err as Error).message;
    app.metrics?.deliveries.inc({ result: err instanceof RateLimitedError ? "rate-limited" : err instanceof PermanentDeliveryError || first.attempts >= MAX_ATTEMPTS ? "failed" : "retry" });
    if (err instanceof RateLimitedError) {
      await release(app, ids, { availableAt: new Date(app.now().getTime() + err.retryAfterMs), lastError: error, refund: true });
      return { status: "rate-limited", retryAfterMs: err.retryAfterMs, platform: !(err instanceof GateWait), ...(err instanceof GateWait && err.global ? { global: true } : {}) };
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
