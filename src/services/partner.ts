// Read models for the partner program: a member's tier with progress and
// benefits, their ledger, the leaderboard. Each reads the materialised
// balance, never the whole ledger.
import type { App } from "../app.ts";
import { benefitsFor, benefitsGained, inGracePeriod, progress, tierById, type Progress } from "../domain/partner.ts";
import type { Benefit } from "../domain/pack.ts";

export interface TierStatus {
  points: number;
  progress: Progress;
  unlocked: (Benefit & { deliveredAt: Date | null })[];
  nextBenefits: Benefit[];
  atRiskSince: Date | null;
  badges: string[];
}

export async function tierStatus(app: App, memberId: string): Promise<TierStatus> {
  const partner = app.pack.partner;
  const [balance, fulfilments, badges] = await Promise.all([
    app.db.balance.findUnique({ where: { memberId } }),
    app.db.benefitFulfilment.findMany({ where: { memberId }, select: { benefit: true, deliveredAt: true } }),
    app.db.badge.findMany({ where: { memberId, revokedAt: null }, select: { badge: true } }),
  ]);
  const points = balance?.points ?? 0;
  const held = balance ? partner.tiers.find((t) => t.id === balance.tier) : undefined;
  const p = progress(partner.tiers, points, held);
  const delivered = new Map(fulfilments.map((f) => [f.benefit, f.deliveredAt]));
  const unlocked = benefitsFor(partner, p.tier.id).map((b) => ({ ...b, deliveredAt: delivered.get(b.id) ?? null }));
  const nextBenefits = p.next ? benefitsGained(partner, p.tier.id, p.next.id) : [];
  return { points, progress: p, unlocked, nextBenefits, atRiskSince: balance?.atRiskSince ?? null, badges: badges.map((b) => b.badge) };
}

export async function ledgerOf(app: App, memberId: string, limit = 25) {
  return app.db.ledgerEntry.findMany({ where: { memberId }, orderBy: { id: "desc" }, take: limit });
}

export interface LeaderboardRow {
  handle: string;
  displayName: string;
  points: number;
  tier: string;
  /** Holds the tier only until then: the balance fell below it and the grace period runs. */
  graceUntil: Date | null;
}

/** Top members by balance, or by points earned since `since` (a week or month). */
export async function leaderboard(app: App, since: Date | null, limit = 10): Promise<LeaderboardRow[]> {
  const partner = app.pack.partner;
  const tiers = partner.tiers;
  const graceUntil = (atRiskSince: Date | null) => inGracePeriod(partner, { atRiskSince })?.until ?? null;
  if (since === null) {
    const rows = await app.db.balance.findMany({
      where: { points: { gt: 0 } },
      orderBy: [{ points: "desc" }, { memberId: "asc" }],
      take: limit,
      include: { member: { select: { handle: true, displayName: true } } },
    });
    return rows.map((r) => ({ handle: r.member.handle, displayName: r.member.displayName, points: r.points, tier: tierById(tiers, r.tier).name, graceUntil: graceUntil(r.atRiskSince) }));
  }
  // Members and balances are looked up for the top rows only (ties at the cut included, ordered by
  // handle), not joined for every member who earned points in the period. OFFSET 0 keeps each lookup a
  // per-row index probe: the planner cannot guess how few rows pass the cut and would scan all members.
  const rows = await app.sql.query<{ handle: string; display_name: string; points: string | number; tier: string; at_risk_since: Date | string | null }>(
    `WITH s AS (SELECT member_id, SUM(delta) AS points FROM ledger_entries WHERE created_at >= $1 GROUP BY member_id HAVING SUM(delta) > 0),
          top AS (SELECT * FROM s WHERE points >= COALESCE((SELECT points FROM s ORDER BY points DESC OFFSET $2 - 1 LIMIT 1), 0))
     SELECT m.handle, m.display_name, top.points, b.tier, b.at_risk_since
       FROM top
       CROSS JOIN LATERAL (SELECT handle, display_name FROM members WHERE id = top.member_id OFFSET 0) m
       CROSS JOIN LATERAL (SELECT tier, at_risk_since FROM balances WHERE member_id = top.member_id OFFSET 0) b
      ORDER BY top.points DESC, m.handle ASC
      LIMIT $2`,
    [since, limit],
  );
  return rows.map((r) => ({
    handle: r.handle,
    displayName: r.display_name,
    points: Number(r.points),
    tier: tierById(tiers, r.tier).name,
    graceUntil: graceUntil(r.at_risk_since === null ? null : new Date(r.at_risk_since)),
  }));
}
