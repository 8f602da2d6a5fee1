// The partner program's rules: what a site or certification is worth, which
// tier a balance reaches, which benefits a tier unlocks, and how a tier moves
// when the balance changes (immediate promotion, demotion after a grace period).
import { DEFAULT_TIER_COLOURS, type Benefit, type PartnerProgram, type SiteRole, type Tier } from "./pack.ts";

export function sitePoints(partner: PartnerProgram, kind: string, role: SiteRole): number {
  const site = partner.sites[kind];
  if (!site) throw new Error(`Unknown site kind ${kind}`);
  return site.points[role];
}

/** Tiers ordered by threshold (the pack guarantees increasing order, first at 0). */
export function tierFor(tiers: readonly Tier[], points: number): Tier {
  let reached = tiers[0] as Tier;
  for (const tier of tiers) if (points >= tier.threshold) reached = tier;
  return reached;
}

export function tierById(tiers: readonly Tier[], id: string): Tier {
  const tier = tiers.find((t) => t.id === id);
  if (!tier) throw new Error(`Unknown tier ${id}`);
  return tier;
}

export function nextTier(tiers: readonly Tier[], current: Tier): Tier | undefined {
  return tiers.find((t) => t.threshold > current.threshold);
}

export function tierRank(tiers: readonly Tier[], id: string): number {
  return tiers.findIndex((t) => t.id === id);
}

/** Benefits are cumulative: a tier has its own and every lower tier's. */
export function benefitsFor(partner: PartnerProgram, tierId: string): Benefit[] {
  const rank = tierRank(partner.tiers, tierId);
  return partner.benefits.filter((b) => tierRank(partner.tiers, b.fromTier) <= rank);
}

/** What a move from one tier to another adds: the benefits the new tier has and the old did not. */
export function benefitsGained(partner: PartnerProgram, from: string, to: string): Benefit[] {
  const had = new Set(benefitsFor(partner, from).map((b) => b.id));
  return benefitsFor(partner, to).filter((b) => !had.has(b.id));
}

/** Badges a member keeps only while their tier earns them: those of `from` that `to` no longer gives. */
export function badgesLost(partner: PartnerProgram, from: string, to: string): string[] {
  const keep = new Set(badgesFor(partner, to));
  return badgesFor(partner, from).filter((b) => !keep.has(b));
}

/** Whether a site pays now: at submission, or only once a moderator verified it, as the pack says. */
export function sitePaysNow(partner: PartnerProgram, verified: boolean): boolean {
  return partner.sitePointsOn === "submit" || verified;
}

export function badgesFor(partner: PartnerProgram, tierId: string): string[] {
  const rank = tierRank(partner.tiers, tierId);
  return partner.tierBadges.filter((b) => tierRank(partner.tiers, b.fromTier) <= rank).map((b) => b.badge);
}

/** A tier's colour: the pack's, else the default for its position (the palette repeats past its end). */
export function tierColour(tiers: readonly Tier[], id: string): string {
  const i = Math.max(0, tiers.findIndex((t) => t.id === id));
  return tiers[i]?.colour ?? DEFAULT_TIER_COLOURS[i % DEFAULT_TIER_COLOURS.length] ?? "#60a5fa";
}

export interface Progress {
  tier: Tier;
  next?: Tier;
  /** Points still needed for the next tier (0 at the top). */
  toNext: number;
  /** 0..1 of the way from this tier's threshold to the next. */
  fraction: number;
}

export function progress(tiers: readonly Tier[], points: number, held?: Tier): Progress {
  const tier = held ?? tierFor(tiers, points);
  const next = nextTier(tiers, tier);
  if (!next) return { tier, toNext: 0, fraction: 1 };
  const span = next.threshold - tier.threshold;
  const fraction = Math.min(1, Math.max(0, (points - tier.threshold) / span));
  return { tier, next, toNext: Math.max(0, next.threshold - points), fraction };
}

/** What the ledger says a member holds now, as stored beside the balance. */
export interface TierState {
  tier: string;
  atRiskSince: Date | null;
}

export type TierEvent =
  | { type: "promoted"; from: string; to: string }
  | { type: "at-risk"; tier: string; deadline: Date }
  | { type: "recovered"; tier: string }
  | { type: "demoted"; from: string; to: string };

