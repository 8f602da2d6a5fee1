// Commitments -> compliance. One pure function of (rules, activities,
// membership, pauses, now) behind /commitments, reminders, the weekly report,
// its CSV and the dashboard's grid, so none of them can disagree about a member.
//
// A past period, once and for all: a week, month or quarter is judged from the
// activities, pauses and membership *dated* within it, as they stood at a cut
// instant, and the day it is asked plays no part once the cut is over:
// - A week is judged as of its end (or now, while it runs). A month or
//   quarter seen from a week is the one holding that week's Monday, as it
//   stood at the week's end: `on track` or `at risk` while it still runs then,
//   and its final `met` / `missed` in the week that holds its last day.
// - Activities count up to the cut (occurredAt at or before it); pauses count
//   for the part of the period up to the cut; a membership that ended after
//   the cut is still a membership at the cut. So a report of a past week
//   computed at the week's end and the same report computed any day later
//   agree cell by cell, unless something dated within the week changed on
//   purpose in between (a rejected activity, a backdated /log): a correction.
// - The report's overall status for a week, the grid's cell for that week,
//   the heatmap's cell, streaks and "weeks missed in a row" all come from that
//   one judgement (MemberState.cell), recomputed from the rows every time.
//
// Rules chosen here (the seed leaves them open):
// - Judged periods: a member is judged for a period only if they were a member
//   for all of it: from the first FULL period after joining (joining exactly at
//   a period's start makes that period full) and, once the membership has
//   ended (at or before the cut), not for the period it ended in or any later
//   one. Other periods are "not-yet-judged", still with their progress, so a
//   newcomer sees what counts.
// - Status of a judged period at a cut, first match wins:
//   met       done >= atLeast (even while paused: the work was done);
//   paused    pauses cover at least `pausedAtLeast` (default half) of the
//             period up to the cut: "most of it";
//   missed    the period is over at the cut;
//   at-risk   at least `atRiskAfter` of the period has gone at the cut, in
//             local wall-clock time (default 3/7: from Thursday 00:00 of an ISO
//             week, about the 14th of a month, early in the quarter's second month);
//   on-track  otherwise.
// - Progress: hours summed for measure "hours" (a missing number counts 0),
//   activities counted otherwise; rejected activities never count; an activity
//   counts for the periods its occurredAt falls in, in the organisation's zone.
// - A week's cell: the worst of the required commitments as that week's
//   report shows them (see above).
// - Streak: consecutive weeks in which every weekly required commitment was
//   met, counting back from the reference week. A paused week, the reference
//   week while it is still running and not yet met, and weeks after the
//   membership ended are skipped (neither break nor extend); a missed week or
//   the first week that was not judged (joining) ends it.
// - Weeks missed in a row: the run of `missed` cells counting back from the
//   reference week. A week whose weekly commitments were paused or past the
//   membership's end, and the running week while neither missed nor met, are
//   skipped; any other cell (met, on track or at risk in a completed week, or
//   the joining) ends it. Streak and weeks
//   missed are null for programs without weekly required commitments.
// - Overall status of a member: the worst of their required commitments,
//   missed > at-risk > paused > on-track > met > not-yet-judged, so a leave of
//   absence shows as paused unless something not covered by it is failing.
//   A program without required commitments is "met" (nothing is owed).
import type { Commitment, PeriodUnit } from "./pack.ts";
import { type Period, PeriodSeries, UNIT_ORDER, assertTimeZone, elapsedFraction, periodOf } from "./periods.ts";

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
 * the rules evaluated, dated at `at`: it counts for every period holding that
 * instant, exactly as activities dated then would, so whoever adds it up uses
 * buckets no period boundary cuts through (local days) and applies the same
 * rules as for activities (kinds, no rejected ones, non-finite hours as 0).
 */
export interface ProgressInput {
  commitment: number;
  at: Date;
  amount: number;
}

/**
 * ProgressInput in parallel arrays (entry k: amount[k] towards commitment[k] at instant at[k], epoch ms), the form a
 * loader hands over for a whole program without an object per entry: entries `from` (default 0) to `to` (exclusive,
 * default at.length), so every member can point into the same arrays.
 */
export interface PackedProgress {
  at: ArrayLike<number>;
  commitment: ArrayLike<number>;
  amount: ArrayLike<number>;
  from?: number;
  to?: number;
}

