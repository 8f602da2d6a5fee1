// Loads what the commitment rules need — memberships, activities, pauses — in
// a few set-based queries per program, and hands it to the pure evaluation in
// src/domain/commitments.ts. /commitments, reminders and the weekly report all
// come through here, so they agree by construction.
//
// Two things keep a report of thousands of members cheap:
// - activities are aggregated in SQL per (member, kind, local ISO week, local
//   month). Every week, month and quarter boundary is a local midnight that is
//   also a week or month boundary, so no bucket straddles a period, and a
//   bucket stands for its activities exactly (count capped at what a rule can
//   use, hours summed);
// - history is read from a window: the reference quarter (or month, week) and
//   `lookbackWeeks` more weeks for streaks. Memberships older than the window
//   are evaluated as if they began at its start (a Monday that is also before
//   every judged period), so streaks and weeks-missed stop there: `capped`
//   tells the caller to show "12+".
import type { App } from "../app.ts";
import {
  evaluateProgram,
  type ActivityInput,
  type CommitmentEvaluation,
  type EvaluationOptions,
  type MemberEvaluation,
  type MemberInput,
  type PauseInput,
  type StatusCounts,
} from "../domain/commitments.ts";
import type { PeriodUnit, Program } from "../domain/pack.ts";
import { periodOf, type Period } from "../domain/periods.ts";
import { findProgram } from "./programs.ts";

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export interface LoadedMember extends MemberInput {
  memberId: string;
  handle: string;
  displayName: string;
  /** When they joined, before any clamping to the window. */
  joinedAt: Date;
  /** Joined before the window: streak and weeks missed cannot see further back. */
  capped: boolean;
  activities: ActivityInput[];
  pauses: PauseInput[];
}

export interface ProgramEvaluationResult {
  program: Program;
  /** The period evaluated as of (the report's week), or undefined for "now". */
  period: Period | undefined;
  rows: Array<MemberEvaluation & { member: LoadedMember }>;
  summary: StatusCounts;
  windowStart: Date;
  /** Complete weeks visible in the window before the reference week. */
  windowWeeks: number;
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
}

export const REPORT_LOOKBACK_WEEKS = 12;
export const MEMBER_LOOKBACK_WEEKS = 104;

const UNIT_ORDER: PeriodUnit[] = ["week", "month", "quarter"];

/** The instant the evaluation looks from, the same way the domain computes it. */
function referenceInstant(now: Date, period: Period | undefined): Date {
  if (!period) return now;
  const t = period.start <= now ? Math.min(period.end.getTime() - 1, now.getTime()) : period.end.getTime() - 1;
  return new Date(t);
}

function windowStartFor(program: Program, ref: Date, lookbackWeeks: number, tz: string): Date {
  const largest = UNIT_ORDER.filter((u) => program.commitments.some((c) => c.per === u)).at(-1) ?? "week";
  const unitStart = periodOf(largest, ref, tz).start.getTime();
  const back = periodOf("week", ref, tz).start.getTime() - lookbackWeeks * WEEK_MS;
  // A week start on or before the largest unit's start: clamped joins there never make a judged period "mid-period".
  return periodOf("week", new Date(Math.min(unitStart, back)), tz).start;
}

interface MemberRow {
  member_id: string;
  joined_at: Date | string;
  handle: string;
  display_name: string;
}
interface BucketRow {
  member_id: string;
  kind: string;
  at: Date | string;
  n: number;
  hours: number | null;
}
interface PauseRow {
  member_id: string;
  starts_at: Date | string;
  ends_at: Date | string;
}

const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

