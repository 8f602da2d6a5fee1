// Commitments -> compliance. One pure function of (rules, activities,
// membership, pauses, now) behind /commitments, reminders and the weekly
// report, so the three cannot disagree about a member.
//
// Rules chosen here (the seed leaves them open):
// - Judged periods: a member is judged for a period only if they were a member
//   for all of it: from the first FULL period after joining (joining exactly at
//   a period's start makes that period full) and, once the membership has
//   ended, not for the period it ended in or any later one. Other periods are
//   "not-yet-judged", still with their progress, so a newcomer sees what counts.
// - Status of a judged period, first match wins:
//   met       done >= atLeast (even while paused: the work was done);
//   paused    pauses cover at least `pausedAtLeast` (default half) of the
//             period's duration: "most of it";
//   missed    the period is over;
//   at-risk   at least `atRiskAfter` of the period has gone, in local
//             wall-clock time (default 3/7: from Thursday 00:00 of an ISO week,
//             about the 14th of a month, early in the quarter's second month);
//   on-track  otherwise.
// - Progress: hours summed for measure "hours" (a missing number counts 0),
//   activities counted otherwise; rejected activities never count; an activity
//   counts for the period its occurredAt falls in, in the organisation's zone.
//   Activities are not cut off at now: pass the ones known at now.
// - Streak: consecutive weeks in which every weekly required commitment was
//   met, counting back from the reference week. A paused week, the reference
//   week while it is still running and not yet met, and weeks after the
//   membership ended are skipped (neither break nor extend); a missed week or
//   the first week that was not judged (joining) ends it.
// - Weeks missed in a row: consecutive completed weeks, most recent first, in
//   which some weekly required commitment was missed; paused weeks are skipped,
//   a met week or the joining ends the count. Both are null for programs
//   without weekly required commitments.
// - Overall status of a member: the worst of their required commitments,
//   missed > at-risk > paused > on-track > met > not-yet-judged, so a leave of
//   absence shows as paused unless something not covered by it is failing.
//   A program without required commitments is "met" (nothing is owed).
import type { Commitment, PeriodUnit } from "./pack.ts";
import { type Period, PeriodSeries, assertTimeZone, elapsedFraction, firstFullPeriodFrom } from "./periods.ts";

export type CommitmentStatus = "met" | "on-track" | "at-risk" | "missed" | "paused" | "not-yet-judged";
export type NotJudgedReason = "future" | "before-joining" | "joined-mid-period" | "membership-ended";

/** Both flags are accepted so store rows (rejectedAt) can be passed as they are. */
export interface ActivityInput {
  kind: string;
  occurredAt: Date;
  hours?: number | null;
  rejected?: boolean;
  rejectedAt?: Date | null;
}

export interface MembershipInput {
  joinedAt: Date;
  endedAt?: Date | null;
}

export interface PauseInput {
  startsAt: Date;
  endsAt: Date;
}

/**
 * Progress already added up elsewhere (a loader aggregating in SQL, so a large
 * program does not ship every activity): `amount` — activities counted, or
 * hours for measure "hours" — towards the commitment at index `commitment` of
 * the rules evaluated, in the period of that commitment's unit containing
 * `at`. It adds to what `activities` give; whoever adds it up applies the
 * same rules as for activities (kinds, no rejected ones, the period `at`
 * falls in, non-finite hours as 0).
 */
export interface ProgressInput {
  commitment: number;
  at: Date;
  amount: number;
}

export interface MemberInput {
  membership: MembershipInput;
  activities: readonly ActivityInput[];
  progress?: readonly ProgressInput[];
  pauses?: readonly PauseInput[];
}

export type CommitmentRule = Pick<Commitment, "id" | "label" | "kinds" | "atLeast" | "measure" | "per" | "required">;

