// Loads what the commitment rules need — memberships, activities, pauses — in
// a few set-based queries per program, and hands it to the pure evaluation in
// src/domain/commitments.ts. /commitments, reminders and the weekly report all
// come through here, so they agree by construction.
//
// Two things keep a report of thousands of members cheap:
// - progress is added up in SQL (see loadMembers), only for the periods the
//   evaluation reads, and comes back as at most one row per member and query;
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
  type ProgressInput,
  type StatusCounts,
} from "../domain/commitments.ts";
import type { Commitment, PeriodUnit, Program } from "../domain/pack.ts";
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
  progress: ProgressInput[];
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
  /** Each member's last this many weeks too (MemberEvaluation.weeks); at most lookbackWeeks + 1. */
  historyWeeks?: number;
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
interface PauseRow {
  member_id: string;
  starts_at: Date | string;
  ends_at: Date | string;
}

const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

/** Placeholders for one statement's parameters, numbered as they are added. */
function parameters(initial: unknown[]) {
  const values = [...initial];
  return { values, add: (v: unknown) => `$${values.push(v)}` };
}

/**
 * SQL for what a commitment's rule adds up over the rows a filter keeps:
 * activities counted, or hours summed (non-finite hours count 0, as in the
 * domain). Every caller has already dropped rejected activities.
 */
function amountSql(c: Commitment, add: (v: unknown) => string, extra = ""): string {
  const kinds = `a.kind = ANY(${add([...new Set(c.kinds)])}::text[])${extra}`;
  return c.measure === "hours"
    ? `coalesce(sum(a.hours) FILTER (WHERE ${kinds} AND a.hours > '-Infinity' AND a.hours < 'Infinity'), 0)::float8`
    : `count(*) FILTER (WHERE ${kinds})::int`;
}

/**
 * The members, pauses and progress of a program in four set-based queries,
 * each returning at most a row per member. Progress is what the domain's
 * evaluation reads, added up in SQL instead of shipping every activity:
 * - each commitment's amount in the period of its unit containing `ref` (the
 *   only period judged and shown);
 * - for the weekly required commitments (streaks and weeks missed in a row),
 *   their amount in every local ISO week of the window that has any, packed
 *   per member as "ms,amount,…,ms,amount,…" with ms an instant in that week.
 * The domain then places each amount in its period exactly as it would have
 * placed the activities, so /commitments, reminders and the report agree.
 */
