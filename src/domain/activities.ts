// Limits on what a member logs by hand: how many hours one entry may record
// (the pack's `maxHoursPerEntry`) and how far back it may be dated (the
// pack's `backdateDays`), judged in the organisation's timezone.
import { DateTime } from "luxon";
import { parseDay } from "./periods.ts";

/** More than 0 and at most the pack's limit for one entry. */
export const hoursAllowed = (hours: number, maxPerEntry: number): boolean => hours > 0 && hours <= maxPerEntry;

export type ActivityDateRefusal =
  | { reason: "date"; today: string }
  | { reason: "future" }
  /** `oldest`: the earliest day that may still be logged, YYYY-MM-DD. */
  | { reason: "too-old"; oldest: string };

/**
 * When a logged activity happened: now for today (or no date), otherwise noon
 * of that local day (noon, because midnight may not exist on a DST day, and
 * noon is in the same week, month and quarter as the whole day). Not in the
 * future, and at most `backdateDays` back.
 */
export function activityTime(date: string | undefined, now: Date, tz: string, backdateDays: number): { ok: true; at: Date } | ({ ok: false } & ActivityDateRefusal) {
  if (date === undefined) return { ok: true, at: now };
  const today = DateTime.fromJSDate(now, { zone: tz }).startOf("day");
  const day = parseDay(date, tz);
  if (!day) return { ok: false, reason: "date", today: today.toISODate() as string };
  if (day > today) return { ok: false, reason: "future" };
  const oldest = today.minus({ days: backdateDays });
  if (day < oldest) return { ok: false, reason: "too-old", oldest: oldest.toISODate() as string };
  return { ok: true, at: day.hasSame(today, "day") ? now : day.set({ hour: 12 }).toJSDate() };
}

/**
 * Whether a platform message dated `at` may count: no older than /log may
 * backdate (the start of the day `backdateDays` days before today, in the
 * organisation's zone), so a replayed or forged event with an old timestamp
 * cannot rewrite weeks long reported. Messages dated ahead of the clock are
 * left alone: a platform's clock a little ahead of ours is normal.
 */
export function messageDateCounts(at: Date, now: Date, tz: string, backdateDays: number): boolean {
  return Number.isFinite(at.getTime()) && at.getTime() >= oldestCountedMessage(now, tz, backdateDays);
}

/** messageDateCounts' bound, in epoch milliseconds: a batch of messages reads it once. */
export function oldestCountedMessage(now: Date, tz: string, backdateDays: number): number {
  return DateTime.fromJSDate(now, { zone: tz }).startOf("day").minus({ days: backdateDays }).toMillis();
}

/**
 * Which program one activity counts for, given the programs that could count
 * it (the member's programs counting its kind, or a message channel's
 * programs). Programs run independently, so an activity counts for one:
 * - `all` when the kind is shared across programs on purpose (the row names no program);
 * - `one` when exactly one program could count it;
 * - `none` when no program could;
 * - `ask` when several could and the member must say which.
 */
export type ProgramChoice<P> = { counts: "all" } | { counts: "one"; program: P } | { counts: "none" } | { counts: "ask"; among: readonly P[] };

export function programChoice<P>(candidates: readonly P[], sharedAcrossPrograms: boolean): ProgramChoice<P> {
  if (sharedAcrossPrograms) return { counts: "all" };
  const [first, ...rest] = candidates;
  if (first === undefined) return { counts: "none" };
  return rest.length === 0 ? { counts: "one", program: first } : { counts: "ask", among: candidates };
}
