// The compliance heatmap: members down, the last weeks across, one cell per
// week coloured by its status, in the report's order (repeat missers first),
// a legend, and for large programs the first 50 and a count of the rest. The
// statuses come from the commitment rules (src/domain/commitments.ts); this
// file only lays them out.
import type { CommitmentStatus } from "../../domain/commitments.ts";
import { fitText, font, INK, roundRect, titledCanvas } from "./canvas.ts";

/** One character a week, so a report's outbox row stays small: see CODES. */
export interface Heatmap {
  title: string;
  /** Week labels, oldest first, e.g. "W37". */
  weeks: string[];
  rows: { name: string; weeks: string }[];
  /** Members not drawn (the report's CSV has them). */
  more: number;
}

export const HEATMAP_ROWS = 50;

const CODES: Readonly<Record<CommitmentStatus, string>> = { met: "M", "on-track": "O", "at-risk": "R", missed: "X", paused: "P", "not-yet-judged": "-" };

const LEGEND: { code: string; label: string; colour: string; mark: string }[] = [
  { code: "M", label: "met", colour: "#2ea043", mark: "✓" },
  { code: "O", label: "on track", colour: "#3b82f6", mark: "•" },
  { code: "R", label: "at risk", colour: "#d29922", mark: "!" },
  { code: "X", label: "missed", colour: "#e5484d", mark: "✕" },
  { code: "P", label: "paused", colour: "#8b5cf6", mark: "‖" },
  { code: "-", label: "not judged (new)", colour: INK.faint, mark: "" },
];
const BY_CODE = new Map(LEGEND.map((l) => [l.code, l]));

/** The heatmap of members already in report order, each with its week statuses (oldest first). */
export function heatmap(title: string, weeks: string[], members: readonly { name: string; weeks: readonly CommitmentStatus[] }[], limit = HEATMAP_ROWS): Heatmap {
  const shown = members.slice(0, limit);
  return {
    title,
    weeks,
    rows: shown.map((m) => ({ name: m.name, weeks: weeks.map((_, i) => CODES[m.weeks[i] ?? "not-yet-judged"]).join("") })),
    more: members.length - shown.length,
  };
}

/** What the heatmap shows, in words: per status, how many cells of each member's weeks. */
export function heatmapAlt(h: Heatmap): string {
  const rows = h.rows.map((r) => {
    const counts = LEGEND.filter((l) => l.code !== "-")
      .map((l) => [l.label, [...r.weeks].filter((c) => c === l.code).length] as const)
      .filter(([, n]) => n > 0)
      .map(([label, n]) => `${n} ${label}`);
    return `${r.name}: ${counts.join(", ") || "not judged yet"}`;
  });
  const span = h.weeks.length ? `${h.weeks[0]}–${h.weeks[h.weeks.length - 1]}` : "no weeks";
  return `Compliance heatmap, ${h.title}, weeks ${span}, ${h.rows.length} member${h.rows.length === 1 ? "" : "s"}${h.more ? ` shown and ${h.more} more` : ""}, repeat missers first. ${rows.join("; ")}${rows.length ? "." : ""}`;
}

// Compact cells: encoding the PNG is most of the cost of a heatmap, and it grows with the pixels.
const PAD = 28;
const NAME_WIDTH = 200;
const CELL = 28;
const GAP = 4;
const ROW = CELL + GAP;
const TOP = 84;
/** Where the cells are, so a test can look at their pixels. */
export const HEATMAP_GRID = { x: PAD + NAME_WIDTH, y: TOP, cell: CELL, row: ROW } as const;

export function heatmapSize(h: Heatmap): { width: number; height: number } {
  const width = PAD * 2 + NAME_WIDTH + Math.max(h.weeks.length, 1) * ROW;
  const height = TOP + Math.max(h.rows.length, 1) * ROW + (h.more ? 34 : 10) + 62;
  return { width: Math.max(width, 720), height };
}

export function drawHeatmap(h: Heatmap): Buffer {
  const { width, height } = heatmapSize(h);
  const { ctx, png } = titledCanvas(width, height, h.title, PAD, 42);

  const gridX = PAD + NAME_WIDTH;
  ctx.font = font(12);
  ctx.fillStyle = INK.muted;
  ctx.textAlign = "center";
  h.weeks.forEach((w, i) => ctx.fillText(fitText(ctx, w, ROW), gridX + i * ROW + CELL / 2, TOP - 12));
  ctx.textAlign = "left";

  h.rows.forEach((r, j) => {
    const y = TOP + j * ROW;
    ctx.font = font(15);
    ctx.fillStyle = INK.text;
    ctx.fillText(fitText(ctx, r.name, NAME_WIDTH - 12), PAD, y + CELL / 2 + 5);
    ctx.font = font(15, "bold");
    ctx.textAlign = "center";
    for (let i = 0; i < h.weeks.length; i++) {
      const status = BY_CODE.get(r.weeks[i] ?? "-") ?? (BY_CODE.get("-") as (typeof LEGEND)[number]);
      roundRect(ctx, gridX + i * ROW, y, CELL, CELL, 5, status.colour);
      if (status.mark) {
        // The mark repeats the colour for people who cannot tell the colours apart.
        ctx.fillStyle = "#ffffff";
        ctx.fillText(status.mark, gridX + i * ROW + CELL / 2, y + CELL / 2 + 5);
      }
    }
    ctx.textAlign = "left";
  });
  if (h.rows.length === 0) {
    ctx.font = font(16);
    ctx.fillStyle = INK.muted;
    ctx.fillText("No members to show.", PAD, TOP + CELL / 2 + 6);
  }

  let y = TOP + Math.max(h.rows.length, 1) * ROW + 8;
  if (h.more) {
    ctx.font = font(16);
    ctx.fillStyle = INK.muted;
    ctx.fillText(`… and ${h.more.toLocaleString("en")} more member${h.more === 1 ? "" : "s"} (every member is in the CSV)`, PAD, y + 18);
    y += 34;
  }
  // The legend, on one line.
  let x = PAD;
  y += 24;
  ctx.font = font(15);
  for (const l of LEGEND) {
    roundRect(ctx, x, y, 22, 22, 4, l.colour);
    ctx.font = font(13, "bold");
    ctx.fillStyle = "#ffffff";
    ctx.textAlign = "center";
    if (l.mark) ctx.fillText(l.mark, x + 11, y + 16);
    ctx.textAlign = "left";
    ctx.font = font(15);
    ctx.fillStyle = INK.text;
    ctx.fillText(l.label, x + 30, y + 16);
    x += 30 + ctx.measureText(l.label).width + 24;
  }
  return png();
}