export interface MemberInput {
  membership: MembershipInput;
  activities: readonly ActivityInput[];
  progress?: readonly ProgressInput[];
  packed?: PackedProgress;
  pauses?: readonly PauseInput[];
}

export type CommitmentRule = Pick<Commitment, "id" | "label" | "kinds" | "atLeast" | "measure" | "per" | "required">;

export interface EvaluationOptions {
  now: Date;
  /** The organisation's IANA timezone: periods are cut in it. */
  tz: string;
  /**
   * Evaluate as of a given period (for example a past week for /report)
   * instead of now: everything is cut at the period's last instant (or now
   * while it runs). A commitment of the period's unit or a longer one is
   * judged for its period holding the given period's start (a week shows the
   * month its Monday is in, as it stood at the week's end); a shorter one for
   * its period holding the cut.
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
  /** The period is over as of now (its last instant counted): the status changes only by a correction. */
  final: boolean;
  /** Start of the first period of this unit the member is judged for. */
  judgedFrom: Date;
}

export interface MemberEvaluation {
  overall: CommitmentStatus;
  /** One per commitment, in the program's order; read-only, shared by members in the same standing. */
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
  /**
   * A member's last `n` weeks (MemberEvaluation.weeks), judged when asked: a report draws them for the few rows its
   * heatmap shows, and judging twelve weeks for each of thousands of members was a third of its judging.
   */
  weeksOf(member: M, n: number): CommitmentStatus[];
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
  /** The reference instant: the reference period's last instant, or now while it runs. */
  readonly ref: number;
  /** The cut: nothing dated at or after it counts (a period in the future is cut at now, so nothing in it is judged). */
  readonly cut: number;
  readonly tz: string;
  readonly rules: readonly CommitmentRule[];
  /** Per unit used, the series of its periods over the evaluation. */
  readonly series = new Map<PeriodUnit, PeriodSeries>();
  /** Per commitment: the period shown (and judged) for it. */
  readonly shownOf: Period[];
  readonly atRiskAfterOf: number[];
  readonly rulesByKind = new Map<string, number[]>();
  readonly required: number[];
  readonly weeklyRequired: number[];
  readonly weekSeries: PeriodSeries;
  readonly weekRefIndex: number;
  readonly pausedAtLeast: number;
  readonly flagAt: number;
  readonly historyWeeks: number;
  /** elapsedFraction per (period, instant): the same few pairs for every member, and each costs a time zone conversion. */
  readonly elapsed = new Map<number, Map<number, Map<number, number>>>();
  readonly cellPeriodsOf: Period[][] = [];
  /**
   * Working space for the member being judged: a MemberState is built and used in one synchronous call (evaluate,
   * weeksOf) and never kept, so its entries live here rather than in arrays allocated per member, which a report of
   * thousands of members spent as much time collecting as judging.
   */
  scratch = { ci: new Int32Array(256), t: new Float64Array(256), amount: new Float64Array(256), times: new Float64Array(256), totals: new Float64Array(256) };

  /** Per commitment, the evaluations built so far by judgedFrom and done (see MemberState.evaluation). */
  readonly shared: Array<Map<number, Map<number, CommitmentEvaluation[]>>>;
  /** Where each commitment's entries begin in the working space (and a cursor per commitment while they are grouped). */
  readonly off: Int32Array;
  readonly next: Int32Array;

  /** Room for at least n entries in the working space (its arrays replaced, never shrunk). */
  room(n: number): void {
    const s = this.scratch;
    if (n <= s.ci.length) return;
    const size = Math.max(n, s.ci.length * 2);
    const grown = { ci: new Int32Array(size), t: new Float64Array(size), amount: new Float64Array(size), times: new Float64Array(size), totals: new Float64Array(size) };
    grown.ci.set(s.ci);
    grown.t.set(s.t);
    grown.amount.set(s.amount);
    this.scratch = grown;
  }

