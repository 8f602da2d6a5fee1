// Discord as a delivery target for outbox rows: DMs (a mention in a channel
// when the member's DMs are closed), channel posts with attachments (the
// weekly report's CSV), and badge and tier roles.
//
// Who retries: the outbox. The REST client is built with rejectOnRateLimit
// (see client.ts), so a 429 surfaces here at once as RateLimitedError with
// Discord's retry_after instead of the job waiting inside discord.js. A
// failure no retry can fix (missing permission, role above the bot's, unknown
// channel) is a PermanentDeliveryError and is reported to the moderators'
// channel once, so it is neither retried forever nor lost silently.
import { createHash } from "node:crypto";
import { DiscordAPIError, RateLimitError, Routes, type REST, type RawFile } from "discord.js";
import type { App } from "../../app.ts";
import { drawPictures } from "../../chat/pictures/index.ts";
import { reply, type Reply } from "../../chat/reply.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryContext, type DeliveryResult, type DeliveryTarget, type Recipient } from "../../jobs/target.ts";
import type { OutboxMessage } from "../../services/outbox.ts";
import type { GuildDirectory } from "./guild.ts";
import { pushLinkedRole } from "./linked-roles.ts";
import { renderReply } from "./render.ts";
import { mappedChannelId } from "../../core/channels.ts";

/** Discord JSON error codes this target reacts to (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
export const DiscordCode = {
  UnknownChannel: 10003,
  UnknownMember: 10007,
  UnknownRole: 10011,
  UnknownUser: 10013,
  MissingAccess: 50001,
  CannotMessageUser: 50007,
  MissingPermissions: 50013,
} as const;

export interface DiscordTargetDeps {
  app: App;
  rest: REST;
  guild: GuildDirectory;
  /** The guild roles and channel names live in (DISCORD_GUILD_ID). */
  guildId: string | undefined;
}

const MODERATORS = "moderators";

export function discordUserId(member: Recipient | undefined): string | undefined {
  return member?.identities.find((i) => i.platform === "discord")?.externalId;
}

/** A member as the moderators' warnings name them: text (handles are letters, digits, `.`, `_`, `-`), never a mention. */
function memberName(userId: string, member: Recipient | undefined): string {
  return `${member?.handle ?? "a member"} (Discord user ${userId})`;
}

/** Discord's nonce is at most 25 characters; with enforce_nonce a retried send within minutes is not posted twice. */
export function nonceOf(dedupeKey: string): string {
  return createHash("sha256").update(dedupeKey).digest("base64url").slice(0, 25);
}

function messageBody(r: Reply, nonce: string | undefined): { body: Record<string, unknown>; files: RawFile[] } {
  const m = renderReply(r);
  return {
    body: {
      ...(m.content ? { content: m.content } : {}),
      embeds: m.embeds,
      components: m.components,
      // Only the people the reply addresses (a fallback DM's member) may be pinged; announcements ping nobody.
      allowed_mentions: { parse: [], users: m.mentions },
      ...(nonce ? { nonce, enforce_nonce: true } : {}),
      // Attachment ids are the files' positions; a picture's description is its alt text.
      ...(m.images ? { attachments: [...m.files.map((f, i) => ({ id: i, filename: f.filename })), ...m.images.map((im, i) => ({ id: m.files.length + i, filename: im.filename, description: im.alt.slice(0, 1024) }))] } : {}),
    },
    files: [
      ...m.files.map((f) => ({ name: f.filename, data: Buffer.from(f.content, "utf8"), contentType: f.contentType })),
      ...(m.images ?? []).map((im) => ({ name: im.filename, data: Buffer.from(im.png), contentType: "image/png" })),
    ],
  };
}

