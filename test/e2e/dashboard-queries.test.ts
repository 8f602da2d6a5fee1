// Hostile query parameters and path segments on every dashboard page, over
// real HTTP as a signed-in moderator: a 400 page that names what was wrong,
// never a 500. The same requests are the "hostile dashboard queries" drill.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileDashboardRequests } from "../../drill/dashboard-queries.ts";
import { get, startDashboard, type DashboardHarness } from "../helpers/dashboard.ts";

describe("hostile dashboard queries", () => {
  let d: DashboardHarness;
  let cookie: string;

  beforeAll(async () => {
    d = await startDashboard("pglite");
    d.runtime.app.pack.publicLeaderboard = true;
    await d.chat.ok("mod", "/log hours 2");
    cookie = await d.signIn();
  });
  afterAll(async () => {
    await d?.close();
  });

  it.each([
    ["/admin/audit?actor=%00", "actor"],
    ["/admin/audit?to=0000-01-01", "to"],
    ["/admin/audit?from=99999-12-31", "from"],
    ["/admin/audit?before=99999999999", "before"],
    ["/admin/members/%00", "handle"],
    ["/admin/programs/a%00b", "program"],
    [`/admin/programs/community-leaders-velo/report.csv?week=%00`, "week"],
    [`/admin/programs/community-leaders-velo/report.csv?week=2026-W99`, "week"],
    [`/admin/programs/community-leaders-velo/report.csv?week=0000-W01`, "week"],
  ])("answers %s with a 400 page naming %s", async (path, field) => {
    const res = await get(d.base, path, cookie);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain(field);
  });

  it("answers every hostile value of every parameter of every page without a 5xx", async () => {
    const bad: string[] = [];
    for (const path of hostileDashboardRequests()) {
      const res = await get(d.base, path, cookie);
      await res.arrayBuffer();
      if (res.status >= 500) bad.push(`${res.status} ${path.slice(0, 100)}`);
    }
    expect(bad).toEqual([]);
  }, 120_000);

  it("shows the public leaderboard for this week, this month or all time, each tier in its colour", async () => {
    await d.chat.ok("mod", "/adjust mod +500 seen-test");
    const all = await (await get(d.base, "/leaderboard")).text();
    expect(all).toMatch(/<a href="\/leaderboard\?period=all" aria-current="page">All time<\/a>/);
    expect(all).toContain('<span class="tier tier-1">Pioneer</span>');
    const week = await (await get(d.base, "/leaderboard?period=week")).text();
    expect(week).toContain("Partners by points earned this week");
    expect(week).toMatch(/@mod<\/span>/);
    // Last week's points are not this week's.
    d.runtime.clock.advance(8 * 24 * 60 * 60 * 1000);
    expect(await (await get(d.base, "/leaderboard?period=week")).text()).toContain("No partner has points this week.");
    expect(await (await get(d.base, "/leaderboard?period=all")).text()).toContain("@mod");
    expect((await get(d.base, "/leaderboard?period=year")).status).toBe(400);
    // The session did not outlive the eight days.
    cookie = await d.signIn();
  });

  it("exports the audit log as CSV with the page's filters", async () => {
    const res = await get(d.base, "/admin/audit.csv?actor=mod&action=dashboard sign-in", cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("audit.csv");
    const lines = (await res.text()).trim().split("\n");
    expect(lines[0]).toBe("at,actor,action,target,outcome,details");
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.split(",")[1] === "mod" && l.split(",")[2] === "dashboard sign-in")).toBe(true);
    const page = await (await get(d.base, "/admin/audit?actor=mod", cookie)).text();
    expect(page).toContain('href="/admin/audit.csv?actor=mod"');
  });

  it("exports the whole audit log (it stopped at 10,000 entries), past the chunks it is read in, newest first and each entry once", async () => {
    const db = d.runtime.app.db;
    // In one statement: 10,050 rows through the client's createMany cost seconds.
    await d.runtime.app.sql.query(
      `INSERT INTO audit_log (actor, action, target, outcome, created_at)
       SELECT 'system', 'export check', 't' || g, 'ok', timestamptz '2026-01-01T00:00:00Z' + g * interval '1 second' FROM generate_series(0, 10049) g`,
      [],
    );
    const res = await get(d.base, "/admin/audit.csv?action=export check", cookie);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\n");
    expect(lines).toHaveLength(10_051);
    const targets = lines.slice(1).map((l) => l.split(",")[3]);
    expect(new Set(targets).size).toBe(10_050);
    expect(targets.at(0)).toBe("t10049");
    expect(targets.at(-1)).toBe("t0");
    await db.auditLog.deleteMany({ where: { action: "export check" } });
  });

  it("still shows the pages for ordinary values", async () => {
    for (const path of ["/admin/audit?actor=mod&from=2026-11-01&to=2026-11-30", "/admin/members/mod", "/admin/programs/community-leaders-velo?page=1"]) {
      expect((await get(d.base, path, cookie)).status, path).toBe(200);
    }
  });
});
