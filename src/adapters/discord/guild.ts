// Names → ids in a guild. The pack and the configuration name roles and
// channels by name or id; Discord wants ids. Looked up over REST (so no
// privileged intent or warm cache is needed) and kept for a few minutes.
import { Routes, type APIChannel, type APIRole, type REST } from "discord.js";

const TTL_MS = 5 * 60_000;
const SNOWFLAKE = /^\d{15,21}$/;

export interface GuildDirectory {
  roleId(guildId: string, nameOrId: string): Promise<string | undefined>;
  channelId(guildId: string, nameOrId: string): Promise<string | undefined>;
}

export function guildDirectory(rest: REST, now: () => number = Date.now): GuildDirectory {
  const cache = new Map<string, { at: number; items: { id: string; name: string }[] }>();
  async function list(key: string, route: `/${string}`): Promise<{ id: string; name: string }[]> {
    const hit = cache.get(key);
    if (hit && now() - hit.at < TTL_MS) return hit.items;
    const items = ((await rest.get(route)) as (APIRole | APIChannel)[]).map((x) => ({ id: x.id, name: x.name ?? "" }));
    cache.set(key, { at: now(), items });
    return items;
  }
  const find = (items: { id: string; name: string }[], nameOrId: string) => {
    const wanted = nameOrId.replace(/^[#@]/, "").toLowerCase();
    return items.find((x) => x.id === nameOrId)?.id ?? items.find((x) => x.name.toLowerCase() === wanted)?.id;
  };
  return {
    roleId: async (guildId, nameOrId) => find(await list(`roles:${guildId}`, Routes.guildRoles(guildId)), nameOrId) ?? (SNOWFLAKE.test(nameOrId) ? nameOrId : undefined),
    channelId: async (guildId, nameOrId) =>
      SNOWFLAKE.test(nameOrId) ? nameOrId : find(await list(`channels:${guildId}`, Routes.guildChannels(guildId)), nameOrId),
  };
}
