// A row's targets are fixed when it is written, and each process delivers only
// the targets it runs: a terminal prints its own process's rows and never takes
// another's, nor marks a forum, Slack or Discord row delivered; a row is done
// when every one of its targets has it. (test/e2e/shared-database.test.ts runs
// the same with real `steward serve` and `steward run` processes.)
import { afterEach, describe, expect, it } from "vitest";
import { consoleTarget } from "../../src/adapters/console/target.ts";
import { reply } from "../../src/chat/reply.ts";
import type { BadgeDef, Pack } from "../../src/domain/pack.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import type { DeliveryTarget } from "../../src/jobs/target.ts";
import { ensureMember } from "../../src/services/members.ts";
import { enqueue, type OutboxMessage } from "../../src/services/outbox.ts";
import { endTerminal, fixTargets, platformTargets, type OutboxRouting } from "../../src/services/outbox-targets.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testConfig, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

describe("platformTargets", () => {
  const badges = [
    { id: "chat-badge", name: "Chat", shownIn: "chat", slackUserGroup: "S1", discordRole: "Chat badge" },
    { id: "forum-badge", name: "Forum", shownIn: "forum", discourseBadgeId: 7 },
    { id: "plain", name: "Plain", shownIn: "chat" },
  ] as BadgeDef[];
  const routing = (env: Record<string, string> = {}, tierRoles = true): OutboxRouting => ({
    config: testConfig(env),
    pack: { badges, partner: { tiers: [{ id: "t", name: "T", threshold: 0, ...(tierRoles ? { discordRole: "T" } : {}) }] } as unknown as Pack["partner"] },
  });
  const on = (...platforms: string[]) => new Set(platforms);
  const dm: OutboxMessage = { kind: "dm", memberId: "m", reply: reply("hi") };

  it("sends a DM to each chat platform the member has an account on", () => {
    expect(platformTargets(dm, on("slack", "discord", "forum", "console"), routing())).toEqual(["slack", "discord"]);
    expect(platformTargets(dm, on("console"), routing())).toEqual([]);
  });

  it("posts to Slack where the channel is mapped, to Discord where a bot runs or the channel is mapped", () => {
    const post = (channel: string): OutboxMessage => ({ kind: "post", channel, reply: reply("hi") });
    const r = routing({ SLACK_CHANNELS: "announcements=C0ANNOUNCE", DISCORD_CHANNELS: "moderators=123456789012345678" });
    expect(platformTargets(post("announcements"), on(), r)).toEqual(["slack"]);
    expect(platformTargets(post("moderators"), on(), r)).toEqual(["discord"]);
    expect(platformTargets(post("elsewhere"), on(), r)).toEqual([]);
    expect(platformTargets(post("elsewhere"), on(), routing({ DISCORD_TOKEN: "t", DISCORD_APPLICATION_ID: "1" }))).toEqual(["discord"]);
  });

  it("sends a badge where the pack shows it and the member has an account", () => {
    const grant = (badge: string): OutboxMessage => ({ kind: "badge-grant", memberId: "m", badge });
    expect(platformTargets(grant("chat-badge"), on("slack", "discord", "forum"), routing())).toEqual(["slack", "discord"]);
    expect(platformTargets(grant("forum-badge"), on("slack", "discord", "forum"), routing())).toEqual(["forum"]);
    expect(platformTargets(grant("forum-badge"), on("slack"), routing())).toEqual([]);
    expect(platformTargets(grant("plain"), on("slack", "discord"), routing())).toEqual([]);
  });

  it("sends tier roles and Linked Roles to Discord, Home refreshes to Slack", () => {
    expect(platformTargets({ kind: "tier-role", memberId: "m", tier: "t" }, on("slack", "discord"), routing())).toEqual(["discord"]);
    expect(platformTargets({ kind: "tier-role", memberId: "m", tier: "t" }, on("discord"), routing({}, false))).toEqual([]);
    expect(platformTargets({ kind: "role-connection", memberId: "m" }, on("slack", "discord"), routing())).toEqual(["discord"]);
    expect(platformTargets({ kind: "home-refresh", memberId: "m" }, on("slack", "discord"), routing())).toEqual(["slack"]);
  });
});

