// Drill "history": a past week reads the same whenever it is asked. Random members of Velo
// Community Leaders in two time zones with a daylight-saving change (joins, removals, leaves,
// activities of every kind; no later corrections) are written week by week as time passes; each
// week's report is computed when the week has just ended, and again for every week once
// everything is in. Differences: a report cell that changed, a grid cell that is not its week's
// report overall, or "weeks missed in a row" that is not the run of missed cells.
// test/integration/history-property.test.ts runs the same check from fast-check's fixed seed.
import { configSchema } from "../src/config.ts";
import type { MemberEvaluation } from "../src/domain/commitments.ts";
import { createLogger } from "../src/log.ts";
import { parsePeriodKey, periodOf, type Period } from "../src/domain/periods.ts";
import { createRuntime, type Runtime } from "../src/runtime.ts";
import { evaluateProgramMembers, type LoadedMember } from "../src/services/commitments.ts";
import { complianceGrid } from "../src/services/overview.ts";
import { pgliteTemplate } from "../src/store/client.ts";
import { migrate } from "../src/store/migrate.ts";
import { scratchDatabase } from "../test/helpers/scratch-db.ts";
import { pick, seeded, type Drill } from "./lib.ts";

export const HISTORY_PROGRAM = "community-leaders-velo";
/** Two zones whose clocks go back inside the quarters checked (Berlin 25 October, Havana 1 November 2026). */
export const HISTORY_ZONES = ["Europe/Berlin", "America/Havana"] as const;
const DAY = 24 * 60 * 60 * 1000;
const KINDS = ["message", "message", "message", "answer", "moderation", "hours", "hours", "content", "social", "meetup", "talk", "webinar", "other"];
/** Data from here; the two quarters checked are 2026-Q3 and 2026-Q4. */
const FROM = Date.parse("2026-05-04T00:00:00Z");
/** The end of 2026-W53 in both zones: the last week checked. */
const TO = Date.parse("2027-01-05T00:00:00Z");

interface Clock {
  now: () => Date;
  set: (t: number) => void;
}

/** A migrated database with a clock the check moves: PGlite in memory, or a scratch database on DATABASE_URL's server. */
export async function historyRuntime(tz: string): Promise<{ runtime: Runtime; clock: Clock }> {
  let now = FROM;
  const clock = { now: () => new Date(now), set: (t: number) => void (now = t) };
  const config = configSchema.parse({ STEWARD_MODERATORS: "mod", LOG_LEVEL: "silent", STEWARD_TIMEZONE: tz });
  const log = createLogger("silent");
  const admin = process.env.DATABASE_URL;
  if (!admin) return { runtime: await createRuntime(config, { now: clock.now, log, store: { dataDir: "memory", template: await pgliteTemplate(migrate) } }), clock };
  const db = await scratchDatabase(admin, "steward_history");
  const runtime = await createRuntime(config, { now: clock.now, log, store: { databaseUrl: db.url } });
  return {
    runtime: {
      ...runtime,
      close: async () => {
        await runtime.close();
        await db.drop();
      },
    },
    clock,
  };
}

/** Something that happens at `at` (when it is written): a row to add, or a membership to end. */
type Event =
  | { at: number; kind: "join"; member: string; joinedAt: Date }
  | { at: number; kind: "leave"; member: string; endedAt: Date }
  | { at: number; kind: "pause"; member: string; startsAt: Date; endsAt: Date }
  | { at: number; kind: "activity"; member: string; activity: string; occurredAt: Date; hours: number | null };

