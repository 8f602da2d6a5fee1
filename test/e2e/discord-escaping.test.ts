// Member text on Discord pings nobody: every message, interaction reply,
// follow-up and edit Steward sends carries allowed_mentions that allow only
// the people Steward itself addresses, and mention markup in member text is
// escaped where Discord would draw it, so a member named `@everyone` or
// `<@&role>` reaching Pioneer is announced as that text and nothing more.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { reply } from "../../src/chat/reply.ts";
import { decisionUpdate } from "../../src/adapters/discord/interactions.ts";
import { renderReply } from "../../src/adapters/discord/render.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { ensureMember } from "../../src/services/members.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { CHANNEL, ROLE, discordHarness, slashCommand, type DiscordHarness, type RecordedRequest } from "../helpers/fake-discord.ts";

const mod = { id: "1400000000000000002", username: "mona" };

/** Names a member could carry into Steward, each of them a ping if Discord parsed it. */
const HOSTILE = ["@everyone", "@here", `<@&${ROLE.moderator}>`, `<@${mod.id}> and <@!${mod.id}>`, `<#${CHANNEL.general}>`];
/** Mention markup Discord would draw (and, without allowed_mentions, ping). */
const RAW_MENTION = /(^|[^\\])<(@[!&]?|#)\d+>|@(everyone|here)/;

type Body = {
  content?: string | null;
  embeds?: { description?: string; fields?: { value: string }[] }[];
  allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[]; replied_user?: boolean };
  data?: Body;
};

