// Periods (ISO weeks, months, quarters) in the organisation's timezone.
//
// A commitment such as "one contribution per week" is judged on the calendar
// the community lives in, not on UTC: a Berlin week starts Monday 00:00 Berlin
// time. All arithmetic goes through luxon so that weeks spanning a DST change
// (167 or 169 hours long) and ISO week-years (2026 has 53 weeks) come out right.
import { DateTime, IANAZone } from "luxon";
import type { PeriodUnit } from "./pack.ts";

export type { PeriodUnit };

/** The period units from shortest to longest. */
export const UNIT_ORDER: readonly PeriodUnit[] = ["week", "month", "quarter"];

export interface Period {
  unit: PeriodUnit;
  /** "2026-W48", "2026-11" or "2026-Q4". */
  key: string;
  /** First instant of the period. */
  start: Date;
  /** First instant after the period (exclusive end), which is also the next period's start. */
  end: Date;
  /** The IANA timezone the period was computed in, so neighbours can be found without it. */
  tz: string;
}

/** Thrown for a period key or timezone a person typed wrong; the message is meant to be shown to them. */
export class PeriodError extends Error {
  override name = "PeriodError";
}

// luxon checks a zone by building an Intl.DateTimeFormat, which costs more than
// the date arithmetic itself; the set of zones in use is tiny, so remember answers.
const zoneValidity = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== "string" || tz.length === 0) return false;
  let valid = zoneValidity.get(tz);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(tz);
    if (zoneValidity.size < 1000) zoneValidity.set(tz, valid);
  }
  return valid;
}

export function assertTimeZone(tz: string): void {
  if (!isValidTimeZone(tz))
    throw new PeriodError(`'${tz}' is not an IANA timezone (for example Europe/Berlin, America/New_York or UTC)`);
}

function local(instant: Date | number, tz: string): DateTime {
  assertTimeZone(tz);
  const ms = typeof instant === "number" ? instant : instant.getTime();
  if (!Number.isFinite(ms)) throw new PeriodError("not a valid date");
  return DateTime.fromMillis(ms, { zone: tz });
}

const ONE = { week: { weeks: 1 }, month: { months: 1 }, quarter: { quarters: 1 } } as const;

const pad = (n: number) => String(n).padStart(2, "0");

function keyOf(unit: PeriodUnit, start: DateTime): string {
  switch (unit) {
    case "week":
      // The ISO week-year, not the calendar year: 2024-12-30 is in 2025-W01.
      return `${start.weekYear}-W${pad(start.weekNumber)}`;
    case "month":
      return `${start.year}-${pad(start.month)}`;
    case "quarter":
      return `${start.year}-Q${start.quarter}`;
  }
}

const HOUR_MS = 3_600_000;

/**
 * The first instant of the period of `unit` containing `local`. Where clocks
 * go back over midnight (America/Havana, 1 Nov 2020) local 00:00 happens
 * twice, and luxon's startOf resolves it with the offset it started from, so
 * two instants of one month would get two starts: the period starts at the
 * earlier one.
 */
function startOfUnit(local: DateTime, unit: PeriodUnit): DateTime {
  const start = local.startOf(unit);
  const zone = start.zone;
  const ms = start.toMillis();
  const wall = ms + start.offset * 60_000;
  let earliest = ms;
  // The offsets in force a few hours either side are the only ones the same wall time can have.
  for (const probe of [ms - 3 * HOUR_MS, ms + 3 * HOUR_MS]) {
    const offset = zone.offset(probe);
    const t = wall - offset * 60_000;
    if (t < earliest && zone.offset(t) === offset) earliest = t;
  }
  return earliest === ms ? start : DateTime.fromMillis(earliest, { zone });
}

// A period's key and end are fixed facts of its start and zone, and luxon pays a time zone lookup for each
// (a report walks a year of weeks, months and quarters several times): remember them.
const knownPeriods = new Map<string, { key: string; end: number }>();

/** The period of `unit` starting at `startMs` (a start given by startOfUnit); `start` is that instant in `tz`, when at hand. */
function periodFrom(unit: PeriodUnit, startMs: number, tz: string, start?: DateTime): Period {
  const id = `${unit} ${tz} ${startMs}`;
  let known = knownPeriods.get(id);
  if (!known) {
    const at = start ?? DateTime.fromMillis(startMs, { zone: tz });
    // Recomputing the end with startOf keeps it equal to the next period's start
    // even where local midnight does not exist (luxon then starts at 01:00, and
    // adding a week would carry that hour along).
    known = { key: keyOf(unit, at), end: startOfUnit(at.plus(ONE[unit]), unit).toMillis() };
    if (knownPeriods.size >= 100_000) knownPeriods.clear();
    knownPeriods.set(id, known);
  }
  return { unit, key: known.key, start: new Date(startMs), end: new Date(known.end), tz };
}

function fromLocalStart(unit: PeriodUnit, start: DateTime, tz: string): Period {
  return periodFrom(unit, start.toMillis(), tz, start);
}

