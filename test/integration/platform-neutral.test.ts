// Platform details stay in the adapters: a mention is read by the surface that received it before
// the command runs, and a row only some platform delivers (an App Home refresh) is written when a
// running target declared it handles that kind, never because a platform's token is configured.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { readDiscordMention } from "../../src/adapters/discord/mentions.ts";
import { readSlackMention } from "../../src/adapters/slack/mentions.ts";
import { renderText } from "../../src/chat/plain-text.ts";
import { dispatch } from "../../src/dispatch/dispatch.ts";
import { parseLine } from "../../src/dispatch/parse.ts";
import type { Actor } from "../../src/core/actor.ts";
import type { MentionReader } from "../../src/core/mentions.ts";
import { registerTarget, type DeliveryTarget } from "../../src/jobs/target.ts";
import { actorFor } from "../../src/services/members.ts";
import { adjust } from "../../src/services/points.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

describe.each(storeKinds)("platform details stay in the adapters on %s", (kind) => {
  let rt: TestRuntime;
  let mod: Actor;
  let alice: Actor;

  async function say(line: string, readMention?: MentionReader) {
    const parsed = parseLine(line);
    if (!parsed) throw new Error(`not a command: ${line}`);
    const ctx = { app: rt.app, actor: mod, interactive: false, invocationId: `test:${randomUUID()}`, ...(readMention ? { readMention } : {}) };
    const out = await dispatch(registry, { command: parsed.command, words: parsed.words }, ctx);
    if (out.type !== "reply") throw new Error(`${line} asked for a form`);
    return { text: renderText(out.reply), status: out.reply.status };
  }

  beforeEach(async () => {
    rt = await testRuntime(kind, { SLACK_MODERATOR_IDS: "UMOD" });
    mod = await actorFor(rt.app, "slack", "UMOD", "mod", () => true);
    alice = await actorFor(rt.app, "slack", "U0ALICE", "alice", () => false);
    await actorFor(rt.app, "discord", "123456789012345678", "dora", () => false);
  });
  afterEach(async () => {
    await rt.close();
  });

  it("reads a mention in a member option with the surface's reader, and leaves mentions in free text as typed", async () => {
    const answer = await say("/adjust <@U0ALICE|alice> 50 thanks to <@U0BOB|bob>", readSlackMention);
    expect(answer).toEqual({ status: "ok", text: "+50 points for @alice (thanks to <@U0BOB|bob>). Balance: 50." });
    const entry = await rt.app.db.ledgerEntry.findFirstOrThrow({ where: { memberId: alice.memberId } });
    expect(entry.reason).toBe("thanks to <@U0BOB|bob>");

    expect((await say("/adjust <@!123456789012345678> 20 welcome", readDiscordMention)).text).toBe("+20 points for @dora (welcome). Balance: 20.");
  });

  it("tells a mention of someone who never used Steward from a wrong name", async () => {
    const unknown = await say("/adjust <@U0NOBODY|nobody> 50 hello", readSlackMention);
    expect(unknown.status).toBe("user-error");
    expect(unknown.text).toContain("The Slack account you mentioned is not a member yet");
    expect(unknown.text).not.toContain("U0NOBODY");
  });

  it("gives one platform's markup no meaning on a surface that does not write it", async () => {
    // A Slack mention typed into Discord (or the terminal) is just a name nobody has.
    const onDiscord = await say("/adjust <@U0ALICE|alice> 50 hello", readDiscordMention);
    expect(onDiscord.status).toBe("user-error");
    expect(onDiscord.text).toContain("There is no member called <@U0ALICE|alice>.");
    expect(await rt.app.db.ledgerEntry.count()).toBe(0);
  });

  it("writes an App Home refresh only once a running target declared it delivers them", async () => {
    await adjust(rt.app, mod, alice.memberId, 10, "before any target");
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "home-refresh" } })).toBe(0);

    // Any target may declare the kind: the service does not ask which platform it is.
    const standing: DeliveryTarget = { name: "standing-view", handles: ["home-refresh"], deliver: async () => "delivered" };
    registerTarget(rt.app, standing);
    await adjust(rt.app, mod, alice.memberId, 10, "with a target that redraws");
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "home-refresh", memberId: alice.memberId } })).toBe(1);
  });
});
