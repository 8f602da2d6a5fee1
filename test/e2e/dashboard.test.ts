// The dashboard over real HTTP: sign-in links (used, expired, forged, raced),
// sessions (expiry, revocation, a moderator losing the role), forms from
// another site, and an approval that must equal `/review approve`.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { revokeSessions } from "../../src/services/dashboard.ts";
import { ensureMember } from "../../src/services/members.ts";
import { pino } from "pino";
import { csrfOf, get, post, SECRET, startDashboard, type DashboardHarness } from "../helpers/dashboard.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime } from "../helpers/runtime.ts";
import { startOpsServer } from "../../src/http/server.ts";

const LEADERS = "community-leaders-velo";
const APPLY = `/apply ${LEADERS} profiles:https://forum.example.com/u/me experience:"5 years" contribution:meetups`;
const MINUTE = 60_000;

describe.each(storeKinds)("dashboard over HTTP (%s)", (kind) => {
  let d: DashboardHarness;
  beforeEach(async () => {
    d = await startDashboard(kind);
  });
  afterEach(() => d.close());

  const tokenOf = (url: string) => new URL(url).searchParams.get("token") ?? "";
  const login = (token: string, headers: Record<string, string> = { origin: d.publicUrl }) => post(d.base, "/admin/login", { token }, headers);

  it("answers /healthz, /health and /readyz", async () => {
    for (const path of ["/healthz", "/health"]) expect((await get(d.base, path)).status).toBe(200);
    const ready = await get(d.base, "/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: "ok" } });
  });

  it("refuses /admin without a session and shows nothing of it", async () => {
    for (const path of ["/admin", `/admin/programs/${LEADERS}`, "/admin/partners", "/admin/applications", "/admin/audit"]) {
      const res = await get(d.base, path);
      expect(res.status, path).toBe(401);
      const html = await res.text();
      expect(html).toContain("Not signed in");
      expect(html).not.toContain("<table");
    }
  });

  it("signs in once with the link from /dashboard; the second use is refused", async () => {
    const url = await d.link();
    expect(url.startsWith(`${d.publicUrl}/admin/login?token=`)).toBe(true);
    // Opening the link shows a button and uses nothing up (link previews open it too).
    expect((await get(d.base, new URL(url).pathname + new URL(url).search)).status).toBe(200);
    const first = await login(tokenOf(url));
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/admin");
    const cookie = first.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^steward_session=[\w-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/admin");
    expect(cookie).not.toContain("Secure");

    const session = cookie.split(";")[0] as string;
    const admin = await get(d.base, "/admin", session);
    expect(admin.status).toBe(303);
    const grid = await get(d.base, admin.headers.get("location") as string, session);
    expect(grid.status).toBe(200);
    expect(await grid.text()).toContain("compliance, last 12 weeks");

    const again = await login(tokenOf(url));
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect((await get(d.base, `/admin/login?token=${tokenOf(url)}`)).status).toBe(401);
    const audit = await d.runtime.app.db.auditLog.findMany({ where: { action: { startsWith: "dashboard" } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["dashboard link", "dashboard sign-in"]);
  });

  it("refuses an expired link and a forged one", async () => {
    const url = await d.link();
    d.runtime.clock.advance(10 * MINUTE + 1000);
    expect((await login(tokenOf(url))).status).toBe(401);
    const forged = tokenOf(url).replace(/^./, (c) => (c === "A" ? "B" : "A"));
    for (const token of [forged, "x".repeat(43), "", "short", "a".repeat(5000), "<script>"]) {
      const res = await login(token);
      expect(res.status, token.slice(0, 10)).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("lets exactly one of two simultaneous uses of a link in", async () => {
    const token = tokenOf(await d.link());
    const results = await Promise.all([login(token), login(token), login(token)]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 401, 401]);
    expect(await d.runtime.app.db.dashboardSession.count()).toBe(1);
  });

  it("refuses a non-moderator's /dashboard and audits it", async () => {
    const r = await d.chat.say("bob", "/dashboard");
    expect(r.status).toBe("user-error");
    expect(r.output).toContain("Only moderators");
    expect(await d.runtime.app.db.dashboardLink.count()).toBe(0);
    expect(await d.runtime.app.db.auditLog.count({ where: { action: "dashboard", outcome: "denied" } })).toBe(1);
  });

  it("ends sessions when they expire, when revoked, and on sign-out", async () => {
    const expiring = await d.signIn();
    expect((await get(d.base, "/admin/partners", expiring)).status).toBe(200);
    d.runtime.clock.advance(8 * 60 * MINUTE + 1000);
    expect((await get(d.base, "/admin/partners", expiring)).status).toBe(401);

    const revoked = await d.signIn();
    expect((await get(d.base, "/admin/partners", revoked)).status).toBe(200);
    const mod = await d.runtime.app.db.member.findUniqueOrThrow({ where: { handle: "mod" } });
    expect(await revokeSessions(d.runtime.app, { memberId: mod.id })).toBe(1);
    expect((await get(d.base, "/admin/partners", revoked)).status).toBe(401);

    // A week later, making a new session sweeps the ended ones away.
    expect(await d.runtime.app.db.dashboardSession.count()).toBe(2);
    d.runtime.clock.advance(8 * 24 * 60 * MINUTE);
    const leaving = await d.signIn();
    expect(await d.runtime.app.db.dashboardSession.count()).toBe(1);
    expect(await d.runtime.app.db.dashboardLink.count()).toBe(1);
    const page = await (await get(d.base, "/admin/partners", leaving)).text();
    const out = await post(d.base, "/admin/logout", { csrf: csrfOf(page) }, { origin: d.publicUrl, cookie: leaving });
    expect(out.status).toBe(200);
    expect((await get(d.base, "/admin/partners", leaving)).status).toBe(401);
  });

  it("shuts out a moderator who loses the role at the next request, for good", async () => {
    const cookie = await d.signIn();
    expect((await get(d.base, "/admin/audit", cookie)).status).toBe(200);
    const config = d.runtime.app.config;
    config.STEWARD_MODERATORS = [];
    const refused = await get(d.base, "/admin/audit", cookie);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("<table");
    expect(await d.runtime.app.db.auditLog.count({ where: { action: "dashboard", outcome: "denied" } })).toBe(1);
    // The session ended with the role: getting the role back needs a new link.
    config.STEWARD_MODERATORS = ["mod"];
    expect((await get(d.base, "/admin/audit", cookie)).status).toBe(401);
  });

  it("refuses forms from another site, without the session's token, or with another session's token", async () => {
    await d.chat.ok("alice", APPLY);
    const cookie = await d.signIn();
    const other = await d.signIn();
    const page = await (await get(d.base, "/admin/applications", cookie)).text();
    expect(page).toContain("@alice");
    const form = { csrf: csrfOf(page), member: "alice", program: LEADERS, decision: "approve" };
    const otherToken = csrfOf(await (await get(d.base, "/admin/applications", other)).text());
    const attempts: Array<[string, Record<string, string>, Record<string, string>]> = [
      ["another origin", form, { origin: "https://evil.example", cookie }],
      ["a cross-site fetch", form, { "sec-fetch-site": "cross-site", cookie }],
      ["no origin at all", form, { cookie }],
      ["no token", { ...form, csrf: "" }, { origin: d.publicUrl, cookie }],
      ["another session's token", { ...form, csrf: otherToken }, { origin: d.publicUrl, cookie }],
    ];
    for (const [what, body, headers] of attempts) {
      const res = await post(d.base, "/admin/applications", body, headers);
      expect(res.status, what).toBe(403);
    }
    // A JSON body is no form: it carries no token either.
    const json = await fetch(`${d.base}/admin/applications`, { method: "POST", headers: { "content-type": "application/json", origin: "https://evil.example", cookie }, body: JSON.stringify(form) });
    expect(json.status).toBe(403);
    const app = await d.runtime.app.db.application.findFirstOrThrow({ where: { programId: LEADERS } });
    expect(app.state).toBe("pending");
    // A sign-in posted from another site is refused too (it would sign the victim in as someone else).
    expect((await login(new URL(await d.link()).searchParams.get("token") ?? "", { origin: "https://evil.example" })).status).toBe(403);
  });

  it("approves through the dashboard exactly as /review approve does", async () => {
    const db = d.runtime.app.db;
    await d.chat.ok("alice", APPLY);
    await d.chat.ok("carol", APPLY);
    const cookie = await d.signIn();
    const page = await (await get(d.base, "/admin/applications", cookie)).text();
    const res = await post(d.base, "/admin/applications", { csrf: csrfOf(page), member: "alice", program: LEADERS, decision: "approve" }, { origin: d.publicUrl, cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Approved: @alice is now a member");
    await d.chat.ok("mod", `/review approve carol ${LEADERS}`);

    const shape = async (handle: string) => {
      const m = await db.member.findUniqueOrThrow({ where: { handle } });
      const membership = await db.membership.findFirstOrThrow({ where: { memberId: m.id, programId: LEADERS } });
      const application = await db.application.findFirstOrThrow({ where: { memberId: m.id, programId: LEADERS } });
      // In a fixed order: without ORDER BY a database may return rows in any order (one reused between tests does).
      const badges = await db.badge.findMany({ where: { memberId: m.id, revokedAt: null }, select: { badge: true, grantedBy: true }, orderBy: { badge: "asc" } });
      const audit = await db.auditLog.findMany({ where: { target: m.id, action: { startsWith: "review" } }, orderBy: { id: "asc" } });
      const outbox = await db.outboxMessage.findMany({ where: { memberId: m.id }, select: { kind: true }, orderBy: { id: "asc" } });
      return {
        membership: { state: membership.state },
        application: { state: application.state, decidedBy: application.decidedBy },
        badges,
        audit: audit.map((a) => ({ actor: a.actor, action: a.action, outcome: a.outcome, program: (a.details as { program: string }).program })),
        outbox,
      };
    };
    const viaDashboard = await shape("alice");
    expect(viaDashboard).toEqual(await shape("carol"));
    const mod = await db.member.findUniqueOrThrow({ where: { handle: "mod" } });
    expect(viaDashboard.audit).toEqual([{ actor: mod.id, action: "review approve", outcome: "ok", program: LEADERS }]);
    expect(viaDashboard.membership.state).toBe("active");

    // The same click again changes nothing and says why.
    const again = await post(d.base, "/admin/applications", { csrf: csrfOf(html), member: "alice", program: LEADERS, decision: "approve" }, { origin: d.publicUrl, cookie });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("no pending application");
    expect(await db.auditLog.count({ where: { action: "review approve" } })).toBe(2);
  });

  it("pages the applications, oldest first, each with the applicant's memberships and other applications", async () => {
    const app = d.runtime.app;
    const db = app.db;
    const start = Date.parse("2026-11-01T10:00:00Z");
    for (let i = 0; i < 23; i++) {
      const handle = `waiting${String(i + 1).padStart(2, "0")}`;
      const m = await ensureMember(app, "console", handle, handle);
      await db.application.create({ data: { memberId: m.id, programId: LEADERS, state: "pending", answers: { experience: `year ${i + 1}` }, createdAt: new Date(start + i * 60_000) } });
    }
    const first = await db.member.findUniqueOrThrow({ where: { handle: "waiting01" } });
    await db.application.updateMany({ where: { memberId: first.id }, data: { answers: { experience: "see javascript:alert(1) and https://ok.example/p?a=1&b=<b>x</b>" } } });
    await db.membership.create({ data: { memberId: first.id, programId: "partner", state: "active", joinedAt: new Date("2026-06-01T00:00:00Z") } });
    await db.application.create({ data: { memberId: first.id, programId: LEADERS, state: "rejected", reason: "Too new <yet>", answers: {}, createdAt: new Date("2026-05-01T10:00:00Z"), decidedAt: new Date("2026-05-02T10:00:00Z") } });
    const cookie = await d.signIn();
    const one = await (await get(d.base, "/admin/applications", cookie)).text();
    expect(one).toContain("Pending applications (23)");
    expect(one.match(/<article/g)).toHaveLength(20);
    expect(one).toContain("Oldest first: 1–20 of 23.");
    const history = one.slice(one.indexOf("@waiting01 so far"), one.indexOf("</ul>", one.indexOf("@waiting01 so far")));
    expect(history).toContain("Member of Partner group: active, since 1 Jun 2026");
    expect(history).toContain("Applied to Velo Community Leaders on 1 May 2026: rejected on 2 May 2026 (“Too new &lt;yet&gt;”)");
    expect(one.slice(one.indexOf("@waiting02 so far"))).toContain("No memberships.");
    // Only http and https become links, and member text stays text.
    expect(one).toContain('see javascript:alert(1) and <a href="https://ok.example/p?a=1&amp;b=" rel="noopener noreferrer nofollow ugc">https://ok.example/p?a=1&amp;b=</a>&lt;b&gt;x&lt;/b&gt;');
    const two = await (await get(d.base, "/admin/applications?page=2", cookie)).text();
    expect(two.match(/<article/g)).toHaveLength(3);
    expect(two).toContain("@waiting21");
    expect(two).not.toContain("@waiting20)");
    // A decision made on page 2 answers with page 2.
    const decided = await post(d.base, "/admin/applications?page=2", { csrf: csrfOf(two), member: "waiting23", program: LEADERS, decision: "approve" }, { origin: d.publicUrl, cookie });
    expect(decided.status).toBe(200);
    const after = await decided.text();
    expect(after).toContain("Pending applications (22)");
    expect(after.match(/<article/g)).toHaveLength(2);
    expect((await get(d.base, "/admin/applications?page=0", cookie)).status).toBe(400);
  });

  it("rejects with a reason, and refuses a rejection without one", async () => {
    await d.chat.ok("alice", APPLY);
    const cookie = await d.signIn();
    const csrf = csrfOf(await (await get(d.base, "/admin/applications", cookie)).text());
    const base = { csrf, member: "alice", program: LEADERS, decision: "reject" };
    const bare = await post(d.base, "/admin/applications", base, { origin: d.publicUrl, cookie });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain("reason is missing");
    const res = await post(d.base, "/admin/applications", { ...base, reason: "Not enough <b>activity</b> yet" }, { origin: d.publicUrl, cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Rejected @alice");
    const app = await d.runtime.app.db.application.findFirstOrThrow({ where: { programId: LEADERS } });
    expect(app).toMatchObject({ state: "rejected", reason: "Not enough <b>activity</b> yet" });
    expect(await d.runtime.app.db.auditLog.count({ where: { action: "review reject", outcome: "ok" } })).toBe(1);
  });

  it("filters the audit log by actor, action and day, and refuses an impossible day", async () => {
    await d.chat.say("bob", "/adjust alice 5 nope");
    const cookie = await d.signIn();
    // The entries only: the action filter's choice lists every action there is.
    const page = async (q: string) => {
      const res = await get(d.base, `/admin/audit?${q}`, cookie);
      const html = await res.text();
      return { status: res.status, text: async () => (html.includes("<tbody>") ? html.slice(html.indexOf("<tbody>")) : html) };
    };
    const byBob = await (await page("actor=bob")).text();
    expect(byBob).toContain("adjust");
    expect(byBob).not.toContain("dashboard sign-in");
    const byAction = await (await page("action=dashboard sign-in")).text();
    expect(byAction).toContain("dashboard sign-in");
    expect(byAction).not.toContain(">adjust<");
    // Audit rows carry the database's clock: dated ones are written here so the days are known.
    const db = d.runtime.app.db;
    await db.auditLog.create({ data: { actor: "system", action: "schedule run", target: null, outcome: "ok", createdAt: new Date("2026-03-10T23:30:00Z") } });
    await db.auditLog.create({ data: { actor: "system", action: "schedule run", target: null, outcome: "ok", createdAt: new Date("2026-03-12T00:10:00Z") } });
    const day = await (await page("action=schedule&from=2026-03-10&to=2026-03-10")).text();
    expect(day.match(/>schedule run</g)).toHaveLength(1);
    expect(day).toContain("10 Mar 2026, 23:30");
    expect((await (await page("action=schedule&from=2026-03-11")).text()).match(/>schedule run</g)).toHaveLength(1);
    expect(await (await page("action=schedule&from=2026-03-13")).text()).toContain("No entries match.");
    const bad = await page("from=2026-02-30");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("is not a date");
  });

  it("shows partners per tier, the grace period with its demotion day, lapses and sites waiting for verification", async () => {
    await d.chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
    await d.chat.ok("alice", "/site submit https://shop.example.com kind:classic");
    await d.chat.ok("mod", "/site lapse https://studio.example.com");
    const cookie = await d.signIn();
    const html = await (await get(d.base, "/admin/partners", cookie)).text();
    const section = (title: string) => html.slice(html.indexOf(title), html.indexOf("<h2", html.indexOf(title) + 1) >>> 0);
    expect(section("In the grace period")).toMatch(/@alice<\/th><td>Pioneer<\/td><td class="num">100<\/td><td>Explorer<\/td><td>25 Nov 2026<\/td><td>25 Dec 2026<\/td>/);
    expect(section("Recent lapses")).toContain("https://studio.example.com");
    expect(section("Recent lapses")).toContain("premium plan lapsed");
    expect(section("Waiting for verification (1)")).toContain("https://shop.example.com");
    expect(section("Tiers")).toMatch(/Pioneer<\/th><td class="num">400<\/td><td class="num">1<\/td>/);
  });

  it("verifies, lapses and removes a contributor from the Partners page as /site does, audited, and only for a moderator", async () => {
    const db = d.runtime.app.db;
    await d.chat.ok("alice", "/site submit https://shop.example.com kind:classic");
    await d.chat.ok("bob", "/site submit https://shop.example.com kind:classic role:collaborator");
    await d.chat.ok("carol", "/site submit https://carol.example.com kind:classic");
    const cookie = await d.signIn();
    const page = await (await get(d.base, "/admin/partners?q=shop&sort=partner", cookie)).text();
    expect(page).toContain("All sites (2)");
    const listed = page.slice(page.indexOf('id="sites"'));
    expect(listed).toContain("https://shop.example.com");
    expect(listed).not.toContain("carol.example.com");
    const form = { csrf: csrfOf(page), action: "verify", url: "https://shop.example.com", member: "alice" };
    const verified = await post(d.base, "/admin/partners?q=shop&sort=partner", form, { origin: d.publicUrl, cookie });
    expect(verified.status).toBe(200);
    const html = await verified.text();
    expect(html).toContain("Verified https://shop.example.com");
    // The answer shows the list as it was asked for: still the search's two sites.
    expect(html).toContain("All sites (2)");
    const mod = await db.member.findUniqueOrThrow({ where: { handle: "mod" } });
    const alice = await db.member.findUniqueOrThrow({ where: { handle: "alice" } });
    expect(await db.site.findFirstOrThrow({ where: { memberId: alice.id } })).toMatchObject({ verifiedBy: mod.id });
    const audited = await db.auditLog.findFirstOrThrow({ where: { action: "site verify" } });
    expect(audited).toMatchObject({ actor: mod.id, outcome: "ok", target: "https://shop.example.com" });
    // The same click again changes nothing and says why.
    const again = await post(d.base, "/admin/partners", form, { origin: d.publicUrl, cookie });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("has no submission waiting for verification");

    const bob = await db.member.findUniqueOrThrow({ where: { handle: "bob" } });
    const removed = await post(d.base, "/admin/partners", { ...form, action: "remove-contributor", member: "bob" }, { origin: d.publicUrl, cookie });
    expect(removed.status).toBe(200);
    expect((await db.site.findFirstOrThrow({ where: { memberId: bob.id } })).state).toBe("removed");
    const lapsed = await post(d.base, "/admin/partners", { csrf: form.csrf, action: "lapse", url: "https://shop.example.com" }, { origin: d.publicUrl, cookie });
    expect(lapsed.status).toBe(200);
    expect((await db.site.findFirstOrThrow({ where: { memberId: alice.id } })).state).toBe("lapsed");
    expect(await db.auditLog.count({ where: { action: { in: ["site remove-contributor", "site lapse"] }, actor: mod.id, outcome: "ok" } })).toBe(2);
    const bad = await post(d.base, "/admin/partners", { csrf: form.csrf, action: "transfer", url: "https://carol.example.com", member: "alice" }, { origin: d.publicUrl, cookie });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("That form was incomplete");

    // Every matching site in the CSV, not the page on screen.
    const csv = await (await get(d.base, "/admin/partners/sites.csv?sort=site", cookie)).text();
    expect(csv.split("\n").slice(0, 4)).toEqual([
      "site,partner,name,kind,role,state,submitted,verified,points",
      expect.stringMatching(/^https:\/\/carol\.example\.com,carol,carol,classic,owner,counts,/),
      expect.stringMatching(/^https:\/\/shop\.example\.com,alice,alice,classic,owner,premium lapsed — no points,.*,0$/),
      expect.stringMatching(/^https:\/\/shop\.example\.com,bob,bob,classic,collaborator,removed as contributor,/),
    ]);

    // Someone who is no moderator now cannot: the form is refused and nothing changes.
    d.runtime.app.config.STEWARD_MODERATORS = [];
    try {
      const refused = await post(d.base, "/admin/partners", { ...form, url: "https://carol.example.com", member: "carol" }, { origin: d.publicUrl, cookie });
      expect(refused.status).toBe(403);
    } finally {
      d.runtime.app.config.STEWARD_MODERATORS = ["mod"];
    }
    expect((await db.site.findFirstOrThrow({ where: { url: "https://carol.example.com" } })).verifiedAt).toBeNull();
  });

  it("serves the report's CSV for the grid, and the public leaderboard only when the pack turns it on", async () => {
    const cookie = await d.signIn();
    const csv = await get(d.base, `/admin/programs/${LEADERS}/report.csv`, cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect((await csv.text()).split("\n")[0]).toContain("member,name,overall");
    expect((await get(d.base, `/admin/programs/${LEADERS}/report.csv?week=2027-W01`, cookie)).status).toBe(400);

    expect((await get(d.base, "/leaderboard")).status).toBe(404);
    d.runtime.app.pack.publicLeaderboard = true;
    const board = await get(d.base, "/leaderboard");
    expect(board.status).toBe(200);
    expect(await board.text()).toContain("leaderboard");
  });
});

describe("dashboard logs", () => {
  it("are JSON with a request id, and never hold a token, a session id or the secret", async () => {
    const d = await startDashboard();
    const lines: string[] = [];
    d.runtime.app.log = pino({ level: "info", base: undefined }, { write: (line: string) => void lines.push(line) });
    try {
      const token = new URL(await d.link()).searchParams.get("token") ?? "";
      await get(d.base, `/admin/login?token=${token}`);
      const res = await post(d.base, "/admin/login", { token }, { origin: d.publicUrl });
      const session = (res.headers.get("set-cookie") ?? "").split(";")[0]?.split("=")[1] ?? "";
      await get(d.base, "/admin/partners", `steward_session=${session}`);
      const entries = lines.map((l) => JSON.parse(l) as { reqId?: string; path?: string; status?: number });
      expect(entries.map((e) => [e.path, e.status])).toEqual([
        ["/admin/login", 200],
        ["/admin/login", 303],
        ["/admin/partners", 200],
      ]);
      for (const e of entries) expect(e.reqId).toMatch(/^[0-9a-f-]{36}$/);
      const all = lines.join("\n");
      for (const secret of [token, session, SECRET]) expect(all).not.toContain(secret);
    } finally {
      await d.close();
    }
  });
});

describe("dashboard settings", () => {
  it("answers /dashboard with how to turn it on when it is off", async () => {
    const runtime = await testRuntime("pglite");
    try {
      const r = await new ChatDriver(runtime).say("mod", "/dashboard");
      expect(r.status).toBe("user-error");
      expect(r.output).toContain("STEWARD_PUBLIC_URL and STEWARD_SECRET");
      expect(await runtime.app.db.dashboardLink.count()).toBe(0);
    } finally {
      await runtime.close();
    }
  });

  it("sets a Secure cookie when the public address is https", async () => {
    const d = await startDashboard("pglite", { STEWARD_PUBLIC_URL: "https://steward.example.org" });
    try {
      const token = new URL(await d.link()).searchParams.get("token") ?? "";
      const res = await post(d.base, "/admin/login", { token }, { origin: "https://steward.example.org" });
      expect(res.status).toBe(303);
      expect(res.headers.get("set-cookie")).toContain("Secure");
    } finally {
      await d.close();
    }
  });

  it.runIf(process.env.REDIS_URL)("is ready when the configured Redis answers", async () => {
    const runtime = await testRuntime("pglite", { REDIS_URL: process.env.REDIS_URL as string });
    const ops = await startOpsServer(runtime.app, 0, { host: "127.0.0.1" });
    try {
      const res = await get(`http://127.0.0.1:${ops.port}`, "/readyz");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ready", checks: { database: "ok", redis: "ok" } });
    } finally {
      await ops.close();
      await runtime.close();
    }
  });

  it("says which dependency is not ready", async () => {
    // Nothing listens on port 1: Redis is configured but unreachable.
    const runtime = await testRuntime("pglite", { REDIS_URL: "redis://127.0.0.1:1" });
    const ops = await startOpsServer(runtime.app, 0, { host: "127.0.0.1" });
    try {
      const res = await get(`http://127.0.0.1:${ops.port}`, "/readyz");
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe("not ready: redis");
      expect(body.checks.database).toBe("ok");
      expect(body.checks.redis).toMatch(/^unavailable/);
      expect((await get(`http://127.0.0.1:${ops.port}`, "/healthz")).status).toBe(200);
      await runtime.store.close();
      const down = await get(`http://127.0.0.1:${ops.port}`, "/readyz");
      expect(down.status).toBe(503);
      expect(((await down.json()) as { status: string }).status).toBe("not ready: database, redis");
    } finally {
      await ops.close();
      await runtime.close().catch(() => undefined);
    }
  });
});
