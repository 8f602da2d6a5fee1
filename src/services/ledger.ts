// Posting to the points ledger: one entry (or none, when its idempotency key
// was seen), the materialised balance moved by the same amount in the same
// transaction, and whatever the tier change implies written to the outbox.
import type { App } from "../app.ts";
import { tierCard, tierCardAlt } from "../chat/pictures/tier-card.ts";
import { reply, type Block, type ImageBlock } from "../chat/reply.ts";
import { MAX_BALANCE, MAX_ENTRY, reversalOf } from "../domain/ledger.ts";
import { UserError } from "../core/errors.ts";
import { siteLossCause } from "../domain/sites.ts";
import { fillTemplate } from "../domain/templates.ts";
import { badgesFor, badgesLost, benefitsGained, decideTier, demotionCutoff, tierById, type TierEvent } from "../domain/partner.ts";
import type { Tx } from "../store/client.ts";
import { grantBadge, revokeBadge } from "./badges.ts";
import { enqueue, type OutboxMessage } from "./outbox.ts";
import { enqueueRoleConnection } from "./role-connections.ts";
import { transaction } from "../store/transaction.ts";

export interface NewEntry {
  memberId: string;
  delta: number;
  kind: string;
  reason: string;
  actor: string;
  reference?: string | null;
  reversesId?: number | null;
  idempotencyKey: string;
}

export interface Posted {
  entryId: number | null;
  points: number;
  events: TierEvent[];
}

/** Appends an entry unless its key was used before; returns the balance after. */
export async function postEntry(app: App, tx: Tx, entry: NewEntry): Promise<Posted> {
  if (!Number.isSafeInteger(entry.delta) || Math.abs(entry.delta) > MAX_ENTRY) throw new Error(`A ledger entry of ${entry.delta} points is beyond ±${MAX_ENTRY}`);
  const inserted = await tx.$queryRaw<{ id: number }[]>`
    INSERT INTO ledger_entries (member_id, delta, kind, reason, actor, reference, reverses_id, idempotency_key, created_at)
    VALUES (${entry.memberId}, ${entry.delta}, ${entry.kind}, ${entry.reason}, ${entry.actor}, ${entry.reference ?? null}, ${entry.reversesId ?? null}, ${entry.idempotencyKey}, ${app.now()})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id`;
  const id = inserted[0]?.id ?? null;
  if (id === null) {
    const balance = await tx.balance.findUnique({ where: { memberId: entry.memberId } });
    return { entryId: null, points: balance?.points ?? 0, events: [] };
  }
  // The upsert takes the balance row's lock, so concurrent entries for one member add up. It moves
  // nothing when the sum would leave the ledger's bound (summed in 64 bits, so that test cannot overflow).
  const rows = await tx.$queryRaw<{ points: number; tier: string; at_risk_since: Date | null }[]>`
    INSERT INTO balances (member_id, points, tier) VALUES (${entry.memberId}, ${entry.delta}, ${app.pack.partner.tiers[0]?.id ?? "none"})
    ON CONFLICT (member_id) DO UPDATE SET points = balances.points + EXCLUDED.points, updated_at = now()
    WHERE abs(balances.points::bigint + EXCLUDED.points) <= ${MAX_BALANCE}
    RETURNING points, tier, at_risk_since`;
  const row = rows[0];
  if (!row)
    throw new UserError(
      fillTemplate(app.pack.texts.pointsBeyondBound, { limit: `${entry.delta > 0 ? "" : "-"}${MAX_BALANCE}`, max: MAX_BALANCE }),
      undefined,
      "ledger.bound",
    );
  const events = await applyTier(app, tx, entry.memberId, row.points, { tier: row.tier, atRiskSince: row.at_risk_since }, `entry-${id}`, entry);
  // Only some platforms have a standing view to redraw; without one the row would be written for nobody on every entry.
  if (app.deliverable?.has("home-refresh")) await enqueue(tx, { kind: "home-refresh", memberId: entry.memberId }, { now: app.now(), dedupeKey: `home:entry-${id}` });
  return { entryId: id, points: row.points, events };
}

/**
 * What an entry still adds to its member's balance: itself, its reversal, and
 * the corrections of its accepted disputes. Locks the entry's row first, so a
 * reversal and a dispute's correction of one entry never both take it away.
 */
export async function entryStillCounts(tx: Tx, entryId: number): Promise<number | null> {
  const rows = await tx.$queryRaw<{ counts: number }[]>`
    SELECT (e.delta
      + COALESCE((SELECT SUM(r.delta) FROM ledger_entries r WHERE r.reverses_id = e.id), 0)
      + COALESCE((SELECT SUM(c.delta) FROM ledger_entries c JOIN points_disputes d ON c.reference = 'dispute:' || d.id
                  WHERE d.entry_id = e.id AND c.kind = 'correction'), 0))::integer AS counts
    FROM ledger_entries e WHERE e.id = ${entryId} FOR UPDATE OF e`;
  return rows[0]?.counts ?? null;
}

