// What the commitment rules need of a program — memberships, progress, pauses —
// in set-based queries (a whole program's progress split in two halves run side
// by side), each returning at most a row per member, for the
// pure evaluation in src/domain/commitments.ts (through services/commitments.ts).
//
// Progress comes one row per member, each activity as its local day and kind (not a row per activity). History is read from a window (the caller's
// `windowStart`, read from the start of the longest period holding it):
// memberships older than that are evaluated as if they began there, so every
// week, month and quarter starting from there is judged as it would be with
// the whole history, while streaks and weeks missed stop there and `capped`
// says so.
import type { ActivityInput, CorrectionInput, MemberInput, PackedProgress, PauseInput } from "../domain/commitments.ts";
import type { PeriodUnit, Program } from "../domain/pack.ts";
import { dayStarts, periodOf, UNIT_ORDER, type Period } from "../domain/periods.ts";
import type { SqlRunner } from "./client.ts";

export interface LoadedMember extends MemberInput {
  memberId: string;
  handle: string;
  displayName: string;
  /** When they joined, before any clamping to the window. */
  joinedAt: Date;
  /** When this membership ended (a report for a past week lists members who have left since). */
  endedAt: Date | null;
  /** Joined before the window: streak and weeks missed cannot see further back. */
  capped: boolean;
  activities: readonly ActivityInput[];
  pauses: readonly PauseInput[];
}

export interface LoadQuery {
  program: Program;
  /** The organisation's timezone: weeks, months and quarters are cut in it. */
  tz: string;
  /** A local week start on or before every judged period; nothing older is read. */
  windowStart: Date;
  /** The instant the evaluation looks from: nothing after it is read. */
  ref: Date;
  /** Only these members (for /commitments), default all. */
  memberIds?: string[] | undefined;
  /** A past period: whoever was a member during it; default the active members. */
  period?: Period | undefined;
}


// Instants come back as epoch milliseconds (float8): parsing 10,000 timestamp strings in the driver cost more than the query.
interface MemberRow {
  member_id: string;
  joined_ms: number;
  ended_ms: number | null;
  handle: string;
  display_name: string;
}
interface PauseRow {
  member_id: string;
  starts_ms: number;
  ends_ms: number;
}

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

const NONE: readonly never[] = Object.freeze([]);

/**
 * The number PostgreSQL wrote as text in s[from, to), as Number() reads it, without cutting a string out for it: plain
 * decimals ("-12.50") of up to 15 digits exactly (integer ÷ power of ten, both exact, is the correctly rounded value
 * Number() gives); anything else through Number().
 */
function decimal(s: string, from: number, to: number): number {
  let k = from;
  const negative = s.charCodeAt(k) === 45;
  if (negative) k++;
  let digits = 0;
  let scale = 1;
  let n = 0;
  let point = false;
  for (; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 46 && !point) point = true;
    else if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      if (point) scale *= 10;
    } else return Number(s.slice(from, to));
  }
  if (digits === 0 || digits > 15) return Number(s.slice(from, to));
  const value = n / scale;
  return negative ? -value : value;
}

/** Placeholders for one statement's parameters, numbered as they are added. */
function parameters(initial: unknown[]) {
  const values = [...initial];
  return { values, add: (v: unknown) => `$${values.push(v)}` };
}

/**
 * The members with their progress (a whole program's second half of members'
 * progress in a statement of its own), and the pauses, of a program, each
 * statement returning at most a row per member. Progress is what the domain's
 * evaluation reads, one row per member instead of a row per activity: each
 * activity counted as "day*slots+kind" with day the number of its day in the
 * window (its bucket among the window's day starts, from 1), handed to the
 * domain packed (MemberInput.packed) at its day's start, which lies in the same
 * week, month and quarter as the activity, so /commitments, reminders, the
 * report and the grid agree with an evaluation of the raw activities.
 */
