// Rate slots for delivery: before a target is called, the message takes its
// slots in the rate gate (src/jobs/rate.ts): the channel's (Slack: about one
// message a second per channel) and the platform's global one (Discord). A
// short wait is slept; a longer one becomes a GateWait, and the row goes back
// to the table for that time. A BullMQ job (deliverOne) books the channel's
// slot however far off it is and hands the booking back with the row: the job
// that comes back at that time sends at once. Without the booking every row
// of a busy channel would come back at the same moment, take turns for the
// next two slots and go back again, many times each.
import type { OutboxMessage } from "../services/outbox.ts";
import type { RateGate, WallClock } from "./rate.ts";
import { RateLimitedError, type DeliveryTarget, type Recipient } from "./target.ts";

/** Longer waits for a rate slot release the row instead of holding a worker. */
export const MAX_GATE_WAIT_MS = 2_000;
/** A booked slot may be this far off (a day): any real backlog. */
const BOOKING_HORIZON_MS = 86_400_000;
/**
 * A booked row's job is queued this much before its slot and sleeps the rest: a job that starts late (a busy worker,
 * a starved process's claim and recipient statements, the queue promoting delayed jobs) still meets its slot instead
 * of losing it. A job holds a worker for about this long, so a process runs enough of them (DELIVERY_CONCURRENCY).
 */
export const BOOKED_EARLY_MS = 750;
/**
 * A booked row is due this long after its slot, so the sweep does not queue it (without the booking, it would take
 * a new slot at the end of the line and waste its own) while its booked job is on the way; that job claims it early.
 */
export const BOOKED_GRACE_MS = 2_000;

/**
 * A per-channel slot taken for a row ahead of time: the row's next delivery sends at `at` without asking the gate again.
 * A job that comes back more than half a spacing late (a stalled or killed process) asks the gate anew: sending at once
 * would put it beside the rows booked after it, and several late rows of one channel together overrun the platform.
 */
export interface Booking {
  /** The gate key (target and channel). */
  key: string;
  /** On the gate's clock (WallClock.now()). */
  at: number;
}


export function channelKey(message: OutboxMessage): string {
  return "channel" in message ? `channel:${message.channel}` : "memberId" in message ? `member:${message.memberId}` : "other";
}

/**
 * Takes this target's rate slots, sleeping a short wait; a long wait becomes a GateWait.
 * `channelDeadline` (deliverDue): no per-channel slot later than this. Without one (deliverOne)
 * a later slot is booked and handed back with the GateWait.
 */
export async function takeSlot(
  gate: RateGate,
  clock: WallClock,
  target: DeliveryTarget,
  message: OutboxMessage,
  member: Recipient | undefined,
  channelDeadline: number | undefined,
  booking: Booking | undefined,
): Promise<void> {
  const limits = target.limits;
  if (!limits) return;
  let wait = 0;
  if (limits.perChannelMs) {
    const key = `${target.name}:${channelKey(message)}`;
    if (booking?.key === key && clock.now() - booking.at <= limits.perChannelMs / 2) {
      wait = Math.max(0, booking.at - clock.now());
    } else if (channelDeadline !== undefined) {
      const r = await gate.reserve(key, limits.perChannelMs, Math.max(0, Math.min(MAX_GATE_WAIT_MS, channelDeadline - clock.now())));
      if (!r.reserved) throw new GateWait(Math.ceil(r.waitMs));
      wait = r.waitMs;
    } else {
      const r = await gate.reserve(key, limits.perChannelMs, BOOKING_HORIZON_MS);
      if (!r.reserved) throw new GateWait(Math.ceil(r.waitMs));
      if (r.waitMs > MAX_GATE_WAIT_MS) throw new GateWait(Math.ceil(r.waitMs), false, { key, at: clock.now() + r.waitMs });
      wait = r.waitMs;
    }
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
export class GateWait extends RateLimitedError {
  constructor(
    retryAfterMs: number,
    /** The target's platform-wide limit, not one channel's. */
    readonly global = false,
    /** The slot booked for the row's next try. */
    readonly booking?: Booking,
  ) {
    super(retryAfterMs);
  }
}

