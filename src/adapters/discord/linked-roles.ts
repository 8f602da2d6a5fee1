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
// 3. The OAuth2 authorization-code flow that gets that token: Discord sends a
//    member to the app's Linked Roles Verification URL (/discord/linked-role,
//    routes in linked-role-routes.ts), which redirects to Discord's authorize
//    page with a signed state; the redirect URI (/discord/oauth-callback)
//    exchanges the code, links the Discord account to its member, stores the
//    tokens sealed and pushes the member's values. After that, every tier
//    change writes a `role-connection` outbox row that the Discord target
//    delivers with pushLinkedRole(), refreshing the token when it expired.
//
// The OAuth2 calls are plain fetch: the libraries that wrap Discord's OAuth2
// (arctic, discord-oauth2) hard-code discord.com, and the API base must follow
// DISCORD_API_URL so a proxy, or the tests' fake, receives them.
import { ApplicationRoleConnectionMetadataType, REST, Routes, type APIApplicationRoleConnectionMetadata } from "discord.js";
import { discordAgent } from "./agent.ts";
import type { App } from "../../app.ts";
import type { Pack } from "../../domain/pack.ts";
import { ensureMember } from "../../services/members.ts";
import { forgetRoleConnection, markPushed, roleConnectionOf, saveRoleConnection, type OAuthTokens } from "../../services/role-connections.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryResult } from "../../jobs/target.ts";

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

export const LINKED_ROLE_SCOPES = "role_connections.write identify";
const DEFAULT_API = "https://discord.com/api";
/** A token this close to expiring is refreshed before use. */
const REFRESH_MARGIN_MS = 60_000;

export interface LinkedRolesConfig {
  clientId: string;
  clientSecret: string;
  /** REST base without the version, e.g. https://discord.com/api. */
  api: string;
  redirectUri: string;
}

/** On when DISCORD_CLIENT_SECRET is set (config.ts then requires the application id and the public URL). */
export function linkedRolesConfig(app: App): LinkedRolesConfig | undefined {
  const c = app.config;
  if (!c.DISCORD_CLIENT_SECRET || !c.DISCORD_APPLICATION_ID || !c.STEWARD_PUBLIC_URL) return undefined;
  return {
    clientId: c.DISCORD_APPLICATION_ID,
    clientSecret: c.DISCORD_CLIENT_SECRET,
    api: (c.DISCORD_API_URL ?? DEFAULT_API).replace(/\/+$/, ""),
    redirectUri: `${c.STEWARD_PUBLIC_URL.replace(/\/+$/, "")}/discord/oauth-callback`,
  };
}

/** Discord's authorize page: on the API host, at /oauth2/authorize (discord.com/oauth2/authorize in production). */
export function authorizeUrl(cfg: LinkedRolesConfig, state: string): string {
  const url = new URL("/oauth2/authorize", cfg.api);
  url.search = new URLSearchParams({ client_id: cfg.clientId, redirect_uri: cfg.redirectUri, response_type: "code", scope: LINKED_ROLE_SCOPES, state, prompt: "consent" }).toString();
  return url.toString();
}

/** Discord refused a grant (a bad or used code, a revoked refresh token): asking again will not help. */
export class GrantRefusedError extends Error {
  override name = "GrantRefusedError";
}

async function tokenRequest(app: App, cfg: LinkedRolesConfig, grant: Record<string, string>): Promise<OAuthTokens> {
  const res = await fetch(`${cfg.api}/v10/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({ client_id: cfg.clientId, client_secret: cfg.clientSecret, ...grant }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  // Discord's error body names the grant problem (invalid_grant); it never echoes a token, but only the code is kept.
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; scope?: string; error?: string };
  if (res.status === 400 || res.status === 401) throw new GrantRefusedError(`Discord refused the ${grant.grant_type} grant: ${String(body.error ?? res.status)}`);
  if (res.status === 429) throw new RateLimitedError(Math.ceil(Number(res.headers.get("retry-after") ?? "5") * 1000));
  if (!res.ok || !body.access_token || !body.refresh_token || !Number.isFinite(body.expires_in)) throw new Error(`Discord's token endpoint answered ${res.status} without tokens`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(app.now().getTime() + Number(body.expires_in) * 1000), scope: body.scope ?? "" };
}

export function exchangeCode(app: App, cfg: LinkedRolesConfig, code: string): Promise<OAuthTokens> {
  return tokenRequest(app, cfg, { grant_type: "authorization_code", code, redirect_uri: cfg.redirectUri });
}

export function refreshTokens(app: App, cfg: LinkedRolesConfig, refreshToken: string): Promise<OAuthTokens> {
  return tokenRequest(app, cfg, { grant_type: "refresh_token", refresh_token: refreshToken });
}

export async function currentUser(cfg: LinkedRolesConfig, accessToken: string): Promise<{ id: string; username: string; global_name?: string | null }> {
  const rest = new REST({ authPrefix: "Bearer", api: cfg.api }).setToken(accessToken);
  return (await rest.get(Routes.user())) as { id: string; username: string; global_name?: string | null };
}

/** The callback's work once the state checked out: tokens for the code, the member behind the Discord account, their values pushed. */
export async function linkDiscordAccount(app: App, cfg: LinkedRolesConfig, code: string): Promise<{ memberId: string; handle: string }> {
  const tokens = await exchangeCode(app, cfg, code);
  const user = await currentUser(cfg, tokens.accessToken);
  const member = await ensureMember(app, "discord", user.id, user.global_name || user.username);
  await saveRoleConnection(app, member.id, user.id, tokens);
  await pushRoleConnection({ api: cfg.api, applicationId: cfg.clientId, userAccessToken: tokens.accessToken }, await roleConnectionFor(app, member.id));
  await markPushed(app, member.id);
  return { memberId: member.id, handle: member.handle };
}

/** The Discord target's delivery of a `role-connection` row: the member's current values, with a fresh token. */
export async function pushLinkedRole(app: App, memberId: string): Promise<DeliveryResult> {
  const cfg = linkedRolesConfig(app);
  const connection = await roleConnectionOf(app, memberId);
  if (!cfg || !connection) return "skipped";
  let accessToken = connection.accessToken;
  if (connection.expiresAt.getTime() - REFRESH_MARGIN_MS <= app.now().getTime()) {
    try {
      const fresh = await refreshTokens(app, cfg, connection.refreshToken);
      await saveRoleConnection(app, memberId, connection.discordUserId, fresh);
      accessToken = fresh.accessToken;
    } catch (err) {
      if (!(err instanceof GrantRefusedError)) throw err;
      // The member removed Steward from their authorised apps: the link is gone, and so is the row.
      await forgetRoleConnection(app, memberId);
      throw new PermanentDeliveryError(`${err.message}; the member must link again from Discord`);
    }
  }
  await pushRoleConnection({ api: cfg.api, applicationId: cfg.clientId, userAccessToken: accessToken }, await roleConnectionFor(app, memberId));
  await markPushed(app, memberId);
  return "delivered";
}