export async function loadProgramMembers(sql: SqlRunner, { program, tz, windowStart, ref, memberIds, period }: LoadQuery): Promise<LoadedMember[]> {
  const until = new Date(ref.getTime() + 1);
  const scope: unknown[] = [program.id];
  const only = memberIds ? `AND member_id = ANY($${scope.push(memberIds)}::text[])` : "";
  // Now: the active members. A past period: whoever was a member during it (their latest interval then), as they stood then.
  const during = period
    ? `joined_at < $${scope.push(until)} AND (ended_at IS NULL OR ended_at > $${scope.push(period.start)})`
    : "state = 'active'";
  const memberships = `(SELECT DISTINCT ON (member_id) member_id, program_id, joined_at, ended_at
                          FROM memberships WHERE program_id = $1 ${only} AND ${during}
                         ORDER BY member_id, joined_at DESC)`;
  const rules = program.commitments;
  // A whole program's progress is read in two halves by member id, each its own statement on its own connection:
  // aggregating every activity is one backend's CPU (PostgreSQL 15 runs string_agg in one process), and the machine has
  // more cores. The split is read once: each statement has its own snapshot, so a median each computed for itself would
  // move with a membership written between them and leave the members in between in neither half.
  const splitAt =
    !memberIds && rules.length > 0
      ? ((await sql.query<{ m: string | null }>(`SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY member_id) AS m FROM memberships WHERE program_id = $1 AND ${during}`, scope))[0]?.m ?? null)
      : null;

  // Day by day over the window, from the start of the longest period the program's commitments use holding its first
  // week (a weekly-only program reads no quarter back): each activity's day is found by width_bucket among the
  // window's local day starts (a binary search), not by a time zone conversion per row. One row per member, in member
  // order straight from the member/date index (it carries kind, hours and program: an index-only scan, no sort, no
  // spill): "day*slots+kind,…" for every activity counted, and the hours of those a rule measures in hours, in the
  // same order. Adding up per day in SQL cost a sort of every (member, day) that spilled to disk.
  const units = new Set<PeriodUnit>(["week", ...rules.map((r) => r.per)]);
  const readFrom = new Date(Math.min(...UNIT_ORDER.filter((u) => units.has(u)).map((u) => periodOf(u, windowStart, tz).start.getTime())));
  const kinds = [...new Set(rules.flatMap((c) => c.kinds))];
  // Codes are day * slots + kind, kinds numbered from 1.
  const slots = kinds.length + 1;
  const hourKinds = [...new Set(rules.flatMap((c) => (c.measure === "hours" ? c.kinds : [])))];
  const days = rules.length ? dayStarts(readFrom, until, tz).map((d) => d.getTime()) : [];
  const dk = parameters(scope);
  const kindsAt = dk.add(kinds);
  const daysAt = dk.add(days.map((d) => new Date(d)));
  const hourKindsAt = dk.add(hourKinds);
  const fromAt = dk.add(readFrom);
  const untilAt = dk.add(until);
  const medianAt = splitAt === null ? undefined : dk.add(splitAt);
  const progressOf = (half: string) =>
    rules.length
      ? `SELECT a.member_id,
              string_agg((width_bucket(a.occurred_at, ${daysAt}::timestamptz[]) * ${slots} + array_position(${kindsAt}::text[], a.kind))::text, ',') AS e,
              string_agg((CASE WHEN a.hours > '-Infinity' AND a.hours < 'Infinity' THEN a.hours ELSE 0 END)::text, ',')
                FILTER (WHERE a.kind = ANY(${hourKindsAt}::text[])) AS h
         FROM activities a
        WHERE a.member_id IN (SELECT member_id FROM memberships WHERE program_id = $1 ${only} AND ${during}) ${half}
          AND a.rejected_at IS NULL AND (a.program_id IS NULL OR a.program_id = $1)
          AND a.kind = ANY(${kindsAt}::text[]) AND a.occurred_at >= ${fromAt} AND a.occurred_at < ${untilAt}
        GROUP BY a.member_id`
      : undefined;
  const progressSql = progressOf(medianAt ? `AND a.member_id < ${medianAt}` : "");
  const secondHalf = medianAt ? progressOf(`AND a.member_id >= ${medianAt}`) : undefined;

  // Each activity counts for every rule of its kind, dated at its day's start (shared by the whole day, so it lies in
  // the same week, month and quarter as the activity); hours are consumed in order by activities of an hours kind.
  const rulesOfKind = kinds.map((k) => rules.flatMap((r, ci) => (r.kinds.includes(k) ? [ci] : [])));
  const measuredInHours = kinds.map((k) => hourKinds.includes(k));
  const hoursOf = rules.map((r) => r.measure === "hours");
  // Every member's entries side by side in three growing typed arrays, each member handed its range of them: no
  // arrays per member for the collector to trace while the whole program is judged.
  let at = new Float64Array(1 << 16);
  let commitment = new Uint16Array(1 << 16);
  let amount = new Float64Array(1 << 16);
  let used = 0;
  const room = (more: number) => {
    if (used + more <= at.length) return;
    const size = Math.max(at.length * 2, used + more);
    const a = new Float64Array(size);
    const c = new Uint16Array(size);
    const m = new Float64Array(size);
    a.set(at.subarray(0, used));
    c.set(commitment.subarray(0, used));
    m.set(amount.subarray(0, used));
    at = a;
    commitment = c;
    amount = m;
  };
  const maxFanOut = Math.max(1, ...rulesOfKind.map((l) => l.length));

  /** One member's "code,code,…" (and hours) as entries in the arrays above, handed over as its range of them. */
  const parse = (e: string, hoursText: string | null): PackedProgress => {
    const hours = hoursText ?? "";
    let h = 0;
    const first = used;
    // The codes read digit by digit: no array of strings per member. At most one code per character and maxFanOut
    // entries per code.
    room((e.length + 1) * maxFanOut);
    for (let k = 0; k < e.length; k++) {
      let code = 0;
      for (let c = e.charCodeAt(k); c !== 44 && k < e.length; c = e.charCodeAt(++k)) code = code * 10 + (c - 48);
      const kind = (code % slots) - 1;
      const day = days[Math.floor(code / slots) - 1];
      let hoursDone = 1;
      if (measuredInHours[kind]) {
        const end = hours.indexOf(",", h);
        const to = end < 0 ? hours.length : end;
        hoursDone = h < hours.length ? decimal(hours, h, to) : NaN;
        h = to + 1;
      }
      if (day === undefined) continue;
      for (const ci of rulesOfKind[kind] ?? []) {
        at[used] = day;
        commitment[used] = ci;
        amount[used] = hoursOf[ci] ? hoursDone : 1;
        used++;
      }
    }
    // The arrays as they are now: growing replaces them, and this member's entries stay in these.
    return { at, commitment, amount, from: first, to: used };
  };

  const n = scope.length;
  // Members and their progress in one statement (one row each, in the report's order): a second result of 10,000 rows
  // to parse and match by id cost more than the join.
  const [members, pauses, others] = await Promise.all([
    sql.query<MemberRow & { e?: string | null; h?: string | null }>(
      `SELECT m.member_id, ${epochMs("m.joined_at")} AS joined_ms, ${epochMs("m.ended_at")} AS ended_ms, mem.handle, mem.display_name${progressSql ? ", p.e, p.h" : ""}
         FROM ${memberships} m JOIN members mem ON mem.id = m.member_id
         ${progressSql ? `LEFT JOIN (${progressSql}) p ON p.member_id = m.member_id` : ""}
        ORDER BY mem.handle`,
      progressSql ? dk.values : scope,
    ),
    sql.query<PauseRow>(
      `SELECT p.member_id, ${epochMs("p.starts_at")} AS starts_ms, ${epochMs("p.ends_at")} AS ends_ms
         FROM pauses p JOIN ${memberships} m ON m.member_id = p.member_id
        WHERE p.ends_at > $${n + 1} AND p.starts_at < $${n + 2}`,
      [...scope, readFrom, until],
    ),
    // The second half parsed as soon as it comes, usually while the members' statement still runs.
    secondHalf
      ? sql.query<{ member_id: string; e: string | null; h: string | null }>(secondHalf, dk.values).then((rows) => {
          const parsed = new Map<string, PackedProgress>();
          for (const r of rows) if (r.e) parsed.set(r.member_id, parse(r.e, r.h));
          return parsed;
        })
      : undefined,
  ]);

  // Few members have pauses: the rest share one empty list (as they share one of activities: progress comes packed).
  const pausesOf = new Map<string, PauseInput[]>();
  for (const p of pauses) {
    const pause = { startsAt: new Date(p.starts_ms), endsAt: new Date(p.ends_ms) };
    const list = pausesOf.get(p.member_id);
    if (list) list.push(pause);
    else pausesOf.set(p.member_id, [pause]);
  }
  const out: LoadedMember[] = [];
  for (const r of members) {
    const joinedAt = new Date(r.joined_ms);
    const endedAt = r.ended_ms === null ? null : new Date(r.ended_ms);
    const capped = joinedAt < readFrom;
    const m: LoadedMember = {
      memberId: r.member_id,
      handle: r.handle,
      displayName: r.display_name,
      joinedAt,
      endedAt,
      capped,
      membership: { joinedAt: capped ? readFrom : joinedAt, endedAt },
      activities: NONE,
      pauses: pausesOf.get(r.member_id) ?? NONE,
    };
    out.push(m);
    const packed = r.e ? parse(r.e, r.h ?? null) : others?.get(r.member_id);
    if (packed) m.packed = packed;
  }
  return out;
}

