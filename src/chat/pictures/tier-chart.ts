// The partner tier chart: members per tier as bars in the tiers' colours, and
// this week's moves into each tier (promotions) and out of it (demotions).
// Pure: counts in, picture out; whoever builds /report partner supplies the counts.
import type { Tier } from "../../domain/pack.ts";
import { tierColour } from "../../domain/partner.ts";
import { fitText, font, INK, roundRect, titledCanvas } from "./canvas.ts";

export interface TierChart {
  title: string;
  /** Lowest tier first. */
  tiers: { name: string; colour: string; members: number; up: number; down: number }[];
}

/** A chart of the pack's tiers: counts by tier id, moves by tier id (members who reached it this week, and who dropped from it). */
export function tierChart(
  title: string,
  tiers: readonly Tier[],
  counts: Readonly<Record<string, number>>,
  moves: Readonly<Record<string, { up?: number; down?: number }>> = {},
): TierChart {
  return {
    title,
    tiers: tiers.map((t) => ({ name: t.name, colour: tierColour(tiers, t.id), members: counts[t.id] ?? 0, up: moves[t.id]?.up ?? 0, down: moves[t.id]?.down ?? 0 })),
  };
}

function movesText(t: TierChart["tiers"][number]): string {
  return [t.up ? `+${t.up} in` : "", t.down ? `−${t.down} out` : ""].filter(Boolean).join(", ");
}

export function tierChartAlt(c: TierChart): string {
  const total = c.tiers.reduce((n, t) => n + t.members, 0);
  return `Tier chart, ${c.title}: ${total} member${total === 1 ? "" : "s"}. ${c.tiers.map((t) => `${t.name} ${t.members}${movesText(t) ? ` (${movesText(t)} this week)` : ""}`).join(", ")}.`;
}

const PAD = 32;
const LABEL = 150;
const BAR_HEIGHT = 30;
const ROW = 46;
const TOP = 80;

export function tierChartSize(c: TierChart): { width: number; height: number } {
  return { width: 800, height: TOP + Math.max(1, c.tiers.length) * ROW + 30 };
}

export function drawTierChart(c: TierChart): Buffer {
  const { width, height } = tierChartSize(c);
  const { ctx, png } = titledCanvas(width, height, c.title, PAD, 44);

  const most = Math.max(1, ...c.tiers.map((t) => t.members));
  const barMax = width - PAD * 2 - LABEL - 190;
  c.tiers.forEach((t, i) => {
    const y = TOP + i * ROW;
    ctx.font = font(17, "bold");
    ctx.fillStyle = t.colour;
    ctx.fillText(fitText(ctx, t.name, LABEL - 12), PAD, y + 21);
    roundRect(ctx, PAD + LABEL, y, barMax, BAR_HEIGHT, 6, INK.panel);
    if (t.members > 0) roundRect(ctx, PAD + LABEL, y, Math.max(8, (barMax * t.members) / most), BAR_HEIGHT, 6, t.colour);
    ctx.font = font(17, "bold");
    ctx.fillStyle = INK.text;
    const count = t.members.toLocaleString("en");
    ctx.fillText(count, PAD + LABEL + barMax + 12, y + 21);
    const x = PAD + LABEL + barMax + 12 + ctx.measureText(count).width + 14;
    ctx.font = font(15);
    if (t.up) {
      ctx.fillStyle = "#2ea043";
      ctx.fillText(`▲${t.up}`, x, y + 21);
    }
    if (t.down) {
      ctx.fillStyle = "#e5484d";
      ctx.fillText(`▼${t.down}`, x + (t.up ? ctx.measureText(`▲${t.up}`).width + 10 : 0), y + 21);
    }
  });
  ctx.font = font(13);
  ctx.fillStyle = INK.muted;
  ctx.fillText("▲ reached the tier this week   ▼ left it this week", PAD, height - 14);
  return png();
}
