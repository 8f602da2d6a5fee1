// A past week reads the same from outside whenever it is asked: /report typed
// into the terminal chat under a clock moved forward over weeks, the dashboard
// grid next to it, and membership judged by its dates (issue 21, findings 1, 2).
// PGlite always, Postgres when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession } from "../../src/adapters/console/session.ts";
import { ensureMember } from "../../src/services/members.ts";
import { complianceGrid } from "../../src/services/overview.ts";
import { storeKinds, testClock, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const LEADERS = "community-leaders-velo";
const DAY = 24 * 60 * 60 * 1000;

describe.each(storeKinds)("a past week asked later (%s)", (kind) => {
  let rt: TestRuntime;
  let session: ConsoleSession;
  let n = 0;

  const ok = async (handle: string, line: string): Promise<string> => {
    session.handle = handle;
    const r = await session.handleLine(line);
    if (r.status !== "ok") throw new Error(`${line} → ${r.status}: ${r.output}`);
    return r.output;
  };
  /** A report's table row of a member, cell by cell. */
  const rowOf = (out: string, handle: string): string[] => {
    const line = out.split("\n").find((l) => l.includes(`@${handle} `) || l.endsWith(`@${handle}`));
    if (!line) throw new Error(`no row for @${handle} in:\n${out}`);
    return line.split(/\s{2,}|│|\|/).map((c) => c.trim()).filter(Boolean);
  };
  async function member(handle: string, joined: string, ended?: string): Promise<string> {
    const m = await ensureMember(rt.app, "console", handle, handle);
    await rt.app.db.membership.create({
      data: { memberId: m.id, programId: LEADERS, state: ended ? "removed" : "active", joinedAt: new Date(joined), ...(ended ? { endedAt: new Date(ended) } : {}) },
    });
    return m.id;
  }
  async function post(memberId: string, at: Date) {
    await rt.app.db.activity.create({ data: { memberId, kind: "message", occurredAt: at, source: "test", dedupeKey: `h${++n}`, createdAt: at } });
  }

  beforeEach(async () => {
    rt = await testRuntime(kind, { STEWARD_TIMEZONE: "Europe/Berlin" }, testClock("2026-10-20T10:00:00Z"));
    session = new ConsoleSession(rt.app, registry, "nobody");
  });
  afterEach(async () => {
    await rt.close();
  });

  it("/report week:2026-W41 reads the same on 20 October and on 5 November, and the grid shows what the reports said", async () => {
    const leader = await member("leader", "2026-09-20T10:00:00Z");
    // Posts in the community channel every week, up to the day the later report is asked.
    for (let t = Date.parse("2026-09-21T09:00:00Z"); t < Date.parse("2026-11-05T00:00:00Z"); t += 7 * DAY) await post(leader, new Date(t));

    rt.clock.set("2026-10-20T10:00:00Z");
    const early = await ok("mod", `/report ${LEADERS} week:2026-W41`);
    rt.clock.set("2026-11-05T10:00:00Z");
    const later = await ok("mod", `/report ${LEADERS} week:2026-W41`);
    expect(rowOf(later, "leader")).toEqual(rowOf(early, "leader"));
    // October as it stood at W41's end (Sunday 11 October): not yet at risk, and certainly not missed.
    expect(early).toContain("on track 0/3h");
    expect(later).not.toContain("missed 0/3h");

    // The grid on 5 November: each week's cell is that week's report overall, asked then or now.
    const grid = await complianceGrid(rt.app, LEADERS);
    const row = grid.rows.find((r) => r.handle === "leader");
    for (const [k, week] of grid.weeks.entries()) {
      if (week.start.getTime() < Date.parse("2026-09-28T00:00:00Z")) continue; // before the first full week and month
      rt.clock.set(new Date(week.end.getTime() + DAY).toISOString());
      const asked = await ok("mod", `/report ${LEADERS} week:${week.key}`);
      rt.clock.set("2026-11-05T10:00:00Z");
      expect([week.key, rowOf(asked, "leader")[1]]).toEqual([week.key, (row?.weeks[k] ?? "").replace("not-yet-judged", "new").replace("-", " ")]);
    }
    // Every week posted, but no hours in October: the only missed cell is W44, which holds 31 October, and "missed in a
    // row" counts that run (W45 is still running on 5 November).
    expect(row?.weeks.filter((s) => s === "missed")).toHaveLength(1);
    expect(row?.weeks[grid.weeks.findIndex((w) => w.key === "2026-W44")]).toBe("missed");
    expect(row?.missedInARow).toBe("1");
  });

  it("judges a member removed after the week for that week, like one still there (finding 2)", async () => {
    const removed = await member("removed", "2026-09-20T10:00:00Z", "2026-10-14T10:00:00Z");
    const stays = await member("stays", "2026-09-20T10:00:00Z");
    for (const id of [removed, stays]) for (let t = Date.parse("2026-09-21T09:00:00Z"); t < Date.parse("2026-10-12T00:00:00Z"); t += 7 * DAY) await post(id, new Date(t));
    rt.clock.set("2026-10-12T08:00:00Z");
    const atTheTime = await ok("mod", `/report ${LEADERS} week:2026-W41`);
    rt.clock.set("2026-11-05T10:00:00Z");
    const later = await ok("mod", `/report ${LEADERS} week:2026-W41`);
    // Still a member on 11 October: judged for October as it stood then, not "new".
    expect(rowOf(later, "removed").slice(1, 7)).toEqual(rowOf(later, "stays").slice(1, 7));
    expect(rowOf(later, "removed").slice(0, 7)).toEqual(rowOf(atTheTime, "removed").slice(0, 7));
    expect(rowOf(later, "removed").join(" ")).not.toMatch(/\bnew\b/);
    // The week they left in: its week and October are not judged for them any more, and the cells say why.
    const w42 = await ok("mod", `/report ${LEADERS} week:2026-W42`);
    expect(rowOf(w42, "removed").join(" ")).toContain("left 0/3h");
    expect(rowOf(w42, "removed").join(" ")).not.toMatch(/\bnew\b/);
  });

  it("marks a past week's cells a moderator's later rejection changed, and says what changed", async () => {
    const leader = await member("leader", "2026-09-20T10:00:00Z");
    for (let t = Date.parse("2026-09-21T09:00:00Z"); t < Date.parse("2026-10-12T00:00:00Z"); t += 7 * DAY) await post(leader, new Date(t));
    const hours = await rt.app.db.activity.create({
      data: { memberId: leader, kind: "hours", hours: 3, occurredAt: new Date("2026-10-06T10:00:00Z"), source: "test", dedupeKey: "hours-w41", createdAt: new Date("2026-10-06T10:00:00Z") },
    });
    rt.clock.set("2026-10-12T08:00:00Z");
    const posted = await ok("mod", `/report ${LEADERS} week:2026-W41`);
    expect(rowOf(posted, "leader").join(" ")).toContain("met 3/3h");
    expect(posted).not.toContain("Changed since it was posted");

    rt.clock.set("2026-10-20T10:00:00Z");
    await ok("mod", `/activity reject ${hours.id.slice(0, 8)} not community work`);
    const later = await ok("mod", `/report ${LEADERS} week:2026-W41`);
    // Recomputed from the rows (the hours no longer count), and marked where it moved: only the hours cell.
    expect(rowOf(later, "leader").join(" ")).toContain("on track 0/3h *");
    expect(rowOf(later, "leader").filter((c) => c.endsWith("*"))).toHaveLength(1);
    expect(later).toContain("Changed since it was posted (marked *): @leader monthly-hours: hours of 2026-10-06 rejected 2026-10-20");
  });
});
