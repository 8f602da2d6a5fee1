// The commitment use cases: a program's members judged as of now or a past
// week (the report), one member's standing (/commitments) and who is due a
// reminder. All three load through src/store/commitments.ts and judge with
// src/domain/commitments.ts, so they agree by construction.
//
// History is read from a window: the reference quarter (or month, week) and
// `lookbackWeeks` more weeks for streaks. Memberships older than the window
// are evaluated as if they began at its start, so streaks and weeks missed stop
// there: `capped` tells the caller to show "12+".
import type { App } from "../app.ts";
import { whatIsLeft } from "../chat/commitments.ts";
import {
  correctedCells,
  DEFAULT_FLAG_MISSED_IN_A_ROW,
  earliestShownStart,
  evaluateProgram,
  type CommitmentStatus,
  type CorrectionInput,
  reminderDue,
  type EvaluationOptions,
  type MemberEvaluation,
  type StatusCounts,
} from "../domain/commitments.ts";
import type { PeriodUnit, Program } from "../domain/pack.ts";
import { periodOf, UNIT_ORDER, type Period } from "../domain/periods.ts";
import { loadCorrections, loadProgramMembers, type LoadedMember } from "../store/commitments.ts";
import { findProgram } from "./programs.ts";

export type { LoadedMember } from "../store/commitments.ts";

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export interface ProgramEvaluationResult {
  program: Program;
  /** The period evaluated as of (the report's week), or undefined for "now". */
  period: Period | undefined;
  rows: Array<MemberEvaluation & { member: LoadedMember; changed?: CorrectionInput[][] }>;
  summary: StatusCounts;
  windowStart: Date;
  /** Complete weeks visible in the window before the reference week. */
  windowWeeks: number;
  /** Weeks missed in a row from which a member was flagged. */
  flagMissedInARow: number;
  /** A member's last `n` weeks, oldest first (the report's heatmap; at most lookbackWeeks + 1 are in the window). */
  weeksOf(member: LoadedMember, n: number): CommitmentStatus[];
}

export interface EvaluateOptions {
  /** Judge as of this period (a past week for the report); default now. */
  period?: Period | undefined;
  /** Only these members (for /commitments), default all active members. */
  memberIds?: string[] | undefined;
  /** Weeks of history for streaks beyond the reference quarter. */
  lookbackWeeks?: number;
  /** The evaluation's "now"; default app.now(). */
  now?: Date | undefined;
  /** Flag members who missed this many weeks in a row; default the domain's. */
  flagMissedInARow?: number;
}

export const REPORT_LOOKBACK_WEEKS = 12;
export const MEMBER_LOOKBACK_WEEKS = 104;

/** The instant the evaluation looks from, the same way the domain computes it. */
function referenceInstant(now: Date, period: Period | undefined): Date {
  if (!period) return now;
  const t = period.start <= now ? Math.min(period.end.getTime() - 1, now.getTime()) : period.end.getTime() - 1;
  return new Date(t);
}

function windowStartFor(program: Program, ref: Date, period: Period | undefined, lookbackWeeks: number, tz: string): Date {
  const largest = UNIT_ORDER.filter((u) => program.commitments.some((c) => c.per === u)).at(-1) ?? "week";
  const back = periodOf("week", ref, tz).start.getTime() - lookbackWeeks * WEEK_MS;
  // The start of the longest period holding the oldest week looked at (or the reference period's start): a week start
  // on or before it, so a membership clamped there never makes a period shown for those weeks "mid-period".
  const oldest = Math.min(back, ref.getTime(), period ? period.start.getTime() : Infinity);
  return periodOf("week", periodOf(largest, oldest, tz).start, tz).start;
}

