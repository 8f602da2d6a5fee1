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
import { Client, GatewayDispatchEvents, GatewayIntentBits, type APIInteraction, type RateLimitData } from "discord.js";
import type { App } from "../../app.ts";
import type { Registry } from "../../chat/kit/framework.ts";
import type { Config } from "../../config.ts";
import type { DeliveryTarget } from "../../jobs/target.ts";
import type { Runtime } from "../../runtime.ts";
import { discordAgent } from "./agent.ts";
import { guildDirectory, type GuildDirectory } from "./guild.ts";
import { callbackResponse, handleInteraction } from "./interactions.ts";
import { interactionsRoute } from "./http.ts";
import type { Route } from "../../http/server.ts";
import { handleMessage } from "./messages.ts";
import { userIsModerator } from "./moderators.ts";
import { discordTarget } from "./target.ts";
import { withTimeout } from "../../core/timeout.ts";

const STOP_TIMEOUT_MS = 10_000;

/**
 * Replies to interactions may wait out a rate limit inside discord.js (they
 * must go out); everything else is rejected at once so the outbox job reschedules
 * it with Discord's retry_after instead of blocking a worker.
 */
export function rejectOnRateLimit(data: RateLimitData): boolean {
  return !data.route.startsWith("/interactions") && !data.route.startsWith("/webhooks");
}

export function createDiscordClient(config: Config): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    rest: { ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}), rejectOnRateLimit, agent: discordAgent },
    allowedMentions: { parse: [] },
  });
}

export interface AttachOptions {
  deferAfterMs?: number;
  guild?: GuildDirectory;
}

export interface AttachedDiscord {
  target: DeliveryTarget;
  /** Whether a Discord user is a moderator now (the dashboard asks on every request). */
  isModerator(userId: string): Promise<boolean>;
  /** POST /discord/interactions when DISCORD_PUBLIC_KEY is set: interactions come over HTTP, not the gateway. */
  route?: Route;
  /** Resolves when every event handler started so far has finished. */
  idle(): Promise<void>;
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
  // The raw payload, as the HTTP endpoint gets it: one handler for both (the gateway's Interaction objects are not used).
  const onInteraction = (raw: APIInteraction) => track(handleInteraction(deps, raw, callbackResponse(client.rest, raw)));
  const publicKey = app.config.DISCORD_PUBLIC_KEY;
  const onMessage = (message: Parameters<typeof handleMessage>[1]) =>
    track(handleMessage(app, message).catch((err: unknown) => app.log.error({ err, message: message.id }, "discord message not recorded")));
  // With the Interactions Endpoint URL set, Discord sends interactions there and not over the gateway; any process answers.
  if (!publicKey) client.ws.on(GatewayDispatchEvents.InteractionCreate, onInteraction);
  client.on("messageCreate", onMessage);
  return {
    ...(publicKey ? { route: interactionsRoute(deps, publicKey, track) } : {}),
    target: discordTarget({ app, rest: client.rest, guild, guildId: app.config.DISCORD_GUILD_ID }),
    isModerator: (userId) => userIsModerator(app, client.rest, guild, userId),
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    detach: () => {
      client.ws.off(GatewayDispatchEvents.InteractionCreate, onInteraction);
      client.off("messageCreate", onMessage);
    },
  };
}

/** Logs in with DISCORD_TOKEN; the lead wires the target into delivery and stop() into shutdown. */
export async function startDiscord(runtime: Runtime, registry: Registry): Promise<{ target: DeliveryTarget; route?: Route; isModerator(userId: string): Promise<boolean>; stop(): Promise<void> }> {
  const { app } = runtime;
  const token = app.config.DISCORD_TOKEN;
  if (!token) throw new Error("DISCORD_TOKEN is not set");
  const client = createDiscordClient(app.config);
  const attached = attachDiscord(client, app, registry);
  client.on("error", (err) => app.log.error({ err }, "discord client error"));
  client.once("clientReady", (c) => app.log.info({ user: c.user.tag, guilds: c.guilds.cache.size }, "discord connected"));
  await client.login(token);
  return {
    target: attached.target,
    ...(attached.route ? { route: attached.route } : {}),
    isModerator: attached.isModerator,
    stop: async () => {
      attached.detach();
      await withTimeout(attached.idle(), STOP_TIMEOUT_MS, "timeout");
      await client.destroy();
    },
  };
}
