// Linked Roles: Discord lets a server gate a role on data an app publishes
// about each user ("points ≥ 1000", "tier level ≥ 2"), configured in the
// server's own role settings. Two halves:
//
// 1. The app declares its metadata fields once (bot token):
//    PUT /applications/{id}/role-connections/metadata — registerRoleConnectionMetadata(),
//    run by `npm run discord:register`.
// 2. Per user, the app publishes values with that *user's* OAuth2 access token
//    (scope role_connections.write): PUT /users/@me/applications/{id}/role-connection
//    — roleConnectionFor() builds the body, pushRoleConnection() sends it.
//
// What is NOT built here, and an operator must add before (2) can run: the
// OAuth2 authorization-code flow. Discord sends a user to the app's "Linked
// Roles Verification URL"; a web endpoint must redirect them to Discord's
// authorize page (scopes identify + role_connections.write), take the code on
// the redirect URI, exchange it with the client secret for access and refresh
// tokens, store the tokens per member, refresh them before they expire, and
// call pushRoleConnection whenever the member's points or tier change (the
// tier-role outbox row is the natural trigger). Steward has no HTTP endpoint
// for that flow and no table for OAuth tokens yet, so none of it runs today:
// registering the metadata is harmless, and servers simply see no values
// until the flow exists.
import { ApplicationRoleConnectionMetadataType, REST, Routes, type APIApplicationRoleConnectionMetadata } from "discord.js";
import { discordAgent } from "./agent.ts";
import type { App } from "../../app.ts";
import type { Pack } from "../../domain/pack.ts";

/** The metadata fields servers can gate roles on. Keys are stable: servers' role settings refer to them. */
export function roleConnectionMetadata(pack: Pack): APIApplicationRoleConnectionMetadata[] {
  const ladder = pack.partner.tiers.map((t, i) => `${i} ${t.name}`).join(", ");
  return [
    {
      type: ApplicationRoleConnectionMetadataType.IntegerGreaterThanOrEqual,
      key: "points",
      name: "Partner points",
      description: `Points in ${pack.partner.name}`.slice(0, 200),
    },
    {
      type: ApplicationRoleConnectionMetadataType.IntegerGreaterThanOrEqual,
      key: "tier_level",
      name: "Partner tier level",
      description: `Tier level: ${ladder}`.slice(0, 200),
    },
  ];
}

export async function registerRoleConnectionMetadata(rest: REST, applicationId: string, pack: Pack): Promise<APIApplicationRoleConnectionMetadata[]> {
  return (await rest.put(Routes.applicationRoleConnectionMetadata(applicationId), { body: roleConnectionMetadata(pack) })) as APIApplicationRoleConnectionMetadata[];
}

export interface RoleConnectionBody {
  platform_name: string;
  platform_username: string;
  metadata: Record<string, string>;
}

/** The member's points and tier as Discord wants them (values are strings; integers compare numerically). */
export function roleConnectionBody(pack: Pack, member: { handle: string }, balance: { points: number; tier: string }): RoleConnectionBody {
  const level = Math.max(0, pack.partner.tiers.findIndex((t) => t.id === balance.tier));
  return {
    platform_name: pack.partner.name.slice(0, 50),
    platform_username: member.handle.slice(0, 100),
    metadata: { points: String(Math.max(0, balance.points)), tier_level: String(level) },
  };
}

export async function roleConnectionFor(app: App, memberId: string): Promise<RoleConnectionBody> {
  const member = await app.db.member.findUniqueOrThrow({ where: { id: memberId }, include: { balance: true } });
  return roleConnectionBody(app.pack, member, member.balance ?? { points: 0, tier: app.pack.partner.tiers[0]?.id ?? "" });
}

/** Publishes one member's values with their OAuth2 access token (role_connections.write). */
export async function pushRoleConnection(options: { api?: string; applicationId: string; userAccessToken: string }, body: RoleConnectionBody): Promise<void> {
  const rest = new REST({ authPrefix: "Bearer", agent: discordAgent, ...(options.api ? { api: options.api } : {}) }).setToken(options.userAccessToken);
  await rest.put(Routes.userApplicationRoleConnection(options.applicationId), { body });
}
