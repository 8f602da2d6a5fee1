// Applying and reviewing on Discord, end to end through discord.js: /apply
// opens a modal built from the pack, its submission posts a review card with
// Approve / Reject buttons to the moderators' channel, a click decides once
// and edits the card, Reject asks for a reason in a modal first, and the
// badge role follows through the outbox.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { CHANNEL, GUILD_ID, ROLE, botMessage, buttonClick, discordHarness, modalSubmit, slashCommand, type DiscordHarness } from "../helpers/fake-discord.ts";

const alice = { id: "1400000000000000001", username: "alice" };
const bob = { id: "1400000000000000003", username: "bob" };
const mod = { id: "1400000000000000002", username: "mona" };
const mod2 = { id: "1400000000000000004", username: "max" };

interface Component {
  type: number;
  custom_id?: string;
  label?: string;
  style?: number;
  components?: Component[];
}
interface MessageBody {
  content?: string;
  flags?: number;
  embeds?: { title?: string; description?: string; fields?: { name: string; value: string }[] }[];
  components?: Component[];
  custom_id?: string;
  title?: string;
}
interface Callback {
  type: number;
  data?: MessageBody;
}

const EPHEMERAL = 64;
const answers = { profiles: "https://forum.example.com/u/alice", experience: "Five years of Velo", contribution: "Monthly meetups in Lisbon" };

