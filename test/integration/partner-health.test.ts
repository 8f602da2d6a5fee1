// Partner health for moderators (issue 10, finding 7): /report partner, its
// weekly post with CSV, and the grace-period mark on /leaderboard. Through the
// terminal chat on PGlite, and PostgreSQL when DATABASE_URL is set.
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDue } from "../../src/jobs/run.ts";
import { scheduleTable } from "../../src/jobs/schedules.ts";
import { partnerHealthReply, partnerHealth } from "../../src/services/partner-health.ts";
import { parsePeriodKey } from "../../src/domain/periods.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

describe.each(storeKinds)("partner health on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  beforeEach(async () => {
    rt = await testRuntime(kind);
    chat = new ChatDriver(rt);
    // Week 2026-W48 runs Monday 23 to Sunday 29 November (UTC).
    rt.clock.set("2026-10-20T10:00:00Z");
    for (const n of [1, 2, 3, 4]) {
      await chat.ok("dave", `/site submit https://dave${n}.example.com kind:classic`);
      await chat.ok("mod", `/site verify https://dave${n}.example.com`);
    }
    rt.clock.set("2026-10-25T10:00:00Z");
    await chat.ok("mod", "/site remove-contributor https://dave1.example.com dave");
    rt.clock.set("2026-11-10T10:00:00Z");
    await chat.ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
    await chat.ok("alice", "/site submit https://bakery.example.com kind:classic");
    await chat.ok("mod", "/site verify https://studio.example.com");
    await chat.ok("bob", "/site submit https://bob.example.com kind:classic");
    await chat.ok("erin", "/site submit https://erin.example.com kind:classic");
    rt.clock.set("2026-11-24T10:00:00Z");
    await chat.ok("carol", "/site submit https://carol.example.com kind:editorx role:owner");
    await chat.ok("carol", "/site submit https://carol2.example.com kind:classic");
    await chat.ok("mod", "/site lapse https://bakery.example.com");
    await chat.ok("mod", "/site remove-contributor https://erin.example.com erin");
    // Dave's grace period (from 25 Oct) is over: the daily sweep demotes him.
    await chat.ok("mod", "/schedule run daily-sweep");
    rt.clock.set("2026-11-25T12:00:00Z");
  });
  afterEach(async () => {
    await rt.close();
  });

  it("/report partner lists who is below their tier and when they are demoted, the week's moves, lapses, removals, waiting sites and the tiers", async () => {
    const out = await chat.ok("mod", "/report partner");
    expect(out).toContain("Wix Partner Program health — week 2026-W48 so far");
    expect(out).toMatch(/Explorer \(0\+\):\s+3/);
    expect(out).toMatch(/Pioneer \(400\+\):\s+2/);
    expect(out).toMatch(/@alice\s+Pioneer\s+300\s+100 more\s+2026-12-24/);
    expect(out).toContain("Promotions this week:\n@carol: Explorer → Pioneer (2026-11-24)");
    expect(out).toContain("Demotions this week:\n@dave: Pioneer → Explorer (2026-11-24)");
    expect(out).toMatch(/Premium plans lapsed this week:\n@alice: \S*bakery\.example\.com\S* \(2026-11-24\)/);
    expect(out).toMatch(/Removed as contributors this week:\n@erin: \S*erin\.example\.com\S* \(2026-11-24\)/);
    // Waiting more than 14 days: bob's, erin's (removed) is no longer waiting, alice's studio was verified.
    expect(out).toMatch(/Submitted, not verified for more than 14 days[^\n]*\n@bob: \S*bob\.example\.com\S* \(15 days\)$/m);
    expect(out).not.toMatch(/@alice: \S*studio/);

    const denied = await chat.say("alice", "/report partner");
    expect(denied.output).toContain("Only moderators");
  });

  it("/report partner carries the tier chart: members per tier, who reached a tier and who dropped from one", async () => {
    const reply = partnerHealthReply(rt.app, await partnerHealth(rt.app, parsePeriodKey("2026-W48", "UTC")));
    const chart = reply.blocks.find((b) => b.type === "image");
    expect(chart?.type === "image" && chart.picture.kind).toBe("tier-chart");
    if (chart?.type !== "image" || chart.picture.kind !== "tier-chart") return;
    expect(chart.picture.chart.tiers.map((t) => [t.name, t.members, t.up, t.down])).toEqual([
      ["Explorer", 3, 0, 0],
      ["Pioneer", 2, 1, 1],
      ["Creator", 0, 0, 0],
      ["Icon", 0, 0, 0],
      ["Legend", 0, 0, 0],
    ]);
    expect(chart.alt).toContain("Pioneer 2 (+1 in, −1 out this week)");
  });

  it("exposes the tier distribution and the week's moves as plain data", async () => {
    const h = await partnerHealth(rt.app, parsePeriodKey("2026-W48", "UTC"));
    expect(h.tierDistribution.map((t) => [t.tier, t.partners])).toEqual([
      ["explorer", 3],
      ["pioneer", 2],
      ["creator", 0],
      ["icon", 0],
      ["legend", 0],
    ]);
    expect(h.moves.map((m) => [m.handle, m.from, m.to, m.direction])).toEqual([
      ["carol", "explorer", "pioneer", "promotion"],
      ["dave", "pioneer", "explorer", "demotion"],
    ]);
  });

  it("a past week reads as it stood at the week's end, however much later it is asked", async () => {
    const week = parsePeriodKey("2026-W47", "UTC");
    const read = async () => {
      const h = await partnerHealth(rt.app, week);
      return { tiers: h.tierDistribution.map((t) => [t.tier, t.partners]), below: h.belowThreshold.map((b) => [b.handle, b.tier, b.points, b.demotionOn.toISOString().slice(0, 10)]) };
    };
    // On 22 November: dave held Pioneer on 300 points (at risk since 25 October); alice Pioneer on 400; bob and erin Explorers.
    const expected = {
      tiers: [["explorer", 2], ["pioneer", 2], ["creator", 0], ["icon", 0], ["legend", 0]],
      below: [["dave", "pioneer", 300, "2026-11-24"]],
    };
    expect(await read()).toEqual(expected);
    // Weeks later, after more happened, the same week reads the same.
    rt.clock.set("2026-12-21T10:00:00Z");
    await chat.ok("bob", "/site submit https://bob2.example.com kind:editorx role:owner");
    await chat.ok("mod", "/site verify https://bob.example.com");
    await chat.ok("mod", "/schedule run daily-sweep");
    expect(await read()).toEqual(expected);
    // Bob's site, verified only now, had waited 19 days when week 2026-W48 ended.
    const w48 = await partnerHealth(rt.app, parsePeriodKey("2026-W48", "UTC"));
    expect(w48.unverified.map((s) => [s.handle, s.days])).toEqual([["bob", 19]]);
  });

  it("goes to the moderators every week with a CSV", async () => {
    const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === "partner-health");
    if (!def) throw new Error("no partner-health schedule");
    rt.clock.set("2026-11-30T09:00:00Z");
    expect((await runDue(rt.app, def)).summary).toContain("partner health posted to #moderators");
    expect((await runDue(rt.app, def)).status).toBe("already-ran");
    const post = await rt.app.db.outboxMessage.findFirstOrThrow({ where: { dedupeKey: "partner-health:2026-W48:post" } });
    expect(post.channel).toBe("moderators");
    const file = (post.payload as { reply: { files: { filename: string; content: string }[] } }).reply.files[0];
    expect(file?.filename).toBe("partner-health-2026-W48.csv");
    const rows = parse(file?.content ?? "", { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.section === "below-threshold").map((r) => [r.member, r.date])).toEqual([["alice", "2026-12-24"]]);
    expect(rows.filter((r) => r.section === "demotion").map((r) => r.member)).toEqual(["dave"]);
    expect(rows.filter((r) => r.section === "unverified").map((r) => r.member)).toEqual(["bob"]);
  });

  it("/leaderboard marks a partner in the grace period", async () => {
    const out = await chat.ok("bob", "/leaderboard");
    expect(out).toMatch(/@alice\)\s+300\s+Pioneer ⏳ until 2026-12-24/);
    expect(out).toMatch(/@carol\)\s+400\s+Pioneer\s*$/m);
  });
});
