// The grid's search, status filter and order are done by the server over the
// whole program, not over the page on screen: at 10,000 members a member on
// the last page is one search away, and the pager keeps the search.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { complianceGrid } from "../../src/services/overview.ts";
import { get, startDashboard, type DashboardHarness } from "../helpers/dashboard.ts";

const PROGRAM = "community-leaders-velo";
const MEMBERS = 10_000;

describe("the grid's search, filter and order at 10,000 members", () => {
  let d: DashboardHarness;
  let cookie: string;

  beforeAll(async () => {
    d = await startDashboard("pglite");
    const db = d.runtime.app.db;
    const joined = new Date("2026-09-07T00:00:00Z");
    const members = Array.from({ length: MEMBERS }, (_, i) => {
      const n = String(i).padStart(5, "0");
      // The last one by handle, and the earliest to join, so that no default order shows it first.
      return i === MEMBERS - 1 ? { id: randomUUID(), handle: "zz_quiet", displayName: "Zoë Quintessa Ó Briain" } : { id: randomUUID(), handle: `member${n}`, displayName: `Member ${n}` };
    });
    await db.member.createMany({ data: members });
    await db.membership.createMany({
      data: members.map((m, i) => ({ memberId: m.id, programId: PROGRAM, state: "active", joinedAt: i === MEMBERS - 1 ? new Date("2026-09-01T00:00:00Z") : joined })),
    });
    // Three who joined today: nothing of theirs can be judged yet, unlike everyone else.
    await db.membership.updateMany({ where: { memberId: { in: members.slice(0, 3).map((m) => m.id) } }, data: { joinedAt: d.runtime.clock.now() } });
    cookie = await d.signIn();
  }, 120_000);
  afterAll(async () => {
    await d?.close();
  });

  it("finds a member from the last page by part of the handle or the name, in any case, with or without @", async () => {
    for (const q of ["zz_q", "@ZZ_QUIET", "quintessa", "ó briain"]) {
      const grid = await complianceGrid(d.runtime.app, PROGRAM, { q });
      expect(grid.rows.map((r) => r.handle), q).toEqual(["zz_quiet"]);
      expect(grid.total).toBe(1);
      expect(grid.programTotal).toBe(MEMBERS + 0);
    }
    // LIKE's wildcards are taken literally: "_" matches an underscore only.
    expect((await complianceGrid(d.runtime.app, PROGRAM, { q: "z_" })).rows.map((r) => r.handle)).toEqual(["zz_quiet"]);
    expect((await complianceGrid(d.runtime.app, PROGRAM, { q: "%" })).total).toBe(0);
  });

  it("orders by handle and by join date over the whole program", async () => {
    const byName = await complianceGrid(d.runtime.app, PROGRAM, { sort: "name", page: 200 });
    expect(byName.pages).toBe(200);
    expect(byName.rows.at(-1)?.handle).toBe("zz_quiet");
    const byJoin = await complianceGrid(d.runtime.app, PROGRAM, { sort: "joined" });
    expect(byJoin.rows[0]?.handle).toBe("zz_quiet");
  });

  it("filters by the status now over the whole program", async () => {
    const statuses = ["met", "on-track", "at-risk", "missed", "paused", "not-yet-judged"] as const;
    const sets = await Promise.all(statuses.map(async (status) => (await complianceGrid(d.runtime.app, PROGRAM, { status, q: "member0000" })).rows.map((r) => r.handle)));
    // The ten members fall into the statuses once each, and the three who joined today apart from the seven who did not.
    expect(sets.flat().sort()).toEqual(Array.from({ length: 10 }, (_, i) => `member0000${i}`));
    expect(sets.find((set) => set.includes("member00000"))?.sort()).toEqual(["member00000", "member00001", "member00002"]);
    const idle = await complianceGrid(d.runtime.app, PROGRAM, { status: statuses[sets.findIndex((set) => set.includes("member00009"))] });
    expect(idle.total).toBe(MEMBERS - 3);
  });

  it("serves the search as a page, and the pager keeps the search and order", async () => {
    const res = await get(d.base, `/admin/programs/${PROGRAM}?q=quintessa`, cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("@zz_quiet");
    expect(html).toContain("members 1–1 of 1");
    const paged = await (await get(d.base, `/admin/programs/${PROGRAM}?q=member&sort=name`, cookie)).text();
    expect(paged).toContain(`href="/admin/programs/${PROGRAM}?q=member&amp;sort=name&amp;page=2"`);
    const none = await (await get(d.base, `/admin/programs/${PROGRAM}?q=nobody-at-all`, cookie)).text();
    expect(none).toContain("No member matches.");
    expect((await get(d.base, `/admin/programs/${PROGRAM}?status=bogus`, cookie)).status).toBe(400);
    expect((await get(d.base, `/admin/programs/${PROGRAM}?sort=bogus`, cookie)).status).toBe(400);
  });
});