/** Every (or some) active member of a program, judged as of now or a period. */
export async function evaluateProgramMembers(app: App, programId: string, opts: EvaluateOptions = {}): Promise<ProgramEvaluationResult> {
  const program = findProgram(app, programId);
  const tz = app.config.STEWARD_TIMEZONE;
  const now = opts.now ?? app.now();
  const ref = referenceInstant(now, opts.period);
  const windowStart = windowStartFor(program, ref, opts.period, opts.lookbackWeeks ?? REPORT_LOOKBACK_WEEKS, tz);
  // A past week's report marks the cells corrected since the week ended: read alongside the members (the statuses are
  // recomputed from the rows; the marks only say where they moved).
  const period = opts.period;
  // A program without commitments has no cells to mark (and no shown period to read corrections from).
  const past = period && period.end <= now && program.commitments.length > 0 ? period : undefined;
  const [members, corrections] = await Promise.all([
    loadProgramMembers(app.sql, { program, tz, windowStart, ref, memberIds: opts.memberIds, period: opts.period }),
    past
      ? loadCorrections(app.sql, { programId: program.id, memberIds: opts.memberIds, period: past, from: earliestShownStart(program.commitments, past, now) })
      : undefined,
  ]);
  const flagMissedInARow = opts.flagMissedInARow ?? DEFAULT_FLAG_MISSED_IN_A_ROW;
  const evalOpts: EvaluationOptions = {
    now,
    tz,
    flagMissedInARow,
    ...(opts.period ? { period: opts.period } : {}),
  };
  const { rows, summary, weeksOf } = evaluateProgram(program.commitments, members, evalOpts);
  if (past && corrections) {
    for (const row of rows as ProgramEvaluationResult["rows"]) {
      const list = corrections.get(row.member.memberId);
      if (list) row.changed = correctedCells(program.commitments, row.commitments, list, past.end);
    }
  }
  const windowWeeks = Math.round((periodOf("week", ref, tz).start.getTime() - windowStart.getTime()) / WEEK_MS);
  return { program, period: opts.period, rows, summary, windowStart, windowWeeks, flagMissedInARow, weeksOf };
}

export interface MemberProgramStatus {
  program: Program;
  joinedAt: Date;
  evaluation: MemberEvaluation;
  member: LoadedMember;
  windowWeeks: number;
}

/** /commitments: the member's standing in each program they are in that has commitments. */
export async function memberCommitments(app: App, memberId: string): Promise<MemberProgramStatus[]> {
  const memberships = await app.db.membership.findMany({ where: { memberId, state: "active" }, select: { programId: true } });
  const ids = new Set(memberships.map((m) => m.programId));
  const out: MemberProgramStatus[] = [];
  for (const program of app.pack.programs) {
    if (!ids.has(program.id) || program.commitments.length === 0) continue;
    const r = await evaluateProgramMembers(app, program.id, { memberIds: [memberId], lookbackWeeks: MEMBER_LOOKBACK_WEEKS });
    const row = r.rows[0];
    if (row) out.push({ program, joinedAt: row.member.joinedAt, evaluation: row, member: row.member, windowWeeks: r.windowWeeks });
  }
  return out;
}

export interface ReminderDue {
  memberId: string;
  /** What is left, one line per required commitment not yet met, e.g. "Hours servicing the community: 2 more hours". */
  missing: string[];
  /** The period's exclusive end (format with formatDeadline in the member's or the organisation's timezone). */
  deadline: Date;
  periodKey: string;
}

/** The members due the weekly, month-end or quarter-end reminder (see the domain's reminderDue), with what is left. */
export async function membersNeedingReminder(app: App, programId: string, unit: PeriodUnit, now: Date): Promise<ReminderDue[]> {
  const r = await evaluateProgramMembers(app, programId, { now, lookbackWeeks: 0 });
  const out: ReminderDue[] = [];
  for (const row of r.rows) {
    const open = reminderDue(row, unit);
    const first = open[0];
    if (!first) continue;
    out.push({ memberId: row.member.memberId, missing: open.map(whatIsLeft), deadline: first.deadline, periodKey: first.period.key });
  }
  return out;
}
