// One person, one member: /link gives a one-time code to the account that
// asks, and /link code:<code> typed by another account joins the two members.
// Issuing proves the first account, entering proves the second, so nobody can
// join an account they do not hold.
//
// The merged member is deleted, not kept as a tombstone: every row that was
// theirs moves to the survivor first (the merge refuses what it cannot move
// without guessing), so nothing could point at a tombstone, and every query
// that lists members (leaderboards, reports, reminders) would otherwise have
// to learn to skip it. What remains of them is a member_merges row: their id,
// their handle (which still names the survivor in commands) and what moved.
import { createHash, randomInt } from "node:crypto";
import type { App } from "../app.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import type { Texts } from "../domain/pack.ts";
import { CLAIMING_STATES } from "../domain/sites.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { Tx } from "../store/client.ts";
import { isForeignKeyViolation, transaction } from "../store/transaction.ts";
import { audit, auditDenied } from "./audit.ts";
import { applyTier, reversalEntry } from "./ledger.ts";
import type { MemberRef } from "./members.ts";
import { enqueue } from "./outbox.ts";

export const CODE_TTL_MS = 10 * 60 * 1000;
const MAX_WRONG_CODES = 5;
const WRONG_CODE_WINDOW_MS = 10 * 60 * 1000;

// Crockford's base32: no I, L, O or U, so a code read aloud or retyped survives; 8 characters are 40 random bits.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 8;

