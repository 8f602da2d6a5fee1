// A process killed between the platform accepting a message and Steward
// recording it: its claim on the row expires a minute later and another
// worker takes the row over. The receiver must still see the message once.
// Slack: every message carries its outbox key as metadata, and a row whose
// previous claim expired without an outcome is looked for in the
// conversation's history first. Discord: the same nonce with enforce_nonce,
// which Discord answers with the earlier message. Through the real Slack
// WebClient and discord.js REST against the local fakes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { outboxClient, slackTarget } from "../../src/adapters/slack/target.ts";
import { reply } from "../../src/chat/reply.ts";
import { LOCK_MS } from "../../src/jobs/claims.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import type { DeliveryTarget } from "../../src/jobs/target.ts";
import { ensureMember } from "../../src/services/members.ts";
import { enqueue, type OutboxMessage } from "../../src/services/outbox.ts";
import { CHANNEL, discordHarness, type DiscordHarness } from "../helpers/fake-discord.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

/**
 * The target of a process that dies once the platform has the message: the send goes out, and
 * then nothing, ever (no outcome is recorded, the claim stays until it expires).
 */
function dyingAfterSend(target: DeliveryTarget, options: { before?: boolean } = {}): { target: DeliveryTarget; sent: Promise<void> } {
  let sent: () => void = () => {};
  const done = new Promise<void>((resolve) => (sent = resolve));
  return {
    sent: done,
    target: {
      ...target,
      deliver: async (message, ctx) => {
        if (!options.before) await target.deliver(message, ctx);
        sent();
        return new Promise(() => {});
      },
    },
  };
}

async function write(rt: TestRuntime, message: OutboxMessage, key: string): Promise<void> {
  await rt.app.db.$transaction((tx) => enqueue(tx, message, { dedupeKey: key, now: rt.app.now() }));
}

describe.each(storeKinds)("exactly once across a killed worker, Slack, on %s", (kind) => {
  let fake: FakeSlack;
  let rt: TestRuntime;
  let slack: DeliveryTarget;
  let memberId: string;

  beforeAll(async () => {
    fake = await startFakeSlack();
    rt = await testRuntime(kind, { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "s", SLACK_API_URL: fake.apiUrl, SLACK_CHANNELS: "announcements=CANN" });
    // Slack's clock is the app's here, so "since the lost attempt" means the same on both sides.
    fake.now = () => rt.app.now().getTime();
    slack = slackTarget(rt.app, outboxClient("xoxb-test", fake.apiUrl));
    const m = await ensureMember(rt.app, "slack", "U1", "alice");
    memberId = m.id;
  });
  afterAll(async () => {
    await rt?.close();
    await fake?.stop();
  });
  afterEach(() => fake.reset());

  const status = async (key: string) => (await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: key } })).status;

  it("does not send a DM again that Slack accepted before the worker died", async () => {
    await write(rt, { kind: "dm", memberId, reply: reply("You reached Pioneer") }, "once:dm");
    const dying = dyingAfterSend(slack);
    void deliverDue(rt.app, [dying.target]);
    await dying.sent;
    const [first] = fake.callsTo("chat.postMessage");
    expect(first?.body.metadata).toEqual({ event_type: "steward_outbox", event_payload: { key: "once:dm" } });
    // A normal send asks Slack nothing else.
    expect(fake.callsTo("conversations.history")).toHaveLength(0);

    rt.clock.advance(LOCK_MS + 1000); // the dead worker's claim expires
    expect(await deliverDue(rt.app, [slack])).toBe(1);
    expect(fake.callsTo("chat.postMessage")).toHaveLength(1);
    expect(fake.posted.get("D1")?.map((m) => m.text)).toEqual(["You reached Pioneer"]);
    expect(fake.callsTo("conversations.history")[0]?.body).toMatchObject({ channel: "D1", include_all_metadata: "true" });
    expect(await status("once:dm")).toBe("delivered");
  });

  it("does not post to a channel again that Slack accepted before the worker died", async () => {
    await write(rt, { kind: "post", channel: "announcements", reply: reply("Alice reached Pioneer") }, "once:post");
    const dying = dyingAfterSend(slack);
    void deliverDue(rt.app, [dying.target]);
    await dying.sent;
    rt.clock.advance(LOCK_MS + 1000);
    expect(await deliverDue(rt.app, [slack])).toBe(1);
    expect(fake.callsTo("chat.postMessage").map((c) => c.body.channel)).toEqual(["CANN"]);
    expect(await status("once:post")).toBe("delivered");
  });

  it("sends the DM after all when the worker died before Slack had it", async () => {
    await write(rt, { kind: "dm", memberId, reply: reply("Your tier is at risk") }, "once:lost");
    const dying = dyingAfterSend(slack, { before: true });
    void deliverDue(rt.app, [dying.target]);
    await dying.sent;
    expect(fake.callsTo("chat.postMessage")).toHaveLength(0);
    rt.clock.advance(LOCK_MS + 1000);
    expect(await deliverDue(rt.app, [slack])).toBe(1);
    expect(fake.callsTo("conversations.history")).toHaveLength(1);
    expect(fake.posted.get("D1")?.map((m) => m.text)).toEqual(["Your tier is at risk"]);
    expect(await status("once:lost")).toBe("delivered");
  });

  it("looks only since the lost attempt: an older message with the same key is not taken for it", async () => {
    // A batch key is reused when the same rows are batched again; a message from long before the
    // lost attempt (another batch's) must not stop this one.
    fake.posted.set("D1", [{ ts: "1.000100", text: "old", metadata: { event_type: "steward_outbox", event_payload: { key: "once:old" } }, at: rt.app.now().getTime() - 3_600_000 }]);
    await write(rt, { kind: "dm", memberId, reply: reply("Fresh news") }, "once:old");
    const dying = dyingAfterSend(slack, { before: true });
    void deliverDue(rt.app, [dying.target]);
    await dying.sent;
    rt.clock.advance(LOCK_MS + 1000);
    expect(await deliverDue(rt.app, [slack])).toBe(1);
    expect(fake.posted.get("D1")?.map((m) => m.text)).toEqual(["old", "Fresh news"]);
  });
});

describe.each(storeKinds)("exactly once across a killed worker, Discord, on %s", (kind) => {
  let h: DiscordHarness;
  const ALICE = "1400000000000000001";
  beforeAll(async () => {
    h = await discordHarness(kind, registry, { DISCORD_CHANNELS: `moderators=${CHANNEL.moderators}` });
  });
  afterAll(async () => {
    await h.close();
  });

  it("sends a DM again with the same nonce, which Discord answers with the message it has", async () => {
    const rt = h.runtime as TestRuntime;
    const m = await ensureMember(rt.app, "discord", ALICE, "alice");
    await write(rt, { kind: "dm", memberId: m.id, reply: reply("You reached Pioneer") }, "once:discord");
    const dying = dyingAfterSend(h.attached.target);
    void deliverDue(rt.app, [dying.target]);
    await dying.sent;
    rt.clock.advance(LOCK_MS + 1000);
    expect(await deliverDue(rt.app, [h.attached.target])).toBe(1);
    const posts = h.fake.find("POST", new RegExp(`^/channels/9${ALICE}/messages$`)).map((r) => r.body as { nonce?: string; enforce_nonce?: boolean });
    expect(posts).toHaveLength(2);
    expect(posts[1]?.nonce).toBe(posts[0]?.nonce);
    expect(posts.every((p) => p.enforce_nonce === true)).toBe(true);
    expect(h.fake.messages.filter((msg) => msg.channelId === `9${ALICE}`)).toHaveLength(1);
  });
});
