// The Discord adapter: a discord.js Client whose events become command
// dispatches and contributions, and whose REST client delivers the outbox.
//
// Gateway intents the bot needs (none of them privileged):
//   - Guilds         guild, channel and role caches (channel names for counting, role names for moderators)
//   - GuildMessages  MESSAGE_CREATE in guild channels, counted as contributions
// Not needed: MessageContent (only author, channel and id are read),
// GuildMembers (roles are changed over REST; interactions carry the member's
// roles), DirectMessages (Steward sends DMs but reads none; interactions in
// DMs arrive without it).
// Bot permissions in the server: View Channels, Send Messages, Embed Links,
// Attach Files, Manage Roles (with the bot's role above every badge and tier
// role). OAuth2 scopes: bot, applications.commands.
import { Client, GatewayDispatchEvents, GatewayIntentBits, type APIInteraction, type ClientOptions, type RateLimitData } from "discord.js";
import type { App } from "../../app.ts";
import type { Registry } from "../../kit/framework.ts";
import type { Config } from "../../config.ts";
import type { DeliveryTarget } from "../../jobs/target.ts";
import { discordAgent } from "./agent.ts";
import { guildDirectory, type GuildDirectory } from "./guild.ts";
import { callbackResponse, handleInteraction } from "./interactions.ts";
import { interactionsRoute } from "./http.ts";
import type { Route } from "../../http/server.ts";
import { handleMessage } from "./messages.ts";
import { userIsModerator } from "./moderators.ts";
import { discordTarget } from "./target.ts";

/**
 * Replies to interactions may wait out a rate limit inside discord.js (they
 * must go out); everything else is rejected at once so the outbox job reschedules
 * it with Discord's retry_after instead of blocking a worker.
 */
export function rejectOnRateLimit(data: RateLimitData): boolean {
  return !data.route.startsWith("/interactions") && !data.route.startsWith("/webhooks");
}

/** `gateway`: a shard's gateway options (shards.ts, gateway.ts). */
export function createDiscordClient(config: Config, gateway: Pick<ClientOptions, "shards" | "shardCount" | "ws"> = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    rest: { ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}), rejectOnRateLimit, agent: discordAgent },
    allowedMentions: { parse: [] },
    ...gateway,
  });
}

export interface AttachOptions {
  deferAfterMs?: number;
  guild?: GuildDirectory;
  /** false: interactions arrive over HTTP (DISCORD_PUBLIC_KEY), so the gateway's are not answered here. */
  interactions?: boolean;
  /** Claims an interaction before it is answered; undefined: it was (or is being) answered already (a replay after a resume). */
  claimInteraction?: (interactionId: string) => Promise<{ answered(): Promise<void> } | undefined>;
}

export interface AttachedDiscord {
  target: DeliveryTarget;
  /** Whether a Discord user is a moderator now (the dashboard asks on every request). */
  isModerator(userId: string): Promise<boolean>;
  /** POST /discord/interactions when DISCORD_PUBLIC_KEY is set: interactions come over HTTP, not the gateway. */
  route?: Route;
  /** Resolves when every event handler started so far has finished. */
  idle(): Promise<void>;
  /** Resolves when the handlers running now have finished (later ones are not waited for). */
  settled(): Promise<void>;
  detach(): void;
}

/** Wires a (logged-in or test) client to Steward: interactions, messages, and the delivery target. */
export function attachDiscord(client: Client, app: App, registry: Registry, options: AttachOptions = {}): AttachedDiscord {
  const guild = options.guild ?? guildDirectory(client.rest);
  const running = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  const deps = { app, registry, rest: client.rest, guild, ...(options.deferAfterMs !== undefined ? { deferAfterMs: options.deferAfterMs } : {}) };
  const claim = options.claimInteraction;
  // The raw payload, as the HTTP endpoint gets it: one handler for both (the gateway's Interaction objects are not used).
  // Several sessions may see one interaction (a replay after a takeover): the claim lets one of them answer it.
  const answer = async (raw: APIInteraction) => {
    const claimed = await claim?.(raw.id).catch((err: unknown) => void app.log.error({ err, interaction: raw.id }, "discord interaction not claimed; it is left unanswered"));
    if (claim && !claimed) return;
    await handleInteraction(deps, raw, callbackResponse(client.rest, raw));
    await claimed?.answered().catch((err: unknown) => app.log.warn({ err, interaction: raw.id }, "discord interaction answered, but its claim was not extended"));
  };
  const onInteraction = (raw: APIInteraction) => track(answer(raw));
  const publicKey = app.config.DISCORD_PUBLIC_KEY;
  const onMessage = (message: Parameters<typeof handleMessage>[1]) =>
    track(handleMessage(app, message).catch((err: unknown) => app.log.error({ err, message: message.id }, "discord message not recorded")));
  // With the Interactions Endpoint URL set, Discord sends interactions there and not over the gateway; any process answers.
  if (!publicKey && options.interactions !== false) client.ws.on(GatewayDispatchEvents.InteractionCreate, onInteraction);
  client.on("messageCreate", onMessage);
  return {
    ...(publicKey ? { route: interactionsRoute(deps, publicKey, track) } : {}),
    target: discordTarget({ app, rest: client.rest, guild, guildId: app.config.DISCORD_GUILD_ID }),
    isModerator: (userId) => userIsModerator(app, client.rest, guild, userId),
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    settled: async () => {
      await Promise.allSettled([...running]);
    },
    detach: () => {
      client.ws.off(GatewayDispatchEvents.InteractionCreate, onInteraction);
      client.off("messageCreate", onMessage);
    },
  };
}
