// Delivers pending outbox rows to the targets this process runs. A row's
// targets are fixed when it is written (src/services/outbox-targets.ts): a
// process claims only rows one of its targets has yet to deliver, so a
// terminal never takes a Slack, Discord or forum row. The row claim in the
// database (src/store/outbox.ts; held and renewed by claims.ts) decides who
// delivers a row, whichever scheduler asked: the in-process loop and any
// number of BullMQ workers can run at once. Each (row, target) pair is
// recorded once delivered, so a retry after a crash skips what already went
// out; a row is done when every one of its targets delivered or had nothing
// to do. What may go out when, and what goes together, is the delivery policy
// (src/domain/delivery.ts; DMs merged by dm-batches.ts).
//
// deliverDue runs the rows it claimed for different channels at the same
// time, and each channel's rows one after another (a lane): a channel waiting
// for its rate slot (slots.ts) holds back only its own rows. A channel (or a
// platform's global limit) busy for longer than a worker should sleep sends
// its rows back to the table for when it frees up, without counting an
// attempt, and the loop goes on with the rows it can deliver now. deliverOne
// (a BullMQ job names one row) books its channel's slot instead.
import pLimit from "p-limit";
import type { App } from "../app.ts";
import { afterFailure, batchRange, batches, deliveryPolicy, holdUntil, type DeliveryPolicy } from "../domain/delivery.ts";
import { withHeldBadges } from "../services/ledger.ts";
import { messageOf } from "../services/outbox.ts";
import { routingOf, TERMINAL } from "../services/outbox-targets.ts";
import { claimDmsOf, claimDue, claimOne, recipient, recordDelivered, release, type ClaimedRow, type RecipientRow, type Runs } from "../store/outbox.ts";
import { claimsStillMine, holding, LOCK_MS } from "./claims.ts";
import { groupByRoute, messageOfGroup } from "./dm-batches.ts";
import { memoryGate, realClock, type RateGate, type WallClock } from "./rate.ts";
import { BOOKED_EARLY_MS, BOOKED_GRACE_MS, channelKey, GateWait, MAX_GATE_WAIT_MS, takeSlot, type Booking } from "./slots.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryTarget, type Recipient } from "./target.ts";

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
  /** deliverOne: the slot an earlier try of this row booked. */
  booking?: Booking;
}

/** What became of one row (and the DMs batched with it). */
export type DeliveryOutcome =
  | { status: "delivered"; ids: number[] }
  /** Not claimable: delivered already, not due, or another worker holds it. */
  | { status: "not-claimed" }
  | { status: "held"; until: Date }
  | { status: "retry"; at: Date; error: string }
  /**
   * `platform`: a 429 from the platform itself, not our own spacing. `booking`: the slot
   * reserved for the row's next try (deliverOne only), to be passed back with it. `channelOnly`: the platform's
   * 429 came from a target whose limit is per channel (Slack), so it holds back that channel alone.
   */
  | { status: "rate-limited"; retryAfterMs: number; platform: boolean; global?: boolean; booking?: Booking; channelOnly?: boolean }
  | { status: "failed"; error: string };

const defaultGate = memoryGate();

/**
 * What this process delivers with `targets`: the rows one of them is fixed on (services/outbox-targets.ts),
 * the terminal's only when this process wrote them.
 */
export function runsOf(app: App, targets: DeliveryTarget[]): Runs {
  const terminal = targets.some((t) => t.name === TERMINAL);
  return { targets: targets.map((t) => t.name).filter((n) => n !== TERMINAL), origin: (terminal && routingOf(app.db)?.origin) || null };
}

/**
 * The targets given that take this row: those fixed on it (the terminal only for its own rows); for a row written
 * before targets were fixed, every one, but a terminal of a process that fixes targets (it prints its own rows only).
 */
function targetsFor(runs: Runs, targets: DeliveryTarget[], row: ClaimedRow): DeliveryTarget[] {
  const fixed = row.targets;
  if (fixed === null) return runs.origin === null ? targets : targets.filter((t) => t.name !== TERMINAL);
  return targets.filter((t) => fixed.includes(t.name) && (t.name !== TERMINAL || (runs.origin !== null && row.origin === runs.origin)));
}

/** Claims and delivers up to `limit` due rows; returns how many rows went out. */
export async function deliverDue(app: App, targets: DeliveryTarget[], limit = 50, options: DeliverOptions = {}): Promise<number> {
  const now = app.now();
  const runs = runsOf(app, targets);
  const rows = await claimDue(app, runs, now, new Date(now.getTime() + LOCK_MS), limit);
  if (rows.length === 0) return 0;
  return holding(app, rows, () => deliverClaimed(app, runs, targets, rows, options));
}