/** A platform target that records what it got. */
function recording(name: string): DeliveryTarget & { got: string[] } {
  const got: string[] = [];
  return { name, got, deliver: async (_m, ctx) => (got.push(ctx.dedupeKey), "delivered") };
}

describe.each(storeKinds)("each process delivers only its targets, on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  const rows = () => rt.app.db.outboxMessage.findMany({ orderBy: { id: "asc" } });
  const delivered = async (id: number) => (await rt.app.db.outboxDelivery.findMany({ where: { outboxId: id }, orderBy: { target: "asc" } })).map((d) => d.target);
  const drain = async (targets: DeliveryTarget[]) => {
    while ((await deliverDue(rt.app, targets)) > 0) {
      /* until nothing is due */
    }
  };

  const start = async (env: Record<string, string> = {}) => {
    rt = await testRuntime(kind, env, undefined, { fixedTargets: true });
    chat = new ChatDriver(rt);
  };
  afterEach(() => rt?.close());

  it("a terminal prints its own rows only, and the forum row waits for the forum", async () => {
    // The configuration of a process on a shared database (the store itself is this test's own).
    await start({ DATABASE_URL: "postgresql://steward@127.0.0.1:5432/shared" });
    fixTargets(rt.app, { terminal: true });
    await chat.ok("alice", "/apply velo-masters profiles:https://stackoverflow.com/u/alice experience:years");
    await chat.ok("mod", "/link forum:alice_f alice");
    await chat.ok("mod", "/review approve alice velo-masters");
    const printed = await chat.deliver();
    expect(printed).toContain("→ badge velo-masters granted to @alice");

    const grant = (await rows()).find((r) => r.kind === "badge-grant");
    expect(grant).toMatchObject({ targets: ["console", "forum"], status: "pending", lockedUntil: null });
    expect(await delivered(grant?.id as number)).toEqual(["console"]);

    // A row the first terminal wrote and did not print (it ended first).
    await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "dm", memberId: grant?.memberId as string, reply: reply("left behind") }, { dedupeKey: "left", now: rt.app.now() }));

    // Another terminal (another `steward run`) takes nothing: not the first one's rows, not the forum's.
    fixTargets(rt.app, { terminal: true });
    await chat.ok("bob", "/tier");
    expect(await chat.deliver()).toEqual([]);
    expect(await delivered(grant?.id as number)).toEqual(["console"]);
    const left = await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "left" } });
    expect(left).toMatchObject({ targets: ["console"], status: "pending" });
    expect(await delivered(left.id)).toEqual([]);

    // The process that runs the forum delivers the forum row once, and only that row; then it is done.
    const forum = recording("forum");
    await drain([forum]);
    expect(forum.got).toEqual([grant?.dedupeKey]);
    expect((await rows()).find((r) => r.id === grant?.id)).toMatchObject({ status: "delivered" });
    expect(await delivered(grant?.id as number)).toEqual(["console", "forum"]);
    await drain([forum]);
    expect(forum.got).toHaveLength(1);
    // Every other row the first terminal wrote was printed there and is done, and none was marked for a target it does not have.
    for (const row of (await rows()).filter((r) => r.id !== left.id)) {
      expect(row.status, `${row.kind} ${row.dedupeKey}`).toBe("delivered");
      expect(await delivered(row.id)).toEqual([...row.targets].sort());
    }
  });

  it("a terminal that ends on a shared database leaves no row waiting for it", async () => {
    await start({ DATABASE_URL: "postgresql://steward@127.0.0.1:5432/shared" });
    fixTargets(rt.app, { terminal: true });
    const alice = await ensureMember(rt.app, "slack", "U0ALICE", "alice");
    const bob = await ensureMember(rt.app, "console", "bob", "bob");
    await rt.app.db.$transaction(async (tx) => {
      await enqueue(tx, { kind: "dm", memberId: alice.id, reply: reply("to Slack and here") }, { dedupeKey: "both", now: rt.app.now() });
      await enqueue(tx, { kind: "dm", memberId: bob.id, reply: reply("only here") }, { dedupeKey: "here", now: rt.app.now() });
    });
    await endTerminal(rt.app);
    const byKey = async (k: string) => rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: k } });
    expect(await byKey("both")).toMatchObject({ targets: ["slack"], status: "pending" });
    expect(await byKey("here")).toMatchObject({ targets: [], status: "delivered" });
    const slack = recording("slack");
    await drain([slack]);
    expect(slack.got).toEqual(["both"]);
    expect(await byKey("both")).toMatchObject({ status: "delivered" });
  });

  it("on an embedded data folder (one process at a time) the next terminal prints what an earlier one left", async () => {
    await start();
    fixTargets(rt.app, { terminal: true });
    const m = await ensureMember(rt.app, "console", "alice", "alice");
    await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "dm", memberId: m.id, reply: reply("due after the chat ended") }, { dedupeKey: "later", now: rt.app.now() }));
    await endTerminal(rt.app);
    fixTargets(rt.app, { terminal: true });
    expect(await chat.deliver()).toEqual(["→ DM to @alice: due after the chat ended"]);
  });

  it("a Slack row written by a process that is no terminal waits for Slack; a row no target is for is done as written", async () => {
    await start();
    const m = await ensureMember(rt.app, "slack", "U0ALICE", "alice");
    await rt.app.db.$transaction(async (tx) => {
      await enqueue(tx, { kind: "dm", memberId: m.id, reply: reply("for Slack") }, { dedupeKey: "slack-dm", now: rt.app.now() });
      await enqueue(tx, { kind: "post", channel: "nowhere", reply: reply("for nobody") }, { dedupeKey: "nobody", now: rt.app.now() });
    });
    const [dm, post] = await rows();
    expect(dm).toMatchObject({ targets: ["slack"], origin: null, status: "pending" });
    expect(post).toMatchObject({ targets: [], status: "delivered" });

    // A terminal (a console target) and a Discord process leave it alone, and count no attempt.
    const printed: string[] = [];
    const discord = recording("discord");
    await drain([consoleTarget((t) => printed.push(t)), discord]);
    expect([printed, discord.got]).toEqual([[], []]);
    const slack = recording("slack");
    await drain([slack]);
    expect(slack.got).toEqual(["slack-dm"]);
    expect((await rows())[0]).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("a row written before targets were fixed goes, as before, through the targets of the process that claims it", async () => {
    await start();
    await rt.app.sql.query(`INSERT INTO outbox (kind, channel, payload, dedupe_key, created_at, available_at) VALUES ('post', 'announcements', $1, 'old', $2, $2)`, [
      JSON.stringify({ channel: "announcements", reply: reply("from before") }),
      rt.app.now(),
    ]);
    const slack = recording("slack");
    const discord = recording("discord");
    await drain([slack, discord]);
    expect([slack.got, discord.got]).toEqual([["old"], ["old"]]);
    expect((await rows())[0]).toMatchObject({ targets: [], status: "delivered" });
  });

  it("a row written before targets were fixed waits for a platform: a terminal that runs none leaves it (steward run beside serve)", async () => {
    await start();
    fixTargets(rt.app, { terminal: true });
    await rt.app.sql.query(`INSERT INTO outbox (kind, channel, payload, dedupe_key, created_at, available_at) VALUES ('post', 'announcements', $1, 'old', $2, $2)`, [
      JSON.stringify({ channel: "announcements", reply: reply("from before") }),
      rt.app.now(),
    ]);
    const printed: string[] = [];
    await drain([consoleTarget((t) => printed.push(t))]);
    expect(printed).toEqual([]);
    expect((await rows())[0]).toMatchObject({ status: "pending" });
    const slack = recording("slack");
    await drain([slack, consoleTarget((t) => printed.push(t))]);
    expect(slack.got).toEqual(["old"]);
    expect(printed).toEqual([]);
    expect((await rows())[0]).toMatchObject({ status: "delivered" });
  });
});
