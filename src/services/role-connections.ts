// Discord Linked Roles, the stored half: a member's OAuth2 tokens, sealed
// with STEWARD_SECRET (see sealed.ts), and the outbox row that pushes their
// points and tier to Discord again after a tier change. The HTTP half (the
// OAuth2 flow and the pushes) is the Discord adapter's linked-roles.ts.
import type { App } from "../app.ts";
import type { Tx } from "../store/client.ts";
import { enqueue } from "./outbox.ts";
import { sealer, type Sealer } from "./sealed.ts";
import { transaction } from "../store/transaction.ts";

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scope: string;
}

export interface RoleConnection extends OAuthTokens {
  memberId: string;
  discordUserId: string;
}

function tokenSealer(app: App): Sealer {
  const secret = app.config.STEWARD_SECRET;
  if (!secret) throw new Error("Linked Roles needs STEWARD_SECRET to seal OAuth2 tokens");
  return sealer(secret, "discord-oauth-tokens");
}

/** Stores (or replaces) the member's tokens; a Discord account linked to another member before moves here. */
export async function saveRoleConnection(app: App, memberId: string, discordUserId: string, tokens: OAuthTokens): Promise<void> {
  const box = tokenSealer(app);
  const sealed = {
    discordUserId,
    accessToken: box.seal(tokens.accessToken, memberId),
    refreshToken: box.seal(tokens.refreshToken, memberId),
    expiresAt: tokens.expiresAt,
    scope: tokens.scope,
  };
  await transaction(app, async (tx) => {
    await tx.discordRoleConnection.deleteMany({ where: { discordUserId, memberId: { not: memberId } } });
    await tx.discordRoleConnection.upsert({ where: { memberId }, create: { memberId, ...sealed }, update: sealed });
  });
}

export async function roleConnectionOf(app: App, memberId: string): Promise<RoleConnection | undefined> {
  const row = await app.db.discordRoleConnection.findUnique({ where: { memberId } });
  if (!row) return undefined;
  const box = tokenSealer(app);
  return {
    memberId,
    discordUserId: row.discordUserId,
    accessToken: box.open(row.accessToken, memberId),
    refreshToken: box.open(row.refreshToken, memberId),
    expiresAt: row.expiresAt,
    scope: row.scope,
  };
}

export async function markPushed(app: App, memberId: string): Promise<void> {
  await app.db.discordRoleConnection.updateMany({ where: { memberId }, data: { pushedAt: app.now() } });
}

/** The member took Steward's access back on Discord (a refresh was refused): nothing can be pushed any more. */
export async function forgetRoleConnection(app: App, memberId: string): Promise<void> {
  await app.db.discordRoleConnection.deleteMany({ where: { memberId } });
}

/** In the transaction that changed the member's tier: a push for members who linked, once per change (the dedupe key). */
export async function enqueueRoleConnection(app: App, tx: Tx, memberId: string, dedupeKey: string): Promise<void> {
  const linked = await tx.discordRoleConnection.findUnique({ where: { memberId }, select: { memberId: true } });
  if (linked) await enqueue(tx, { kind: "role-connection", memberId }, { now: app.now(), dedupeKey });
}
