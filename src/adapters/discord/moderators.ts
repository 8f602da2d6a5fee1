// Who is a moderator on Discord: a member holding DISCORD_MODERATOR_ROLE (a
// role id or name). Interactions carry the member's roles; elsewhere (the
// dashboard re-checking a signed-in moderator) they are read over REST.
import { DiscordAPIError, Routes, type APIGuildMember, type REST } from "discord.js";
import type { App } from "../../app.ts";
import type { GuildDirectory } from "./guild.ts";

export async function holdsModeratorRole(app: App, guild: GuildDirectory, guildId: string, held: readonly string[]): Promise<boolean> {
  const wanted = app.config.DISCORD_MODERATOR_ROLE;
  if (!wanted || held.length === 0) return false;
  if (held.includes(wanted)) return true;
  const id = await guild.roleId(guildId, wanted);
  return id !== undefined && held.includes(id);
}

/** The user's roles in DISCORD_GUILD_ID, read now; someone who left the server (404) is no moderator. */
export async function userIsModerator(app: App, rest: REST, guild: GuildDirectory, userId: string): Promise<boolean> {
  const guildId = app.config.DISCORD_GUILD_ID;
  if (!guildId || !app.config.DISCORD_MODERATOR_ROLE || !/^\d+$/.test(userId)) return false;
  try {
    const member = (await rest.get(Routes.guildMember(guildId, userId))) as APIGuildMember;
    return await holdsModeratorRole(app, guild, guildId, member.roles);
  } catch (err) {
    if (err instanceof DiscordAPIError && err.status === 404) return false;
    throw err;
  }
}
