// The loader adds progress up in SQL (src/store/commitments.ts) instead of
// handing every activity to the domain. Here, on random programs' worth of
// activity in a zone with a DST change, its evaluation must equal the pure
// evaluation of the raw activities, member for member: for reports of past
// weeks, for "now" (reminders) and for single members over two years
// (/commitments). PGlite always, Postgres when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateProgram, type ActivityInput } from "../../src/domain/commitments.ts";
import { parsePeriodKey, type Period } from "../../src/domain/periods.ts";
import { evaluateProgramMembers, MEMBER_LOOKBACK_WEEKS, type ProgramEvaluationResult } from "../../src/services/commitments.ts";
import { storeKinds, testClock, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const TZ = "Europe/Berlin";
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2026-11-26T10:00:00Z");
const PROGRAMS = ["community-leaders-velo", "velo-masters"];
const KINDS = ["message", "message", "message", "answer", "moderation", "hours", "content", "social", "meetup", "talk", "webinar", "feedback-session", "other"];

/** Deterministic, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe.each(storeKinds)("SQL-aggregated progress equals evaluating raw activities, on %s", (kind) => {
  let rt: TestRuntime;
  const raw = new Map<string, Array<ActivityInput & { occurredAt: Date }>>();

  beforeAll(async () => {
    rt = await testRuntime(kind, { STEWARD_TIMEZONE: TZ }, testClock(NOW.toISOString()));
    const rnd = random(7);
    const members = Array.from({ length: 40 }, (_, i) => ({ id: `m${i}`, handle: `member${i}`, displayName: `Member ${i}` }));
    await rt.app.db.member.createMany({ data: members });
    await rt.app.db.membership.createMany({
      data: members.flatMap((m, i) =>
        PROGRAMS.filter((_, p) => (i + p) % 3 !== 0).map((programId) => ({
          memberId: m.id,
          programId,
          state: "active",
          // From two years ago to last week, some exactly at a local week start.
          joinedAt: i % 7 === 0 ? new Date("2026-10-04T22:00:00Z") : new Date(NOW.getTime() - Math.floor(rnd() * 730) * DAY - Math.floor(rnd() * DAY)),
        })),
      ),
    });
    const activities = members.flatMap((m) =>
      Array.from({ length: 20 + Math.floor(rnd() * 60) }, (_, k) => {
        const kind = KINDS[Math.floor(rnd() * KINDS.length)] ?? "message";
        const occurredAt = new Date(NOW.getTime() - Math.floor(rnd() * 300 * DAY));
        const hours = kind === "hours" ? (rnd() < 0.1 ? null : Math.round(rnd() * 40) / 8) : null;
        const rejectedAt = rnd() < 0.08 ? NOW : null;
        return { id: `${m.id}-${k}`, memberId: m.id, kind, occurredAt, hours, rejectedAt, source: "test", dedupeKey: `${m.id}-${k}` };
      }),
    );
    await rt.app.db.activity.createMany({ data: activities });
    for (const a of activities) {
      const list = raw.get(a.memberId) ?? [];
      list.push(a);
      raw.set(a.memberId, list);
    }
    await rt.app.db.pause.createMany({
      data: members
        .filter((_, i) => i % 5 === 0)
        .map((m, i) => ({ memberId: m.id, startsAt: new Date(NOW.getTime() - (10 + i * 9) * DAY), endsAt: new Date(NOW.getTime() - i * 9 * DAY) })),
    });
  });
  afterAll(() => rt.close());

  /** The same members, windows and pauses, evaluated from their raw activities up to the reference instant. */
  function expectSameAsRaw(r: ProgramEvaluationResult, period: Period | undefined) {
    const ref = period ? Math.min(period.end.getTime() - 1, NOW.getTime()) : NOW.getTime();
    const fromRaw = evaluateProgram(
      r.program.commitments,
      r.rows.map(({ member }) => ({
        membership: member.membership,
        pauses: member.pauses,
        activities: (raw.get(member.memberId) ?? []).filter((a) => a.occurredAt.getTime() <= ref),
      })),
      { now: NOW, tz: TZ, ...(period ? { period } : {}) },
    );
    expect(r.rows.length).toBeGreaterThan(0);
    // `changed` marks corrections made after the week (a report annotation, not part of the evaluation).
    expect(r.rows.map(({ member: _, changed: _c, ...e }) => e)).toEqual(fromRaw.rows.map(({ member: _, ...e }) => e));
    expect(r.summary).toEqual(fromRaw.summary);
  }

  /** Assertions expectSameAsRaw makes. */
  const PER_COMPARISON = 3;
  const REPORT_WEEKS = ["2026-W47", "2026-W44", "2026-W43", "2026-W40", "2026-W27"];

  it.each(PROGRAMS)("%s: weekly reports, across the DST change and a quarter boundary", async (programId) => {
    expect.assertions(REPORT_WEEKS.length * PER_COMPARISON);
    for (const key of REPORT_WEEKS) {
      const period = parsePeriodKey(key, TZ);
      expectSameAsRaw(await evaluateProgramMembers(rt.app, programId, { period }), period);
    }
  });

  it.each(PROGRAMS)("%s: as of now, the reminders' window", async (programId) => {
    expect.assertions(PER_COMPARISON);
    expectSameAsRaw(await evaluateProgramMembers(rt.app, programId, { now: NOW, lookbackWeeks: 0 }), undefined);
  });

  it("a membership written while a report's statements run moves no one's progress out of both halves", async () => {
    // The progress is read in two statements side by side, split at the median member; each statement sees its own
    // snapshot. Members joining between them must not shift the split under one half only.
    const programId = PROGRAMS[0] as string;
    const period = parsePeriodKey("2026-W47", TZ);
    const late = Array.from({ length: 30 }, (_, i) => ({ id: `z${i}`, handle: `late${i}`, displayName: `Late ${i}` }));
    const query = rt.app.sql.query;
    let interfered = false;
    rt.app.sql.query = async <T,>(sql: string, params?: unknown[], prepared?: string) => {
      if (!interfered && /string_agg/.test(sql) && !/JOIN members/.test(sql)) {
        interfered = true;
        await rt.app.db.member.createMany({ data: late });
        await rt.app.db.membership.createMany({ data: late.map((m) => ({ memberId: m.id, programId, state: "active", joinedAt: new Date("2025-01-01T00:00:00Z") })) });
      }
      return query<T>(sql, params, prepared);
    };
    try {
      const r = await evaluateProgramMembers(rt.app, programId, { period });
      expect(interfered).toBe(true);
      expectSameAsRaw(r, period);
    } finally {
      rt.app.sql.query = query;
      await rt.app.db.membership.deleteMany({ where: { memberId: { in: late.map((m) => m.id) } } });
      await rt.app.db.member.deleteMany({ where: { id: { in: late.map((m) => m.id) } } });
    }
  });

  it.each(PROGRAMS)("%s: one member at a time over two years, as /commitments reads them", async (programId) => {
    const ids = ["m1", "m2", "m7", "m14", "m20"];
    const enrolled = new Set((await rt.app.db.membership.findMany({ where: { programId, memberId: { in: ids } } })).map((m) => m.memberId));
    // Every program has some of them (velo-masters not all): the comparison below runs for each.
    expect(enrolled.size).toBeGreaterThan(0);
    // Every member is checked: compared with the raw evaluation if enrolled, found absent otherwise.
    expect.assertions(1 + enrolled.size * PER_COMPARISON + (ids.length - enrolled.size));
    for (const id of ids) {
      const r = await evaluateProgramMembers(rt.app, programId, { memberIds: [id], lookbackWeeks: MEMBER_LOOKBACK_WEEKS });
      if (enrolled.has(id)) expectSameAsRaw(r, undefined);
      else expect(r.rows).toEqual([]);
    }
  });
});
