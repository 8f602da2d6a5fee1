// How Discord writes a mention of a person: `<@123>`, or `<@!123>` from older clients. A member
// option is a user picker, whose value is the id itself; typed text (a modal) may hold the markup.
// Read here, before dispatch, so the services only see the neutral <@discord:123>.
import type { Account } from "../../core/mentions.ts";

const DISCORD_MENTION = /^<@!?(\d+)>$/;

export function readDiscordMention(text: string): Account | undefined {
  const id = DISCORD_MENTION.exec(text)?.[1];
  return id ? discordAccount(id) : undefined;
}

export const discordAccount = (userId: string): Account => ({ platform: "discord", externalId: userId });