/** Three queries for the whole program, whatever its size. */
async function loadMembers(app: App, program: Program, windowStart: Date, until: Date, memberIds: string[] | undefined): Promise<LoadedMember[]> {
  const tz = app.config.STEWARD_TIMEZONE;
  const only = memberIds ? "AND m.member_id = ANY($2::text[])" : "";
  const params = (extra: unknown[]) => (memberIds ? [program.id, memberIds, ...extra] : [program.id, ...extra]);
  const n = memberIds ? 3 : 2;
  const kinds = [...new Set(program.commitments.flatMap((c) => c.kinds))];

  const [members, buckets, pauses] = await Promise.all([
    app.sql.query<MemberRow>(
      `SELECT m.member_id, m.joined_at, mem.handle, mem.display_name
         FROM memberships m JOIN members mem ON mem.id = m.member_id
        WHERE m.program_id = $1 AND m.state = 'active' ${only}
        ORDER BY mem.handle`,
      params([]),
    ),
    kinds.length === 0
      ? Promise.resolve([] as BucketRow[])
      : app.sql.query<BucketRow>(
          `SELECT a.member_id, a.kind, min(a.occurred_at) AS at, count(*)::int AS n, sum(a.hours)::float8 AS hours
             FROM activities a JOIN memberships m ON m.member_id = a.member_id
            WHERE m.program_id = $1 AND m.state = 'active' ${only}
              AND a.kind = ANY($${n}::text[]) AND a.rejected_at IS NULL
              AND a.occurred_at >= $${n + 1} AND a.occurred_at < $${n + 2}
            GROUP BY a.member_id, a.kind,
                     date_trunc('week', a.occurred_at AT TIME ZONE $${n + 3}),
                     date_trunc('month', a.occurred_at AT TIME ZONE $${n + 3})`,
          params([kinds, windowStart, until, tz]),
        ),
    app.sql.query<PauseRow>(
      `SELECT p.member_id, p.starts_at, p.ends_at
         FROM pauses p JOIN memberships m ON m.member_id = p.member_id
        WHERE m.program_id = $1 AND m.state = 'active' ${only}
          AND p.ends_at > $${n} AND p.starts_at < $${n + 1}`,
      params([windowStart, until]),
    ),
  ]);

  // How many activities of a kind a rule can use in one period: more copies would change nothing.
  const cap = new Map<string, number>();
  for (const c of program.commitments)
    if (c.measure === "count") for (const k of c.kinds) cap.set(k, Math.max(cap.get(k) ?? 1, Math.ceil(c.atLeast)));

  const byId = new Map<string, LoadedMember>();
  const out: LoadedMember[] = [];
  for (const r of members) {
    const joinedAt = asDate(r.joined_at);
    const capped = joinedAt < windowStart;
    const m: LoadedMember = {
      memberId: r.member_id,
      handle: r.handle,
      displayName: r.display_name,
      joinedAt,
      capped,
      membership: { joinedAt: capped ? windowStart : joinedAt },
      activities: [],
      pauses: [],
    };
    byId.set(r.member_id, m);
    out.push(m);
  }
  for (const b of buckets) {
    const m = byId.get(b.member_id);
    if (!m) continue;
    const copies = Math.max(1, Math.min(b.n, cap.get(b.kind) ?? 1));
    const hours = b.hours === null ? null : b.hours / copies;
    const at = asDate(b.at);
    for (let i = 0; i < copies; i++) m.activities.push({ kind: b.kind, occurredAt: at, hours });
  }
  for (const p of pauses) {
    const m = byId.get(p.member_id);
    if (m) m.pauses.push({ startsAt: asDate(p.starts_at), endsAt: asDate(p.ends_at) });
  }
  return out;
}

/** Every (or some) active member of a program, judged as of now or a period. */
export async function evaluateProgramMembers(app: App, programId: string, opts: EvaluateOptions = {}): Promise<ProgramEvaluationResult> {
  const program = findProgram(app, programId);
  const tz = app.config.STEWARD_TIMEZONE;
  const now = opts.now ?? app.now();
  const ref = referenceInstant(now, opts.period);
  const windowStart = windowStartFor(program, ref, opts.lookbackWeeks ?? REPORT_LOOKBACK_WEEKS, tz);
  const members = await loadMembers(app, program, windowStart, new Date(ref.getTime() + 1), opts.memberIds);
  const evalOpts: EvaluationOptions = { now, tz, ...(opts.period ? { period: opts.period } : {}) };
  const { rows, summary } = evaluateProgram(program.commitments, members, evalOpts);
  const windowWeeks = Math.round((periodOf("week", ref, tz).start.getTime() - windowStart.getTime()) / WEEK_MS);
  return { program, period: opts.period, rows, summary, windowStart, windowWeeks };
}

/** A streak or count that may reach back past the window is shown as "12+". */
export function atLeastShown(value: number | null, member: LoadedMember, windowWeeks: number): string {
  if (value === null) return "—";
  return member.capped && value >= windowWeeks ? `${value}+` : String(value);
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

export function whatIsLeft(c: CommitmentEvaluation): string {
  const left = c.measure === "hours" ? `${c.left} more hour${c.left === 1 ? "" : "s"}` : `${c.left} more`;
  return `${c.label}: ${left}`;
}

/**
 * Active, unpaused members who have not yet met the required commitments of
 * the current period of `unit` (the Thursday and month-end reminders).
 */
export async function membersNeedingReminder(app: App, programId: string, unit: "week" | "month", now: Date): Promise<ReminderDue[]> {
  const r = await evaluateProgramMembers(app, programId, { now, lookbackWeeks: 0 });
  const out: ReminderDue[] = [];
  for (const row of r.rows) {
    if (row.onPause) continue;
    const open = row.commitments.filter((c) => c.required && c.unit === unit && (c.status === "on-track" || c.status === "at-risk"));
    const first = open[0];
    if (!first) continue;
    out.push({ memberId: row.member.memberId, missing: open.map(whatIsLeft), deadline: first.deadline, periodKey: first.period.key });
  }
  return out;
}