/** The code as Crockford's base32 reads it: case, spaces and dashes ignored, O as 0, I and L as 1. */
function normalizeCode(raw: string): string | undefined {
  const code = raw.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return code.length === CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

// A plain hash is enough: a code lives ten minutes and five wrong guesses lock the guesser out, so
// even a leaked table is worth nothing by the time 40 bits were searched.
function hashCode(code: string): string {
  return createHash("sha256").update(`steward-link-code:${code}`).digest("hex");
}

function utcTime(d: Date): string {
  return `${d.toISOString().slice(11, 16)} UTC`;
}

/** /link: a new code for the asker's member; an earlier unused one stops working. */
export async function issueLinkCode(app: App, actor: Actor): Promise<{ code: string; expiresAt: Date }> {
  const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  const expiresAt = new Date(app.now().getTime() + CODE_TTL_MS);
  await transaction(app, async (tx) => {
    await tx.linkCode.deleteMany({ where: { memberId: actor.memberId, usedAt: null } });
    await tx.linkCode.create({ data: { memberId: actor.memberId, codeHash: hashCode(code), expiresAt, createdAt: app.now() } });
    await audit(tx, actor, "link code issued", actor.memberId, { platform: actor.platform, expiresAt: expiresAt.toISOString() });
  });
  return { code: `${code.slice(0, 4)}-${code.slice(4)}`, expiresAt };
}

export interface MergeOutcome {
  survivor: MemberRef;
  mergedHandle: string;
  points: number;
  /** The code had already joined these two accounts (the same code sent twice). */
  already: boolean;
}

type Refusal = { refused: "wrong" | "used" | "expired" };

/** /link code:<code>: joins the code's member and the asker's member, once both accounts are proven. */
export async function redeemLinkCode(app: App, actor: Actor, raw: string): Promise<MergeOutcome> {
  const code = normalizeCode(raw);
  // The attempt is written before the count, so guesses sent all at once count each other. The same code sent
  // several times at once is one guess (it carries the code's hash while pending): a right code is never counted
  // against itself, and repeating one wrong code gains a guesser nothing.
  const pending = `pending:${code ? hashCode(code) : "malformed"}`;
  const { memberId, attempt } = await recordAttempt(app, actor, pending);
  const since = new Date(app.now().getTime() - WRONG_CODE_WINDOW_MS);
  const recent = await app.db.linkCodeAttempt.findMany({
    where: { memberId, createdAt: { gt: since }, OR: [{ id: attempt.id }, { reason: { not: pending } }] },
    orderBy: { createdAt: "asc" },
    take: MAX_WRONG_CODES + 1,
  });
  const oldest = recent[0];
  const t = app.pack.texts;
  if (recent.length > MAX_WRONG_CODES && oldest) {
    // Refused without a look at the code, and not counted: waiting out the window is enough.
    await app.db.linkCodeAttempt.deleteMany({ where: { id: attempt.id } });
    await auditDenied(app.db, actor, "link code (too many wrong codes)", {});
    throw new UserError(
      fillTemplate(t.linkCodeTooMany, {
        max: MAX_WRONG_CODES,
        minutes: WRONG_CODE_WINDOW_MS / 60000,
        time: utcTime(new Date(oldest.createdAt.getTime() + WRONG_CODE_WINDOW_MS)),
      }),
      t.linkCodeTooManyHint,
      "link.code.limit",
    );
  }
  let result: MergeOutcome | Refusal;
  try {
    result = code ? await mergeOnce(app, actor, hashCode(code)) : { refused: "wrong" };
  } catch (err) {
    // Only a wrong code counts against the asker; a merge that has to wait for a decision does not.
    await app.db.linkCodeAttempt.deleteMany({ where: { id: attempt.id } });
    if (err instanceof UserError) await auditDenied(app.db, actor, "link code", { reason: err.code, problem: err.message });
    throw err;
  }
  if ("refused" in result) {
    // updateMany: the asker's member may have been merged away meanwhile, taking the attempt with it.
    await app.db.linkCodeAttempt.updateMany({ where: { id: attempt.id }, data: { reason: result.refused } });
    await auditDenied(app.db, actor, "link code", { reason: result.refused });
    const minutes = CODE_TTL_MS / 60000;
    const why = {
      wrong: code ? t.linkCodeWrong : fillTemplate(t.linkCodeNotACode, { length: CODE_LENGTH }),
      used: t.linkCodeUsed,
      expired: fillTemplate(t.linkCodeExpired, { minutes }),
    }[result.refused];
    throw new UserError(why, fillTemplate(t.linkCodeHint, { minutes, usage: t.linkCodeUsage }), `link.code.${result.refused}`);
  }
  // The asker's member may be gone (merged away), taking the attempt with it.
  await app.db.linkCodeAttempt.deleteMany({ where: { id: attempt.id } });
  return result;
}

/**
 * The attempt, counted on the member the account belongs to now. The same code sent twice at once may
 * merge that member away while this insert waits on its lock; the insert then fails on the foreign key,
 * and the account's member is read again (the survivor). Twice is enough: a member merges away once.
 */
async function recordAttempt(app: App, actor: Actor, reason: string, tries = 2): Promise<{ memberId: string; attempt: { id: number } }> {
  const memberId = (await app.db.identity.findUnique({ where: { platform_externalId: { platform: actor.platform, externalId: actor.externalId } } }))?.memberId ?? actor.memberId;
  try {
    return { memberId, attempt: await app.db.linkCodeAttempt.create({ data: { memberId, reason, createdAt: app.now() } }) };
  } catch (err) {
    if (tries > 1 && isForeignKeyViolation(err)) return recordAttempt(app, actor, reason, tries - 1);
    throw err;
  }
}

/** Another merge took one of the two members while this one waited for their locks. */
class MembersMoved extends Error {}

/**
 * Runs the merge; when another merge moved one of the two members while this one waited (two members entering
 * each other's codes at once), it runs again from the start, so the loser hears what a later entry would.
 */
async function mergeOnce(app: App, actor: Actor, codeHash: string): Promise<MergeOutcome | Refusal> {
  try {
    return await transaction(app, (tx) => mergeByCode(app, tx, actor, codeHash));
  } catch (err) {
    if (!(err instanceof MembersMoved)) throw err;
    return transaction(app, (tx) => mergeByCode(app, tx, actor, codeHash));
  }
}

async function mergeByCode(app: App, tx: Tx, actor: Actor, codeHash: string): Promise<MergeOutcome | Refusal> {
  // The row lock orders two entries of one code: the second waits, then sees it used.
  const [row] = await tx.$queryRaw<{ id: string; member_id: string; expires_at: Date; used_at: Date | null; survivor_id: string | null }[]>`
    SELECT id, member_id, expires_at, used_at, survivor_id FROM link_codes WHERE code_hash = ${codeHash} FOR UPDATE`;
  if (!row) return { refused: "wrong" };
  // Who the asker is now: an earlier entry of this code may have merged the asker's member away.
  const me = await tx.identity.findUnique({ where: { platform_externalId: { platform: actor.platform, externalId: actor.externalId } }, include: { member: true } });
  if (row.used_at) {
    if (me && row.survivor_id === me.memberId) {
      const merge = await tx.memberMerge.findFirst({ where: { survivorId: me.memberId }, orderBy: { id: "desc" } });
      const balance = await tx.balance.findUnique({ where: { memberId: me.memberId } });
      return { survivor: me.member, mergedHandle: merge?.mergedHandle ?? me.member.handle, points: balance?.points ?? 0, already: true };
    }
    return { refused: "used" };
  }
  if (row.expires_at <= app.now()) return { refused: "expired" };
  if (!me) throw new Error(`The account ${actor.platform}:${actor.externalId} has no member`);
  if (row.member_id === me.memberId)
    throw new UserError(app.pack.texts.linkCodeOwn, app.pack.texts.linkCodeOwnHint, "link.code.own");
  const members = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM members WHERE id IN (${row.member_id}, ${me.memberId}) ORDER BY id FOR UPDATE`;
  if (members.length !== 2) throw new MembersMoved();
  const [a, b] = await tx.member.findMany({ where: { id: { in: [row.member_id, me.memberId] } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  if (!a || !b) return { refused: "used" };
  // The member who came first survives: their handle is the one the community has known longer.
  // The code moves to the survivor first, so deleting the other member does not take it along.
  await tx.linkCode.update({ where: { id: row.id }, data: { memberId: a.id, usedAt: app.now(), survivorId: a.id } });
  const outcome = await mergeMembers(app, tx, a, b);
  await audit(tx, { memberId: a.id }, "member merge", a.id, { merged: b.id, mergedHandle: b.handle, by: `${actor.platform}:${actor.externalId}`, ...outcome.moved });
  return { survivor: a, mergedHandle: b.handle, points: outcome.points, already: false };
}

/** What stops two members from becoming one without someone deciding: each with what to do about it. */
async function mergeConflicts(t: Texts, tx: Tx, a: MemberRef, b: MemberRef): Promise<string[]> {
  const problems: string[] = [];
  // Only a site both still claim is a conflict; a withdrawn or disowned row gives way to the other (mergeMembers).
  const [sitesA, sitesB] = await Promise.all([a, b].map((m) => tx.site.findMany({ where: { memberId: m.id, state: { in: [...CLAIMING_STATES] } }, select: { url: true } })));
  const urlsA = new Set(sitesA?.map((s) => s.url));
  for (const s of sitesB ?? [])
    if (urlsA.has(s.url)) problems.push(fillTemplate(t.mergeSiteConflict, { a: a.handle, b: b.handle, url: s.url }));
  const [msA, msB] = await Promise.all([a, b].map((m) => tx.membership.findMany({ where: { memberId: m.id } })));
  for (const mb of msB ?? []) {
    const ma = msA?.find((m) => m.programId === mb.programId);
    if (ma && ma.state !== mb.state)
      problems.push(fillTemplate(t.mergeMembershipConflict, { a: a.handle, stateA: ma.state, program: mb.programId, b: b.handle, stateB: mb.state }));
  }
  const [appsA, appsB] = await Promise.all([a, b].map((m) => tx.application.findMany({ where: { memberId: m.id, state: "pending" }, select: { programId: true } })));
  const pendingA = new Set(appsA?.map((x) => x.programId));
  for (const x of appsB ?? [])
    if (pendingA.has(x.programId)) problems.push(fillTemplate(t.mergeApplicationConflict, { program: x.programId }));
  const [idsA, idsB] = await Promise.all([a, b].map((m) => tx.identity.findMany({ where: { memberId: m.id, platform: { in: ["forum", "dashboard"] } } })));
  for (const ib of idsB ?? []) {
    const ia = idsA?.find((i) => i.platform === ib.platform);
    if (ia && ia.externalId !== ib.externalId)
      problems.push(fillTemplate(t.mergeAccountConflict, { a: a.handle, platform: ia.platform, idA: ia.externalId, b: b.handle, idB: ib.externalId }));
  }
  return problems;
}

/**
 * Moves everything of `b` to `a` and deletes `b`, in the caller's transaction. Tables that hold one row
 * per member and key (certifications, benefits, memberships in one state, preferences) keep the
 * survivor's row; everything else moves whole. Every member-owned table is named here:
 * test/integration/merge.test.ts fails when a table with a member_id is added and not.
 */
async function mergeMembers(app: App, tx: Tx, a: MemberRef, b: MemberRef): Promise<{ points: number; moved: Record<string, number> }> {
  const t = app.pack.texts;
  const problems = await mergeConflicts(t, tx, a, b);
  if (problems.length)
    throw new UserError(fillTemplate(t.mergeConflict, { a: a.handle, b: b.handle, problems: problems.join(" ") }), t.mergeConflictHint, "link.merge.conflict");
  const from = { memberId: b.id };
  const to = { memberId: a.id };
  const moved: Record<string, number> = {};
  const [balA, balB] = await Promise.all([tx.balance.findUnique({ where: { memberId: a.id } }), tx.balance.findUnique({ where: { memberId: b.id } })]);
  const heldForumBadges = async (memberId: string) =>
    tx.badge.findMany({ where: { memberId, revokedAt: null, badge: { in: app.pack.badges.filter((x) => x.discourseBadgeId).map((x) => x.id) } } });
  const forumA = await tx.identity.findFirst({ where: { memberId: a.id, platform: "forum" } });
  const forumB = await tx.identity.findFirst({ where: { memberId: b.id, platform: "forum" } });
  // A forum badge meets a forum account from the other member: the forum has to be told.
  const toForum = forumA && !forumB ? await heldForumBadges(b.id) : forumB && !forumA ? await heldForumBadges(a.id) : [];

  // One row per member and key: the survivor's stands, the other's is dropped.
  const dropDuplicates = async (table: "certifications" | "benefit_fulfilments" | "preferences", key: string) =>
    tx.$executeRawUnsafe(`DELETE FROM ${table} t WHERE t.member_id = $1 AND EXISTS (SELECT 1 FROM ${table} s WHERE s.member_id = $2 AND s.${key} = t.${key})`, b.id, a.id);
  // A certification pays once per person: held on both sides, the merged member's payment is reversed, saying why.
  const [certsA, certsB] = await Promise.all([a, b].map((m) => tx.certification.findMany({ where: { memberId: m.id }, select: { kind: true } })));
  const certifiedTwice = (certsB ?? []).map((c) => c.kind).filter((k) => certsA?.some((c) => c.kind === k));
  await dropDuplicates("certifications", "kind");
  await dropDuplicates("benefit_fulfilments", "benefit");
  await dropDuplicates("preferences", "key");
  // One row per member and site: a row no longer claimed gives way (its ledger entries move all the same).
  await tx.$executeRaw`
    DELETE FROM sites s WHERE s.member_id = ${a.id} AND NOT (s.state = ANY(${CLAIMING_STATES}))
      AND EXISTS (SELECT 1 FROM sites t WHERE t.member_id = ${b.id} AND t.url = s.url AND t.state = ANY(${CLAIMING_STATES}))`;
  await tx.$executeRaw`DELETE FROM sites t WHERE t.member_id = ${b.id} AND EXISTS (SELECT 1 FROM sites s WHERE s.member_id = ${a.id} AND s.url = t.url)`;
  // Same program in the same state (conflicts refused the others): one membership, from the earlier join.
  await tx.$executeRaw`
    UPDATE memberships s SET joined_at = LEAST(s.joined_at, t.joined_at)
    FROM memberships t WHERE s.member_id = ${a.id} AND t.member_id = ${b.id} AND t.program_id = s.program_id`;
  await tx.$executeRaw`DELETE FROM memberships t WHERE t.member_id = ${b.id} AND EXISTS (SELECT 1 FROM memberships s WHERE s.member_id = ${a.id} AND s.program_id = t.program_id)`;
  await tx.$executeRaw`DELETE FROM link_requests t WHERE t.member_id = ${b.id} AND EXISTS (SELECT 1 FROM link_requests s WHERE s.member_id = ${a.id} AND s.platform = t.platform)`;
  // The same forum or dashboard account on both (conflicts refused different ones): one identity.
  await tx.$executeRaw`DELETE FROM identities t WHERE t.member_id = ${b.id} AND EXISTS (SELECT 1 FROM identities s WHERE s.member_id = ${a.id} AND s.platform = t.platform AND s.external_id = t.external_id)`;
  // A badge held by both is held once: the later grant is closed, its history kept.
  moved.duplicateBadges = await tx.$executeRaw`
    UPDATE badges t SET revoked_at = ${app.now()}, revoked_by = 'merge', reason = ${`held twice: @${b.handle} joined @${a.handle}`}
    WHERE t.member_id = ${b.id} AND t.revoked_at IS NULL
      AND EXISTS (SELECT 1 FROM badges s WHERE s.member_id = ${a.id} AND s.badge = t.badge AND s.revoked_at IS NULL)`;

  moved.entries = (await tx.ledgerEntry.updateMany({ where: from, data: to })).count;
  moved.activities = (await tx.activity.updateMany({ where: from, data: to })).count;
  moved.sites = (await tx.site.updateMany({ where: from, data: to })).count;
  moved.memberships = (await tx.membership.updateMany({ where: from, data: to })).count;
  moved.applications = (await tx.application.updateMany({ where: from, data: to })).count;
  moved.badges = (await tx.badge.updateMany({ where: from, data: to })).count;
  moved.disputes = (await tx.pointsDispute.updateMany({ where: from, data: to })).count;
  moved.identities = (await tx.identity.updateMany({ where: from, data: to })).count;
  moved.certifications = (await tx.certification.updateMany({ where: from, data: to })).count;
  moved.pauses = (await tx.pause.updateMany({ where: from, data: to })).count;
  moved.fulfilments = (await tx.benefitFulfilment.updateMany({ where: from, data: to })).count;
  moved.preferences = (await tx.preference.updateMany({ where: from, data: to })).count;
  moved.linkRequests = (await tx.linkRequest.updateMany({ where: from, data: to })).count;
  moved.outbox = (await tx.outboxMessage.updateMany({ where: from, data: to })).count;
  moved.inboundEvents = (await tx.inboundEvent.updateMany({ where: from, data: to })).count;
  moved.duplicateCertifications = 0;
  for (const kind of certifiedTwice) {
    const label = app.pack.partner.certifications[kind]?.label ?? kind;
    // The second payment, moved to the survivor above, is taken back.
    const reversal = await reversalEntry(tx, `cert:${b.id}:${kind}`, `${label} pays once per person: @${b.handle} joined @${a.handle}, who had it already`, "merge");
    if (!reversal) continue;
    // Written straight to the ledger: the balance below is summed from it, with the tier rules applied once.
    await tx.ledgerEntry.create({ data: { ...reversal, createdAt: app.now() } });
    moved.duplicateCertifications++;
  }
  // The partner report's history of tier moves follows the person.
  await tx.tierChange.updateMany({ where: from, data: to });
  // One Linked Roles connection per member: the survivor's own stays, else the merged account's moves over.
  if (!(await tx.discordRoleConnection.findUnique({ where: { memberId: a.id }, select: { memberId: true } })))
    await tx.discordRoleConnection.updateMany({ where: from, data: to });
  else await tx.discordRoleConnection.deleteMany({ where: from });
  // Dashboard sign-ins stay valid: they re-check the account's moderator status, and the account is the survivor's now.
  await tx.dashboardLink.updateMany({ where: from, data: to });
  await tx.dashboardSession.updateMany({ where: from, data: to });
  await tx.memberMerge.updateMany({ where: { survivorId: b.id }, data: { survivorId: a.id } });
  // The merged member's own codes and wrong guesses go with it (cascade).

  // The balance is the sum of the entries, from the ledger itself rather than by adding two balances.
  const sum = await tx.ledgerEntry.aggregate({ where: to, _sum: { delta: true } });
  const points = sum._sum.delta ?? 0;
  const tiers = app.pack.partner.tiers.map((t) => t.id);
  const rank = (bal: typeof balA) => (bal ? tiers.indexOf(bal.tier) : -1);
  // The higher of the two tiers is held: neither account loses a standing it had.
  const held = rank(balB) > rank(balA) ? balB : balA;
  await tx.member.delete({ where: { id: b.id } });
  await tx.balance.upsert({
    where: { memberId: a.id },
    create: { memberId: a.id, points, tier: held?.tier ?? tiers[0] ?? "none", tierSince: held?.tierSince ?? app.now(), atRiskSince: held?.atRiskSince ?? null },
    update: { points, tier: held?.tier ?? tiers[0] ?? "none", tierSince: held?.tierSince ?? app.now(), atRiskSince: held?.atRiskSince ?? null },
  });
  const merge = await tx.memberMerge.create({ data: { survivorId: a.id, mergedId: b.id, mergedHandle: b.handle, moved, createdAt: app.now() } });
  await applyTier(app, tx, a.id, points, { tier: held?.tier ?? tiers[0] ?? "none", atRiskSince: held?.atRiskSince ?? null }, `merge-${merge.id}`);
  // Each platform's roles follow the joined member: the account that came from the other side may lack them.
  const final = await tx.balance.findUniqueOrThrow({ where: { memberId: a.id } });
  await enqueue(tx, { kind: "tier-role", memberId: a.id, tier: final.tier }, { now: app.now(), dedupeKey: `merge:${merge.id}:tier-role` });
  const chatBadges = new Set(app.pack.badges.filter((x) => x.shownIn === "chat").map((x) => x.id));
  for (const badge of await tx.badge.findMany({ where: { memberId: a.id, revokedAt: null } }))
    if (chatBadges.has(badge.badge)) await enqueue(tx, { kind: "badge-grant", memberId: a.id, badge: badge.badge }, { now: app.now(), dedupeKey: `merge:${merge.id}:badge:${badge.id}` });
  const forum = forumA ?? forumB;
  for (const badge of toForum)
    if (forum) await enqueue(tx, { kind: "badge-grant", memberId: a.id, badge: badge.badge }, { now: app.now(), dedupeKey: `badge:${badge.id}:grant:forum:${forum.id}` });
  return { points, moved };
}

/** Members joined into this one, newest first: what a moderator sees under /points. */
export async function mergesInto(app: App, memberId: string): Promise<{ handle: string; at: Date; moved: Record<string, number> }[]> {
  const rows = await app.db.memberMerge.findMany({ where: { survivorId: memberId }, orderBy: { id: "desc" }, take: 20 });
  return rows.map((r) => ({ handle: r.mergedHandle, at: r.createdAt, moved: r.moved as Record<string, number> }));
}