/** Requests that post or edit a message: channel messages, interaction callbacks with a message, webhook follow-ups and edits. */
function messageBodies(requests: RecordedRequest[]): { path: string; body: Body }[] {
  const out: { path: string; body: Body }[] = [];
  for (const r of requests) {
    const body = r.body as Body | undefined;
    if (!body) continue;
    if (r.method === "POST" && /^\/channels\/\d+\/messages$/.test(r.path)) out.push({ path: r.path, body });
    if (r.method === "POST" && /^\/interactions\/\d+\/[^/]+\/callback$/.test(r.path) && body.data && ("content" in body.data || "embeds" in body.data)) out.push({ path: r.path, body: body.data });
    if (/^\/webhooks\//.test(r.path) && (r.method === "POST" || r.method === "PATCH")) out.push({ path: r.path, body });
  }
  return out;
}

/** What Discord would draw as a mention: content, embed descriptions and field values (titles, field names and footers draw none). */
function drawnTexts(body: Body): string[] {
  return [body.content ?? "", ...(body.embeds ?? []).flatMap((e) => [e.description ?? "", ...(e.fields ?? []).map((f) => f.value)])];
}

function expectNoPings(requests: RecordedRequest[], allowedUsers: string[] = []): void {
  const bodies = messageBodies(requests);
  expect(bodies.length).toBeGreaterThan(0);
  for (const { path, body } of bodies) {
    expect(body.allowed_mentions, path).toBeDefined();
    expect(body.allowed_mentions?.parse, path).toEqual([]);
    expect(body.allowed_mentions?.roles ?? [], path).toEqual([]);
    for (const u of body.allowed_mentions?.users ?? []) expect(allowedUsers, path).toContain(u);
  }
}

describe.each(storeKinds)("member text on Discord (%s)", (kind) => {
  let h: DiscordHarness;
  let n = 0;
  beforeAll(async () => {
    h = await discordHarness(kind, registry, { DISCORD_CHANNELS: `announcements=${CHANNEL.announcements}` });
  });
  afterAll(() => h?.close());
  beforeEach(() => h.fake.clear());

  const drain = async () => {
    while ((await deliverDue(h.runtime.app, [h.attached.target])) > 0) {
      /* until nothing is due */
    }
  };

  it.each(HOSTILE)("announces a member named %j reaching Pioneer with no mention allowed and the markup escaped", async (name) => {
    const user = { id: `14100000000000000${String(++n).padStart(2, "0")}`, username: "evil" };
    await ensureMember(h.runtime.app, "discord", user.id, name);
    await h.interact(
      slashCommand(h.base(mod, [ROLE.moderator]), "adjust", [
        { name: "member", type: 6, value: user.id },
        { name: "points", type: 4, value: 400 },
        { name: "reason", type: 3, value: `welcome ${name}` },
      ], [user]),
    );
    await drain();
    const announcement = h.fake.find("POST", new RegExp(`^/channels/${CHANNEL.announcements}/messages$`));
    expect(announcement, "the public tier-up announcement").toHaveLength(1);
    const body = announcement[0]!.body as Body;
    expect(body.allowed_mentions).toEqual({ parse: [], users: [] });
    for (const t of drawnTexts(body)) expect(t).not.toMatch(RAW_MENTION);
    // The interaction reply (with the moderator's reason), the DM and the announcement: none may ping.
    expectNoPings(h.fake.requests);
    for (const { body: b } of messageBodies(h.fake.requests)) for (const t of drawnTexts(b)) expect(t).not.toMatch(RAW_MENTION);
  });

  it("keeps allowed_mentions on deferred answers (edits and follow-ups) and on the apology after a failed reply", async () => {
    const deferred = await discordHarness(kind, registry, {}, 0);
    try {
      await deferred.interact(slashCommand(deferred.base(mod, [ROLE.moderator]), "tier", [{ name: "member", type: 6, value: "1499999999999999999" }], [{ id: "1499999999999999999", username: "@everyone" }]));
      expect(deferred.fake.find("PATCH", /^\/webhooks\//).length + deferred.fake.find("POST", /^\/webhooks\//).length).toBeGreaterThan(0);
      expectNoPings(deferred.fake.requests);
    } finally {
      await deferred.close();
    }
    h.fake.failNext("POST", /^\/interactions\/\d+\/[^/]+\/callback$/, 400, { message: "Invalid Form Body", code: 50035 });
    await h.interact(slashCommand(h.base(mod), "tier"));
    const callbacks = h.fake.find("POST", /^\/interactions\/\d+\/[^/]+\/callback$/);
    expect(callbacks).toHaveLength(2);
    expect(JSON.stringify(callbacks[1]!.body)).toContain("something went wrong");
    expectNoPings(h.fake.requests);
  });
});

describe("Discord renderer and decision message", () => {
  it("escapes mention markup where Discord draws it, and leaves the words readable", () => {
    const m = renderReply(reply(`🎉 <@&${ROLE.moderator}> @everyone reached Pioneer`));
    expect(m.content).not.toMatch(RAW_MENTION);
    expect(m.content).toContain("everyone reached Pioneer");
    // Only the mention words: a profile URL such as medium.com/@heresy stays a working link.
    expect(renderReply(reply("https://medium.com/@heresy/post")).content).toBe("https://medium.com/@heresy/post");
    const e = renderReply(reply("x", [{ type: "text", text: "@here <#1>" }, { type: "fields", fields: [{ label: "Name", value: "<@123>" }] }]));
    for (const t of [e.embeds[0]?.description ?? "", ...(e.embeds[0]?.fields ?? []).map((f) => f.value)]) expect(t).not.toMatch(RAW_MENTION);
  });

  it("escapes member text in the decided line, keeping Steward's own mention of the moderator", () => {
    const update = decisionUpdate([], reply("Approved <@&1> @everyone"), { memberId: "m", handle: "mona", displayName: "@here", platform: "discord", externalId: mod.id, isModerator: true });
    const line = update.embeds[0]?.description ?? "";
    expect(line).toContain(`<@${mod.id}>`);
    expect(line.replace(`<@${mod.id}>`, "")).not.toMatch(RAW_MENTION);
    expect(update.allowed_mentions).toEqual({ parse: [] });
  });
});