/** Random members' histories, every row written when it happens (a leave is asked for the day it starts). */
export function historyEvents(rand: () => number, members: number): Event[] {
  const events: Event[] = [];
  const instant = (from: number, to: number) => from + Math.floor(rand() * (to - from));
  for (let m = 0; m < members; m++) {
    const member = `h${m}`;
    // Some join exactly at a local midnight that starts a week or a month, most at any time.
    let joined = instant(FROM, TO - 20 * DAY);
    if (rand() < 0.15) joined = Math.floor(joined / DAY) * DAY - 2 * 60 * 60 * 1000;
    events.push({ at: joined, kind: "join", member, joinedAt: new Date(joined) });
    const ended = rand() < 0.2 ? joined + Math.floor((10 + rand() * 140) * DAY) : Infinity;
    if (ended < TO) events.push({ at: ended, kind: "leave", member, endedAt: new Date(ended) });
    const last = Math.min(ended, TO);
    for (let p = Math.floor(rand() * 3); p > 0; p--) {
      const startsAt = instant(joined, last);
      events.push({ at: startsAt, kind: "pause", member, startsAt: new Date(startsAt), endsAt: new Date(startsAt + Math.floor((1 + rand() * 40) * DAY)) });
    }
    // From very active to silent; a few activities fall just before the join or just after the removal.
    const rate = rand() < 0.2 ? 0 : rand() * 1.5;
    for (let t = joined - 3 * DAY + Math.floor(rand() * 7 * DAY); t < Math.min(last + 3 * DAY, TO); t += Math.floor((7 * DAY * rand()) / Math.max(rate, 0.05))) {
      if (rate === 0) break;
      const activity = pick(rand, KINDS);
      events.push({ at: t, kind: "activity", member, activity, occurredAt: new Date(t), hours: activity === "hours" ? Math.round(rand() * 16 + 1) / 4 : null });
    }
  }
  return events.sort((a, b) => a.at - b.at);
}

async function write(runtime: Runtime, events: Event[], ids: Map<string, string>): Promise<void> {
  const db = runtime.app.db;
  const joins = events.filter((e) => e.kind === "join");
  if (joins.length) {
    await db.membership.createMany({ data: joins.map((e) => ({ memberId: e.member, programId: HISTORY_PROGRAM, state: "active", joinedAt: e.joinedAt })) });
    for (const e of joins) ids.set(e.member, e.member);
  }
  for (const e of events) if (e.kind === "leave") await db.membership.updateMany({ where: { memberId: e.member, programId: HISTORY_PROGRAM }, data: { state: "removed", endedAt: e.endedAt } });
  const pauses = events.flatMap((e) => (e.kind === "pause" ? [{ memberId: e.member, startsAt: e.startsAt, endsAt: e.endsAt }] : []));
  if (pauses.length) await db.pause.createMany({ data: pauses });
  const activities = events.flatMap((e, k) =>
    e.kind === "activity"
      ? [{ memberId: e.member, kind: e.activity, occurredAt: e.occurredAt, hours: e.hours, source: "drill", dedupeKey: `${e.member}:${e.at}:${k}`, createdAt: e.occurredAt }]
      : [],
  );
  if (activities.length) await db.activity.createMany({ data: activities });
}

/** What a report says of a member, cell by cell. */
function cells(r: MemberEvaluation): string {
  return JSON.stringify([r.overall, r.commitments.map((c) => [c.period.key, c.status, c.done]), r.streak, r.missedInARow, r.flagged]);
}

type Report = Map<string, MemberEvaluation & { member: LoadedMember }>;

async function report(runtime: Runtime, week: Period): Promise<{ rows: Report }> {
  const r = await evaluateProgramMembers(runtime.app, HISTORY_PROGRAM, { period: week });
  return { rows: new Map(r.rows.map((row) => [row.member.memberId, row])) };
}

export interface HistoryOutcome {
  weeks: number;
  reports: number;
  cellsCompared: number;
  differences: string[];
}

interface Replayed {
  runtime: Runtime;
  clock: Clock;
  weeks: Period[];
  /** Keys of the weeks of 2026-Q3 and 2026-Q4. */
  checked: Set<string>;
  /** Each week's report as asked the Monday morning after it ended, with what was written by then. */
  early: Map<string, Report>;
  reports: number;
}

