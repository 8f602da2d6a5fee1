// How commitments read in replies: status words, a report cell, "12+" for
// counts that reach back past the loaded window, what is left to do, and the
// repeat-missers' labels, for /commitments, /report and the reminders.
import type { CommitmentEvaluation, CommitmentStatus, MemberEvaluation } from "../domain/commitments.ts";

export const STATUS_LABEL: Readonly<Record<CommitmentStatus, string>> = {
  met: "met",
  "on-track": "on track",
  "at-risk": "at risk",
  missed: "missed",
  paused: "paused",
  "not-yet-judged": "new",
};

export function commitmentCell(c: CommitmentEvaluation): string {
  const unit = c.measure === "hours" ? "h" : "";
  // Not judged because the membership ended is not "new": the member left.
  const label = c.notJudgedReason === "membership-ended" ? "left" : STATUS_LABEL[c.status];
  return `${label} ${c.done}/${c.atLeast}${unit}`;
}

/** A member's overall status in a report: "left" when nothing is judged because their membership ended. */
export function overallLabel(e: Pick<MemberEvaluation, "overall" | "commitments">): string {
  const ended = e.overall === "not-yet-judged" && e.commitments.some((c) => c.required && c.notJudgedReason === "membership-ended");
  return ended ? "left" : STATUS_LABEL[e.overall];
}

/** A streak or count that may reach back past the window (`capped`: joined before it) is shown as "12+". */
export function atLeastShown(value: number | null, member: { capped: boolean }, windowWeeks: number): string {
  if (value === null) return "—";
  return member.capped && value >= windowWeeks ? `${value}+` : String(value);
}

/** One line of a reminder, e.g. "Hours servicing the community: 2 more hours". */
export function whatIsLeft(c: CommitmentEvaluation): string {
  const left = c.measure === "hours" ? `${c.left} more hour${c.left === 1 ? "" : "s"}` : `${c.left} more`;
  return `${c.label}: ${left}`;
}

const SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

/** Labels for members flagged at `threshold` weeks missed in a row (the evaluation's flagMissedInARow). */
export function missedInARowLabels(threshold: number): { field: string; sentence: string; summary: string } {
  return {
    field: `Missed ${threshold}+ weeks in a row`,
    sentence: `Missed ${SMALL[threshold] ?? threshold} or more weeks in a row`,
    summary: `missed ${threshold}+ weeks in a row`,
  };
}