export interface EvaluationOptions {
  now: Date;
  /** The organisation's IANA timezone: periods are cut in it. */
  tz: string;
  /**
   * Evaluate as of a given period (for example a past week for /report)
   * instead of now. Each commitment is judged for the period of its own unit
   * that contains the reference instant: the given period's last instant, or
   * now if the period is still running. So a weekly report also shows the
   * month as it stood when the week ended.
   */
  period?: Period;
  /** Fraction of a period after which an unmet commitment is at risk; one number or per unit. */
  atRiskAfter?: number | Partial<Record<PeriodUnit, number>>;
  /** Fraction of a period pauses must cover for it to count as paused. */
  pausedAtLeast?: number;
  /** Members who missed this many weeks in a row or more are flagged in reports. */
  flagMissedInARow?: number;
  /** Also give each member's status in the last this many weeks (MemberEvaluation.weeks), for the report's heatmap. */
  historyWeeks?: number;
}

export const DEFAULT_AT_RISK_AFTER = 3 / 7;
export const DEFAULT_PAUSED_AT_LEAST = 0.5;
export const DEFAULT_FLAG_MISSED_IN_A_ROW = 2;

export interface CommitmentEvaluation {
  id: string;
  label: string;
  required: boolean;
  measure: "count" | "hours";
  unit: PeriodUnit;
  period: Period;
  status: CommitmentStatus;
  /** Why the period is not judged; null when it is. */
  notJudgedReason: NotJudgedReason | null;
  /** Activities counted, or hours (rounded to 0.01) when measure is "hours". */
  done: number;
  atLeast: number;
  /** What is still to do to meet it, 0 once met. */
  left: number;
  /** The period's exclusive end; format it with formatDeadline. */
  deadline: Date;
  /** The period is over as of now: the status changes only if an activity is rejected. */
  final: boolean;
  /** Start of the first period of this unit the member is judged for. */
  judgedFrom: Date;
}

export interface MemberEvaluation {
  overall: CommitmentStatus;
  /** One per commitment, in the program's order. */
  commitments: CommitmentEvaluation[];
  streak: number | null;
  missedInARow: number | null;
  /** missedInARow reached flagMissedInARow: list first in reports. */
  flagged: boolean;
  /** A pause covers the reference instant: send no reminders. */
  onPause: boolean;
  /**
   * With EvaluationOptions.historyWeeks: the status of each of the last weeks up
   * to the reference week (oldest first) over the weekly required commitments,
   * the worst of them; "not-yet-judged" for weeks before joining. Empty when
   * the program has no weekly required commitment.
   */
  weeks?: CommitmentStatus[];
}

export type StatusCounts = Record<CommitmentStatus, number> & { total: number; flagged: number };

export interface ProgramEvaluation<M> {
  rows: Array<MemberEvaluation & { member: M }>;
  summary: StatusCounts;
}

/** Higher is worse; not-yet-judged is lowest so it only wins when nothing was judged. */
export const STATUS_SEVERITY: Readonly<Record<CommitmentStatus, number>> = {
  "not-yet-judged": 0,
  met: 1,
  "on-track": 2,
  paused: 3,
  "at-risk": 4,
  missed: 5,
};