interface CorrectionRow {
  member_id: string;
  kind: string;
  occurred_ms: number;
  created_ms: number;
  rejected_ms: number | null;
}

/**
 * Activities of a program's members (those a report of `period` lists: members at some point during it) dated in
 * [from, period end) that changed after the period ended: recorded since and still counting, or recorded before and
 * rejected since. Per member id, for the report's marks. History read by `steward backfill` (source `history:…`) is
 * what the week held, not a correction of it. Found through the indexes on created_at and rejected_at (migration
 * 20261208070100): what changed since the week, not every activity dated in the periods it shows. Ties in date keep
 * the id's order, whichever index the plan takes.
 */
export async function loadCorrections(
  sql: SqlRunner,
  { programId, memberIds, period, from }: { programId: string; memberIds?: string[] | undefined; period: Period; from: Date },
): Promise<Map<string, CorrectionInput[]>> {
  const out = new Map<string, CorrectionInput[]>();
  const until = period.end;
  const values: unknown[] = [programId, from, until, period.start];
  const only = memberIds ? `AND member_id = ANY($${values.push(memberIds)}::text[])` : "";
  const rows = await sql.query<CorrectionRow>(
    `SELECT a.member_id, a.kind, ${epochMs("a.occurred_at")} AS occurred_ms, ${epochMs("a.created_at")} AS created_ms, ${epochMs("a.rejected_at")} AS rejected_ms
       FROM activities a
      WHERE a.member_id IN (SELECT member_id FROM memberships WHERE program_id = $1 ${only} AND joined_at < $3 AND (ended_at IS NULL OR ended_at > $4))
        AND (a.program_id IS NULL OR a.program_id = $1)
        AND a.occurred_at >= $2 AND a.occurred_at < $3
        AND ((a.created_at >= $3 AND a.rejected_at IS NULL AND a.source NOT LIKE 'history:%') OR (a.created_at < $3 AND a.rejected_at >= $3))
      ORDER BY a.occurred_at, a.id`,
    values,
  );
  for (const r of rows) {
    const added = r.rejected_ms === null;
    const c: CorrectionInput = { kind: r.kind, occurredAt: new Date(r.occurred_ms), change: added ? "added" : "rejected", at: new Date(added ? r.created_ms : (r.rejected_ms as number)) };
    const list = out.get(r.member_id);
    if (list) list.push(c);
    else out.set(r.member_id, [c]);
  }
  return out;
}
