// Discord's history for `steward backfill`: GET /channels/{id}/messages with
// `before` (the oldest id read so far) and limit 100, newest first, until a
// page reaches `since`. A message counts when the live MESSAGE_CREATE would
// have (messages.ts): a person's Default or Reply message, not a bot's, a
// webhook's or a system message, keyed on the message id.
import type { App } from "../../app.ts";
import { mappedChannelId } from "../../core/channels.ts";
import type { HistoryMessage, HistorySource, Pacer } from "../../services/backfill.ts";

interface RawMessage {
  id: string;
  type: number;
  timestamp: string;
  webhook_id?: string;
  author: { id: string; bot?: boolean; system?: boolean };
}

export const DISCORD_PAGE = 100;

export interface DiscordHistoryOptions {
  token: string;
  apiUrl: string;
  channels: { name: string; id: string }[];
  since: Date;
  pacer: Pacer;
}

/** The pack's community channels with their Discord ids: DISCORD_CHANNELS, else the guild's channel of that name. */
export async function discordCommunityChannels(app: App, pacer: Pacer | undefined): Promise<{ mapped: { name: string; id: string }[]; missing: string[] }> {
  const names = [...new Set(app.pack.programs.flatMap((p) => p.communityChannels))];
  const { DISCORD_TOKEN, DISCORD_GUILD_ID, DISCORD_API_URL } = app.config;
  let guildChannels: { id: string; name: string }[] = [];
  const unmapped = names.filter((n) => !mappedChannelId(app.config.DISCORD_CHANNELS, n));
  if (unmapped.length && pacer && DISCORD_TOKEN && DISCORD_GUILD_ID)
    guildChannels = (await pacer.json(`${apiBase(DISCORD_API_URL)}/guilds/${DISCORD_GUILD_ID}/channels`, { headers: { authorization: `Bot ${DISCORD_TOKEN}` } })) as { id: string; name: string }[];
  const mapped: { name: string; id: string }[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const id = mappedChannelId(app.config.DISCORD_CHANNELS, name) ?? guildChannels.find((c) => c.name === name.replace(/^#/, ""))?.id;
    if (id) mapped.push({ name, id });
    else missing.push(name);
  }
  return { mapped, missing };
}

const apiBase = (url: string | undefined) => `${(url ?? "https://discord.com/api").replace(/\/+$/, "")}/v10`;

const counts = (m: RawMessage) => !m.author.bot && !m.author.system && !m.webhook_id && (m.type === 0 || m.type === 19);

export function discordHistorySources(options: DiscordHistoryOptions): HistorySource[] {
  const base = apiBase(options.apiUrl);
  return options.channels.map(({ name, id }) => ({
    key: `discord:${id}`,
    platform: "discord" as const,
    label: `Discord #${name} (${id})`,
    async page(cursor) {
      const query = new URLSearchParams({ limit: String(DISCORD_PAGE), ...(cursor ? { before: cursor } : {}) });
      const raw = (await options.pacer.json(`${base}/channels/${id}/messages?${query}`, { headers: { authorization: `Bot ${options.token}` } })) as RawMessage[];
      const messages: HistoryMessage[] = raw.filter(counts).map((m) => ({ channel: name, externalUserId: m.author.id, messageId: m.id, at: new Date(m.timestamp) }));
      const oldest = raw.reduce<RawMessage | undefined>((o, m) => (!o || BigInt(m.id) < BigInt(o.id) ? m : o), undefined);
      const reached = oldest ? new Date(oldest.timestamp) : undefined;
      const more = raw.length === DISCORD_PAGE && reached !== undefined && reached > options.since;
      return { messages, next: more ? oldest?.id : undefined, reached };
    },
  }));
}