export function worstStatus(statuses: Iterable<CommitmentStatus>): CommitmentStatus | null {
  let worst: CommitmentStatus | null = null;
  for (const s of statuses) if (worst === null || STATUS_SEVERITY[s] > STATUS_SEVERITY[worst]) worst = s;
  return worst;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function fraction(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a fraction between 0 and 1, got ${value}`);
  return value;
}

/** Everything shared by all members of one evaluation: built once, so a report costs O(total activities). */
class Context {
  readonly now: number;
  readonly ref: number;
  readonly tz: string;
  readonly rules: readonly CommitmentRule[];
  /** Per commitment: the series of its unit, and its index of the reference period. */
  readonly seriesOf: PeriodSeries[];
  readonly refIndexOf: number[];
  /** Per commitment: a slot shared by commitments of the same unit, so an activity is placed once per unit. */
  readonly slotOf: number[];
  readonly slots: number;
  readonly atRiskNow: boolean[];
  readonly rulesByKind = new Map<string, number[]>();
  readonly weeklyRequired: number[];
  readonly weekSeries: PeriodSeries | undefined;
  readonly weekRefIndex: number;
  readonly pausedAtLeast: number;
  readonly flagAt: number;
  readonly historyWeeks: number;
  /**
   * Per commitment, amount done per period index. Reused from member to member
   * (and cleared behind each) instead of allocating per member: a report of
   * thousands of members would otherwise spend its time in the allocator.
   */
  readonly scratch: Float64Array[];

  constructor(rules: readonly CommitmentRule[], members: readonly MemberInput[], opts: EvaluationOptions) {
    assertTimeZone(opts.tz);
    this.tz = opts.tz;
    this.rules = rules;
    this.now = opts.now.getTime();
    if (!Number.isFinite(this.now)) throw new RangeError("now is not a valid date");
    const p = opts.period;
    if (p && p.tz !== opts.tz) throw new RangeError(`period ${p.key} was cut in ${p.tz}, not in ${opts.tz}`);
    this.ref = !p ? this.now : p.start.getTime() <= this.now ? Math.min(p.end.getTime() - 1, this.now) : p.end.getTime() - 1;
    this.pausedAtLeast = fraction("pausedAtLeast", opts.pausedAtLeast ?? DEFAULT_PAUSED_AT_LEAST);
    this.flagAt = opts.flagMissedInARow ?? DEFAULT_FLAG_MISSED_IN_A_ROW;
    this.historyWeeks = Math.max(0, Math.trunc(opts.historyWeeks ?? 0));

    let from = this.ref;
    for (const m of members) {
      const joined = m.membership.joinedAt.getTime();
      if (!Number.isFinite(joined)) throw new RangeError("a membership has an invalid joinedAt");
      from = Math.min(from, joined);
    }
    const byUnit = new Map<PeriodUnit, { slot: number; series: PeriodSeries; refIndex: number; atRisk: boolean }>();
    for (const r of rules) {
      if (byUnit.has(r.per)) continue;
      const series = new PeriodSeries(r.per, new Date(from), new Date(this.ref), this.tz);
      const refIndex = series.indexOf(this.ref);
      const threshold = fraction(
        "atRiskAfter",
        typeof opts.atRiskAfter === "number" ? opts.atRiskAfter : (opts.atRiskAfter?.[r.per] ?? DEFAULT_AT_RISK_AFTER),
      );
      const refPeriod = series.at(refIndex);
      // Only the period containing now can be at risk, and now is the same for
      // everyone, so the wall-clock arithmetic happens once per unit.
      const atRisk = !!refPeriod && elapsedFraction(refPeriod, this.now) >= threshold;
      byUnit.set(r.per, { slot: byUnit.size, series, refIndex, atRisk });
    }
    const unitOf = (r: CommitmentRule) => {
      const u = byUnit.get(r.per);
      if (!u) throw new Error(`no series for ${r.per}`);
      return u;
    };
    this.seriesOf = rules.map((r) => unitOf(r).series);
    this.refIndexOf = rules.map((r) => unitOf(r).refIndex);
    this.slotOf = rules.map((r) => unitOf(r).slot);
    this.atRiskNow = rules.map((r) => unitOf(r).atRisk);
    this.slots = byUnit.size;
    this.scratch = this.seriesOf.map((s) => new Float64Array(s.periods.length));
    rules.forEach((r, ci) => {
      for (const kind of new Set(r.kinds)) {
        const list = this.rulesByKind.get(kind);
        if (list) list.push(ci);
        else this.rulesByKind.set(kind, [ci]);
      }
    });
    this.weeklyRequired = rules.flatMap((r, ci) => (r.per === "week" && r.required ? [ci] : []));
    const week = byUnit.get("week");
    this.weekSeries = week?.series;
    this.weekRefIndex = week?.refIndex ?? -1;
  }

  evaluate(member: MemberInput): MemberEvaluation {
    const m = new MemberState(this, member);
    try {
      m.place(member.activities);
      if (member.progress) m.add(member.progress);
      const commitments = this.rules.map((_, ci) => m.evaluation(ci, this.refIndexOf[ci] ?? -1));
      let overall: CommitmentStatus | null = null;
      for (const c of commitments)
        if (c.required && (overall === null || STATUS_SEVERITY[c.status] > STATUS_SEVERITY[overall])) overall = c.status;
      const { streak, missedInARow } = this.weeklyRequired.length ? m.weekly() : { streak: null, missedInARow: null };
      return {
        overall: overall ?? "met",
        commitments,
        streak,
        missedInARow,
        flagged: missedInARow !== null && missedInARow >= this.flagAt,
        onPause: m.pauses.some(([s, e]) => s <= this.ref && this.ref < e),
        ...(this.historyWeeks ? { weeks: m.history(this.historyWeeks) } : {}),
      };
    } finally {
      m.release();
    }
  }
}

class MemberState {
  readonly ctx: Context;
  /** Merged, sorted [start, end) pauses, so overlapping ones are not counted twice. */
  readonly pauses: Array<[number, number]>;
  /** (commitment, period index) pairs written into ctx.scratch, to clear afterwards. */
  readonly touched: number[] = [];
  /** Per commitment: index of the first period judged (the first full one after joining). */
  readonly firstFull: number[];
  readonly joinedAt: number;
  readonly endedAt: number;

  constructor(ctx: Context, member: MemberInput) {
    this.ctx = ctx;
    this.joinedAt = member.membership.joinedAt.getTime();
    this.endedAt = member.membership.endedAt ? member.membership.endedAt.getTime() : Infinity;
    this.pauses = mergePauses(member.pauses ?? []);
    this.firstFull = ctx.seriesOf.map((s) => {
      const j = s.indexOf(this.joinedAt);
      // Joined after the series (after the reference period): nothing in it is judged.
      if (j < 0) return s.periods.length;
      return s.periods[j]?.start.getTime() === this.joinedAt ? j : j + 1;
    });
  }

  /** Adds up the activities per commitment and period, in ctx.scratch (see release). */
  place(activities: readonly ActivityInput[]): void {
    const ctx = this.ctx;
    const placed = new Int32Array(ctx.slots);
    for (const a of activities) {
      if (a.rejected || a.rejectedAt) continue;
      const cis = ctx.rulesByKind.get(a.kind);
      if (!cis) continue;
      const t = a.occurredAt.getTime();
      placed.fill(-2);
      for (const ci of cis) {
        const slot = ctx.slotOf[ci] ?? 0;
        let i = placed[slot] ?? -2;
        if (i === -2) {
          i = ctx.seriesOf[ci]?.indexOf(t) ?? -1;
          placed[slot] = i;
        }
        const done = ctx.scratch[ci];
        if (i < 0 || !done) continue;
        const amount = ctx.rules[ci]?.measure === "hours" ? (typeof a.hours === "number" && Number.isFinite(a.hours) ? a.hours : 0) : 1;
        this.touched.push(ci, i);
        done[i] = (done[i] ?? 0) + amount;
      }
    }
  }

  /** Adds pre-aggregated progress, in ctx.scratch like place. */
  add(progress: readonly ProgressInput[]): void {
    const ctx = this.ctx;
    for (const p of progress) {
      const done = ctx.scratch[p.commitment];
      const i = ctx.seriesOf[p.commitment]?.indexOf(p.at.getTime()) ?? -1;
      if (i < 0 || !done || !Number.isFinite(p.amount)) continue;
      this.touched.push(p.commitment, i);
      done[i] = (done[i] ?? 0) + p.amount;
    }
  }

  release(): void {
    const t = this.touched;
    for (let k = 0; k < t.length; k += 2) {
      const done = this.ctx.scratch[t[k] ?? 0];
      if (done) done[t[k + 1] ?? 0] = 0;
    }
    t.length = 0;
  }

  done(ci: number, i: number): number {
    const raw = this.ctx.scratch[ci]?.[i] ?? 0;
    return this.ctx.rules[ci]?.measure === "hours" ? round2(raw) : raw;
  }

  pausedFraction(p: Period): number {
    const s = p.start.getTime();
    const e = p.end.getTime();
    let covered = 0;
    for (const [a, b] of this.pauses) {
      if (a >= e) break;
      covered += Math.max(0, Math.min(b, e) - Math.max(a, s));
    }
    return covered / (e - s);
  }

  /** Why period i of commitment ci's unit is not judged, or null when it is. */
  reason(ci: number, i: number, period: Period): NotJudgedReason | null {
    const start = period.start.getTime();
    const end = period.end.getTime();
    if (start > this.ctx.now) return "future";
    if (i < (this.firstFull[ci] ?? Infinity)) return this.joinedAt > start && this.joinedAt < end ? "joined-mid-period" : "before-joining";
    if (this.endedAt < end) return "membership-ended";
    return null;
  }

  /** Status of a judged period. */
  status(ci: number, i: number, period: Period): CommitmentStatus {
    const rule = this.ctx.rules[ci];
    if (rule && this.done(ci, i) >= rule.atLeast) return "met";
    if (this.pausedFraction(period) >= this.ctx.pausedAtLeast) return "paused";
    if (period.end.getTime() <= this.ctx.now) return "missed";
    return this.ctx.atRiskNow[ci] ? "at-risk" : "on-track";
  }

  evaluation(ci: number, i: number): CommitmentEvaluation {
    const ctx = this.ctx;
    const rule = ctx.rules[ci];
    const series = ctx.seriesOf[ci];
    const period = series?.at(i);
    if (!rule || !series || !period) throw new RangeError(`no period ${i} for commitment ${ci}`);
    const reason = this.reason(ci, i, period);
    const done = this.done(ci, i);
    const left = Math.max(0, rule.atLeast - done);
    const judgedFrom = this.judgedFrom(ci, series);
    return {
      id: rule.id,
      label: rule.label,
      required: rule.required,
      measure: rule.measure,
      unit: rule.per,
      period,
      status: reason ? "not-yet-judged" : this.status(ci, i, period),
      notJudgedReason: reason,
      done,
      atLeast: rule.atLeast,
      left: rule.measure === "hours" ? round2(left) : left,
      deadline: period.end,
      final: period.end.getTime() <= ctx.now,
      judgedFrom,
    };
  }

  /** Start of the first period judged; date arithmetic only for a join after the reference period. */
  judgedFrom(ci: number, series: PeriodSeries): Date {
    const first = this.firstFull[ci] ?? Infinity;
    const inSeries = series.periods[first];
    if (inSeries) return inSeries.start;
    // Joined during the last period of the series (the reference one), after its start: the next period is the first
    // full one, and it starts where that one ends. A report of thousands of members has hundreds of these.
    const last = series.periods[series.periods.length - 1];
    if (last && first === series.periods.length && last.start.getTime() < this.joinedAt && this.joinedAt < last.end.getTime()) return last.end;
    return firstFullPeriodFrom(series.unit, new Date(this.joinedAt), this.ctx.tz).start;
  }

  /** One week's verdict over all weekly required commitments. */
  week(i: number): "met" | "missed" | "skip" | "stop" {
    const ctx = this.ctx;
    const period = ctx.weekSeries?.at(i);
    const first = ctx.weeklyRequired[0];
    if (!period || first === undefined) return "stop";
    // Judged-ness depends only on the week and the membership, so it is shared.
    const reason = this.reason(first, i, period);
    if (reason === "before-joining" || reason === "joined-mid-period") return "stop";
    if (reason !== null) return "skip";
    let allMet = true;
    let anyMissed = false;
    for (const ci of ctx.weeklyRequired) {
      const s = this.status(ci, i, period);
      if (s !== "met") allMet = false;
      if (s === "missed") anyMissed = true;
    }
    if (allMet) return "met";
    return anyMissed ? "missed" : "skip"; // paused, or the running week not done yet
  }

  /** The last `n` weeks' statuses, oldest first: each the worst over the weekly required commitments. */
  history(n: number): CommitmentStatus[] {
    const ctx = this.ctx;
    if (ctx.weeklyRequired.length === 0) return [];
    const out: CommitmentStatus[] = [];
    for (let i = ctx.weekRefIndex - n + 1; i <= ctx.weekRefIndex; i++) {
      const period = ctx.weekSeries?.at(i);
      let worst: CommitmentStatus = "not-yet-judged";
      if (period && i >= 0) {
        for (const ci of ctx.weeklyRequired) {
          const s = this.reason(ci, i, period) ? "not-yet-judged" : this.status(ci, i, period);
          if (STATUS_SEVERITY[s] > STATUS_SEVERITY[worst]) worst = s;
        }
      }
      out.push(worst);
    }
    return out;
  }

  /** Both counts in one walk back from the reference week, so each week is judged once. */
  weekly(): { streak: number; missedInARow: number } {
    let streak = 0;
    let missedInARow = 0;
    let streakGoes = true;
    let missedGoes = true;
    for (let i = this.ctx.weekRefIndex; i >= 0 && (streakGoes || missedGoes); i--) {
      const w = this.week(i);
      if (streakGoes) {
        if (w === "met") streak++;
        else if (w === "missed" || w === "stop") streakGoes = false;
      }
      if (missedGoes) {
        if (w === "missed") missedInARow++;
        else if (w === "met" || w === "stop") missedGoes = false;
      }
    }
    return { streak, missedInARow };
  }
}

function mergePauses(pauses: readonly PauseInput[]): Array<[number, number]> {
  const sorted = pauses
    .map((p): [number, number] => [p.startsAt.getTime(), p.endsAt.getTime()])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** One member's commitments in one program, as of now (or opts.period). */
export function evaluateMember(
  commitments: readonly CommitmentRule[],
  member: MemberInput,
  opts: EvaluationOptions,
): MemberEvaluation {
  return new Context(commitments, [member], opts).evaluate(member);
}

/**
 * Every member of a program in one pass: periods are computed once and each
 * activity is placed by binary search, so the cost grows with the total number
 * of activities, not members x activities. Pass each member's own activities
 * (see groupByMember); rows come back in the input order.
 */
export function evaluateProgram<M extends MemberInput>(
  commitments: readonly CommitmentRule[],
  members: readonly M[],
  opts: EvaluationOptions,
): ProgramEvaluation<M> {
  const ctx = new Context(commitments, members, opts);
  const rows = members.map((member) => ({ ...ctx.evaluate(member), member }));
  return { rows, summary: summarize(rows) };
}

export function summarize(evaluations: readonly MemberEvaluation[]): StatusCounts {
  const counts: StatusCounts = {
    met: 0,
    "on-track": 0,
    "at-risk": 0,
    missed: 0,
    paused: 0,
    "not-yet-judged": 0,
    total: 0,
    flagged: 0,
  };
  for (const e of evaluations) {
    counts[e.overall]++;
    counts.total++;
    if (e.flagged) counts.flagged++;
  }
  return counts;
}

/**
 * Who gets a reminder for the running period of `unit`: a member not on leave
 * with a required commitment of that unit still open (on track or at risk).
 * Returns those commitments in the program's order; none when no reminder is due
 * (all met, missed already, paused, not yet judged, or on leave).
 */
export function reminderDue(e: MemberEvaluation, unit: PeriodUnit): CommitmentEvaluation[] {
  if (e.onPause) return [];
  return e.commitments.filter((c) => c.required && c.unit === unit && (c.status === "on-track" || c.status === "at-risk"));
}

/** Report order: flagged members first (most weeks missed first), then worst overall status; stable otherwise. */
export function compareForReport(a: MemberEvaluation, b: MemberEvaluation): number {
  if (a.flagged !== b.flagged) return a.flagged ? -1 : 1;
  if (a.flagged && b.flagged && a.missedInARow !== b.missedInARow) return (b.missedInARow ?? 0) - (a.missedInARow ?? 0);
  return STATUS_SEVERITY[b.overall] - STATUS_SEVERITY[a.overall];
}

/** Groups a flat list (one set-based query) by member id in one pass. */
export function groupByMember<T extends { memberId: string }>(rows: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.memberId);
    if (list) list.push(r);
    else out.set(r.memberId, [r]);
  }
  return out;
}