/** Writes `members` random histories week by week as time passes, asking each week's report when it has just ended. */
async function replay(rand: () => number, members: number, tz: string): Promise<Replayed> {
  const { runtime, clock } = await historyRuntime(tz);
  const events = historyEvents(rand, members);
  const ids = new Map<string, string>();
  // The people exist from the start (an activity may come a little before its member joins the program).
  await runtime.app.db.member.createMany({ data: Array.from({ length: members }, (_, m) => ({ id: `h${m}`, handle: `h${m}`, displayName: `h${m}` })) });
  const weeks: Period[] = [];
  for (let w = periodOf("week", FROM, tz); w.end.getTime() <= TO; w = periodOf("week", w.end, tz)) weeks.push(w);
  const q3 = parsePeriodKey("2026-Q3", tz).start;
  const checked = new Set(weeks.filter((w) => w.end > q3).map((w) => w.key));
  const early = new Map<string, Report>();
  let next = 0;
  for (const week of weeks) {
    const asked = week.end.getTime() + 9 * 60 * 60 * 1000;
    const due: Event[] = [];
    while (next < events.length && (events[next] as Event).at < asked) due.push(events[next++] as Event);
    await write(runtime, due, ids);
    clock.set(asked);
    early.set(week.key, (await report(runtime, week)).rows);
  }
  await write(runtime, events.slice(next), ids);
  return { runtime, clock, weeks, checked, early, reports: weeks.length };
}

/** The whole check in one zone: `members` random members, the weeks of 2026-Q3 and 2026-Q4. */
export async function checkHistory(rand: () => number, members: number, tz: string): Promise<HistoryOutcome> {
  const { runtime, clock, weeks, checked, early, reports: asked } = await replay(rand, members, tz);
  try {
    const differences: string[] = [];
    let cellsCompared = 0;
    let reports = asked;

    // Later, twice: each week asked again, and the run of missed cells checked against "missed in a row".
    for (const later of [TO + 3 * DAY, TO + 45 * DAY]) {
      clock.set(later);
      const cellOf = new Map<string, Map<string, MemberEvaluation>>();
      for (const week of weeks) {
        const { rows } = await report(runtime, week);
        reports++;
        cellOf.set(week.key, rows);
        if (!checked.has(week.key)) continue;
        const before = early.get(week.key) ?? new Map();
        for (const id of new Set([...before.keys(), ...rows.keys()])) {
          cellsCompared++;
          const a = before.get(id);
          const b = rows.get(id);
          if (!a || !b || cells(a) !== cells(b))
            differences.push(`${tz} ${week.key} @${id}: asked then ${a ? cells(a) : "absent"}, asked on ${new Date(later).toISOString().slice(0, 10)} ${b ? cells(b) : "absent"}`);
        }
        // Weeks missed in a row = the run of missed cells back from this week (weeks on leave or after leaving skipped).
        for (const [id, row] of rows) {
          if (row.missedInARow === null) continue;
          // A membership older than the report's window is read from the window's start: the run stops there too.
          const from = row.member.capped ? row.member.membership.joinedAt.getTime() : -Infinity;
          let run = 0;
          for (let k = weeks.indexOf(week); k >= 0 && (weeks[k] as Period).start.getTime() >= from; k--) {
            const c = cellOf.get((weeks[k] as Period).key)?.get(id);
            if (!c) break;
            if (c.overall === "missed") run++;
            else if (c.commitments.filter((x) => x.required && x.unit === "week").every((x) => x.status === "paused" || x.notJudgedReason === "membership-ended")) continue;
            else break;
          }
          if (run !== row.missedInARow) differences.push(`${tz} ${week.key} @${id}: missed in a row ${row.missedInARow}, run of missed cells ${run}`);
        }
      }
      // The grid as the dashboard shows it then: each cell its week's report overall.
      const grid = await complianceGrid(runtime.app, HISTORY_PROGRAM, { pageSize: members });
      for (const row of grid.rows)
        grid.weeks.forEach((week, k) => {
          const shown = row.weeks[k];
          const r = cellOf.get(week.key)?.get(row.memberId);
          if (!r) return;
          cellsCompared++;
          if (shown !== r.overall) differences.push(`${tz} grid ${week.key} @${row.handle}: cell ${shown}, report ${r.overall}`);
        });
    }
    return { weeks: checked.size, reports, cellsCompared, differences };
  } finally {
    await runtime.close();
  }
}


