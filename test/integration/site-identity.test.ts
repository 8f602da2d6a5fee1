// Issue 9, finding 1: one site pays once, whatever its spelling or the role it
// was claimed in, and has one owner. Through the command layer, on PGlite and
// (when DATABASE_URL is set) PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const FIVE_SPELLINGS = [
  "https://studio.example.com",
  "http://studio.example.com",
  "https://studio.example.com.",
  "https://www.studio.example.com",
  "https://studio.example.com/about",
];

describe.each(storeKinds)("site identity on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  const points = async (handle: string) => (await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle } } })).points;
  const ledgerSum = async (handle: string) =>
    (await rt.app.db.ledgerEntry.aggregate({ where: { member: { handle } }, _sum: { delta: true } }))._sum.delta ?? 0;
  const snapshot = async () => ({
    sites: await rt.app.db.site.findMany({ orderBy: { id: "asc" } }),
    entries: await rt.app.db.ledgerEntry.count(),
    balances: await rt.app.db.balance.findMany({ orderBy: { memberId: "asc" } }),
  });

  beforeEach(async () => {
    rt = await testRuntime(kind);
    chat = new ChatDriver(rt);
  });
  afterEach(async () => {
    for (const b of await rt.app.db.balance.findMany({ include: { member: true } })) expect(await ledgerSum(b.member.handle), b.member.handle).toBe(b.points);
    await rt.close();
  });

  it("pays the five spellings of one site exactly once", async () => {
    expect(await chat.ok("alice", `/site submit ${FIVE_SPELLINGS[0]} kind:editorx role:owner`)).toMatch(/\+300 points\. Balance: 300/);
    for (const url of FIVE_SPELLINGS.slice(1)) {
      const r = await chat.say("alice", `/site submit ${url} kind:editorx role:owner`);
      expect(r.status, url).toBe("user-error");
      expect(r.output, url).toMatch(/You already submitted https:\/\/studio\.example\.com; it counts for your points/);
    }
    expect(await points("alice")).toBe(300);
    expect(await rt.app.db.site.count()).toBe(1);
    expect(await rt.app.db.ledgerEntry.count()).toBe(1);
  });

  it("pays a partner once per site whatever the role: owner then collaborator, in another spelling", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
    const r = await chat.say("alice", "/site submit HTTP://WWW.Studio.Example.com/contact?ref=1 kind:editorx role:collaborator");
    expect(r.status).toBe("user-error");
    expect(r.output).toMatch(/already submitted https:\/\/studio\.example\.com/);
    await chat.ok("bob", "/site submit https://shop.example.com kind:editorx role:collaborator");
    expect((await chat.say("bob", "/site submit https://www.shop.example.com/ kind:editorx role:owner")).output).toMatch(/already submitted/);
    expect([await points("alice"), await points("bob")]).toEqual([300, 100]);
  });

  it("refuses a second owner with a reply that says what to do, and lets them join as a collaborator", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
    await chat.ok("bob", "/tier");
    const before = await snapshot();
    const r = await chat.say("bob", "/site submit https://www.studio.example.com/ kind:editorx role:owner");
    expect(r.status).toBe("user-error");
    expect(r.output).toMatch(/https:\/\/studio\.example\.com already has an owner/);
    expect(r.output).toMatch(/ask a moderator to move it to you: \/site transfer https:\/\/studio\.example\.com <you>/);
    expect(r.output).not.toContain("alice");
    expect(await snapshot()).toEqual(before);
    expect(await points("bob")).toBe(0);
    expect(await chat.ok("bob", "/site submit https://studio.example.com kind:editorx role:collaborator")).toMatch(/\+100 points/);
    expect([await points("alice"), await points("bob")]).toEqual([300, 100]);
  });

  it("refuses hosts that are not valid DNS names with a clear reply, and changes nothing", async () => {
    await chat.ok("alice", "/tier");
    const before = await snapshot();
    const cases: [string, RegExp][] = [
      ["https://a..b", /The host a\.\.b has an empty part between dots/],
      ["https://fuzz{}.example.com", /The host fuzz\{\}\.example\.com has an invalid part "fuzz\{\}": each part between dots is 1 to 63 letters, digits or hyphens/],
      ["https://localhost:8080", /url must be a web address/],
      ["https://studio.localhost", /does not end in a real top-level domain/],
      ["https://192.168.1.10", /is an IP address/],
      ["https://alice.wixsite.com", /holds many sites: name the site with its path, like https:\/\/alice\.wixsite\.com\/my-site/],
    ];
    for (const [url, message] of cases) {
      const r = await chat.say("alice", `/site submit ${url} kind:classic`);
      expect(r.status, url).toBe("user-error");
      expect(r.output, url).toMatch(message);
      expect(r.output, url).toMatch(/like https:\/\/studio\.example\.com/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("pays each site under a path-site host, and one site's pages once", async () => {
    await chat.ok("alice", "/site submit https://alice.wixsite.com/portfolio kind:classic");
    await chat.ok("alice", "/site submit https://alice.wixsite.com/bakery kind:classic");
    expect((await chat.say("alice", "/site submit https://www.alice.wixsite.com/Portfolio/about kind:classic")).output).toMatch(
      /already submitted https:\/\/alice\.wixsite\.com\/portfolio/,
    );
    expect(await points("alice")).toBe(200);
  });

  it("shows the canonical spelling in /site list and the ledger", async () => {
    await chat.ok("alice", "/site submit HTTPS://WWW.Bücher.Example.COM./shop?x=1#top kind:classic");
    const list = await chat.ok("alice", "/site list");
    expect(list).toContain("https://xn--bcher-kva.example.com");
    expect(list).not.toMatch(/www\.|shop|Bücher/);
    expect(await chat.ok("alice", "/points")).toMatch(/Classic site https:\/\/xn--bcher-kva\.example\.com \(owner\)/);
  });

  it("runs the lifecycle by key: lapse, reactivate, resubmit and remove-contributor in any spelling", async () => {
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
    await chat.ok("bob", "/site submit http://www.studio.example.com kind:editorx role:collaborator");
    expect(await chat.ok("mod", "/site lapse HTTPS://studio.example.com./home")).toMatch(/2 partner\(s\) lost its points/);
    expect([await points("alice"), await points("bob")]).toEqual([0, 0]);
    expect(await chat.ok("mod", "/site reactivate http://www.studio.example.com/")).toMatch(/re-activated for 2 partner/);
    expect(await chat.ok("alice", "/site submit https://studio.example.com/about kind:editorx role:owner")).toMatch(/Resubmitted https:\/\/studio\.example\.com .*\+300/);
    await chat.ok("bob", "/site submit https://studio.example.com kind:editorx role:collaborator");
    expect(await chat.ok("mod", "/site remove-contributor https://WWW.studio.example.com bob")).toMatch(/lost 100 points/);
    expect(await chat.ok("alice", "/site remove https://studio.example.com/")).toMatch(/Removed https:\/\/studio\.example\.com/);
    expect([await points("alice"), await points("bob")]).toEqual([0, 0]);
    // The owner withdrew, so the site is free for another owner.
    expect(await chat.ok("carol", "/site submit https://studio.example.com kind:editorx role:owner")).toMatch(/\+300/);
  });

  describe("/site transfer", () => {
    it("moves ownership: the old owner's entry reversed with a reason, the new owner paid once, audited", async () => {
      await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      await chat.ok("bob", "/tier");
      expect(await chat.ok("mod", "/site transfer https://www.studio.example.com bob")).toMatch(
        /https:\/\/studio\.example\.com now belongs to @bob \(\+300 points\); @alice is no longer its owner \(-300 points\)/,
      );
      expect([await points("alice"), await points("bob")]).toEqual([0, 300]);
      const reversal = await rt.app.db.ledgerEntry.findFirstOrThrow({ where: { kind: "reversal" } });
      expect(reversal).toMatchObject({ delta: -300, reason: "ownership of https://studio.example.com moved to @bob" });
      // A replayed or repeated transfer changes nothing more.
      expect((await chat.say("mod", "/site transfer https://studio.example.com bob")).output).toMatch(/@bob already owns https:\/\/studio\.example\.com/);
      expect([await points("alice"), await points("bob")]).toEqual([0, 300]);
      expect((await chat.say("alice", "/site submit https://studio.example.com kind:editorx role:owner")).output).toMatch(/already has an owner/);
      expect(await chat.ok("alice", "/site list")).toMatch(/another partner owns it/);
      const audits = await rt.app.db.auditLog.findMany({ where: { action: "site transfer" } });
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ outcome: "ok", target: "https://studio.example.com", details: { lost: 300, gained: 300 } });
      const dms = await chat.deliver();
      expect(dms.some((l) => l.startsWith("→ DM to @alice") && l.includes("https://studio.example.com"))).toBe(true);
      expect(dms.some((l) => l.startsWith("→ DM to @bob") && l.includes("https://studio.example.com"))).toBe(true);
    });

    it("makes a collaborator the owner: the collaborator entry replaced by the owner's, paid once", async () => {
      await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      await chat.ok("bob", "/site submit https://studio.example.com kind:editorx role:collaborator");
      await chat.ok("mod", "/site transfer https://studio.example.com bob");
      expect([await points("alice"), await points("bob")]).toEqual([0, 300]);
      expect(await rt.app.db.site.count({ where: { memberId: (await rt.app.db.member.findUniqueOrThrow({ where: { handle: "bob" } })).id } })).toBe(1);
      // Lapsing the site now takes the owner's points once.
      await chat.ok("mod", "/site lapse https://studio.example.com");
      expect([await points("alice"), await points("bob")]).toEqual([0, 0]);
    });

    it("is for moderators only (a refusal is audited), and refuses an unknown site with a clear reply", async () => {
      await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      const denied = await chat.say("bob", "/site transfer https://studio.example.com bob");
      expect(denied.status).toBe("user-error");
      expect(denied.output).toMatch(/Only moderators/);
      expect(await rt.app.db.auditLog.count({ where: { action: "site transfer", outcome: "denied" } })).toBe(1);
      const unknown = await chat.say("mod", "/site transfer https://nobody.example.com bob");
      expect(unknown.output).toMatch(/No partner has submitted https:\/\/nobody\.example\.com/);
      expect((await chat.say("mod", "/site transfer https://a..b bob")).output).toMatch(/empty part between dots/);
      expect(await points("alice")).toBe(300);
    });
  });
});
