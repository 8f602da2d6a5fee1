// The partner program end to end through the command layer, on PGlite and
// (when DATABASE_URL is set) PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const DAY = 86_400_000;

async function counts(rt: TestRuntime) {
  const db = rt.app.db;
  const [entries, sites, outbox, balances, certs, disputes] = await Promise.all([
    db.ledgerEntry.count(),
    db.site.count(),
    db.outboxMessage.count(),
    db.balance.aggregate({ _sum: { points: true } }),
    db.certification.count(),
    db.pointsDispute.count(),
  ]);
  return { entries, sites, outbox, points: balances._sum.points ?? 0, certs, disputes };
}

/** The materialised balances must equal the ledger's sums, always. */
async function expectBalancesMatchLedger(rt: TestRuntime) {
  const rows = await rt.app.sql.query<{ member_id: string; points: number; sum: string | null }>(
    `SELECT b.member_id, b.points, (SELECT SUM(delta) FROM ledger_entries e WHERE e.member_id = b.member_id) AS sum FROM balances b`,
  );
  for (const r of rows) expect(Number(r.sum ?? 0)).toBe(r.points);
}

describe.each(storeKinds)("partner program on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  beforeEach(async () => {
    rt = await testRuntime(kind);
    chat = new ChatDriver(rt);
  });
  afterEach(async () => {
    await expectBalancesMatchLedger(rt);
    await rt.close();
  });

  it("reaches Pioneer with an Editor X site as owner and a classic site as collaborator, announced once", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
    expect(await chat.ok("alice", "/site submit https://bakery.example.com kind:classic role:collaborator")).toMatch(/\+100 points\. Balance: 400/);
    const tier = await chat.ok("alice", "/tier");
    expect(tier).toMatch(/Pioneer/);
    expect(tier).toMatch(/600 to go/);
    expect(tier).toMatch(/Priority Support/);
    const delivered = await chat.deliver();
    expect(delivered.filter((l) => l.startsWith("→ #announcements") && l.includes("alice reached Pioneer"))).toHaveLength(1);
    expect(delivered.filter((l) => l.startsWith("→ DM to @alice") && l.includes("now Pioneer"))).toHaveLength(1);
    expect(await chat.deliver()).toEqual([]);
    const points = await chat.ok("alice", "/points");
    expect(points).toMatch(/\+300\s+Editor X site https:\/\/studio\.example\.com \(owner\)/);
  });

  it("refuses bad input with the right form and changes nothing", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx");
    const before = await counts(rt);
    const cases: [string, string, RegExp][] = [
      ["alice", "/site submit https://studio.example.com kind:editorx", /already submitted/],
      ["alice", "/site submit studio kind:editorx", /url must be a web address/],
      ["alice", "/site submit https://x.example.com kind:wordpress", /kind must be one of classic, editorx/],
      ["alice", "/site submit https://x.example.com", /kind is missing/],
      ["alice", "/site submit https://x.example.com kind:classic colour:red", /has no option colour:/],
      ["alice", "/nosuch", /There is no command \/nosuch/],
      ["alice", "/tier nobody-here", /There is no member called nobody-here/],
      ["alice", "/adjust alice +50 prize", /Only moderators can use \/adjust/],
      ["mod", "/adjust alice fifty prize", /points must be a whole number/],
      ["mod", "/adjust alice 0 nothing", /0 points changes nothing/],
      ["mod", "/adjust alice -5000 too much", /points must be a whole number from -1000 to 1000/],
      ["mod", "/adjust ghost 10 who", /no member called ghost/],
      ["mod", "/site lapse https://unknown.example.com", /No partner has submitted/],
      ["alice", "/points dispute 999 wrong", /not in your ledger/],
    ];
    for (const [who, line, message] of cases) {
      const r = await chat.say(who, line);
      expect(r.status, line).toBe("user-error");
      expect(r.output, line).toMatch(message);
    }
    expect(await counts(rt)).toEqual(before);
    const usage = await chat.say("alice", "/site submit https://x.example.com");
    expect(usage.output).toContain("Usage: /site submit <url> kind:<classic|editorx> [role:<owner|collaborator>]");
  });

  it("audits a refused moderator attempt and a moderator's action", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx");
    await chat.say("alice", "/site lapse https://studio.example.com");
    await chat.ok("mod", "/adjust alice +50 meetup prize");
    const log = await rt.app.db.auditLog.findMany({ orderBy: { id: "asc" } });
    expect(log.map((l) => [l.action, l.outcome])).toEqual([
      ["site lapse", "denied"],
      ["adjust", "ok"],
    ]);
    expect(await rt.app.db.site.findFirst({ where: { url: "https://studio.example.com" } })).toMatchObject({ state: "active" });
  });

  it("shows anyone's tier, but another member's ledger and sites only to moderators (a refusal is audited)", async () => {
    await chat.ok("bob", "/site submit https://bob.example.com kind:classic");
    expect(await chat.ok("alice", "/tier bob")).toMatch(/bob — Explorer/);
    for (const line of ["/points bob", "/site list bob", "/commitments bob", "/activity bob"]) {
      const r = await chat.say("alice", line);
      expect(r.status, line).toBe("user-error");
      expect(r.output, line).toMatch(/^Only moderators can see another member's \w+\. Use \/[a-z ]+ for your own\./);
    }
    expect(await rt.app.db.auditLog.count({ where: { outcome: "denied", actor: (await rt.app.db.member.findUniqueOrThrow({ where: { handle: "alice" } })).id } })).toBe(4);
    expect(await chat.ok("mod", "/points bob")).toMatch(/\+100\s+Classic site https:\/\/bob\.example\.com/);
    expect(await chat.ok("mod", "/site list bob")).toContain("https://bob.example.com");
  });

  it("takes a lapsed site's points, and returns them only when resubmitted after re-activation", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx");
    await chat.ok("alice", "/site submit https://bakery.example.com kind:classic");
    await chat.deliver();
    await chat.ok("mod", "/site lapse https://bakery.example.com");
    expect(await chat.ok("alice", "/tier")).toMatch(/300 points|Points:\s+300/);
    const dms = await chat.deliver();
    expect(dms.some((l) => l.includes("bakery.example.com no longer has an active premium plan, so its 100 points were removed"))).toBe(true);
    expect(dms.some((l) => l.includes("below Pioneer") && l.includes("https://bakery.example.com"))).toBe(true);

    const early = await chat.say("alice", "/site submit https://bakery.example.com kind:classic");
    expect(early.status).toBe("user-error");
    expect(early.output).toMatch(/no active premium plan/);

    await chat.ok("mod", "/site reactivate https://bakery.example.com");
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).points).toBe(300);
    expect(await chat.ok("alice", "/site submit https://bakery.example.com kind:classic")).toMatch(/Resubmitted .*\+100 points\. Balance: 400/);
    const b = await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } });
    expect(b).toMatchObject({ points: 400, tier: "pioneer", atRiskSince: null });

    const reversal = await rt.app.db.ledgerEntry.findFirstOrThrow({ where: { kind: "reversal" } });
    const original = await rt.app.db.ledgerEntry.findUniqueOrThrow({ where: { id: reversal.reversesId ?? -1 } });
    expect(original.delta).toBe(100);
    expect(reversal.delta).toBe(-100);
    // A second lapse message for the same site changes nothing more.
    await chat.say("mod", "/site lapse https://bakery.example.com");
    await chat.say("mod", "/site lapse https://bakery.example.com");
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).points).toBe(300);
  });

  it("lapses a site for every partner that holds it, and removal as contributor takes only that partner's points", async () => {
    await chat.ok("alice", "/site submit https://shop.example.com kind:editorx role:owner");
    await chat.ok("bob", "/site submit https://shop.example.com kind:editorx role:collaborator");
    await chat.ok("mod", "/site remove-contributor https://shop.example.com bob");
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "bob" } } })).points).toBe(0);
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).points).toBe(300);
    await chat.ok("mod", "/site lapse https://shop.example.com");
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).points).toBe(0);
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "bob" } } })).points).toBe(0);
  });

  it("schedules a future premium end and lets the daily sweep lapse it", async () => {
    const { sweepPremium } = await import("../../src/services/sites.ts");
    await chat.ok("alice", "/site submit https://later.example.com kind:classic");
    expect(await chat.ok("mod", "/site lapse https://later.example.com on:2026-12-01")).toMatch(/will lose its points on 2026-12-01/);
    expect(await sweepPremium(rt.app)).toBe(0);
    rt.clock.set("2026-12-01T00:00:01Z");
    expect(await sweepPremium(rt.app)).toBe(1);
    expect(await sweepPremium(rt.app)).toBe(0);
    expect((await rt.app.db.site.findFirstOrThrow()).state).toBe("lapsed");
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).points).toBe(0);
  });

  it("pays a Velo certification once, grants the Partner Badge at Creator and revokes it after the grace period", async () => {
    const { sweepTiers } = await import("../../src/services/ledger.ts");
    expect((await chat.say("mod", "/certify alice velo")).output).toMatch(/no member called alice/);
    await chat.ok("alice", "/tier");
    await chat.ok("mod", "/certify alice velo");
    expect((await chat.say("mod", "/certify alice velo")).output).toMatch(/already Velo Certified/);
    await chat.ok("alice", "/site submit https://a.example.com kind:editorx");
    await chat.ok("alice", "/site submit https://b.example.com kind:editorx");
    await chat.ok("alice", "/site submit https://c.example.com kind:editorx");
    expect(await chat.ok("alice", "/tier")).toMatch(/Creator/);
    const lines = await chat.deliver();
    expect(lines).toContain("→ badge partner-badge granted to @alice");
    // First lines: each announcement goes on with its tier card.
    expect(lines.filter((l) => l.startsWith("→ #announcements")).map((l) => l.split("\n")[0])).toEqual([
      "→ #announcements: 🎉 alice reached Pioneer with 400 points!",
      "→ #announcements: 🎉 alice reached Creator with 1000 points!",
    ]);

    await chat.ok("mod", "/site lapse https://a.example.com");
    expect(await sweepTiers(rt.app)).toBe(0);
    rt.clock.advance(29 * DAY);
    expect(await sweepTiers(rt.app)).toBe(0);
    rt.clock.advance(DAY);
    expect(await sweepTiers(rt.app)).toBe(1);
    const b = await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } });
    expect(b).toMatchObject({ points: 700, tier: "pioneer", atRiskSince: null });
    const after = await chat.deliver();
    expect(after).toContain("→ badge partner-badge revoked from @alice (tier is now Pioneer)");
    expect(await rt.app.db.badge.count({ where: { badge: "partner-badge", revokedAt: null } })).toBe(0);
  });

  it("a tier-up card shows the badges its member holds when it is delivered: read after the commit, not in the promotion's transaction", async () => {
    await chat.ok("alice", "/tier");
    await chat.ok("mod", "/certify alice velo");
    for (const site of ["a", "b", "c"]) await chat.ok("alice", `/site submit https://${site}.example.com kind:editorx`);
    expect(await chat.ok("alice", "/tier")).toMatch(/Creator/);
    // Granted after the promotion committed, before its announcement went out.
    const alice = await rt.app.db.member.findUniqueOrThrow({ where: { handle: "alice" } });
    await rt.app.db.badge.create({ data: { memberId: alice.id, badge: "community-leaders", grantedBy: "mod" } });
    const creator = (await chat.deliver()).filter((l) => l.startsWith("→ #announcements: 🎉 alice reached Creator"));
    expect(creator).toHaveLength(1);
    expect(creator[0]).toMatch(/\[picture tier-up-alice\.png: .*Badges: Partner Badge, Community Leaders Badge\.\]/s);
  });

  it("never pays twice for one idempotency key, even when posted concurrently", async () => {
    const { postEntry } = await import("../../src/services/ledger.ts");
    await chat.ok("alice", "/tier");
    const alice = await rt.app.db.member.findUniqueOrThrow({ where: { handle: "alice" } });
    const entry = { memberId: alice.id, delta: 40, kind: "adjustment", reason: "retry", actor: "test", idempotencyKey: "event-1" };
    const results = await Promise.allSettled([1, 2, 3].map(() => rt.app.db.$transaction((tx) => postEntry(rt.app, tx, entry))));
    expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThan(0);
    await rt.app.db.$transaction((tx) => postEntry(rt.app, tx, entry));
    expect(await rt.app.db.ledgerEntry.count({ where: { idempotencyKey: "event-1" } })).toBe(1);
    // No Slack here, so no App Home to redraw: nothing is queued for it.
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "home-refresh" } })).toBe(0);
    expect((await rt.app.db.balance.findUniqueOrThrow({ where: { memberId: alice.id } })).points).toBe(40);
  });

  it("sends a dispute to the moderators, who accept it with a correcting entry or decline it", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:collaborator");
    await chat.deliver();
    const entry = await rt.app.db.ledgerEntry.findFirstOrThrow();
    expect(await chat.ok("alice", `/points dispute ${entry.id} I am the owner, not a collaborator`)).toMatch(/Dispute #\d+ of entry/);
    const posted = await chat.deliver();
    expect(posted.some((l) => l.startsWith("→ #moderators") && l.includes("I am the owner"))).toBe(true);
    const dispute = await rt.app.db.pointsDispute.findFirstOrThrow();
    expect((await chat.say("alice", `/dispute accept ${dispute.id} points:200`)).status).toBe("user-error");
    await chat.ok("mod", `/dispute accept ${dispute.id} points:200 owner confirmed`);
    expect((await chat.say("mod", `/dispute decline ${dispute.id} too late`)).output).toMatch(/already accepted/);
    expect((await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).points).toBe(300);
    expect((await chat.deliver()).some((l) => l.includes("was accepted: +200 points"))).toBe(true);
  });

  it("ranks partners on the leaderboard overall and by period", async () => {
    await chat.ok("alice", "/site submit https://a.example.com kind:editorx");
    rt.clock.advance(10 * DAY);
    await chat.ok("bob", "/site submit https://b.example.com kind:classic");
    const all = await chat.ok("carol", "/leaderboard");
    expect(all.indexOf("alice")).toBeLessThan(all.indexOf("bob"));
    const week = await chat.ok("carol", "/leaderboard week");
    expect(week).toContain("bob");
    expect(week).not.toContain("alice");
  });

  it("cuts the period leaderboard at ten, ties at the cut in handle order, and counts only the period's points", async () => {
    const { postEntry } = await import("../../src/services/ledger.ts");
    const { ensureMember } = await import("../../src/services/members.ts");
    const { leaderboard } = await import("../../src/services/partner.ts");
    const grant = async (handle: string, delta: number) => {
      const m = await ensureMember(rt.app, "console", handle, handle);
      await rt.app.db.$transaction((tx) => postEntry(rt.app, tx, { memberId: m.id, delta, kind: "adjustment", reason: "seed", actor: "test", idempotencyKey: `seed:${handle}:${delta}:${rt.clock.now().getTime()}` }));
    };
    await grant("early", 5000); // before the week: counts overall only
    rt.clock.advance(30 * DAY);
    const since = rt.clock.now();
    rt.clock.advance(DAY);
    for (let i = 0; i < 8; i++) await grant(`top${i}`, 100 - i * 10);
    // Four tied at 20 for places 9–12, written out of handle order.
    for (const h of ["tie-d", "tie-b", "tie-a", "tie-c"]) await grant(h, 20);
    await grant("negative", -5);
    const week = await leaderboard(rt.app, since);
    expect(week.map((r) => [r.handle, r.points])).toEqual([
      ...Array.from({ length: 8 }, (_, i) => [`top${i}`, 100 - i * 10]),
      ["tie-a", 20],
      ["tie-b", 20],
    ]);
    expect((await leaderboard(rt.app, null))[0]?.handle).toBe("early");
  });

  it("shows benefits by tier with fulfilment, which moderators record", async () => {
    const table = await chat.ok("alice", "/benefits");
    expect(table).toMatch(/Dedicated Account Manager\s+Icon/);
    const pioneer = await chat.ok("alice", "/benefits pioneer");
    expect(pioneer).toMatch(/^Benefits at Pioneer: 6/);
    expect(pioneer).toContain("Priority Support");
    expect(pioneer).not.toContain("Partner Badge");
    await rt.app.db.$transaction(async (tx) => {
      const { postEntry } = await import("../../src/services/ledger.ts");
      const alice = await tx.member.findUniqueOrThrow({ where: { handle: "alice" } });
      await postEntry(rt.app, tx, { memberId: alice.id, delta: 2000, kind: "adjustment", reason: "seed", actor: "test", idempotencyKey: "seed" });
    });
    expect(await chat.ok("alice", "/benefits")).toMatch(/Dedicated Account Manager.*unlocked, awaiting delivery/);
    expect((await chat.say("mod", "/benefits deliver alice revenue-share")).output).toMatch(/has not unlocked/);
    await chat.ok("mod", "/benefits deliver alice account-manager assigned Dana");
    expect(await chat.ok("alice", "/benefits")).toMatch(/Dedicated Account Manager.*✓ delivered/);
  });
});
