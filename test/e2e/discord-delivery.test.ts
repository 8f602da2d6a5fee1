// The Discord delivery target through discord.js's REST client against the
// local fake: DMs and their fallback when DMs are closed (50007), channel
// posts with the report CSV attached, badge and tier roles, a role the bot
// may not manage (50013) reported to moderators and not retried, and a 429
// surfacing as RateLimitedError with Discord's retry_after.
import { PNG } from "pngjs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { heatmap, heatmapAlt } from "../../src/chat/pictures/heatmap.ts";
import { reply } from "../../src/chat/reply.ts";
import { dmChannelCache } from "../../src/adapters/discord/target.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryContext, type Recipient } from "../../src/jobs/target.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { CHANNEL, GUILD_ID, ROLE, discordHarness, type DiscordHarness } from "../helpers/fake-discord.ts";

const ALICE = "1400000000000000001";

describe.each(storeKinds)("Discord delivery target on %s", (kind) => {
  let h: DiscordHarness;
  let n = 0;
  beforeAll(async () => {
    h = await discordHarness(kind, registry, { DISCORD_CHANNELS: `moderators=${CHANNEL.moderators}` });
    const { pack } = h.runtime.app;
    for (const b of pack.badges) if (b.id === "partner-badge") b.discordRole = "Partner";
    for (const t of pack.partner.tiers) if (t.id === "pioneer" || t.id === "creator") t.discordRole = t.name;
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    h.fake.clear();
    h.guild.members.set(ALICE, []);
  });

  const member: Recipient = { id: "m1", handle: "alice", displayName: "Alice", identities: [{ platform: "discord", externalId: ALICE }] };
  const ctx = (extra: Partial<DeliveryContext> = {}): DeliveryContext => ({ outboxId: ++n, dedupeKey: `test:${n}`, member, ...extra });
  const deliver = (message: Parameters<DiscordHarness["attached"]["target"]["deliver"]>[0], c = ctx()) => h.attached.target.deliver(message, c);
  type Body = { content?: string; embeds?: { description?: string }[]; nonce?: string; enforce_nonce?: boolean; allowed_mentions?: { parse: string[]; users: string[] } };

  it("sends a DM through the member's DM channel with an idempotency nonce", async () => {
    expect(await deliver({ kind: "dm", memberId: "m1", reply: reply("Congratulations, you are now Pioneer.") })).toBe("delivered");
    expect((h.fake.find("POST", /^\/users\/@me\/channels$/)[0]?.body as { recipient_id: string }).recipient_id).toBe(ALICE);
    const sent = h.fake.find("POST", new RegExp(`^/channels/9${ALICE}/messages$`));
    expect(sent).toHaveLength(1);
    const body = sent[0]?.body as Body;
    expect(body.content).toBe("Congratulations, you are now Pioneer.");
    expect(body.enforce_nonce).toBe(true);
    expect(body.nonce).toHaveLength(25);
  });

  it("opens a member's DM channel once for two DMs, and counts the open in the rate it declares", async () => {
    const BOB = "1400000000000000002";
    const bob: Recipient = { id: "m2", handle: "bob", displayName: "Bob", identities: [{ platform: "discord", externalId: BOB }] };
    const message = (text: string) => ({ kind: "dm" as const, memberId: "m2", reply: reply(text) });
    const { target } = h.attached;
    // Two requests the first time (open, then post), one after.
    expect(target.requests?.(message("a"), bob)).toBe(2);
    expect(await deliver(message("first"), ctx({ member: bob }))).toBe("delivered");
    expect(target.requests?.(message("a"), bob)).toBe(1);
    expect(await deliver(message("second"), ctx({ member: bob }))).toBe("delivered");
    expect(h.fake.find("POST", /^\/users\/@me\/channels$/).map((r) => (r.body as { recipient_id: string }).recipient_id)).toEqual([BOB]);
    expect(h.fake.find("POST", new RegExp(`^/channels/9${BOB}/messages$`)).map((r) => (r.body as Body).content)).toEqual(["first", "second"]);
    expect(target.limits?.perSecond).toBeLessThanOrEqual(50);
  });

  it("opens the DM channel again when the remembered one is gone (10003)", async () => {
    const CAROL = "1400000000000000003";
    const carol: Recipient = { id: "m3", handle: "carol", displayName: "Carol", identities: [{ platform: "discord", externalId: CAROL }] };
    expect(await deliver({ kind: "dm", memberId: "m3", reply: reply("one") }, ctx({ member: carol }))).toBe("delivered");
    h.fake.failNext("POST", new RegExp(`^/channels/9${CAROL}/messages$`), 404, { message: "Unknown Channel", code: 10003 });
    expect(await deliver({ kind: "dm", memberId: "m3", reply: reply("two") }, ctx({ member: carol }))).toBe("delivered");
    expect(h.fake.find("POST", /^\/users\/@me\/channels$/)).toHaveLength(2);
    expect(h.fake.find("POST", new RegExp(`^/channels/9${CAROL}/messages$`))).toHaveLength(3);
  });

  it("forgets the least recently used DM channel past its size cap", () => {
    const cache = dmChannelCache(2);
    cache.set("a", "1");
    cache.set("b", "2");
    expect(cache.get("a")).toBe("1"); // a is now the most recently used
    cache.set("c", "3");
    expect([cache.has("a"), cache.has("b"), cache.has("c")]).toEqual([true, false, true]);
    expect(cache.size).toBe(2);
  });

  it("skips a DM for a member without a Discord account", async () => {
    expect(await deliver({ kind: "dm", memberId: "m2", reply: reply("hi") }, ctx({ member: { ...member, identities: [{ platform: "slack", externalId: "U1" }] } }))).toBe("skipped");
    expect(h.fake.requests).toHaveLength(0);
  });

  it("falls back to a mention in the fallback channel when the member's DMs are closed (50007)", async () => {
    h.fake.failNext("POST", new RegExp(`^/channels/9${ALICE}/messages$`), 403, { message: "Cannot send messages to this user", code: 50007 });
    expect(await deliver({ kind: "dm", memberId: "m1", reply: reply("Your balance fell below Pioneer.") })).toBe("delivered");
    const fallback = h.fake.find("POST", new RegExp(`^/channels/${CHANNEL.community}/messages$`));
    expect(fallback).toHaveLength(1);
    const body = fallback[0]?.body as Body;
    expect(body.content).toMatch(new RegExp(`^<@${ALICE}> I have a private message for you, but your DMs are closed`));
    // The private text itself stays private.
    expect(JSON.stringify(body)).not.toContain("Your balance fell below Pioneer");
    expect(body.allowed_mentions).toEqual({ parse: [], users: [ALICE] });
    // The community channel was found by name in the guild.
    expect(h.fake.find("GET", new RegExp(`^/guilds/${GUILD_ID}/channels$`)).length).toBeLessThanOrEqual(1);
  });

  it("posts to a mapped channel and attaches the report CSV", async () => {
    const report = reply("Weekly compliance", [{ type: "header", text: "Weekly compliance" }], {
      visibility: "public",
      files: [{ filename: "compliance-2026-W48.csv", contentType: "text/csv", content: "member,program,status\nalice,community-leaders-velo,ok\n" }],
    });
    expect(await deliver({ kind: "post", channel: "moderators", reply: report }, ctx({ member: undefined }))).toBe("delivered");
    const sent = h.fake.find("POST", new RegExp(`^/channels/${CHANNEL.moderators}/messages$`));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.files).toHaveLength(1);
    expect(sent[0]?.files[0]).toMatchObject({ name: "compliance-2026-W48.csv", contentType: "text/csv", content: "member,program,status\nalice,community-leaders-velo,ok\n" });
    expect((sent[0]?.body as { embeds: { title: string }[] }).embeds[0]?.title).toBe("Weekly compliance");
  });

  it("posts the weekly report's heatmap beside its CSV, drawn at delivery from the row's data, shown in the embed", async () => {
    const map = heatmap("Velo — W48", ["W47", "W48"], [{ name: "@alice", weeks: ["missed", "met"] }]);
    const report = reply("Weekly compliance", [{ type: "header", text: "Weekly compliance" }, { type: "image", picture: { kind: "heatmap", heatmap: map }, alt: heatmapAlt(map), filename: "heatmap-velo-2026-W48.png" }], {
      visibility: "public",
      files: [{ filename: "compliance-2026-W48.csv", contentType: "text/csv", content: "member,status\nalice,met\n" }],
    });
    // An outbox row is JSON: what comes back from the table is what is delivered.
    const row = JSON.parse(JSON.stringify({ kind: "post", channel: "moderators", reply: report }));
    expect(await deliver(row, ctx({ member: undefined }))).toBe("delivered");
    const [sent] = h.fake.find("POST", new RegExp(`^/channels/${CHANNEL.moderators}/messages$`));
    expect(sent?.files.map((f) => [f.name, f.contentType])).toEqual([["compliance-2026-W48.csv", "text/csv"], ["heatmap-velo-2026-W48.png", "image/png"]]);
    const body = sent?.body as { embeds: { image?: { url: string } }[]; attachments: { id: number; description?: string }[] };
    expect(body.embeds[0]?.image?.url).toBe("attachment://heatmap-velo-2026-W48.png");
    expect(body.attachments[1]).toEqual({ id: 1, filename: "heatmap-velo-2026-W48.png", description: heatmapAlt(map) });
    expect(PNG.sync.read(sent?.files[1]?.bytes as Buffer).width).toBeGreaterThan(700);
  });

  it("fails for good on a channel that exists nowhere", async () => {
    await expect(deliver({ kind: "post", channel: "no-such-channel", reply: reply("x") }, ctx({ member: undefined }))).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  it("adds and removes a badge role found by name", async () => {
    expect(await deliver({ kind: "badge-grant", memberId: "m1", badge: "partner-badge" })).toBe("delivered");
    expect(h.guild.members.get(ALICE)).toEqual([ROLE.partner]);
    expect(await deliver({ kind: "badge-revoke", memberId: "m1", badge: "partner-badge", reason: "tier lost" })).toBe("delivered");
    expect(h.guild.members.get(ALICE)).toEqual([]);
    expect(h.fake.find("DELETE", /roles/)[0]?.headers["x-audit-log-reason"]).toBe(encodeURIComponent("Partner Badge: tier lost"));
  });

  it("skips badges without a Discord role and forum-only badges", async () => {
    expect(await deliver({ kind: "badge-grant", memberId: "m1", badge: "verified-partner" })).toBe("skipped");
    expect(await deliver({ kind: "badge-grant", memberId: "m1", badge: "velo-masters" })).toBe("skipped");
    expect(h.fake.find("PUT", /roles/)).toHaveLength(0);
  });

  it("moves tier roles: the new tier's role on, the old one off", async () => {
    h.guild.members.set(ALICE, [ROLE.pioneer]);
    expect(await deliver({ kind: "tier-role", memberId: "m1", tier: "creator", previous: "pioneer" })).toBe("delivered");
    expect(h.guild.members.get(ALICE)).toEqual([ROLE.creator]);
    // A tier without a role (icon) takes the tier roles off and adds none.
    expect(await deliver({ kind: "tier-role", memberId: "m1", tier: "icon", previous: "creator" })).toBe("delivered");
    expect(h.guild.members.get(ALICE)).toEqual([]);
  });

  it("skips a member who left the server", async () => {
    h.guild.members.delete(ALICE);
    expect(await deliver({ kind: "tier-role", memberId: "m1", tier: "creator" })).toBe("skipped");
  });

  it("reports a role it may not manage (50013) to the moderators and fails for good", async () => {
    h.fake.failNext("PUT", /\/roles\//, 403, { message: "Missing Permissions", code: 50013 });
    await expect(deliver({ kind: "badge-grant", memberId: "m1", badge: "partner-badge" })).rejects.toBeInstanceOf(PermanentDeliveryError);
    const warning = h.fake.find("POST", new RegExp(`^/channels/${CHANNEL.moderators}/messages$`));
    expect(warning).toHaveLength(1);
    expect((warning[0]?.body as Body).embeds?.[0]?.description).toContain('I could not give the role "Partner"');
    expect(h.guild.members.get(ALICE)).toEqual([]);
  });

  it("turns a 429 into RateLimitedError with Discord's retry_after", async () => {
    h.fake.rateLimitNext("POST", new RegExp(`^/channels/${CHANNEL.moderators}/messages$`), 7);
    const err = await deliver({ kind: "post", channel: "moderators", reply: reply("x") }, ctx({ member: undefined })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    // retry_after is 7 s; discord.js adds its 50 ms safety offset.
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(7000);
    expect((err as RateLimitedError).retryAfterMs).toBeLessThan(8000);
    expect(h.fake.find("POST", new RegExp(`^/channels/${CHANNEL.moderators}/messages$`))).toHaveLength(1);
  });
});