async function loadMembers(app: App, program: Program, windowStart: Date, ref: Date, memberIds: string[] | undefined): Promise<LoadedMember[]> {
  const tz = app.config.STEWARD_TIMEZONE;
  const until = new Date(ref.getTime() + 1);
  const only = memberIds ? "AND m.member_id = ANY($2::text[])" : "";
  const scope = memberIds ? [program.id, memberIds] : [program.id];
  const rules = program.commitments;
  const isWeekly = (c: Commitment) => c.per === "week" && c.required;
  const weekly = rules.flatMap((c, ci) => (isWeekly(c) ? [ci] : []));
  const current = rules.flatMap((c, ci) => (isWeekly(c) ? [] : [ci]));
  const from = `FROM activities a JOIN memberships m ON m.member_id = a.member_id
           WHERE m.program_id = $1 AND m.state = 'active' ${only} AND a.rejected_at IS NULL`;

  // This period's amounts: one column per commitment, and only the kinds of each unit from that unit's start.
  const cur = parameters(scope);
  const units = UNIT_ORDER.flatMap((unit) => {
    const cis = current.filter((ci) => rules[ci]?.per === unit);
    if (cis.length === 0) return [];
    const kinds = [...new Set(cis.flatMap((ci) => rules[ci]?.kinds ?? []))];
    return [{ cis, start: cur.add(periodOf(unit, ref, tz).start), kinds }];
  });
  const currentSql = units.length
    ? `SELECT a.member_id, ${units
        .flatMap((u) => u.cis.map((ci) => `${amountSql(rules[ci] as Commitment, cur.add, ` AND a.occurred_at >= ${u.start}`)} AS c${ci}`))
        .join(", ")}
         ${from} AND a.occurred_at < ${cur.add(until)}
           AND (${units.map((u) => `(a.kind = ANY(${cur.add(u.kinds)}::text[]) AND a.occurred_at >= ${u.start})`).join(" OR ")})
         GROUP BY a.member_id`
    : undefined;

  // Week by week for the weekly required commitments, over the whole window.
  const wk = parameters(scope);
  const weeklySql = weekly.length
    ? `SELECT w.member_id, string_agg(w.at_ms || ${weekly.map((ci) => `',' || w.c${ci}`).join(" || ")}, ',') AS weeks
         FROM (SELECT a.member_id, floor(extract(epoch FROM min(a.occurred_at)) * 1000)::bigint AS at_ms,
                      ${weekly.map((ci) => `${amountSql(rules[ci] as Commitment, wk.add)} AS c${ci}`).join(", ")}
                 ${from}
                  AND a.kind = ANY(${wk.add([...new Set(weekly.flatMap((ci) => rules[ci]?.kinds ?? []))])}::text[])
                  AND a.occurred_at >= ${wk.add(windowStart)} AND a.occurred_at < ${wk.add(until)}
                GROUP BY a.member_id, date_trunc('week', a.occurred_at AT TIME ZONE ${wk.add(tz)})) w
        GROUP BY w.member_id`
    : undefined;

  const n = scope.length;
  const [members, currentRows, weeklyRows, pauses] = await Promise.all([
    app.sql.query<MemberRow>(
      `SELECT m.member_id, m.joined_at, mem.handle, mem.display_name
         FROM memberships m JOIN members mem ON mem.id = m.member_id
        WHERE m.program_id = $1 AND m.state = 'active' ${only}
        ORDER BY mem.handle`,
      scope,
    ),
    currentSql ? app.sql.query<Record<string, unknown> & { member_id: string }>(currentSql, cur.values) : [],
    weeklySql ? app.sql.query<{ member_id: string; weeks: string }>(weeklySql, wk.values) : [],
    app.sql.query<PauseRow>(
      `SELECT p.member_id, p.starts_at, p.ends_at
         FROM pauses p JOIN memberships m ON m.member_id = p.member_id
        WHERE m.program_id = $1 AND m.state = 'active' ${only}
          AND p.ends_at > $${n + 1} AND p.starts_at < $${n + 2}`,
      [...scope, windowStart, until],
    ),
  ]);

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
      progress: [],
      pauses: [],
    };
    byId.set(r.member_id, m);
    out.push(m);
  }
  const columns = current.map((ci) => [ci, `c${ci}`] as const);
  for (const r of currentRows) {
    const m = byId.get(r.member_id);
    if (!m) continue;
    for (const [ci, column] of columns) {
      const amount = Number(r[column] ?? 0);
      if (amount !== 0) m.progress.push({ commitment: ci, at: ref, amount });
    }
  }
  // "ms,amount,amount,ms,amount,amount…": one split per member.
  const stride = weekly.length + 1;
  for (const r of weeklyRows) {
    const m = byId.get(r.member_id);
    if (!m || !r.weeks) continue;
    const parts = r.weeks.split(",");
    for (let k = 0; k + stride <= parts.length; k += stride) {
      const at = new Date(Number(parts[k]));
      for (let j = 1; j < stride; j++) {
        const amount = Number(parts[k + j]);
        const ci = weekly[j - 1];
        if (amount !== 0 && ci !== undefined) m.progress.push({ commitment: ci, at, amount });
      }
    }
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
  const members = await loadMembers(app, program, windowStart, ref, opts.memberIds);
  const evalOpts: EvaluationOptions = { now, tz, ...(opts.period ? { period: opts.period } : {}), ...(opts.historyWeeks ? { historyWeeks: opts.historyWeeks } : {}) };
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