/** A Discord failure as the outbox understands it. */
export function classify(err: unknown): Error {
  if (err instanceof RateLimitError) return new RateLimitedError(Math.max(0, Math.ceil(err.retryAfter)));
  if (err instanceof DiscordAPIError) {
    if (err.status === 429) return new RateLimitedError(1000);
    // 4xx other than a timeout will fail the same way next time.
    if (err.status >= 400 && err.status < 500 && err.status !== 408) return new PermanentDeliveryError(`Discord ${err.status} ${err.code}: ${err.message}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** DM channels remembered; past this the least recently used is forgotten (and opened again when needed). */
const DM_CHANNELS_KEPT = 10_000;

/** Discord allows 50 requests a second per bot over every route. Interaction replies are not counted; leave a little for the bot's other calls. */
export const DISCORD_REQUESTS_PER_SECOND = 49;

/** A bounded map of user id → DM channel id, least recently used forgotten first. */
export function dmChannelCache(max = DM_CHANNELS_KEPT) {
  const ids = new Map<string, string>();
  return {
    get(userId: string): string | undefined {
      const id = ids.get(userId);
      if (id === undefined) return undefined;
      // Map keeps insertion order: re-inserting makes this the most recently used.
      ids.delete(userId);
      ids.set(userId, id);
      return id;
    },
    has: (userId: string) => ids.has(userId),
    set(userId: string, channelId: string): void {
      ids.delete(userId);
      ids.set(userId, channelId);
      while (ids.size > max) {
        const oldest = ids.keys().next().value;
        if (oldest === undefined) break;
        ids.delete(oldest);
      }
    },
    delete: (userId: string) => ids.delete(userId),
    get size() {
      return ids.size;
    },
  };
}

export function discordTarget(deps: DiscordTargetDeps): DeliveryTarget {
  const { app, rest } = deps;
  // A DM channel's id never changes, so it is opened once per member instead of once per DM:
  // half the requests under the global limit.
  const dmChannels = dmChannelCache();

  async function channelId(name: string): Promise<string | undefined> {
    const mapped = mappedChannelId(app.config.DISCORD_CHANNELS, name);
    if (mapped) return mapped;
    if (/^\d{15,21}$/.test(name)) return name;
    return deps.guildId ? deps.guild.channelId(deps.guildId, name) : undefined;
  }

  const draw = (r: Reply) => drawPictures(r, (err) => app.log.error({ err }, "a picture could not be drawn; its alt text stands in"));

  async function post(channel: string, r: Reply, nonce: string | undefined): Promise<void> {
    const id = await channelId(channel);
    if (!id) throw new PermanentDeliveryError(`No Discord channel for "${channel}": map it in DISCORD_CHANNELS (${channel}=<channel id>) or create a channel with that name.`);
    const { body, files } = messageBody(await draw(r), nonce);
    await rest.post(Routes.channelMessages(id), { body, files });
  }

  /** Tells the moderators what a person must fix; failing to tell them must not hide the first failure. */
  async function warnModerators(text: string): Promise<void> {
    try {
      await post(MODERATORS, reply(text, [{ type: "text", text }], { status: "user-error", visibility: "public" }), undefined);
    } catch (err) {
      app.log.warn({ err: (err as Error).message }, "could not warn the moderators' channel");
    }
  }

  async function openDm(userId: string): Promise<string> {
    const cached = dmChannels.get(userId);
    if (cached) return cached;
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    dmChannels.set(userId, channel.id);
    return channel.id;
  }

  async function dm(userId: string, r: Reply, ctx: DeliveryContext): Promise<void> {
    const { body, files } = messageBody(await draw(r), nonceOf(ctx.dedupeKey));
    try {
      const cached = dmChannels.has(userId);
      try {
        await rest.post(Routes.channelMessages(await openDm(userId)), { body, files });
      } catch (err) {
        // A remembered DM channel that Discord no longer knows: open it afresh, once.
        if (!(cached && err instanceof DiscordAPIError && err.code === DiscordCode.UnknownChannel)) throw err;
        dmChannels.delete(userId);
        await rest.post(Routes.channelMessages(await openDm(userId)), { body, files });
      }
    } catch (err) {
      if (!(err instanceof DiscordAPIError && err.code === DiscordCode.CannotMessageUser)) throw err;
      // DMs closed (privacy settings, or no shared server): tell them where they will see it, but keep
      // the message itself private — a tier at risk or a rejection is nobody else's business.
      const notice = "I have a private message for you, but your DMs are closed. Allow direct messages from server members (Privacy Settings) to get my messages; /tier, /points and /commitments show your status any time.";
      await post(app.config.DISCORD_DM_FALLBACK_CHANNEL, reply(notice, [], { mentions: [{ platform: "discord", userId }] }), nonceOf(`${ctx.dedupeKey}:fallback`));
    }
  }

  async function roleId(nameOrId: string): Promise<string> {
    if (!deps.guildId) throw new PermanentDeliveryError("DISCORD_GUILD_ID is not set, so Steward cannot tell which server's roles to manage.");
    const id = await deps.guild.roleId(deps.guildId, nameOrId);
    if (!id) {
      await warnModerators(`I cannot find the Discord role "${nameOrId}" that the program pack names. Create it, or fix the pack's discordRole.`);
      throw new PermanentDeliveryError(`No Discord role "${nameOrId}" in the server`);
    }
    return id;
  }

  async function changeRole(change: "add" | "remove", userId: string, roleName: string, who: string, reason: string): Promise<void> {
    const id = await roleId(roleName);
    const route = Routes.guildMemberRole(deps.guildId as string, userId, id);
    try {
      if (change === "add") await rest.put(route, { reason });
      else await rest.delete(route, { reason });
    } catch (err) {
      if (err instanceof DiscordAPIError && (err.code === DiscordCode.MissingPermissions || err.code === DiscordCode.MissingAccess)) {
        await warnModerators(
          `I could not ${change === "add" ? "give" : "take"} the role "${roleName}" ${change === "add" ? "to" : "from"} ${who}: I am missing permission. ` +
            "Give my role Manage Roles and move it above the badge and tier roles in Server Settings → Roles, then grant the badge again.",
        );
        throw new PermanentDeliveryError(`Missing permission to manage role "${roleName}" (${err.code})`);
      }
      throw err;
    }
  }

  async function tierRoles(userId: string, tier: string, who: string): Promise<DeliveryResult> {
    const tiers = app.pack.partner.tiers.filter((t) => t.discordRole);
    if (tiers.length === 0) return "skipped";
    const member = (await rest.get(Routes.guildMember(deps.guildId as string, userId))) as { roles: string[] };
    const ids = new Map<string, string>();
    for (const t of tiers) ids.set(t.id, await roleId(t.discordRole as string));
    for (const t of tiers) {
      const id = ids.get(t.id) as string;
      const held = member.roles.includes(id);
      if (t.id === tier && !held) await changeRole("add", userId, t.discordRole as string, who, `Partner tier ${t.name}`);
      if (t.id !== tier && held) await changeRole("remove", userId, t.discordRole as string, who, `No longer partner tier ${t.name}`);
    }
    return "delivered";
  }

  async function deliver(message: OutboxMessage, ctx: DeliveryContext): Promise<DeliveryResult> {
    switch (message.kind) {
      case "post":
        await post(message.channel, { ...message.reply, visibility: "public" }, nonceOf(ctx.dedupeKey));
        return "delivered";
      case "dm": {
        const userId = discordUserId(ctx.member);
        if (!userId) return "skipped";
        await dm(userId, message.reply, ctx);
        return "delivered";
      }
      case "badge-grant":
      case "badge-revoke": {
        const userId = discordUserId(ctx.member);
        const badge = app.pack.badges.find((b) => b.id === message.badge);
        if (!userId || !badge?.discordRole || badge.shownIn !== "chat") return "skipped";
        const who = memberName(userId, ctx.member);
        await changeRole(message.kind === "badge-grant" ? "add" : "remove", userId, badge.discordRole, who, `${badge.name}${message.kind === "badge-revoke" && message.reason ? `: ${message.reason}` : ""}`);
        return "delivered";
      }
      case "tier-role": {
        const userId = discordUserId(ctx.member);
        if (!userId) return "skipped";
        return tierRoles(userId, message.tier, memberName(userId, ctx.member));
      }
      case "home-refresh":
        // Discord has no per-member home view; /tier answers with the fresh numbers.
        return "skipped";
      case "role-connection":
        return pushLinkedRole(app, message.memberId);
    }
  }

  return {
    name: "discord",
    // Counted in requests, not messages: see requests() below.
    limits: { perSecond: DISCORD_REQUESTS_PER_SECOND },
    requests: (message, member) => {
      switch (message.kind) {
        case "dm": {
          const userId = discordUserId(member);
          // Opening the DM channel is a request of its own, the first time.
          return userId && !dmChannels.has(userId) ? 2 : 1;
        }
        case "tier-role":
          // Read the member's roles, then usually one role on and one off.
          return 3;
        default:
          return 1;
      }
    },
    deliver: async (message, ctx) => {
      try {
        return await deliver(message, ctx);
      } catch (err) {
        // A member who left the server has nothing to receive here.
        if (err instanceof DiscordAPIError && (err.code === DiscordCode.UnknownMember || err.code === DiscordCode.UnknownUser)) return "skipped";
        if (err instanceof PermanentDeliveryError || err instanceof RateLimitedError) throw err;
        throw classify(err);
      }
    },
  };
}