/** The entry that takes back what an entry still counts; null when it was already reversed, counts nothing any more, or does not exist. */
export async function reversalEntry(tx: Tx, idempotencyKey: string, reason: string, actor: string): Promise<NewEntry | null> {
  const original = await tx.ledgerEntry.findUnique({ where: { idempotencyKey } });
  if (!original) return null;
  const counts = await entryStillCounts(tx, original.id);
  if (!counts) return null;
  return { ...reversalOf({ id: original.id, delta: counts }, reason), memberId: original.memberId, kind: "reversal", actor, reference: original.reference };
}

/** Reverses what an entry still counts, once (see reversalEntry), through the balance and the tier rules. */
export async function reverseEntry(app: App, tx: Tx, idempotencyKey: string, reason: string, actor: string): Promise<Posted | null> {
  const reversal = await reversalEntry(tx, idempotencyKey, reason, actor);
  return reversal ? postEntry(app, tx, reversal) : null;
}

/**
 * Applies the tier rules to a balance and writes what follows to the outbox:
 * a promotion is announced publicly and by DM; a drop puts the tier at risk
 * with a DM naming the lapsed sites; demotion comes after the grace period.
 * `cause` makes the outbox keys unique to this change.
 */
export async function applyTier(
  app: App,
  tx: Tx,
  memberId: string,
  points: number,
  held: { tier: string; atRiskSince: Date | null },
  cause: string,
  source?: Pick<NewEntry, "reference" | "reason">,
): Promise<TierEvent[]> {
  const partner = app.pack.partner;
  const decision = decideTier(partner, held, points, app.now());
  if (decision.events.length === 0) return [];
  await tx.balance.update({
    where: { memberId },
    data: {
      tier: decision.state.tier,
      atRiskSince: decision.state.atRiskSince,
      ...(decision.state.tier !== held.tier ? { tierSince: app.now() } : {}),
    },
  });
  const member = await tx.member.findUniqueOrThrow({ where: { id: memberId } });
  const t = partner.templates;
  const texts = app.pack.texts;
  const moves = decision.events.flatMap((e) => (e.type === "promoted" || e.type === "demoted" ? [{ memberId, fromTier: e.from, toTier: e.to, createdAt: app.now() }] : []));
  if (moves.length) await tx.tierChange.createMany({ data: moves });
  for (const event of decision.events) {
    const key = `${memberId}:${cause}:${event.type}`;
    if (event.type === "promoted") {
      const tier = tierById(partner.tiers, event.to);
      const unlocked = benefitsGained(partner, event.from, event.to);
      const values = { name: member.displayName, tier: tier.name, points, benefits: unlocked.map((b) => b.name).join(", ") || texts.pointsNoNewBenefits };
      const card = tierUpCard(app, member, points, event.to);
      const announce = (text: string): Block[] => [{ type: "text", text }, card];
      const post = fillTemplate(t.tierUpPublic, values);
      const dm = fillTemplate(t.tierUpDm, values);
      await enqueue(tx, { kind: "post", channel: partner.announcementsChannel, reply: reply(post, announce(post), { visibility: "public" }) }, { now: app.now(), dedupeKey: `${key}:post` });
      await enqueue(tx, { kind: "dm", memberId, reply: reply(dm, announce(dm)) }, { now: app.now(), dedupeKey: `${key}:dm` });
      await enqueue(tx, { kind: "tier-role", memberId, tier: event.to, previous: event.from }, { now: app.now(), dedupeKey: `${key}:role` });
      await enqueueRoleConnection(app, tx, memberId, `${key}:role-connection`);
      for (const badge of badgesFor(partner, event.to)) await grantBadge(app, tx, memberId, badge, "system", fillTemplate(texts.pointsBadgeReached, { tier: tier.name }));
    } else if (event.type === "at-risk") {
      const tier = tierById(partner.tiers, event.tier);
      const site = await siteBehind(tx, source?.reference);
      const why = t.tierAtRiskCauses[(site && siteLossCause(site.state)) ?? "other"];
      const about = { site: site?.url ?? "", reason: source?.reason ?? "" };
      const values = {
        name: member.displayName,
        tier: tier.name,
        points,
        threshold: tier.threshold,
        missing: tier.threshold - points,
        sites: site?.url ?? texts.pointsNoSite,
        cause: fillTemplate(why.cause, about),
        advice: fillTemplate(why.advice, about),
        deadline: event.deadline.toISOString().slice(0, 10),
      };
      await enqueue(tx, { kind: "dm", memberId, reply: reply(fillTemplate(t.tierAtRiskDm, values)) }, { now: app.now(), dedupeKey: `${key}:dm` });
    } else if (event.type === "demoted") {
      const tier = tierById(partner.tiers, event.to);
      await enqueue(tx, { kind: "dm", memberId, reply: reply(fillTemplate(t.tierDownDm, { name: member.displayName, tier: tier.name, points })) }, { now: app.now(), dedupeKey: `${key}:dm` });
      await enqueue(tx, { kind: "tier-role", memberId, tier: event.to, previous: event.from }, { now: app.now(), dedupeKey: `${key}:role` });
      await enqueueRoleConnection(app, tx, memberId, `${key}:role-connection`);
      for (const badge of badgesLost(partner, event.from, event.to)) await revokeBadge(app, tx, memberId, badge, "system", fillTemplate(texts.pointsBadgeTierNow, { tier: tier.name }));
    }
  }
  return decision.events;
}

