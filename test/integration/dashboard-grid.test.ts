// The compliance grid reads the same evaluation as /report: a week's column
// says what that week's report said, repeat missers come first, and pages
// cut the ordered list.
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureMember } from "../../src/services/members.ts";
import { complianceGrid, lastWeeks } from "../../src/services/overview.ts";
import { buildReport } from "../../src/services/reports.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const PROGRAM = "community-leaders-velo";
const DAY = 24 * 60 * 60 * 1000;

describe.each(storeKinds)("compliance grid (%s)", (kind) => {
  let rt: TestRuntime;
  let n = 0;

  async function member(handle: string, joined: string): Promise<string> {
    const m = await ensureMember(rt.app, "console", handle, handle);
    await rt.app.db.membership.create({ data: { memberId: m.id, programId: PROGRAM, state: "active", joinedAt: new Date(joined) } });
    return m.id;
  }
  async function log(memberId: string, kind: string, at: Date, hours?: number) {
    await rt.app.db.activity.create({ data: { memberId, kind, occurredAt: at, source: "test", dedupeKey: `t${++n}`, ...(hours ? { hours } : {}) } });
  }

  beforeAll(async () => {
    rt = await testRuntime(kind); // the clock: Wednesday 2026-11-25 12:00 UTC, week 2026-W48
    // steady does everything: a message every week, hours, content and social promotion each month, a meetup each quarter.
    const steady = await member("steady", "2026-06-01T00:00:00Z");
    for (let t = Date.parse("2026-06-01T10:00:00Z"); t < rt.clock.now().getTime(); t += 7 * DAY) await log(steady, "message", new Date(t));
    for (const month of ["06", "07", "08", "09", "10", "11"]) {
      await log(steady, "hours", new Date(`2026-${month}-01T09:00:00Z`), 3);
      await log(steady, "content", new Date(`2026-${month}-01T09:00:00Z`));
      // Social promotion is a required monthly commitment of Community Leaders (the seed's "must promote").
      await log(steady, "social", new Date(`2026-${month}-01T09:00:00Z`));
    }
    for (const q of ["2026-07-01", "2026-10-01"]) await log(steady, "meetup", new Date(`${q}T09:00:00Z`));
    await member("lapsed", "2026-06-01T00:00:00Z"); // nothing at all
    await member("newbie", "2026-11-18T12:00:00Z"); // joined mid-week 47
    await member("zed", "2026-06-01T00:00:00Z");
  });
  afterAll(() => rt.close());

  it("shows 12 weeks ending with this one, repeat missers first", async () => {
    const grid = await complianceGrid(rt.app, PROGRAM);
    expect(grid.weeks.map((w) => w.key)).toEqual(lastWeeks(rt.app).map((w) => w.key));
    expect(grid.weeks[0]?.key).toBe("2026-W37");
    expect(grid.weeks.at(-1)?.key).toBe("2026-W48");
    expect(grid.total).toBe(4);
    const byHandle = new Map(grid.rows.map((r) => [r.handle, r]));
    expect(grid.rows.slice(0, 2).map((r) => r.handle).sort()).toEqual(["lapsed", "zed"]);
    expect(byHandle.get("lapsed")?.flagged).toBe(true);
    expect(byHandle.get("lapsed")?.weeks.slice(0, 11)).toEqual(Array(11).fill("missed"));
    expect(byHandle.get("steady")?.weeks).toEqual(Array(12).fill("met"));
    // Before joining nothing is judged; the week still running is not missed yet.
    const newbie = byHandle.get("newbie")?.weeks ?? [];
    expect(newbie.slice(0, 11)).toEqual(Array(11).fill("not-yet-judged"));
    expect(newbie[11]).toBe("on-track");
  });

  it("says for each member what that week's report said", async () => {
    const grid = await complianceGrid(rt.app, PROGRAM);
    const week = grid.weeks.at(-2);
    const csv = (await buildReport(rt.app, PROGRAM, week?.key)).files?.[0]?.content ?? "";
    const report = new Map((parse(csv, { columns: true }) as Array<{ member: string; overall: string }>).map((r) => [r.member, r.overall]));
    expect(report.size).toBe(4);
    for (const row of grid.rows) expect(row.weeks.at(-2), row.handle).toBe(report.get(row.handle));
  });

  it("pages the ordered members", async () => {
    const first = await complianceGrid(rt.app, PROGRAM, { pageSize: 3 });
    const second = await complianceGrid(rt.app, PROGRAM, { pageSize: 3, page: 2 });
    expect([first.pages, second.page, first.rows.length, second.rows.length]).toEqual([2, 2, 3, 1]);
    expect(new Set([...first.rows, ...second.rows].map((r) => r.handle)).size).toBe(4);
    expect((await complianceGrid(rt.app, PROGRAM, { pageSize: 3, page: 99 })).page).toBe(2);
    expect((await complianceGrid(rt.app, PROGRAM, { pageSize: 3, page: -5 })).page).toBe(1);
  });
});