async function deliverClaimed(app: App, runs: Runs, targets: DeliveryTarget[], rows: ClaimedRow[], options: DeliverOptions): Promise<number> {
  const lanes = byChannel(groupByRoute(deliveryPolicy(app.pack), rows));
  let delivered = 0;
  // A channel takes no slot further than this: otherwise the busiest channel's lane would keep
  // the batch (and the channels done early) waiting while the rest of its rows trickle out.
  const channelDeadline = (options.clock ?? realClock).now() + MAX_GATE_WAIT_MS;
  // A platform-wide limit (Discord's) busy past the wait: every lane would hear the same, so the
  // lanes not started yet go back together, in one statement.
  const halt: { at?: Date; ids: number[] } = { ids: [] };
  const idsOf = (groups: ClaimedRow[][]) => groups.flatMap((g) => g.map((r) => r.id));
  const deliverLane = async (lane: ClaimedRow[][]): Promise<void> => {
    for (let i = 0; i < lane.length; i++) {
      if (halt.at) {
        halt.ids.push(...idsOf(lane.slice(i)));
        return;
      }
      const outcome = await deliverGroup(app, runs, targets, lane[i] as ClaimedRow[], options, channelDeadline);
      if (outcome.status === "delivered") delivered += outcome.ids.length;
      if (outcome.status === "rate-limited" && outcome.global) {
        const at = new Date(app.now().getTime() + outcome.retryAfterMs);
        halt.at = latest(halt.at, at);
        halt.ids.push(...idsOf(lane.slice(i + 1)));
        return;
      }
      if (outcome.status === "rate-limited") {
        // The channel is busy at least this long: its later rows would only wait the same, so
        // they go back now, in one statement, with no attempt counted.
        const at = new Date(app.now().getTime() + outcome.retryAfterMs);
        await release(app, idsOf(lane.slice(i + 1)), { availableAt: at, refund: true });
        options.onDeferred?.(at);
        return;
      }
    }
  };
  const limit_ = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const settled = await Promise.allSettled(lanes.map((lane) => limit_(() => deliverLane(lane))));
  if (halt.at) {
    await release(app, halt.ids, { availableAt: halt.at, refund: true });
    options.onDeferred?.(halt.at);
  }
  // One lane's failure (the database away) stops no other lane; it is reported once all are done.
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return delivered;
}

function latest(a: Date | undefined, b: Date): Date {
  return a && a > b ? a : b;
}