  constructor(rules: readonly CommitmentRule[], members: readonly MemberInput[], opts: EvaluationOptions) {
    assertTimeZone(opts.tz);
    this.tz = opts.tz;
    this.rules = rules;
    this.shared = rules.map(() => new Map());
    this.off = new Int32Array(rules.length + 1);
    this.next = new Int32Array(rules.length);
    this.now = opts.now.getTime();
    if (!Number.isFinite(this.now)) throw new RangeError("now is not a valid date");
    const p = opts.period;
    if (p && p.tz !== opts.tz) throw new RangeError(`period ${p.key} was cut in ${p.tz}, not in ${opts.tz}`);
    this.ref = !p ? this.now : p.start.getTime() <= this.now ? Math.min(p.end.getTime() - 1, this.now) : p.end.getTime() - 1;
    this.cut = Math.min(this.ref, this.now) + 1;
    this.pausedAtLeast = fraction("pausedAtLeast", opts.pausedAtLeast ?? DEFAULT_PAUSED_AT_LEAST);
    this.flagAt = opts.flagMissedInARow ?? DEFAULT_FLAG_MISSED_IN_A_ROW;
    this.historyWeeks = Math.max(0, Math.trunc(opts.historyWeeks ?? 0));

    let from = p ? Math.min(this.ref, p.start.getTime()) : this.ref;
    for (const m of members) {
      const joined = m.membership.joinedAt.getTime();
      if (!Number.isFinite(joined)) throw new RangeError("a membership has an invalid joinedAt");
      from = Math.min(from, joined);
    }
    this.weekSeries = new PeriodSeries("week", new Date(from), new Date(this.ref), this.tz);
    this.series.set("week", this.weekSeries);
    this.weekRefIndex = this.weekSeries.indexOf(this.ref);
    const first = this.weekSeries.periods[0]?.start ?? new Date(from);
    for (const r of rules) if (!this.series.has(r.per)) this.series.set(r.per, new PeriodSeries(r.per, first, new Date(this.ref), this.tz));
    this.shownOf = rules.map((r) => this.periodFor(r.per, shownInstant(r, p, this.ref)));
    this.atRiskAfterOf = rules.map((r) =>
      fraction("atRiskAfter", typeof opts.atRiskAfter === "number" ? opts.atRiskAfter : (opts.atRiskAfter?.[r.per] ?? DEFAULT_AT_RISK_AFTER)),
    );
    rules.forEach((r, ci) => {
      for (const kind of new Set(r.kinds)) {
        const list = this.rulesByKind.get(kind);
        if (list) list.push(ci);
        else this.rulesByKind.set(kind, [ci]);
      }
    });
    this.required = rules.flatMap((r, ci) => (r.required ? [ci] : []));
    this.weeklyRequired = rules.flatMap((r, ci) => (r.per === "week" && r.required ? [ci] : []));
  }

  /** The period of `unit` holding `t`: from the series when it covers t (a binary search), else by date arithmetic. */
  periodFor(unit: PeriodUnit, t: number): Period {
    const s = this.series.get(unit);
    const i = s ? s.indexOf(t) : -1;
    return (i >= 0 ? s?.at(i) : undefined) ?? periodOf(unit, t, this.tz);
  }

  elapsedAt(p: Period, t: number): number {
    // Keyed by the period's start and end, then the instant: numbers, not a string built per call.
    let byEnd = this.elapsed.get(p.start.getTime());
    if (!byEnd) this.elapsed.set(p.start.getTime(), (byEnd = new Map()));
    let byInstant = byEnd.get(p.end.getTime());
    if (!byInstant) byEnd.set(p.end.getTime(), (byInstant = new Map()));
    let f = byInstant.get(t);
    if (f === undefined) {
      f = elapsedFraction(p, t);
      if (byInstant.size < 10_000) byInstant.set(t, f);
    }
    return f;
  }

  /** Per week of the series, the period each required commitment is judged over in that week's cell (member-independent). */
  cellPeriods(i: number, week: Period): Period[] {
    let list = this.cellPeriodsOf[i];
    if (!list) {
      list = this.rules.map((r) => (r.per === "week" ? week : this.periodFor(r.per, week.start.getTime())));
      this.cellPeriodsOf[i] = list;
    }
    return list;
  }

  evaluate(member: MemberInput): MemberEvaluation {
    const { member: _, ...evaluation } = this.row(member, undefined);
    return evaluation;
  }

