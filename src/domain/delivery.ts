// The delivery policy, one for both job modes (in-process and BullMQ): when a
// DM may reach someone (quiet hours in their timezone), which of a member's
// DMs go out together as one message (one batching window, the pack's
// batchMinutes, measured from the batch's first DM), and how a failed row is
// retried. Pure: the jobs ask, the store records.
import { DateTime } from "luxon";
import type { Pack } from "./pack.ts";

/** Quiet hours as the pack writes them ("22:00" to "08:00"); equal ends mean none. */
export interface QuietHours {
  start: string;
  end: string;
}

export interface DeliveryPolicy {
  quietHours: QuietHours | undefined;
  /** DMs to one member written within this long of the batch's first go out with it; 0: never batched. */
  batchWindowMs: number;
}

export function deliveryPolicy(pack: Pick<Pack, "quietHours" | "batchMinutes">): DeliveryPolicy {
  return { quietHours: pack.quietHours, batchWindowMs: Math.max(0, pack.batchMinutes) * 60_000 };
}

/** When the quiet hours that `at` falls in end, in timezone `tz`; null outside quiet hours. */
export function quietUntil(quiet: QuietHours | undefined, at: Date, tz: string): Date | null {
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

/**
 * Until when a message waits before it may go out; null: now. Only DMs wait, and only where they
 * reach someone's phone (`wakesPeople`: the terminal wakes nobody); posts go out at any hour.
 */
export function holdUntil(policy: DeliveryPolicy, kind: string, wakesPeople: boolean, at: Date, tz: string): Date | null {
  if (kind !== "dm" || !wakesPeople) return null;
  return quietUntil(policy.quietHours, at, tz);
}

/** What the batching looks at in an outbox row. */
export interface Batchable {
  kind: string;
  memberId: string | null;
  createdAt: Date;
}

/** Whether a row may be batched with others at all: DMs to a member, with a window. */
export function batches(policy: DeliveryPolicy, row: Batchable): row is Batchable & { memberId: string } {
  return row.kind === "dm" && row.memberId !== null && policy.batchWindowMs > 0;
}

/** The creation times a DM batched with `first` (the batch's earliest) may have: the window after it. */
export function batchRange(policy: DeliveryPolicy, first: Batchable): { from: Date; to: Date } {
  return { from: first.createdAt, to: new Date(first.createdAt.getTime() + policy.batchWindowMs) };
}

/**
 * Rows (in the order they were written) in the groups they go out in: a member's DMs written
 * within the window of the group's first together, everything else alone. Groups keep the rows'
 * order, and come in the order of their first row.
 */
export function groupDms<R extends Batchable>(policy: DeliveryPolicy, rows: R[]): R[][] {
  const groups: R[][] = [];
  const open = new Map<string, R[]>();
  for (const row of rows) {
    if (!batches(policy, row)) {
      groups.push([row]);
      continue;
    }
    const group = open.get(row.memberId);
    const first = group?.[0];
    if (group && first && row.createdAt <= batchRange(policy, first).to && row.createdAt >= first.createdAt) {
      group.push(row);
    } else {
      const fresh = [row];
      open.set(row.memberId, fresh);
      groups.push(fresh);
    }
  }
  return groups;
}

/** A row that failed this many times (platform errors, outages) is given up and marked failed. */
export const MAX_ATTEMPTS = 8;

/** The wait before the next try after `attempt` failed tries: doubling from 2 s, at most an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60 * 60_000, 1000 * 2 ** attempt);
}

/** What to do with a row whose delivery failed: try again later, or give up for good. */
export function afterFailure(attempts: number, permanent: boolean, now: Date): { giveUp: true } | { giveUp: false; retryAt: Date } {
  if (permanent || attempts >= MAX_ATTEMPTS) return { giveUp: true };
  return { giveUp: false, retryAt: new Date(now.getTime() + retryDelayMs(attempts)) };
}
