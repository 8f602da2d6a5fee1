// Badges held by members. Granting twice, or revoking one not held, changes
// nothing. Chat roles follow through the outbox; badges the pack shows only
// in the forum (Velo Masters) never become a chat role, and go to the forum
// where the pack maps them to a Discourse badge.
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { BadgeDef } from "../domain/pack.ts";
import type { Tx } from "../store/client.ts";
import { enqueue } from "./outbox.ts";

function badgeDef(app: App, badge: string) {
  const def = app.pack.badges.find((b) => b.id === badge);
  if (!def) throw new Error(`Unknown badge ${badge}`);
  return def;
}

export async function grantBadge(app: App, tx: Tx, memberId: string, badge: string, actor: string, reason: string): Promise<boolean> {
  const def = badgeDef(app, badge);
  const held = await tx.badge.findFirst({ where: { memberId, badge, revokedAt: null } });
  if (held) return false;
  const row = await tx.badge.create({ data: { memberId, badge, grantedBy: actor, reason } });
  if (def.shownIn === "chat" || def.discourseBadgeId) await enqueue(tx, { kind: "badge-grant", memberId, badge }, { now: app.now(), dedupeKey: `badge:${row.id}:grant` });
  await enqueue(tx, { kind: "dm", memberId, reply: reply(fillTemplate(app.pack.partner.templates.badgeGrantedDm, { badge: def.name, reason })) }, { now: app.now(), dedupeKey: `badge:${row.id}:grant:dm` });
  return true;
}

export async function revokeBadge(app: App, tx: Tx, memberId: string, badge: string, actor: string, reason: string): Promise<boolean> {
  const def = badgeDef(app, badge);
  const held = await tx.badge.findFirst({ where: { memberId, badge, revokedAt: null } });
  if (!held) return false;
  await tx.badge.update({ where: { id: held.id }, data: { revokedAt: app.now(), revokedBy: actor, reason } });
  if (def.shownIn === "chat" || def.discourseBadgeId) await enqueue(tx, { kind: "badge-revoke", memberId, badge, reason }, { now: app.now(), dedupeKey: `badge:${held.id}:revoke` });
  await enqueue(tx, { kind: "dm", memberId, reply: reply(fillTemplate(app.pack.partner.templates.badgeRevokedDm, { badge: def.name, reason })) }, { now: app.now(), dedupeKey: `badge:${held.id}:revoke:dm` });
  return true;
}

/** Where a badge is shown, as /badges and /program say it. */
export function badgePlace(def: BadgeDef): string {
  if (def.shownIn === "forum") return "forum only, never a chat role";
  const places = [def.slackUserGroup ? `Slack user group ${def.slackUserGroup}` : "", def.discordRole ? `Discord role ${def.discordRole}` : ""].filter(Boolean);
  return places.length ? places.join(", ") : "chat (recorded; no role or user group set in the pack)";
}

/** The badges a member holds, with when each was granted, in the pack's order. */
export async function heldBadges(app: App, memberId: string): Promise<Array<{ def: BadgeDef; grantedAt: Date }>> {
  const rows = await app.db.badge.findMany({ where: { memberId, revokedAt: null }, select: { badge: true, grantedAt: true } });
  const since = new Map(rows.map((r) => [r.badge, r.grantedAt]));
  return app.pack.badges.flatMap((def) => {
    const grantedAt = since.get(def.id);
    return grantedAt ? [{ def, grantedAt }] : [];
  });
}