/** The period of `unit` that contains `instant`, in timezone `tz`. */
export function periodOf(unit: PeriodUnit, instant: Date | number, tz: string): Period {
  return fromLocalStart(unit, startOfUnit(local(instant, tz), unit), tz);
}

export function nextPeriod(period: Period): Period {
  return periodOf(period.unit, period.end, period.tz);
}

export function previousPeriod(period: Period): Period {
  return periodOf(period.unit, period.start.getTime() - 1, period.tz);
}

/** Whether `instant` falls in the period (start inclusive, end exclusive). */
export function contains(period: Period, instant: Date | number): boolean {
  const t = typeof instant === "number" ? instant : instant.getTime();
  return period.start.getTime() <= t && t < period.end.getTime();
}

/**
 * Every period of `unit` that overlaps [from, to), oldest first. An empty
 * range gives no periods; the first period may start before `from`.
 */
export function periodsBetween(unit: PeriodUnit, from: Date, to: Date, tz: string): Period[] {
  const out: Period[] = [];
  if (to.getTime() <= from.getTime()) return out;
  let p = periodOf(unit, from, tz);
  while (p.start.getTime() < to.getTime()) {
    out.push(p);
    p = nextPeriod(p);
  }
  return out;
}

/**
 * A deadline as a person reads it in their own timezone. The end is exclusive
 * (Monday 00:00), so the last minute before it is shown ("Sun 29 Nov 2026,
 * 23:59 CET"): people read "by Monday 00:00" as "on Monday".
 */
export function formatDeadline(deadline: Date | Period, tz: string, locale = "en-GB"): string {
  const end = deadline instanceof Date ? deadline : deadline.end;
  return local(end.getTime() - 1, tz).setLocale(locale).toFormat("ccc d LLL yyyy, HH:mm ZZZZ");
}

/**
 * Fraction of the period gone at `instant`, from 0 to 1, measured in local
 * wall-clock time: Thursday 00:00 is 3/7 of an ISO week even in the week the
 * clocks change, which an elapsed-milliseconds ratio would not give.
 */
export function elapsedFraction(period: Period, instant: Date | number): number {
  const t = typeof instant === "number" ? instant : instant.getTime();
  if (t <= period.start.getTime()) return 0;
  if (t >= period.end.getTime()) return 1;
  const wall = (ms: number) => {
    const d = local(ms, period.tz);
    return Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second, d.millisecond);
  };
  const start = wall(period.start.getTime());
  const f = (wall(t) - start) / (wall(period.end.getTime()) - start);
  // Inside the repeated hour of a fall-back change the wall clock steps back.
  return Math.min(1, Math.max(0, f));
}

const WEEK_KEY = /^(\d{4})-?W(\d{1,2})$/i;
const MONTH_KEY = /^(\d{4})-(\d{1,2})$/;
const QUARTER_KEY = /^(\d{4})-?Q(\d)$/i;

export type ParsedPeriod = { ok: true; period: Period } | { ok: false; error: string };

/**
 * Reads "2026-W48", "2026-11" or "2026-Q4" (case-insensitive; "2026W48" too).
 * Returns an error message fit for a chat reply instead of throwing, because
 * keys come from people typing options.
 */
export function tryParsePeriodKey(key: string, tz: string): ParsedPeriod {
  if (!isValidTimeZone(tz)) return { ok: false, error: `'${tz}' is not an IANA timezone` };
  const text = key.trim();
  const fail = (why: string): ParsedPeriod => ({
    ok: false,
    error: `'${text}' is not a period: ${why}. Use a week like 2026-W48, a month like 2026-11 or a quarter like 2026-Q4`,
  });
  let m = WEEK_KEY.exec(text);
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    const weeks = DateTime.fromObject({ weekYear: year, weekNumber: 1, weekday: 1 }, { zone: tz }).weeksInWeekYear;
    if (week < 1 || week > weeks) return fail(`${year} has ISO weeks 1 to ${weeks}`);
    const start = startOfUnit(DateTime.fromObject({ weekYear: year, weekNumber: week, weekday: 1, hour: 12 }, { zone: tz }), "week");
    return { ok: true, period: fromLocalStart("week", start, tz) };
  }
  m = MONTH_KEY.exec(text);
  if (m) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return fail("months go from 01 to 12");
    const start = startOfUnit(DateTime.fromObject({ year: Number(m[1]), month, day: 1, hour: 12 }, { zone: tz }), "month");
    return { ok: true, period: fromLocalStart("month", start, tz) };
  }
  m = QUARTER_KEY.exec(text);
  if (m) {
    const quarter = Number(m[2]);
    if (quarter < 1 || quarter > 4) return fail("quarters go from Q1 to Q4");
    const start = startOfUnit(DateTime.fromObject({ year: Number(m[1]), month: quarter * 3 - 2, day: 1, hour: 12 }, { zone: tz }), "quarter");
    return { ok: true, period: fromLocalStart("quarter", start, tz) };
  }
  return fail("unrecognised format");
}