/** What a correction test found: cells changed since posted, cells marked, and where the two differ. */
export interface CorrectionOutcome {
  corrections: number;
  changed: number;
  marked: number;
  differences: string[];
}

/**
 * After every week was posted, moderators reject some activities and members log a few backdated ones
 * (within the /log limit); every week is asked again. A commitment cell whose status or amount moved must be
 * marked "changed since it was posted", and no other cell may be.
 */
export async function checkCorrections(rand: () => number, members: number, tz: string): Promise<CorrectionOutcome> {
  const { runtime, clock, weeks, checked, early } = await replay(rand, members, tz);
  try {
    const later = TO + 3 * DAY;
    clock.set(later);
    const db = runtime.app.db;
    const program = runtime.app.pack.programs.find((p) => p.id === HISTORY_PROGRAM);
    const kinds = [...new Set(program?.commitments.flatMap((c) => c.kinds) ?? [])];
    const first = (weeks.find((w) => checked.has(w.key)) as Period).start;
    let corrections = 0;
    for (let m = 0; m < members; m++) {
      const roll = rand();
      if (roll < 0.15) {
        const candidates = await db.activity.findMany({ where: { memberId: `h${m}`, kind: { in: kinds }, rejectedAt: null, occurredAt: { gte: first, lt: new Date(TO) } }, select: { id: true } });
        const chosen = candidates[Math.floor(rand() * candidates.length)];
        if (!chosen) continue;
        await db.activity.update({ where: { id: chosen.id }, data: { rejectedAt: new Date(later), rejectedBy: "mod", rejectReason: "drill" } });
        corrections++;
      } else if (roll < 0.3) {
        const kind = pick(rand, kinds);
        const occurredAt = new Date(later - Math.floor((1 + rand() * (runtime.app.pack.backdateDays - 2)) * DAY));
        if (occurredAt.getTime() >= TO) continue;
        await db.activity.create({ data: { memberId: `h${m}`, kind, occurredAt, hours: kind === "hours" ? 1.5 : null, source: "drill", dedupeKey: `late:${m}`, createdAt: new Date(later) } });
        corrections++;
      }
    }
    let changed = 0;
    let marked = 0;
    const differences: string[] = [];
    for (const week of weeks) {
      if (!checked.has(week.key)) continue;
      const r = await evaluateProgramMembers(runtime.app, HISTORY_PROGRAM, { period: week });
      for (const row of r.rows) {
        const before = early.get(week.key)?.get(row.member.memberId);
        if (!before) continue;
        row.commitments.forEach((c, ci) => {
          const was = before.commitments[ci];
          const moved = !was || was.status !== c.status || was.done !== c.done;
          const mark = (row.changed?.[ci]?.length ?? 0) > 0;
          if (moved) changed++;
          if (mark) marked++;
          if (moved !== mark) differences.push(`${tz} ${week.key} @${row.member.handle} ${c.id}: ${moved ? "changed" : "unchanged"} (${was?.status} ${was?.done} → ${c.status} ${c.done}) but ${mark ? "marked" : "not marked"}`);
        });
      }
    }
    return { corrections, changed, marked, differences };
  } finally {
    await runtime.close();
  }
}

export const historyDrill: Drill = async ({ seed, size }) => {
  const members = size === "full" ? 1000 : 200;
  let weeks = 0;
  let reports = 0;
  let compared = 0;
  const differences: string[] = [];
  for (const [k, tz] of HISTORY_ZONES.entries()) {
    const r = await checkHistory(seeded(seed * 31 + k), members, tz);
    weeks += r.weeks;
    reports += r.reports;
    compared += r.cellsCompared;
    differences.push(...r.differences);
  }
  return {
    pass: differences.length === 0,
    figures: `${members} members × ${HISTORY_ZONES.length} zones, ${weeks} weeks, ${reports} reports, ${compared} rows compared, ${differences.length} differences`,
    problems: differences.slice(0, 5),
  };
};
