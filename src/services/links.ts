// A member's accounts outside chat: their forum username and their partner
// dashboard id. Linking credits what waited for it (forum posts held within
// the backdating limit, dashboard events held for the id) and sends forum
// badges the member already holds to the forum.
//
// Only moderators link directly. A member asking for their own link makes a
// request that a moderator confirms: nothing proves that the person typing
// holds that forum account or dashboard id, and the link would credit that
// account's answers, sites and points to them.
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { PermissionError, UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { DASHBOARD_ID } from "../domain/partner-dashboard.ts";
import { forumUsername } from "../domain/forum.ts";
import type { Texts } from "../domain/pack.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { Tx } from "../store/client.ts";
import { transaction } from "../store/transaction.ts";
import { audit, auditDenied } from "./audit.ts";
import { applyHeldPartnerEvents } from "./partner-events.ts";
import { creditHeldForum, type InboundOutcome } from "./forum.ts";
import { resolveMember, type MemberRef } from "./members.ts";
import { enqueue } from "./outbox.ts";

export const LINKED_PLATFORMS = ["forum", "dashboard"] as const;
export type LinkedPlatform = (typeof LINKED_PLATFORMS)[number];

/** What the texts call an account of the platform: "forum user", "dashboard id". */
export function linkedAccountLabel(texts: Texts, platform: LinkedPlatform): string {
  return platform === "forum" ? texts.linkForumLabel : texts.linkDashboardLabel;
}

/** The /link option for the platform, as typed: the texts' {account}. */
function accountOption(platform: string): string {
  return `${platform}:<${platform === "forum" ? "username" : "id"}>`;
}

export function accountId(app: App, platform: LinkedPlatform, raw: string): string {
  const t = app.pack.texts;
  const id = platform === "forum" ? forumUsername(raw) : raw.trim();
  const ok = platform === "forum" ? /^[\p{L}\p{N}_.-]{1,60}$/u.test(id) : DASHBOARD_ID.test(id);
  if (!ok)
    throw new UserError(
      fillTemplate(platform === "forum" ? t.linkNotAForumUser : t.linkNotADashboardId, { raw: raw.slice(0, 60) }),
      fillTemplate(t.linkUsage, { account: accountOption(platform) }),
      "link.id",
    );
  return id;
}

export interface LinkOutcome {
  member: MemberRef;
  platform: LinkedPlatform;
  externalId: string;
  /** "linked" by a moderator, or "requested" by the member for a moderator to confirm. */
  state: "linked" | "requested";
  credited: InboundOutcome[];
}

/** /link forum:<username> [member], /link dashboard:<id> [member]. */
export async function link(app: App, actor: Actor, platform: LinkedPlatform, raw: string, memberRef?: string): Promise<LinkOutcome> {
  const externalId = accountId(app, platform, raw);
  if (memberRef && !actor.isModerator) {
    await auditDenied(app.db, actor, `link another member's ${platform} account`, { member: memberRef, externalId });
    throw new PermissionError(fillTemplate(app.pack.texts.linkOthersForbidden, { account: accountOption(platform) }));
  }
  const member: MemberRef = memberRef ? await resolveMember(app, memberRef) : { id: actor.memberId, handle: actor.handle, displayName: actor.displayName };
  if (!actor.isModerator) return requestLink(app, actor, member, platform, externalId);
  const again = await owner(app.db, platform, externalId);
  if (again?.memberId === member.id && platform === "dashboard") {
    // Linked already: events still held for it (one failed while it was linked) are applied now.
    const credited = await applyHeldPartnerEvents(app, externalId);
    if (credited.length) return { member, platform, externalId, state: "linked", credited };
  }
  const credited = await transaction(app, async (tx) => {
    const credited = await linkInTx(app, tx, member.id, platform, externalId);
    await audit(tx, actor, `link ${platform}`, member.id, { externalId, credited: credited.filter((c) => c.status === "applied").length });
    return credited;
  });
  if (platform === "dashboard") credited.push(...(await applyHeldPartnerEvents(app, externalId)));
  return { member, platform, externalId, state: "linked", credited };
}

async function owner(tx: Tx | App["db"], platform: LinkedPlatform, externalId: string) {
  return tx.identity.findUnique({ where: { platform_externalId: { platform, externalId } }, include: { member: { select: { handle: true } } } });
}

/**
 * Links the account in the caller's transaction (a moderator's /link, an
 * approved application's answer) and credits held forum posts with it. Held
 * dashboard events need applyHeldPartnerEvents after the commit: the site
 * services run their own transactions.
 */
export async function linkInTx(app: App, tx: Tx, memberId: string, platform: LinkedPlatform, externalId: string): Promise<InboundOutcome[]> {
  const t = app.pack.texts;
  const taken = await owner(tx, platform, externalId);
  if (taken?.memberId === memberId)
    throw new UserError(fillTemplate(t.linkAlreadyTheirs, { handle: taken.member.handle, label: linkedAccountLabel(t, platform), id: externalId }), undefined, "link.same");
  if (taken)
    throw new UserError(
      fillTemplate(t.linkTakenBy, { label: linkedAccountLabel(t, platform), id: externalId, handle: taken.member.handle }),
      fillTemplate(t.linkTakenByHint, { platform, handle: taken.member.handle }),
      "link.taken",
    );
  const mine = await tx.identity.findFirst({ where: { memberId, platform } });
  if (mine) throw new UserError(fillTemplate(t.linkHasOther, { label: linkedAccountLabel(t, platform), id: mine.externalId }), fillTemplate(t.linkHasHint, { platform }), "link.has");
  // The unique (platform, external id) key decides a race between two moderators.
  const identity = await tx.identity.create({ data: { platform, externalId, memberId, createdAt: app.now() } });
  await tx.linkRequest.deleteMany({ where: { memberId, platform } });
  if (platform !== "forum") return [];
  const forumBadges = app.pack.badges.filter((b) => b.discourseBadgeId);
  const held = await tx.badge.findMany({ where: { memberId, revokedAt: null, badge: { in: forumBadges.map((b) => b.id) } } });
  for (const b of held)
    await enqueue(tx, { kind: "badge-grant", memberId, badge: b.badge }, { now: app.now(), dedupeKey: `badge:${b.id}:grant:forum:${identity.id}` });
  return creditHeldForum(app, tx, externalId);
}

async function requestLink(app: App, actor: Actor, member: MemberRef, platform: LinkedPlatform, externalId: string): Promise<LinkOutcome> {
  const t = app.pack.texts;
  const taken = await owner(app.db, platform, externalId);
  if (taken?.memberId === member.id) throw new UserError(fillTemplate(t.linkAlreadyYours, { label: linkedAccountLabel(t, platform), id: externalId }), undefined, "link.same");
  if (taken) throw new UserError(fillTemplate(t.linkTaken, { label: linkedAccountLabel(t, platform), id: externalId }), t.linkTakenHint, "link.taken");
  await transaction(app, async (tx) => {
    const mine = await tx.identity.findFirst({ where: { memberId: member.id, platform } });
    if (mine) throw new UserError(fillTemplate(t.linkAlreadyYours, { label: linkedAccountLabel(t, platform), id: mine.externalId }), fillTemplate(t.linkHasHint, { platform }), "link.has");
    const request = await tx.linkRequest.upsert({
      where: { memberId_platform: { memberId: member.id, platform } },
      create: { memberId: member.id, platform, externalId, createdAt: app.now() },
      update: { externalId, createdAt: app.now() },
    });
    await enqueue(
      tx,
      { kind: "post", channel: "moderators", reply: reply(fillTemplate(t.linkRequestPost, { handle: member.handle, label: linkedAccountLabel(t, platform), id: externalId, platform })) },
      { now: app.now(), dedupeKey: `link-request:${request.id}:${externalId}` },
    );
    await audit(tx, actor, `link ${platform} request`, member.id, { externalId });
  });
  return { member, platform, externalId, state: "requested", credited: [] };
}

/** /unlink <platform> [member]: later forum posts and dashboard events for that account are held again. */
export async function unlink(app: App, actor: Actor, platform: string, memberRef?: string): Promise<{ member: MemberRef; externalId: string }> {
  const t = app.pack.texts;
  if (!(LINKED_PLATFORMS as readonly string[]).includes(platform))
    throw new UserError(fillTemplate(t.unlinkUnknownPlatform, { platform: platform.slice(0, 40) }), t.unlinkUsage, "unlink.platform");
  if (memberRef && !actor.isModerator) {
    await auditDenied(app.db, actor, `unlink another member's ${platform} account`, { member: memberRef });
    throw new PermissionError(fillTemplate(t.unlinkOthersForbidden, { platform }));
  }
  const member: MemberRef = memberRef ? await resolveMember(app, memberRef) : { id: actor.memberId, handle: actor.handle, displayName: actor.displayName };
  const externalId = await transaction(app, async (tx) => {
    const identity = await tx.identity.findFirst({ where: { memberId: member.id, platform } });
    const request = await tx.linkRequest.findUnique({ where: { memberId_platform: { memberId: member.id, platform } } });
    if (!identity && !request)
      throw new UserError(fillTemplate(t.unlinkNone, { handle: member.handle, platform }), fillTemplate(t.unlinkNoneHint, { account: accountOption(platform) }), "unlink.none");
    if (identity) await tx.identity.delete({ where: { id: identity.id } });
    if (request) await tx.linkRequest.delete({ where: { id: request.id } });
    const externalId = identity?.externalId ?? request?.externalId ?? "";
    await audit(tx, actor, `unlink ${platform}`, member.id, { externalId, request: !identity });
    return externalId;
  });
  return { member, externalId };
}

export interface PendingLinks {
  requests: { handle: string; platform: string; externalId: string; createdAt: Date }[];
  /** Events waiting for an account to be linked, per account. */
  held: { source: string; subject: string; count: number; first: Date; types: string[] }[];
}

/** /link pending: what moderators have to decide or link. */
export async function pendingLinks(app: App): Promise<PendingLinks> {
  const [requests, held] = await Promise.all([
    app.db.linkRequest.findMany({ orderBy: { createdAt: "asc" }, take: 100, include: { member: { select: { handle: true } } } }),
    app.db.inboundEvent.groupBy({ by: ["source", "subject", "type"], where: { status: "held" }, _count: { _all: true }, _min: { createdAt: true } }),
  ]);
  const bySubject = new Map<string, PendingLinks["held"][number]>();
  for (const h of held) {
    const source = h.source === "forum" ? "forum" : "dashboard";
    const key = `${source}:${h.subject}`;
    const entry = bySubject.get(key) ?? { source, subject: h.subject, count: 0, first: h._min.createdAt ?? new Date(0), types: [] };
    entry.count += h._count._all;
    if (h._min.createdAt && h._min.createdAt < entry.first) entry.first = h._min.createdAt;
    entry.types.push(h.type);
    bySubject.set(key, entry);
  }
  return {
    requests: requests.map((r) => ({ handle: r.member.handle, platform: r.platform, externalId: r.externalId, createdAt: r.createdAt })),
    held: [...bySubject.values()].sort((a, b) => a.first.getTime() - b.first.getTime()).slice(0, 100),
  };
}