/** As tryParsePeriodKey, but throws a PeriodError with the same message. */
export function parsePeriodKey(key: string, tz: string): Period {
  const r = tryParsePeriodKey(key, tz);
  if (!r.ok) throw new PeriodError(r.error);
  return r.period;
}

/**
 * The first period of `unit` that lies wholly at or after `instant`: a member
 * who joins mid-period is judged from here. Joining exactly at a period's start
 * makes that period full.
 */
export function firstFullPeriodFrom(unit: PeriodUnit, instant: Date, tz: string): Period {
  const p = periodOf(unit, instant, tz);
  return p.start.getTime() === instant.getTime() ? p : nextPeriod(p);
}

/**
 * A run of consecutive periods with a binary-search lookup, so that placing
 * many instants (every activity of every member in a report) costs no date
 * arithmetic per instant. Covers the periods overlapping [from, to].
 */
export class PeriodSeries {
  readonly unit: PeriodUnit;
  readonly tz: string;
  readonly periods: readonly Period[];
  readonly #starts: Float64Array;
  readonly #end: number;

  constructor(unit: PeriodUnit, from: Date, to: Date, tz: string) {
    this.unit = unit;
    this.tz = tz;
    const list: Period[] = [];
    const last = to.getTime();
    let p = fromLocalStart(unit, startOfUnit(local(from, tz), unit), tz);
    for (;;) {
      list.push(p);
      if (p.end.getTime() > last) break;
      p = periodFrom(unit, p.end.getTime(), tz);
    }
    this.periods = list;
    this.#starts = Float64Array.from(list, (x) => x.start.getTime());
    this.#end = list[list.length - 1]?.end.getTime() ?? -Infinity;
  }

  /** Index of the period containing `t`, or -1 outside the series. */
  indexOf(t: Date | number): number {
    const ms = typeof t === "number" ? t : t.getTime();
    const starts = this.#starts;
    if (!(ms >= (starts[0] ?? Infinity) && ms < this.#end)) return -1;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? Infinity) <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  at(i: number): Period | undefined {
    return this.periods[i];
  }
}

/** The calendar day (YYYY-MM-DD) an instant falls on in `tz`: the day it counts in, as people there read it. */
export function localDay(instant: Date, tz: string): string {
  return local(instant, tz).toFormat("yyyy-MM-dd");
}

/** A calendar day typed as YYYY-MM-DD, at its start in `tz`; undefined for anything else, including days that do not exist (2027-02-30). */
export function parseDay(text: string, tz: string): DateTime | undefined {
  const day = DateTime.fromFormat(text, "yyyy-MM-dd", { zone: tz });
  return day.isValid ? day : undefined;
}

// A report reads a year of local days and luxon pays a time zone lookup for each (most of a report's
// own time); the next day's start is a fixed fact of the zone, so remember it.
const nextDayStarts = new Map<string, number>();

function nextDayStart(dayStart: number, tz: string): number {
  const key = `${tz} ${dayStart}`;
  let next = nextDayStarts.get(key);
  if (next === undefined) {
    next = DateTime.fromMillis(dayStart, { zone: tz }).plus({ days: 1 }).startOf("day").toMillis();
    if (nextDayStarts.size >= 100_000) nextDayStarts.clear();
    nextDayStarts.set(key, next);
  }
  return next;
}

/**
 * Local day starts from `from` to `to`, with every week, month and quarter
 * start among them even where local midnight happens twice or not at all, so
 * no period boundary cuts through a day's bucket.
 */
export function dayStarts(from: Date, to: Date, tz: string): Date[] {
  const out = new Set<number>();
  for (const unit of ["week", "month", "quarter"] as const) for (const p of new PeriodSeries(unit, from, to, tz).periods) out.add(p.start.getTime());
  let day = DateTime.fromJSDate(from, { zone: tz }).startOf("day").toMillis();
  while (day <= to.getTime()) {
    out.add(day);
    day = nextDayStart(day, tz);
  }
  return [...out].filter((t) => t >= from.getTime() && t <= to.getTime()).sort((x, y) => x - y).map((t) => new Date(t));
}

/**
 * When a scheduled reminder reaches a member: at the schedule's time of day in
 * their own zone (10:00 in Tokyo and 10:00 in Los Angeles), on the day it fired
 * in the organisation's zone; a time already past, or one after the deadline, means now.
 */
export function memberLocalTime(firedAt: Date, orgTz: string, memberTz: string | null, now: Date, deadline: Date): Date {
  if (!memberTz || !isValidTimeZone(memberTz) || memberTz === orgTz) return now;
  const fired = DateTime.fromJSDate(firedAt, { zone: orgTz });
  const local = DateTime.fromObject({ year: fired.year, month: fired.month, day: fired.day, hour: fired.hour, minute: fired.minute }, { zone: memberTz }).toJSDate();
  return local > now && local < deadline ? local : now;
}