/** The site an entry is about: its own (site:<id>), or the disputed entry's for a dispute correction. */
async function siteBehind(tx: Tx, reference: string | null | undefined): Promise<{ url: string; state: string } | null> {
  let ref = reference ?? "";
  const dispute = /^dispute:(\d+)$/.exec(ref);
  if (dispute) ref = (await tx.pointsDispute.findUnique({ where: { id: Number(dispute[1]) }, select: { entry: { select: { reference: true } } } }))?.entry.reference ?? "";
  const site = /^site:(.+)$/.exec(ref);
  return site?.[1] ? tx.site.findUnique({ where: { id: site[1] }, select: { url: true, state: true } }) : null;
}

/**
 * The tier card that goes with a tier-up: the data to draw it (a few names and
 * numbers), not the picture, so the outbox row stays small; each surface draws
 * it when it delivers. It names the tier's own badges (granted just after);
 * the others the member holds are read when it is delivered (withHeldBadges),
 * from what is committed, so the transaction that promotes reads no badges.
 */
function tierUpCard(app: App, member: { id: string; handle: string; displayName: string }, points: number, tier: string): ImageBlock {
  const card = tierCard(app.pack.partner, app.pack.badges, member, points, tier, badgesFor(app.pack.partner, tier), app.pack.texts.pointsTierCardBanner);
  return { type: "image", picture: { kind: "tier-card", card: { ...card, badgesOf: member.id } }, alt: tierCardAlt(card), filename: `tier-up-${member.handle}.png` };
}

/**
 * A message about to be delivered, its tier-up cards completed with the badges their members hold now (in the
 * order they were granted, then the tier's own). Outside any transaction: a row written by a promotion that
 * committed is delivered whole whenever it goes out, and a process that died in between loses nothing.
 */
export async function withHeldBadges(app: App, message: OutboxMessage): Promise<OutboxMessage> {
  if (message.kind !== "dm" && message.kind !== "post") return message;
  const open = (b: Block): b is ImageBlock & { picture: { kind: "tier-card" } } => b.type === "image" && b.picture.kind === "tier-card" && b.picture.card.badgesOf !== undefined;
  const members = [...new Set(message.reply.blocks.filter(open).map((b) => b.picture.card.badgesOf as string))];
  if (members.length === 0) return message;
  const held = await app.db.badge.findMany({ where: { memberId: { in: members }, revokedAt: null }, orderBy: [{ grantedAt: "asc" }, { badge: "asc" }], select: { memberId: true, badge: true } });
  const names = new Map(app.pack.badges.map((b) => [b.id, b.name]));
  const blocks = message.reply.blocks.map((b): Block => {
    if (!open(b)) return b;
    const { badgesOf, ...rest } = b.picture.card;
    const mine = held.filter((h) => h.memberId === badgesOf).map((h) => names.get(h.badge) ?? h.badge);
    const card = { ...rest, badges: [...new Set([...mine, ...rest.badges])] };
    return { ...b, picture: { kind: "tier-card", card }, alt: tierCardAlt(card) };
  });
  return { ...message, reply: { ...message.reply, blocks } };
}

/**
 * Lets grace periods run out: demotes members at risk whose balance has not recovered. Also puts at risk
 * a member whose points fell below their tier without an entry of their own saying so (a migration's
 * reversals). Run daily.
 */
export async function sweepTiers(app: App): Promise<number> {
  const unwarned = app.pack.partner.tiers.map((t) => ({ tier: t.id, points: { lt: t.threshold }, atRiskSince: null }));
  const due = await app.db.balance.findMany({ where: { OR: [{ atRiskSince: { lte: demotionCutoff(app.pack.partner, app.now()) } }, ...unwarned] }, select: { memberId: true } });
  let demoted = 0;
  for (const { memberId } of due) {
    const events = await transaction(app, async (tx) => {
      const b = await tx.balance.findUniqueOrThrow({ where: { memberId } });
      return applyTier(app, tx, memberId, b.points, { tier: b.tier, atRiskSince: b.atRiskSince }, `sweep-${(b.atRiskSince ?? app.now()).toISOString()}`);
    });
    if (events.some((e) => e.type === "demoted")) demoted++;
  }
  return demoted;
}
