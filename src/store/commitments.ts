// What the commitment rules need of a program — memberships, progress, pauses —
// in three set-based queries, each returning at most a row per member, for the
// pure evaluation in src/domain/commitments.ts (through services/commitments.ts).
//
// Progress is added up in SQL per local day instead of shipping every activity. History is read from a window (the caller's
// `windowStart`, read from the start of the longest period holding it):
// memberships older than that are evaluated as if they began there, so every
// week, month and quarter starting from there is judged as it would be with
// the whole history, while streaks and weeks missed stop there and `capped`
// says so.
import type { ActivityInput, CorrectionInput, MemberInput, PauseInput, ProgressInput } from "../domain/commitments.ts";
import type { Commitment, PeriodUnit, Program } from "../domain/pack.ts";
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
  activities: ActivityInput[];
  progress: ProgressInput[];
  pauses: PauseInput[];
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
 * The members, pauses and progress of a program in three set-based queries,
 * each returning at most a row per member. Progress is what the domain's
 * evaluation reads, added up in SQL instead of shipping every activity: each
 * commitment's amount per local day of the window that has any, packed per
 * member as "day,amount,…,day,amount,…" with day the number of the day in the
 * window (its bucket among the window's day starts, from 1). The domain then
 * places each amount at its day's start, which lies in the same week, month
 * and quarter as every activity of that day, so /commitments, reminders, the
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
  const from = `FROM activities a JOIN ${memberships} m ON m.member_id = a.member_id
           WHERE a.rejected_at IS NULL AND (a.program_id IS NULL OR a.program_id = m.program_id)`;

  // Day by day over the window, from the start of the longest period the program's commitments use holding its first
  // week (a weekly-only program reads no quarter back): each activity's day is found by width_bucket among the
  // window's local day starts (a binary search), not by a time zone conversion per row.
  const units = new Set<PeriodUnit>(["week", ...rules.map((r) => r.per)]);
  const readFrom = new Date(Math.min(...UNIT_ORDER.filter((u) => units.has(u)).map((u) => periodOf(u, windowStart, tz).start.getTime())));
  const dk = parameters(scope);
  const days = rules.length ? dayStarts(readFrom, until, tz) : [];
  const dailySql = rules.length
    ? `SELECT d.member_id, string_agg(d.day || ${rules.map((_, ci) => `',' || d.c${ci}`).join(" || ")}, ',') AS days
         FROM (SELECT a.member_id, width_bucket(a.occurred_at, ${dk.add(days)}::timestamptz[]) AS day,
                      ${rules.map((c, ci) => `${amountSql(c, dk.add)} AS c${ci}`).join(", ")}
                 ${from}
                  AND a.kind = ANY(${dk.add([...new Set(rules.flatMap((c) => c.kinds))])}::text[])
                  AND a.occurred_at >= ${dk.add(readFrom)} AND a.occurred_at < ${dk.add(until)}
                GROUP BY 1, 2) d
        GROUP BY d.member_id`
    : undefined;

  const n = scope.length;
  const [members, dailyRows, pauses] = await Promise.all([
    sql.query<MemberRow>(
      `SELECT m.member_id, ${epochMs("m.joined_at")} AS joined_ms, ${epochMs("m.ended_at")} AS ended_ms, mem.handle, mem.display_name
         FROM ${memberships} m JOIN members mem ON mem.id = m.member_id
        ORDER BY mem.handle`,
      scope,
    ),
    dailySql ? sql.query<{ member_id: string; days: string }>(dailySql, dk.values) : [],
    sql.query<PauseRow>(
      `SELECT p.member_id, ${epochMs("p.starts_at")} AS starts_ms, ${epochMs("p.ends_at")} AS ends_ms
         FROM pauses p JOIN ${memberships} m ON m.member_id = p.member_id
        WHERE p.ends_at > $${n + 1} AND p.starts_at < $${n + 2}`,
      [...scope, readFrom, until],
    ),
  ]);

  const byId = new Map<string, LoadedMember>();
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
      activities: [],
      progress: [],
      pauses: [],
    };
    byId.set(r.member_id, m);
    out.push(m);
  }
  // "day,amount,amount,day,amount,amount…": one split per member; a day's instant is its start, shared.
  const stride = rules.length + 1;
  for (const r of dailyRows) {
    const m = byId.get(r.member_id);
    if (!m || !r.days) continue;
    const parts = r.days.split(",");
    for (let k = 0; k + stride <= parts.length; k += stride) {
      const at = days[Number(parts[k]) - 1];
      if (!at) continue;
      for (let ci = 0; ci < rules.length; ci++) {
        const amount = Number(parts[k + 1 + ci]);
        if (amount !== 0) m.progress.push({ commitment: ci, at, amount });
      }
    }
  }
  for (const p of pauses) {
    const m = byId.get(p.member_id);
    if (m) m.pauses.push({ startsAt: new Date(p.starts_ms), endsAt: new Date(p.ends_ms) });
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
 * Activities of a program's members dated in [from, until) that changed after
 * `until` (a past report's week end): recorded since and still counting, or
 * recorded before and rejected since. Per member id, for the report's marks. History read by `steward backfill`
 * (source `history:…`) is what the week held, not a correction of it.
 */
export async function loadCorrections(
  sql: SqlRunner,
  { programId, memberIds, from, until }: { programId: string; memberIds: string[]; from: Date; until: Date },
): Promise<Map<string, CorrectionInput[]>> {
  const out = new Map<string, CorrectionInput[]>();
  if (memberIds.length === 0) return out;
  const rows = await sql.query<CorrectionRow>(
    `SELECT a.member_id, a.kind, ${epochMs("a.occurred_at")} AS occurred_ms, ${epochMs("a.created_at")} AS created_ms, ${epochMs("a.rejected_at")} AS rejected_ms
       FROM activities a
      WHERE a.member_id = ANY($1::text[]) AND (a.program_id IS NULL OR a.program_id = $2)
        AND a.occurred_at >= $3 AND a.occurred_at < $4
        AND ((a.created_at >= $4 AND a.rejected_at IS NULL AND a.source NOT LIKE 'history:%') OR (a.created_at < $4 AND a.rejected_at >= $4))
      ORDER BY a.occurred_at`,
    [memberIds, programId, from, until],
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
