// The Discord adapter through the real discord.js: raw INTERACTION_CREATE and
// MESSAGE_CREATE payloads go in through the client's own actions, and what
// Steward sends comes out at a local fake of Discord's REST API.
import { PNG } from "pngjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { CHANNEL, ROLE, autocomplete, discordHarness, messageCreate, modalSubmit, slashCommand, type DiscordHarness } from "../helpers/fake-discord.ts";

const alice = { id: "1400000000000000001", username: "alice" };
const mod = { id: "1400000000000000002", username: "mona" };
const stranger = { id: "1400000000000000099", username: "nobody" };

interface Callback {
  type: number;
  data?: { flags?: number; content?: string; components?: { components?: { custom_id?: string }[] }[]; embeds?: { title?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text: string } }[]; custom_id?: string; title?: string; choices?: { name: string; value: string }[] };
}

const EPHEMERAL = 64;

interface Payload {
  embeds?: { title?: string; image?: { url: string } }[];
  attachments?: { id: number | string; filename?: string; description?: string }[];
}

describe.each(storeKinds)("Discord adapter on %s", (kind) => {
  let h: DiscordHarness;
  beforeEach(async () => {
    h = await discordHarness(kind, registry);
  });
  afterEach(async () => {
    await h.close();
  });

  const callbacks = () => h.fake.find("POST", /^\/interactions\/\d+\/[^/]+\/callback$/).map((r) => r.body as Callback);
  const lastCallback = () => {
    const all = callbacks();
    expect(all.length).toBeGreaterThan(0);
    return all[all.length - 1] as Callback;
  };

  it("answers /tier with an ephemeral embed and creates the member on first contact", async () => {
    await h.interact(slashCommand(h.base(alice), "tier"));
    const cb = lastCallback();
    expect(cb.type).toBe(4);
    expect(cb.data?.flags).toBe(EPHEMERAL);
    expect(cb.data?.embeds?.[0]?.title).toBe("alice — Explorer");
    expect(cb.data?.embeds?.[0]?.fields?.map((f) => f.name)).toEqual(["Points", "Tier", "Next tier"]);
    const identity = await h.runtime.app.db.identity.findUnique({ where: { platform_externalId: { platform: "discord", externalId: alice.id } }, include: { member: true } });
    expect(identity?.member.handle).toBe("alice");
  });

  it("shows /tier's card in the embed as an attachment (attachment://), with the card's alt text as its description", async () => {
    await h.interact(slashCommand(h.base(alice), "tier"));
    // Answered at once, or deferred and edited when the first drawing takes long: either way one request carries the card.
    const sent = h.fake.requests.filter((r) => r.files.some((f) => f.name === "tier-alice.png"));
    expect(sent).toHaveLength(1);
    const req = sent[0]!;
    const body = req.body as { data?: Payload } & Payload;
    const payload: Payload = body.data ?? body;
    const card = payload.embeds?.find((e) => e.image);
    expect(card?.image?.url).toBe("attachment://tier-alice.png");
    expect(card?.title).toBe("alice — Explorer");
    // discord.js numbers attachments by their file's position; the card is the only file.
    expect(payload.attachments).toHaveLength(1);
    expect(payload.attachments?.[0]?.description).toMatch(/^Tier card of alice: Explorer, 0 points, 400 to Pioneer/);
    const file = req.files.find((f) => f.name === "tier-alice.png")!;
    expect(file.contentType).toBe("image/png");
    const png = PNG.sync.read(file.bytes);
    expect([png.width, png.height]).toEqual([800, 320]);
  });

  it("turns a picked user into a mention the dispatcher resolves", async () => {
    await h.interact(slashCommand(h.base(alice), "tier"));
    await h.interact(slashCommand(h.base(mod), "tier", [{ name: "member", type: 6, value: alice.id }], [alice]));
    expect(lastCallback().data?.embeds?.[0]?.title).toBe("alice — Explorer");
  });

  it("says plainly when the picked user is not a member, and creates nobody", async () => {
    await h.interact(slashCommand(h.base(alice), "tier", [{ name: "member", type: 6, value: stranger.id }], [stranger]));
    const cb = lastCallback();
    expect(cb.data?.flags).toBe(EPHEMERAL);
    expect(cb.data?.embeds?.[0]?.description).toContain("The Discord account you mentioned is not a member yet");
    expect(await h.runtime.app.db.identity.count({ where: { externalId: stranger.id } })).toBe(0);
  });

  it("refuses a moderator command from a non-moderator, audits it, and changes no points", async () => {
    await h.interact(slashCommand(h.base(alice), "tier"));
    await h.interact(
      slashCommand(h.base(alice), "adjust", [
        { name: "member", type: 6, value: alice.id },
        { name: "points", type: 4, value: 500 },
        { name: "reason", type: 3, value: "because" },
      ], [alice]),
    );
    const cb = lastCallback();
    expect(cb.data?.flags).toBe(EPHEMERAL);
    expect(cb.data?.embeds?.[0]?.description).toBe("Only moderators can use /adjust.");
    expect(await h.runtime.app.db.ledgerEntry.count()).toBe(0);
    expect(await h.runtime.app.db.auditLog.count({ where: { outcome: "denied", action: "adjust" } })).toBe(1);
  });

  it("lets a member holding the moderator role (configured by name) adjust points", async () => {
    await h.interact(slashCommand(h.base(alice), "tier"));
    await h.interact(
      slashCommand(h.base(mod, [ROLE.moderator]), "adjust", [
        { name: "member", type: 6, value: alice.id },
        { name: "points", type: 4, value: 500 },
        { name: "reason", type: 3, value: "meetup bonus" },
      ], [alice]),
    );
    const cb = lastCallback();
    expect(JSON.stringify(cb.data)).not.toContain("Only moderators");
    const balance = await h.runtime.app.db.balance.findFirst({ where: { member: { handle: "alice" } } });
    expect(balance?.points).toBe(500);
  });

  it("offers pack values by autocomplete, filtered by what was typed", async () => {
    await h.interact(autocomplete(h.base(alice), "apply", [{ name: "program", type: 3, value: "lead", focused: true }]));
    expect(lastCallback()).toEqual({
      type: 8,
      data: {
        choices: [
          { name: "Velo Community Leaders (community-leaders-velo)", value: "community-leaders-velo" },
          { name: "Editor X Community Leaders (community-leaders-editorx)", value: "community-leaders-editorx" },
        ],
      },
    });
    await h.interact(autocomplete(h.base(alice), "log", [{ name: "kind", type: 3, value: "", focused: true }]));
    const kinds = lastCallback().data?.choices?.map((c) => c.value);
    expect(kinds).toContain("meetup");
    expect(kinds).not.toContain("message");
  });

  it("/log opens a modal with the pack's questions for the kind, and its answers log the activity", async () => {
    await h.interact(slashCommand(h.base(alice), "log", [{ name: "kind", type: 3, value: "hours" }]));
    const modal = lastCallback();
    expect(modal.type).toBe(9);
    expect(modal.data?.custom_id).toBe("form:log hours");
    expect(modal.data?.components?.map((r) => r.components?.[0]?.custom_id)).toEqual(["hours", "date", "note"]);
    await h.interact(modalSubmit(h.base(alice), "form:log hours", { hours: "3", date: "", note: "Answered forum questions" }));
    const done = lastCallback();
    expect(done.type).toBe(4);
    expect(done.data?.embeds?.[0]?.description).toMatch(/^Logged: Hours servicing the community, 3 h/);
    const rows = await h.runtime.app.db.activity.findMany({ where: { member: { handle: "alice" } } });
    expect(rows.map((r) => [r.kind, r.hours, r.note])).toEqual([["hours", 3, "Answered forum questions"]]);
  });

  it("counts a message in a community channel for a program member, and ignores bots and other channels", async () => {
    const { app } = h.runtime;
    await h.interact(slashCommand(h.base(alice), "tier"));
    const member = await app.db.member.findUniqueOrThrow({ where: { handle: "alice" } });
    await app.db.membership.create({ data: { memberId: member.id, programId: "community-leaders-velo", state: "active", joinedAt: app.now() } });
    await h.message(messageCreate(h.guild.id, CHANNEL.community, alice));
    await h.message(messageCreate(h.guild.id, CHANNEL.general, alice));
    await h.message(messageCreate(h.guild.id, CHANNEL.community, { id: "1400000000000000050", username: "somebot", bot: true }));
    await h.message(messageCreate(h.guild.id, CHANNEL.community, alice, { webhook_id: "1500000000000000001" }));
    await h.message(messageCreate(h.guild.id, CHANNEL.community, alice, { type: 7 }));
    const rows = await app.db.activity.findMany({ where: { memberId: member.id } });
    expect(rows.map((r) => [r.kind, r.source])).toEqual([["message", "message:discord"]]);
  });
});
