// Correct consequences (issue 10, finding 8): the tier warning says why the
// points went (lapse, contributor removal, withdrawal) from the pack's
// templates, and a site that stops counting takes back every entry that
// references it, a dispute correction included. PGlite, and PostgreSQL when
// DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

describe.each(storeKinds)("site consequences on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  const balance = async (handle: string) =>
    (await rt.app.db.balance.findFirstOrThrow({ where: { member: { handle } } })).points;

  beforeEach(async () => {
    rt = await testRuntime(kind);
    chat = new ChatDriver(rt);
    // Pioneer at exactly 400: losing either site puts the tier at risk.
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
    await chat.ok("alice", "/site submit https://bakery.example.com kind:classic");
    await chat.deliver();
  });
  afterEach(async () => {
    await rt.close();
  });

  const atRiskDm = async () => (await chat.deliver()).filter((l) => l.startsWith("→ DM to @alice") && l.includes("below Pioneer"));

  it("after a contributor removal, the warning names the removal and gives no lapse advice", async () => {
    await chat.ok("mod", "/site remove-contributor https://bakery.example.com alice");
    const [dm, ...rest] = await atRiskDm();
    expect(rest).toEqual([]);
    expect(dm).toMatch(/below Pioneer \(400\): you were removed as a contributor of \S*bakery\.example\.com\S*\. Earn 100 points by \S+ to keep Pioneer: add a new premium site/);
    expect(dm).not.toContain("re-activate");
    expect(dm).not.toContain("none");
  });

  it("after a lapse, the warning says the premium plan ended and how to get the points back", async () => {
    await chat.ok("mod", "/site lapse https://bakery.example.com");
    const [dm] = await atRiskDm();
    expect(dm).toMatch(/: \S*bakery\.example\.com\S* no longer has an active premium plan\. Earn 100 points by \S+ to keep Pioneer: re-activate its premium plan and submit it again/);
  });

  it("after the partner withdraws a site, the warning says so", async () => {
    await chat.ok("alice", "/site remove https://bakery.example.com");
    const [dm] = await atRiskDm();
    expect(dm).toMatch(/: you took \S*bakery\.example\.com\S* off your list\./);
  });

  it("removing a site takes back a dispute correction made on it too", async () => {
    const award = await rt.app.db.ledgerEntry.findFirstOrThrow({ where: { reason: { contains: "bakery" } } });
    await chat.ok("alice", `/points dispute ${award.id} it was an Editor X site`);
    const dispute = await rt.app.db.pointsDispute.findFirstOrThrow();
    await chat.ok("mod", `/dispute accept ${dispute.id} points:200`);
    expect(await balance("alice")).toBe(600);
    await chat.ok("alice", "/site remove https://bakery.example.com");
    expect(await balance("alice")).toBe(300);
    // Done twice (a retry, a second moderator), nothing more is taken.
    await chat.ok("mod", "/site remove-contributor https://bakery.example.com alice");
    expect(await balance("alice")).toBe(300);
  });

  it("a lapse takes back the correction and says so in the points lost", async () => {
    const award = await rt.app.db.ledgerEntry.findFirstOrThrow({ where: { reason: { contains: "bakery" } } });
    await chat.ok("alice", `/points dispute ${award.id} it was an Editor X site`);
    const dispute = await rt.app.db.pointsDispute.findFirstOrThrow();
    await chat.ok("mod", `/dispute accept ${dispute.id} points:200`);
    await chat.deliver();
    await chat.ok("mod", "/site lapse https://bakery.example.com");
    expect(await balance("alice")).toBe(300);
    expect((await chat.deliver()).join("\n")).toMatch(/bakery\.example\.com\S* no longer has an active premium plan, so its 300 points were removed/);
  });
});
