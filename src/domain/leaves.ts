// Leaves of absence: a member pauses from now until the end of a chosen day
// (in the organisation's timezone), at most the pack's `maxPauseDays` ahead.
// A new leave replaces one still running, so "until" always means what was
// last said. What a leave excuses (no reminders, periods shown as paused) is
// judged with the commitments (src/domain/commitments.ts).
import { DateTime } from "luxon";
import { parseDay } from "./periods.ts";

export interface LeaveSpan {
  startsAt: Date;
  endsAt: Date;
}

export type LeaveRefusal =
  | { reason: "date" }
  | { reason: "past" }
  /** `longest`: the last day a leave from today may run to, YYYY-MM-DD. */
  | { reason: "long"; maxDays: number; longest: string };

/** The leave `until` asks for, starting `now`: through the whole of that day, so it ends at the next local midnight. */
export function leaveSpan(until: string, now: Date, tz: string, maxDays: number): { ok: true; span: LeaveSpan } | ({ ok: false } & LeaveRefusal) {
  const today = DateTime.fromJSDate(now, { zone: tz }).startOf("day");
  const day = parseDay(until, tz);
  if (!day) return { ok: false, reason: "date" };
  if (day < today) return { ok: false, reason: "past" };
  const longest = today.plus({ days: maxDays });
  if (day > longest) return { ok: false, reason: "long", maxDays, longest: longest.toISODate() as string };
  return { ok: true, span: { startsAt: now, endsAt: day.plus({ days: 1 }).startOf("day").toJSDate() } };
}

/** Whether a leave runs at `now`: started, not yet ended (its end is exclusive). */
export const leaveRunning = (leave: LeaveSpan, now: Date): boolean => leave.startsAt <= now && now < leave.endsAt;

/** The last day a leave covers, YYYY-MM-DD in `tz` (its end is the following midnight). */
export function leaveLastDay(leave: Pick<LeaveSpan, "endsAt">, tz: string): string {
  return DateTime.fromMillis(leave.endsAt.getTime() - 1, { zone: tz }).toISODate() as string;
}