describe.each(storeKinds)("Discord reviews on %s", (kind) => {
  let h: DiscordHarness;
  beforeEach(async () => {
    h = await discordHarness(kind, registry, { DISCORD_CHANNELS: `moderators=${CHANNEL.moderators}` });
    const badge = h.runtime.app.pack.badges.find((b) => b.id === "community-leaders");
    if (badge) badge.discordRole = "Community Leaders";
  });
  afterEach(async () => {
    await h.close();
  });

  const callbacks = () => h.fake.find("POST", /^\/interactions\/\d+\/[^/]+\/callback$/).map((r) => r.body as Callback);
  const lastCallback = (): Callback => {
    const all = callbacks();
    expect(all.length).toBeGreaterThan(0);
    return all[all.length - 1] as Callback;
  };
  const deliver = async () => {
    while ((await deliverDue(h.runtime.app, [h.attached.target])) > 0) {
      /* until nothing is due */
    }
  };

  /** alice (or bob) applies through the modal; returns the review card as posted to the moderators' channel. */
  async function apply(user: typeof alice): Promise<MessageBody> {
    await h.interact(slashCommand(h.base(user), "apply", [{ name: "program", type: 3, value: "community-leaders-velo" }]));
    const modal = lastCallback();
    expect(modal.type).toBe(9);
    expect(modal.data?.custom_id).toBe("form:apply community-leaders-velo");
    expect(modal.data?.components?.map((r) => r.components?.[0]?.custom_id)).toEqual(["profiles", "experience", "contribution"]);
    await h.interact(modalSubmit(h.base(user), modal.data?.custom_id as string, answers));
    const thanks = lastCallback();
    expect(thanks.type).toBe(4);
    expect(thanks.data?.flags).toBe(EPHEMERAL);
    expect(thanks.data?.embeds?.[0]?.description).toContain("pending review");
    h.fake.clear();
    await deliver();
    const posts = h.fake.find("POST", new RegExp(`^/channels/${CHANNEL.moderators}/messages$`));
    expect(posts).toHaveLength(1);
    return posts[0]?.body as MessageBody;
  }

  const buttonsOf = (card: MessageBody) => (card.components ?? []).flatMap((r) => r.components ?? []);

  it("posts the review card with Approve and Reject buttons that encode the command", async () => {
    const card = await apply(alice);
    expect(card.embeds?.[0]?.title).toBe("alice applied to Velo Community Leaders");
    expect(buttonsOf(card).map((b) => [b.label, b.custom_id, b.style])).toEqual([
      ["Approve", "review:approve:alice community-leaders-velo", 1],
      ["Reject", "?review:reject:alice community-leaders-velo", 4],
    ]);
  });

  it("approves once: the card shows who decided, the role is added, and a second click is refused", async () => {
    const card = await apply(alice);
    const message = botMessage(CHANNEL.moderators, card);
    h.guild.members.set(alice.id, []);

    await h.interact(buttonClick(h.base(mod, [ROLE.moderator]), "review:approve:alice community-leaders-velo", message));
    const update = lastCallback();
    expect(update.type).toBe(7);
    expect(update.data?.components).toEqual([]);
    expect(update.data?.embeds?.[0]?.title).toBe("alice applied to Velo Community Leaders");
    expect(update.data?.embeds?.at(-1)?.description).toContain(`decided by <@${mod.id}>`);
    expect(update.data?.embeds?.at(-1)?.description).toContain("Approved: @alice");

    await h.interact(buttonClick(h.base(mod2, [ROLE.moderator]), "review:approve:alice community-leaders-velo", message));
    const refused = lastCallback();
    expect(refused.type).toBe(4);
    expect(refused.data?.flags).toBe(EPHEMERAL);
    expect(refused.data?.embeds?.[0]?.description).toMatch(/alice has no pending application to Velo Community Leaders/);

    const { app } = h.runtime;
    expect(await app.db.membership.count({ where: { programId: "community-leaders-velo", state: "active" } })).toBe(1);
    expect(await app.db.badge.count({ where: { badge: "community-leaders", revokedAt: null } })).toBe(1);
    expect(await app.db.auditLog.count({ where: { action: { contains: "approve" }, outcome: "ok" } })).toBe(1);

    h.fake.clear();
    await deliver();
    expect(h.fake.find("PUT", new RegExp(`^/guilds/${GUILD_ID}/members/${alice.id}/roles/${ROLE.leaders}$`))).toHaveLength(1);
    expect(h.guild.members.get(alice.id)).toEqual([ROLE.leaders]);
    // The welcome DM went to alice's DM channel.
    expect(h.fake.find("POST", /^\/users\/@me\/channels$/).map((r) => (r.body as { recipient_id: string }).recipient_id)).toContain(alice.id);
  });

  it("asks a reason in a modal before rejecting, then edits the card", async () => {
    const card = await apply(bob);
    const message = botMessage(CHANNEL.moderators, card);
    const reject = buttonsOf(card).find((b) => b.label === "Reject")?.custom_id as string;

    await h.interact(buttonClick(h.base(mod, [ROLE.moderator]), reject, message));
    const modal = lastCallback();
    expect(modal.type).toBe(9);
    expect(modal.data?.title).toBe("Reject application");
    expect(modal.data?.custom_id).toBe("form:review reject bob community-leaders-velo");
    expect(await h.runtime.app.db.application.count({ where: { state: "pending" } })).toBe(1);

    await h.interact(modalSubmit(h.base(mod, [ROLE.moderator]), modal.data?.custom_id as string, { reason: "Please link two meetups you ran" }, message));
    const update = lastCallback();
    expect(update.type).toBe(7);
    expect(update.data?.components).toEqual([]);
    expect(update.data?.embeds?.at(-1)?.description).toContain("Rejected @bob's application");
    const row = await h.runtime.app.db.application.findFirstOrThrow({ where: { member: { handle: "bob" } } });
    expect([row.state, row.reason]).toEqual(["rejected", "Please link two meetups you ran"]);
  });

  it("refuses a click from a non-moderator and leaves the application pending and the card as it was", async () => {
    const card = await apply(alice);
    await h.interact(buttonClick(h.base(bob), "review:approve:alice community-leaders-velo", botMessage(CHANNEL.moderators, card)));
    const refused = lastCallback();
    expect(refused.type).toBe(4);
    expect(refused.data?.flags).toBe(EPHEMERAL);
    expect(refused.data?.embeds?.[0]?.description).toBe("Only moderators can use /review approve.");
    expect(h.fake.find("PATCH", /^\/webhooks\//)).toHaveLength(0);
    expect(await h.runtime.app.db.application.count({ where: { state: "pending" } })).toBe(1);
    expect(await h.runtime.app.db.membership.count()).toBe(0);
  });

  it("defers a slow command and edits the reply when it is ready", async () => {
    await h.close();
    h = await discordHarness(kind, registry, {}, 0);
    await h.interact(slashCommand(h.base(alice), "tier"));
    const cb = lastCallback();
    expect(cb).toEqual({ type: 5, data: { flags: EPHEMERAL } });
    const edits = h.fake.find("PATCH", /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/);
    expect(edits).toHaveLength(1);
    expect((edits[0]?.body as MessageBody).embeds?.[0]?.title).toBe("alice — Explorer");
  });
});