/** Groups (in claim order) by the channel they go to: one lane per channel, in order within it. */
function byChannel(groups: ClaimedRow[][]): ClaimedRow[][][] {
  const lanes = new Map<string, ClaimedRow[][]>();
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

/** Claims one row by id (a BullMQ job names it) with the DMs batched with it, and delivers them. */
export async function deliverOne(app: App, targets: DeliveryTarget[], id: number, options: DeliverOptions = {}): Promise<DeliveryOutcome> {
  const now = app.now();
  const lock = new Date(now.getTime() + LOCK_MS);
  const runs = runsOf(app, targets);
  // A booked row went back due a little after its slot (BOOKED_GRACE_MS), and its job comes a little before.
  const dueBy = options.booking ? new Date(now.getTime() + BOOKED_EARLY_MS + BOOKED_GRACE_MS) : now;
  const row = await claimOne(app, runs, id, now, lock, dueBy);
  if (!row) return { status: "not-claimed" };
  const policy = deliveryPolicy(app.pack);
  return holding(app, [row], async () => {
    const group = [row];
    if (batches(policy, row)) group.push(...(await claimDmsOf(app, runs, row, batchRange(policy, row), now, lock)));
    return holding(app, group.slice(1), () => deliverGroup(app, runs, targets, group, options, undefined, policy));
  });
}

function recipientOf(row: RecipientRow | undefined): Recipient | undefined {
  return row ? { id: row.id, handle: row.handle, displayName: row.displayName, identities: row.identities } : undefined;
}

/** `channelDeadline` (wall-clock time): no per-channel slot later than this; the rows go back instead. */
async function deliverGroup(
  app: App,
  runs: Runs,
  given: DeliveryTarget[],
  rows: ClaimedRow[],
  options: DeliverOptions,
  channelDeadline?: number,
  policy: DeliveryPolicy = deliveryPolicy(app.pack),
): Promise<DeliveryOutcome> {
  const gate = options.gate ?? defaultGate;
  const first = rows[0];
  if (!first) return { status: "not-claimed" };
  const ids = rows.map((r) => r.id);
  // A group's rows go to the same targets (claimDmsOf, groupByRoute).
  const targets = targetsFor(runs, given, first);
  const memberRow = first.memberId ? await recipient(app, first.memberId) : undefined;
  const member = recipientOf(memberRow);

  const until = holdUntil(policy, first.kind, targets.some((t) => t.wakesPeople !== false), app.now(), memberRow?.timezone ?? app.config.STEWARD_TIMEZONE);
  if (until) {
    await release(app, ids, { availableAt: until, refund: true });
    return { status: "held", until };
  }

  // Read outside any transaction, from what the rows' own transactions committed.
  const message = await withHeldBadges(app, messageOfGroup(rows));
  // A batch's key names its rows: a retry of the same batch is recognised by the receiver, and a
  // retry that batches differently is a different message rather than a silently dropped one.
  const dedupeKey = rows.length === 1 ? first.dedupeKey : `batch:${ids.join(",")}`;
  // A target is done only when it has every row of the batch: a partial earlier batch is sent again
  // whole (some text twice) rather than leaving the new rows out.
  const done = new Set(targets.map((t) => t.name).filter((name) => rows.every((r) => r.delivered.includes(name))));
  // A claim that expired with no outcome may have reached the platform before its process died.
  const abandoned = rows.map((r) => r.abandonedClaimAt).filter((d): d is Date => d !== null);
  const previousAttemptAt = abandoned.length ? new Date(Math.min(...abandoned.map((d) => d.getTime()))) : undefined;
  const pending = targets.filter((t) => !done.has(t.name));
  try {
    for (const [i, target] of pending.entries()) {
      await takeSlot(gate, options.clock ?? realClock, target, message, member, channelDeadline, options.booking);
      // A slow process whose lock ran out may have lost the rows to another: that one sends them, not this.
      if (!(await claimsStillMine(app, rows))) return { status: "not-claimed" };
      const ctx = { outboxId: first.id, dedupeKey, ...(member ? { member } : {}), ...(previousAttemptAt ? { previousAttemptAt } : {}) };
      try {
        await target.deliver(message, ctx);
      } catch (err) {
        if (err instanceof RateLimitedError && !(err instanceof GateWait)) await gate.block(`${target.name}:${channelKey(message)}`, err.retryAfterMs);
        throw err;
      }
      // The last target's record ends this process's turn with the rows in the same statement: each is
      // done, or waits for the processes that run its other targets.
      await recordDelivered(app, ids, target.name, i === pending.length - 1 ? app.now() : undefined);
      // Only now: a follow-up call before the record would widen the window in which a killed process
      // has sent the message but not recorded it (sent twice after the takeover).
      try {
        target.afterDelivered?.(message, ctx);
      } catch (err) {
        app.log.warn({ err: (err as Error).message, outboxId: first.id, target: target.name }, "follow-up after a delivery failed; the delivery stands");
      }
    }
    if (pending.length === 0) await recordDelivered(app, ids, null, app.now());
    for (const r of rows) app.metrics?.deliveryLatency.observe({ kind: r.kind }, Math.max(0, app.now().getTime() - r.createdAt.getTime()) / 1000);
    app.metrics?.deliveries.inc({ result: "delivered" }, ids.length);
    return { status: "delivered", ids };
  } catch (err) {
    const error = (err as Error).message;
    if (err instanceof RateLimitedError) {
      app.metrics?.deliveries.inc({ result: "rate-limited" });
      const gateWait = err instanceof GateWait ? err : undefined;
      const grace = gateWait?.booking ? BOOKED_GRACE_MS : 0;
      await release(app, ids, { availableAt: new Date(app.now().getTime() + err.retryAfterMs + grace), lastError: error, refund: true });
      return {
        status: "rate-limited",
        retryAfterMs: err.retryAfterMs,
        platform: !gateWait,
        ...(gateWait?.global ? { global: true } : {}),
        ...(gateWait?.booking ? { booking: gateWait.booking } : {}),
        ...(!gateWait && err.perChannel ? { channelOnly: true } : {}),
      };
    }
    const next = afterFailure(first.attempts, err instanceof PermanentDeliveryError, app.now());
    app.metrics?.deliveries.inc({ result: next.giveUp ? "failed" : "retry" });
    if (next.giveUp) {
      app.log.warn({ outboxId: first.id, batch: ids, err: error }, "outbox row failed for good");
      await release(app, ids, { status: "failed", lastError: error });
      return { status: "failed", error };
    }
    app.log.warn({ outboxId: first.id, attempt: first.attempts, err: error }, "outbox delivery failed; will retry");
    await release(app, ids, { availableAt: next.retryAt, lastError: error });
    return { status: "retry", at: next.retryAt, error };
  }
}