  /** A member's evaluation, with `member` attached as the program's rows carry it (one object, not a copy of one). */
  row<M>(member: MemberInput, attached: M): MemberEvaluation & { member: M } {
    const m = new MemberState(this, member);
    const commitments: CommitmentEvaluation[] = [];
    let overall: CommitmentStatus | null = null;
    for (let ci = 0; ci < this.rules.length; ci++) {
      const shown = this.shownOf[ci] as Period;
      const c = m.evaluation(ci, shown, Math.min(this.cut, shown.end.getTime()));
      commitments.push(c);
      if (c.required && (overall === null || STATUS_SEVERITY[c.status] > STATUS_SEVERITY[overall])) overall = c.status;
    }
    const weekly = this.weeklyRequired.length > 0;
    const streak = weekly ? m.streak() : null;
    const missedInARow = weekly ? m.missedInARow() : null;
    const flagged = missedInARow !== null && missedInARow >= this.flagAt;
    let onPause = false;
    for (const [s, e] of m.pauses) if (s <= this.ref && this.ref < e) onPause = true;
    // Two literals rather than a spread of the optional field: each row one object of one shape.
    return this.historyWeeks
      ? { overall: overall ?? "met", commitments, streak, missedInARow, flagged, onPause, weeks: m.history(this.historyWeeks), member: attached }
      : { overall: overall ?? "met", commitments, streak, missedInARow, flagged, onPause, member: attached };
  }
}

interface Cell {
  status: CommitmentStatus;
  /** Every weekly required commitment was paused or past the membership's end that week. */
  resting: boolean;
  /** The week was still running at the cut. */
  running: boolean;
}

class MemberState {
  readonly ctx: Context;
  /** Merged, sorted [start, end) pauses, so overlapping ones are not counted twice. */
  readonly pauses: Array<[number, number]>;
  readonly joinedAt: number;
  readonly endedAt: number;
  /**
   * What counts, grouped by commitment: entries off[ci] to off[ci + 1] of `times` (sorted) and `totals` (the running
   * total after each) are commitment ci's, for any [from, to) in O(log n). The context's working space: valid until
   * the next member is judged.
   */
  readonly off: Int32Array;
  readonly times: Float64Array;
  readonly totals: Float64Array;
  readonly cells: Cell[] = [];

  constructor(ctx: Context, member: MemberInput) {
    this.ctx = ctx;
    this.joinedAt = member.membership.joinedAt.getTime();
    const ended = member.membership.endedAt ? member.membership.endedAt.getTime() : Infinity;
    // A membership that ends after the last instant counted had not ended then.
    this.endedAt = ended >= ctx.cut ? Infinity : ended;
    this.pauses = mergePauses(member.pauses ?? []);
    // Entries in the order given (activities, progress, packed), then grouped by commitment keeping that order.
    const rules = ctx.rules;
    let count = 0;
    const add = (ci: number, t: number, amount: number) => {
      if (count === ctx.scratch.ci.length) ctx.room(count + 1);
      const s = ctx.scratch;
      s.ci[count] = ci;
      s.t[count] = t;
      s.amount[count] = amount;
      count++;
    };
    for (const a of member.activities) {
      if (a.rejected || a.rejectedAt) continue;
      const of = ctx.rulesByKind.get(a.kind);
      const t = a.occurredAt.getTime();
      if (!of || !(t < ctx.cut)) continue;
      for (const ci of of) add(ci, t, rules[ci]?.measure === "hours" ? (typeof a.hours === "number" && Number.isFinite(a.hours) ? a.hours : 0) : 1);
    }
    for (const p of member.progress ?? []) {
      const t = p.at.getTime();
      if (t < ctx.cut && Number.isFinite(p.amount) && p.commitment >= 0 && p.commitment < rules.length) add(p.commitment, t, p.amount);
    }
    const packed = member.packed;
    if (packed) {
      const from = packed.from ?? 0;
      const to = packed.to ?? packed.at.length;
      ctx.room(count + Math.max(0, to - from));
      for (let k = from; k < to; k++) {
        const t = packed.at[k] as number;
        const amount = packed.amount[k] as number;
        const ci = packed.commitment[k] as number;
        if (t < ctx.cut && Number.isFinite(amount) && ci >= 0 && ci < rules.length) add(ci, t, amount);
      }
    }
    const { ci: cis, t: ts, amount: ams, times, totals } = ctx.scratch;
    const n = rules.length;
    const off = ctx.off;
    off.fill(0);
    for (let k = 0; k < count; k++) {
      const ci = cis[k] as number;
      off[ci + 1] = (off[ci + 1] as number) + 1;
    }
    for (let ci = 0; ci < n; ci++) off[ci + 1] = (off[ci + 1] as number) + (off[ci] as number);
    const next = ctx.next;
    for (let ci = 0; ci < n; ci++) next[ci] = off[ci] as number;
    for (let k = 0; k < count; k++) {
      const ci = cis[k] as number;
      const at = next[ci] as number;
      next[ci] = at + 1;
      times[at] = ts[k] as number;
      totals[at] = ams[k] as number;
    }
    for (let ci = 0; ci < n; ci++) {
      const lo = off[ci] as number;
      const hi = off[ci + 1] as number;
      if (!isSorted(times, lo, hi)) {
        // Stable, so entries at the same instant add up in the order given.
        const order = Array.from({ length: hi - lo }, (_, k) => lo + k).sort((x, y) => (times[x] as number) - (times[y] as number));
        const sortedTimes = order.map((k) => times[k] as number);
        const sortedAmounts = order.map((k) => totals[k] as number);
        times.set(sortedTimes, lo);
        totals.set(sortedAmounts, lo);
      }
      // Running totals in place: totals[k] is the sum of this commitment's entries lo..k.
      let sum = 0;
      for (let k = lo; k < hi; k++) totals[k] = sum += totals[k] as number;
    }
    this.off = off;
    this.times = times;
    this.totals = totals;
  }