export interface TierDecision {
  state: TierState;
  events: TierEvent[];
}

const DAY = 24 * 60 * 60 * 1000;

const graceMs = (partner: PartnerProgram) => partner.demotionGraceDays * DAY;

/** Members at risk since before this moment have run out of grace: the daily sweep demotes them. */
export function demotionCutoff(partner: PartnerProgram, now: Date): Date {
  return new Date(now.getTime() - graceMs(partner));
}

/** When a tier at risk since `atRiskSince` is lost if the balance stays short. */
export function demotionDate(partner: PartnerProgram, atRiskSince: Date): Date {
  return new Date(atRiskSince.getTime() + graceMs(partner));
}

/**
 * How the held tier moves for a new balance. Promotion is immediate. A drop
 * below the held tier first puts it at risk (the member is told what restores
 * it) and demotes only when the grace period ends with the balance still short;
 * a grace of 0 demotes at once. Call again with the same balance later (the
 * daily sweep) to let a grace period run out.
 */
export function decideTier(partner: PartnerProgram, held: TierState, points: number, now: Date): TierDecision {
  const tiers = partner.tiers;
  const earned = tierFor(tiers, points);
  const heldRank = tierRank(tiers, held.tier);
  const earnedRank = tierRank(tiers, earned.id);
  if (heldRank < 0) return { state: { tier: earned.id, atRiskSince: null }, events: [] };
  if (earnedRank > heldRank)
    return { state: { tier: earned.id, atRiskSince: null }, events: [{ type: "promoted", from: held.tier, to: earned.id }] };
  if (earnedRank === heldRank)
    return held.atRiskSince
      ? { state: { tier: held.tier, atRiskSince: null }, events: [{ type: "recovered", tier: held.tier }] }
      : { state: held, events: [] };
  const grace = graceMs(partner);
  const since = held.atRiskSince ?? now;
  if (grace === 0 || now.getTime() - since.getTime() >= grace)
    return { state: { tier: earned.id, atRiskSince: null }, events: [{ type: "demoted", from: held.tier, to: earned.id }] };
  if (held.atRiskSince) return { state: held, events: [] };
  return { state: { tier: held.tier, atRiskSince: now }, events: [{ type: "at-risk", tier: held.tier, deadline: new Date(now.getTime() + grace) }] };
}

/** A partner's balance as the health report reads it. */
export interface PartnerStanding {
  handle: string;
  tier: string;
  points: number;
  atRiskSince: Date | null;
}

export interface TierCount {
  tier: string;
  name: string;
  threshold: number;
  partners: number;
}

/**
 * How many partners hold each tier, lowest first, every tier listed (zero
 * included): plain data a table or a chart is drawn from.
 */
export function tierDistribution(partner: PartnerProgram, standings: readonly Pick<PartnerStanding, "tier">[]): TierCount[] {
  const counts = new Map<string, number>();
  for (const s of standings) counts.set(s.tier, (counts.get(s.tier) ?? 0) + 1);
  return partner.tiers.map((t) => ({ tier: t.id, name: t.name, threshold: t.threshold, partners: counts.get(t.id) ?? 0 }));
}

export interface BelowThreshold extends PartnerStanding {
  threshold: number;
  missing: number;
  /** When the grace period ends and the sweep demotes them, unless they recover. */
  demotionOn: Date;
}

/** Partners holding a tier their balance no longer reaches, with the day they will be demoted; soonest first. */
export function belowThreshold(partner: PartnerProgram, standings: readonly PartnerStanding[]): BelowThreshold[] {
  return standings
    .flatMap((s) => {
      const tier = partner.tiers.find((t) => t.id === s.tier);
      if (!tier || s.points >= tier.threshold || !s.atRiskSince) return [];
      return [{ ...s, threshold: tier.threshold, missing: tier.threshold - s.points, demotionOn: new Date(s.atRiskSince.getTime() + graceMs(partner)) }];
    })
    .sort((a, b) => a.demotionOn.getTime() - b.demotionOn.getTime());
}

/** Whether a member holds their tier only by the grace period (the leaderboard marks them). */
export function inGracePeriod(partner: PartnerProgram, s: Pick<PartnerStanding, "atRiskSince">): { until: Date } | null {
  return s.atRiskSince ? { until: new Date(s.atRiskSince.getTime() + graceMs(partner)) } : null;
}
