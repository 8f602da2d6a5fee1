// Guild messages count as community contributions. Only the author, channel
// and message id are read, so the privileged Message Content intent is not
// needed (without it Discord leaves the text empty, which is fine here).
import { MessageType, type Message } from "discord.js";
import type { App } from "../../app.ts";
import { programsWithChannel, recordMessage } from "../../services/activities.ts";
import { logicalChannelName } from "../../core/channels.ts";

/** The name recordMessage should see: the logical name DISCORD_CHANNELS gives the id, else the channel's name if a program lists it, else the id. */
export function channelFor(app: App, channelId: string, channelName: string | undefined): string {
  const logical = logicalChannelName(app.config.DISCORD_CHANNELS, channelId);
  if (logical) return logical;
  if (channelName && programsWithChannel(app, channelName).length > 0) return channelName;
  return channelId;
}

export async function handleMessage(app: App, message: Message): Promise<"counted" | "ignored"> {
  // Bots, webhooks (including other integrations' relays) and system messages (joins, pins, boosts) are not contributions.
  if (!message.inGuild() || message.author.bot || message.webhookId || message.system) return "ignored";
  if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return "ignored";
  const name = "name" in message.channel ? message.channel.name : undefined;
  return recordMessage(app, {
    platform: "discord",
    channel: channelFor(app, message.channelId, name),
    externalUserId: message.author.id,
    displayName: message.author.username,
    messageId: message.id,
    at: message.createdAt,
    isBot: message.author.bot,
  });
}
