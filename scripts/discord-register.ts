// `npm run discord:register`: registers Steward's application commands (from
// commands/) and its Linked Roles metadata with Discord. With DISCORD_GUILD_ID
// the commands go to that server and appear at once (development); without it
// they are global (production; Discord may take a while to show changes).
// Both calls are bulk overwrites, so running it again is safe.
import { pathToFileURL } from "node:url";
import { REST, Routes } from "discord.js";
import { commands } from "../commands/index.ts";
import { buildApplicationCommands } from "../src/adapters/discord/registration.ts";
import { registerRoleConnectionMetadata } from "../src/adapters/discord/linked-roles.ts";
import { ConfigError, loadConfig, type Config } from "../src/config.ts";
import { loadPack } from "../src/programs/load.ts";

export async function registerDiscord(config: Config, say: (line: string) => void = () => undefined): Promise<{ commands: number; scope: string }> {
  const { DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: appId, DISCORD_GUILD_ID: guildId } = config;
  if (!token || !appId) throw new ConfigError("discord:register needs DISCORD_TOKEN and DISCORD_APPLICATION_ID.");
  const pack = loadPack(config.STEWARD_PROGRAMS);
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(token);
  const body = buildApplicationCommands(commands, pack);
  const route = guildId ? Routes.applicationGuildCommands(appId, guildId) : Routes.applicationCommands(appId);
  await rest.put(route, { body });
  const scope = guildId ? `guild ${guildId}` : "global";
  say(`Registered ${body.length} commands (${scope}): ${body.map((c) => `/${c.name}`).join(" ")}`);
  const metadata = await registerRoleConnectionMetadata(rest, appId, pack);
  say(`Registered Linked Roles metadata: ${metadata.map((m) => m.key).join(", ")}`);
  return { commands: body.length, scope };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  registerDiscord(loadConfig(), (line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err))}\n`);
    process.exit(1);
  });
}
