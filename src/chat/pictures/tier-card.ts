// The tier card: the member's name, tier, points, a bar to the next tier, the
// benefits that came with this tier, the next ones, and the badges. The card's
// data is built from the pack's rules (tierCard) and is what a reply or an
// outbox row carries; drawTierCard turns it into a PNG when it is shown.
import type { BadgeDef, PartnerProgram } from "../../domain/pack.ts";
import { benefitsFor, benefitsGained, progress, tierColour, tierRank } from "../../domain/partner.ts";
import { canvas, fitList, fitText, font, INK, roundRect, safeText } from "./canvas.ts";

export interface TierCard {
  name: string;
  tier: { name: string; colour: string; threshold: number };
  points: number;
  next?: { name: string; colour: string; threshold: number };
  /** Benefits that came with this tier. */
  unlocked: string[];
  /** Benefits waiting at the next tier. */
  upcoming: string[];
  /** Badge names the member holds. */
  badges: string[];
  /** A line above the name, e.g. on the tier-up announcement. */
  banner?: string;
  /**
   * An outbox row's card (the tier-up announcement): the member whose badges are read in when it is delivered,
   * after `badges` (the tier's own), so the promotion's transaction holds only its writes.
   */
  badgesOf?: string;
}

export const CARD_SIZE = { width: 800, height: 320 } as const;
/** Where the progress bar is, so a test can look at its pixels. */
export const CARD_BAR = { x: 40, y: 150, width: 720, height: 22 } as const;

/** The card of a member holding `heldTier` (default: the tier the points reach) with `badges` (ids). */
export function tierCard(partner: PartnerProgram, allBadges: readonly BadgeDef[], who: { displayName: string }, points: number, heldTier: string | undefined, badges: readonly string[], banner?: string): TierCard {
  const held = heldTier ? partner.tiers.find((t) => t.id === heldTier) : undefined;
  const p = progress(partner.tiers, points, held);
  const below = partner.tiers[tierRank(partner.tiers, p.tier.id) - 1];
  const unlocked = below ? benefitsGained(partner, below.id, p.tier.id) : benefitsFor(partner, p.tier.id);
  const have = new Set(benefitsFor(partner, p.tier.id).map((b) => b.id));
  const upcoming = p.next ? benefitsFor(partner, p.next.id).filter((b) => !have.has(b.id)) : [];
  const names = new Map(allBadges.map((b) => [b.id, b.name]));
  return {
    name: who.displayName,
    tier: { name: p.tier.name, colour: tierColour(partner.tiers, p.tier.id), threshold: p.tier.threshold },
    points,
    ...(p.next ? { next: { name: p.next.name, colour: tierColour(partner.tiers, p.next.id), threshold: p.next.threshold } } : {}),
    unlocked: unlocked.map((b) => b.name),
    upcoming: upcoming.map((b) => b.name),
    badges: badges.map((id) => names.get(id) ?? id),
    ...(banner ? { banner } : {}),
  };
}

/** "Pioneer, 600 points, 400 to Creator": the reply's summary and the start of the alt text. */
export function tierHeadline(card: TierCard): string {
  return card.next
    ? `${card.tier.name}, ${card.points} points, ${Math.max(0, card.next.threshold - card.points)} to ${card.next.name}`
    : `${card.tier.name}, ${card.points} points (the top tier)`;
}

function fraction(card: TierCard): number {
  if (!card.next) return 1;
  const span = card.next.threshold - card.tier.threshold;
  return span > 0 ? Math.min(1, Math.max(0, (card.points - card.tier.threshold) / span)) : 1;
}

/** What the card shows, in words. */
export function tierCardAlt(card: TierCard): string {
  const parts = [
    `${card.banner ? `${card.banner} ` : ""}Tier card of ${card.name}: ${tierHeadline(card)}${card.next ? ` (${Math.round(fraction(card) * 100)}% of the way)` : ""}.`,
    `Unlocked at ${card.tier.name}: ${card.unlocked.join(", ") || "no new benefits"}.`,
    ...(card.next ? [`Next at ${card.next.name}: ${card.upcoming.join(", ") || "no new benefits"}.`] : []),
    `Badges: ${card.badges.join(", ") || "none"}.`,
  ];
  return parts.join(" ");
}

/** Dark or light text, whichever reads on `hex`. */
function inkOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 150 ? "#111216" : "#ffffff";
}

export function drawTierCard(card: TierCard): Buffer {
  const { width, height } = CARD_SIZE;
  // Its own words are Latin (the caption's "·" too): the card's data decides which fonts it needs.
  const { ctx, png } = canvas(width, height, JSON.stringify(card));
  const left = CARD_BAR.x;
  const right = width - 40;
  ctx.fillStyle = card.tier.colour;
  ctx.fillRect(0, 0, 8, height);

  // The tier as a pill in the top right corner; the name takes the room left of it.
  ctx.font = font(20, "bold");
  const pillText = fitText(ctx, card.tier.name, 220);
  const pillWidth = ctx.measureText(pillText).width + 32;
  roundRect(ctx, right - pillWidth, 34, pillWidth, 38, 19, card.tier.colour);
  ctx.fillStyle = inkOn(card.tier.colour);
  ctx.fillText(pillText, right - pillWidth + 16, 60);

  let y = 44;
  if (card.banner) {
    ctx.font = font(16, "bold");
    ctx.fillStyle = card.tier.colour;
    ctx.fillText(fitText(ctx, card.banner.toUpperCase(), right - pillWidth - left - 24), left, y);
  }
  y = card.banner ? 82 : 72;
  ctx.font = font(34, "bold");
  ctx.fillStyle = INK.text;
  ctx.fillText(fitText(ctx, card.name, right - pillWidth - left - 24), left, y);

  ctx.font = font(20);
  ctx.fillStyle = INK.muted;
  ctx.fillText(`${card.points.toLocaleString("en")} points`, left, 124);

  const bar = CARD_BAR;
  roundRect(ctx, bar.x, bar.y, bar.width, bar.height, bar.height / 2, INK.faint);
  const f = fraction(card);
  if (f > 0) roundRect(ctx, bar.x, bar.y, Math.max(bar.height, bar.width * f), bar.height, bar.height / 2, card.tier.colour);
  ctx.font = font(16);
  ctx.fillStyle = INK.muted;
  const caption = card.next
    ? `${card.points.toLocaleString("en")} / ${card.next.threshold.toLocaleString("en")} · ${Math.max(0, card.next.threshold - card.points).toLocaleString("en")} to ${safeText(card.next.name)}`
    : "The top tier";
  ctx.fillText(fitText(ctx, caption, bar.width), bar.x, bar.y + bar.height + 24);

  const listWidth = right - left - 150;
  const row = (label: string, text: string, at: number, colour: string) => {
    ctx.font = font(16, "bold");
    ctx.fillStyle = colour;
    ctx.fillText(fitText(ctx, label, 140), left, at);
    ctx.font = font(16);
    ctx.fillStyle = INK.text;
    ctx.fillText(text, left + 150, at);
  };
  ctx.font = font(16);
  row("Unlocked", fitList(ctx, card.unlocked, listWidth, "no new benefits"), 232, card.tier.colour);
  if (card.next) {
    ctx.font = font(16);
    row(`Next`, fitList(ctx, card.upcoming, listWidth, "no new benefits"), 260, card.next.colour);
  }
  ctx.font = font(16);
  row("Badges", fitList(ctx, card.badges, listWidth, "none yet"), 288, INK.muted);
  return png();
}