  /** Total of commitment ci dated before `t`. */
  private totalBefore(ci: number, t: number): number {
    const first = this.off[ci];
    if (first === undefined) return 0;
    const times = this.times;
    let lo = first;
    let hi = this.off[ci + 1] as number;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((times[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === first ? 0 : (this.totals[lo - 1] as number);
  }

  done(ci: number, from: number, to: number): number {
    const raw = this.totalBefore(ci, to) - this.totalBefore(ci, from);
    return this.ctx.rules[ci]?.measure === "hours" ? round2(raw) : Math.round(raw);
  }

  pausedFraction(s: number, e: number): number {
    if (e <= s) return 0;
    let covered = 0;
    for (const [a, b] of this.pauses) {
      if (a >= e) break;
      covered += Math.max(0, Math.min(b, e) - Math.max(a, s));
    }
    return covered / (e - s);
  }

  /** Why period p is not judged at the cut, or null when it is. */
  reason(p: Period, cut: number): NotJudgedReason | null {
    const start = p.start.getTime();
    if (start >= cut) return "future";
    if (this.joinedAt > start) return this.joinedAt < p.end.getTime() ? "joined-mid-period" : "before-joining";
    if (this.endedAt < cut) return "membership-ended";
    return null;
  }

  /** The status of a period judged at `cut` (no reason not to) with `done` counted: without an object per call. */
  judgedStatus(ci: number, p: Period, cut: number, done: number): CommitmentStatus {
    const rule = this.ctx.rules[ci];
    if (!rule) return "not-yet-judged";
    return done >= rule.atLeast
      ? "met"
      : this.pausedFraction(p.start.getTime(), cut) >= this.ctx.pausedAtLeast
        ? "paused"
        : cut >= p.end.getTime()
          ? "missed"
          : this.ctx.elapsedAt(p, cut - 1) >= (this.ctx.atRiskAfterOf[ci] ?? DEFAULT_AT_RISK_AFTER)
            ? "at-risk"
            : "on-track";
  }

  /** The status alone: a week's cell and the streak ask it for every week walked. */
  statusAt(ci: number, p: Period, cut: number, reason: NotJudgedReason | null): CommitmentStatus {
    return reason ? "not-yet-judged" : this.judgedStatus(ci, p, cut, this.done(ci, p.start.getTime(), cut));
  }

  /**
   * Commitment ci over `period` at `cut` (the same period and cut for every member: the row's shown period). Members in
   * the same standing (done, status, why not judged, judged from) share one evaluation, built once: most of a large
   * program's members are in a few, and an object per commitment of every member, all kept until the report is
   * written, was most of what the collector copied.
   */
  evaluation(ci: number, period: Period, cut: number): CommitmentEvaluation {
    const rule = this.ctx.rules[ci];
    if (!rule) throw new RangeError(`no commitment ${ci}`);
    const done = this.done(ci, period.start.getTime(), cut);
    const reason = this.reason(period, cut);
    const status = reason ? "not-yet-judged" : this.judgedStatus(ci, period, cut, done);
    const judgedFrom = this.judgedFrom(rule.per);
    const shared = this.ctx.shared[ci] as Map<number, Map<number, CommitmentEvaluation[]>>;
    let byDone = shared.get(judgedFrom.getTime());
    if (!byDone) shared.set(judgedFrom.getTime(), (byDone = new Map()));
    let same = byDone.get(done);
    if (!same) byDone.set(done, (same = []));
    for (const e of same) if (e.status === status && e.notJudgedReason === reason && e.period === period) return e;
    const left = Math.max(0, rule.atLeast - done);
    const e: CommitmentEvaluation = {
      id: rule.id,
      label: rule.label,
      required: rule.required,
      measure: rule.measure,
      unit: rule.per,
      period,
      status,
      notJudgedReason: reason,
      done,
      atLeast: rule.atLeast,
      left: rule.measure === "hours" ? round2(left) : left,
      deadline: period.end,
      final: period.end.getTime() <= this.ctx.now + 1,
      judgedFrom,
    };
    // Frozen: one write through a member's row would change every member in the same standing.
    same.push(Object.freeze(e));
    return e;
  }


  /** Start of the first period of `unit` judged: the one holding the join if it starts there, else the next. */
  judgedFrom(unit: PeriodUnit): Date {
    const p = this.ctx.periodFor(unit, this.joinedAt);
    // Periods are contiguous: the next one starts where this one ends (no date arithmetic for a join near the cut).
    return p.start.getTime() === this.joinedAt ? p.start : p.end;
  }

  /** Week i's cell: the worst required commitment as that week's report shows it. */
  cell(i: number): Cell {
    const cached = this.cells[i];
    if (cached) return cached;
    const ctx = this.ctx;
    const week = ctx.weekSeries.at(i);
    let status: CommitmentStatus = "not-yet-judged";
    let resting = ctx.weeklyRequired.length > 0;
    let running = false;
    if (week) {
      const weekCut = Math.min(week.end.getTime(), ctx.cut);
      running = weekCut < week.end.getTime();
      const periods = ctx.cellPeriods(i, week);
      for (const ci of ctx.required) {
        const rule = ctx.rules[ci];
        const p = periods[ci];
        if (!rule || !p) continue;
        const cut = Math.min(weekCut, p.end.getTime());
        const reason = this.reason(p, cut);
        const judged = this.statusAt(ci, p, cut, reason);
        if (STATUS_SEVERITY[judged] > STATUS_SEVERITY[status]) status = judged;
        if (rule.per === "week" && judged !== "paused" && reason !== "membership-ended") resting = false;
      }
    } else resting = false;
    const out = { status, resting, running };
    this.cells[i] = out;
    return out;
  }

  /** One week's verdict over the weekly required commitments, for the streak. */
  week(i: number): "met" | "missed" | "skip" | "stop" {
    const ctx = this.ctx;
    const period = ctx.weekSeries.at(i);
    if (!period) return "stop";
    const cut = Math.min(period.end.getTime(), ctx.cut);
    let allMet = true;
    let anyMissed = false;
    for (const ci of ctx.weeklyRequired) {
      const reason = this.reason(period, cut);
      if (reason === "before-joining" || reason === "joined-mid-period") return "stop";
      if (reason !== null) return "skip";
      const judged = this.statusAt(ci, period, cut, reason);
      if (judged !== "met") allMet = false;
      if (judged === "missed") anyMissed = true;
    }
    if (allMet) return "met";
    return anyMissed ? "missed" : "skip"; // paused, or the running week not done yet
  }

  /** The last `n` weeks' cells, oldest first. */
  history(n: number): CommitmentStatus[] {
    const out: CommitmentStatus[] = [];
    for (let i = this.ctx.weekRefIndex - n + 1; i <= this.ctx.weekRefIndex; i++) out.push(i >= 0 ? this.cell(i).status : "not-yet-judged");
    return out;
  }

  /** The streak, walking back from the reference week. */
  streak(): number {
    let streak = 0;
    for (let i = this.ctx.weekRefIndex; i >= 0; i--) {
      const w = this.week(i);
      if (w === "met") streak++;
      else if (w === "missed" || w === "stop") break;
    }
    return streak;
  }

  /** Weeks missed in a row, walking back from the reference week. */
  missedInARow(): number {
    let missedInARow = 0;
    for (let i = this.ctx.weekRefIndex; i >= 0; i--) {
      const c = this.cell(i);
      if (c.status === "missed") missedInARow++;
      else if (c.resting || (c.running && c.status !== "met")) continue;
      else break;
    }
    return missedInARow;
  }
}

function isSorted(xs: Float64Array, lo: number, hi: number): boolean {
  for (let k = lo + 1; k < hi; k++) if ((xs[k] as number) < (xs[k - 1] as number)) return false;
  return true;
}

const NO_PAUSES: Array<[number, number]> = [];

function mergePauses(pauses: readonly PauseInput[]): Array<[number, number]> {
  // Most members have none: no three arrays each to find that out.
  if (pauses.length === 0) return NO_PAUSES;
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
  const rows = members.map((member) => ctx.row(member, member));
  // The member's state again rather than kept for every row: the same inputs and context, so the same cells.
  return { rows, summary: summarize(rows), weeksOf: (member, n) => new MemberState(ctx, member).history(n) };
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

/**
 * Rows in report order, exactly as a stable sort by compareForReport puts them, in one pass: rows are bucketed by
 * their place in that order (flagged by weeks missed, then overall status), equal ones keeping their order.
 */
export function sortForReport<R extends MemberEvaluation>(rows: readonly R[]): R[] {
  const buckets = new Map<number, R[]>();
  for (const r of rows) {
    // Higher goes first: any flagged row before every other, then weeks missed, then severity (below 10).
    const key = (r.flagged ? 1 + (r.missedInARow ?? 0) : 0) * 10 + STATUS_SEVERITY[r.overall];
    const list = buckets.get(key);
    if (list) list.push(r);
    else buckets.set(key, [r]);
  }
  const out: R[] = [];
  for (const key of [...buckets.keys()].sort((a, b) => b - a)) for (const r of buckets.get(key) ?? []) out.push(r);
  return out;
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

/**
 * A change made on purpose after a report's week ended to something dated
 * within what the report shows: an activity rejected since, or one recorded
 * since (a backdated /log within the limit). Removals from a program are not
 * corrections: membership is judged by its dates.
 */
export interface CorrectionInput {
  kind: string;
  occurredAt: Date;
  change: "added" | "rejected";
  /** When the change was made. */
  at: Date;
}

/**
 * The instant whose period a commitment shows: for a unit at least as long as the reference period's, the one holding
 * its start (a week shows the month its Monday is in); a shorter unit the one holding the reference instant.
 */
function shownInstant(rule: CommitmentRule, period: Period | undefined, ref: number): number {
  return period && UNIT_ORDER.indexOf(rule.per) >= UNIT_ORDER.indexOf(period.unit) ? period.start.getTime() : ref;
}

/**
 * Where the periods every member's commitments show begin, at the earliest, when judged as of `period` (a past week):
 * known before anyone is judged, so a report reads its corrections alongside the members (and the start is not a
 * minimum over every row's periods, which overflowed the stack spread over 100,000 members).
 */
export function earliestShownStart(rules: readonly CommitmentRule[], period: Period, now: Date): Date {
  const ref = period.start.getTime() <= now.getTime() ? Math.min(period.end.getTime() - 1, now.getTime()) : period.end.getTime() - 1;
  // Without commitments nothing is shown before the week itself (and Infinity is no date).
  let earliest = period.start.getTime();
  for (const r of rules) earliest = Math.min(earliest, periodOf(r.per, shownInstant(r, period, ref), period.tz).start.getTime());
  return new Date(earliest);
}

/**
 * Which of a report's commitment cells a correction changed: those whose
 * kinds include its kind and whose shown period, up to the week's end
 * (`cut`), holds its date. Index-aligned with `commitments`; an empty list is
 * a cell as it was posted. The statuses themselves are always recomputed from
 * the rows: this only says where they moved.
 */
export function correctedCells(
  rules: readonly CommitmentRule[],
  commitments: readonly CommitmentEvaluation[],
  corrections: readonly CorrectionInput[],
  cut: Date,
): CorrectionInput[][] {
  return commitments.map((c) => {
    const rule = rules.find((r) => r.id === c.id);
    if (!rule) return [];
    const end = Math.min(c.period.end.getTime(), cut.getTime());
    return corrections.filter((x) => rule.kinds.includes(x.kind) && x.occurredAt.getTime() >= c.period.start.getTime() && x.occurredAt.getTime() < end);
  });
}
