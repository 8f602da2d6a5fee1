// What every picture shares: the fonts (npm font packages, registered once,
// nothing downloaded at run time), member text made safe to draw, text cut to
// a width, and the palette. Drawing is @napi-rs/canvas (Skia): it shapes
// right-to-left and CJK text and draws colour emoji from the registered fonts.
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Skia from "@napi-rs/canvas";
import type { SKRSContext2D } from "@napi-rs/canvas";

export type Context = SKRSContext2D;

/** Latin, Greek and Cyrillic first; each later family fills the glyphs the earlier ones lack. */
const FAMILIES: { pkg: string; family: string; weights: string[] }[] = [
  { pkg: "@fontsource/noto-sans", family: "Noto Sans", weights: ["400", "700"] },
  { pkg: "@fontsource/noto-sans-hebrew", family: "Noto Sans Hebrew", weights: ["400", "700"] },
  { pkg: "@fontsource/noto-sans-arabic", family: "Noto Sans Arabic", weights: ["400", "700"] },
  // CJK in one weight: each weight is about a hundred subset files to load.
  { pkg: "@fontsource/noto-sans-sc", family: "Noto Sans SC", weights: ["400"] },
  { pkg: "@fontsource/noto-color-emoji", family: "Noto Color Emoji", weights: ["400"] },
];

export const FONT_STACK = FAMILIES.map((f) => `"${f.family}"`).join(", ");

const require = createRequire(import.meta.url);

/**
 * The native drawing library, loaded on the first picture: commands build a picture's data (and its alt
 * text) from the helpers beside the drawing code, and a process that never draws should not load Skia.
 */
let skia: typeof Skia | undefined;
const native = () => (skia ??= require("@napi-rs/canvas") as typeof Skia);

const registered = new Set<string>();

/**
 * Text Noto Sans alone draws: Latin letters with their accents, and the punctuation the pictures use.
 * Every other family only fills glyphs Noto Sans lacks, so for such text they would draw nothing.
 */
const LATIN_ONLY = /^[\u0020-\u007e\u00a0-\u017f\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u2212]*$/;

/**
 * Registers the shipped fonts on first use. Text Noto Sans draws alone needs only its files; anything
 * else (right-to-left scripts, CJK, emoji, symbols) registers every family, once per process: the CJK
 * and emoji families are some 200 files, seconds to load, which a Latin tier card never uses.
 */
export function ensureFonts(text?: string): void {
  // An escape in JSON text stands for a character the test cannot see (a lone surrogate drawn as U+FFFD).
  const wanted = text !== undefined && LATIN_ONLY.test(text) && !text.includes("\\u") ? FAMILIES.slice(0, 1) : FAMILIES;
  if (wanted.every((f) => registered.has(f.family))) return;
  const { GlobalFonts } = native();
  for (const { pkg, family, weights } of wanted) {
    if (registered.has(family)) continue;
    registered.add(family);
    const dir = join(dirname(require.resolve(`${pkg}/package.json`)), "files");
    // fontsource splits a font into unicode-range subsets; Skia picks the one with the glyph.
    for (const file of readdirSync(dir))
      if (file.endsWith("-normal.woff2") && weights.some((w) => file.endsWith(`-${w}-normal.woff2`))) GlobalFonts.registerFromPath(join(dir, file), family);
  }
}

export function font(size: number, weight: "normal" | "bold" = "normal"): string {
  return `${weight === "bold" ? "bold " : ""}${size}px ${FONT_STACK}`;
}

/**
 * Member-provided text as it is drawn: lone surrogates replaced, control and
 * bidi-override characters dropped (they could reorder what follows them), and
 * runs of whitespace made one space. Nothing is markup here: canvas draws text
 * as text, so `<!channel>` is just those characters.
 */
export function safeText(text: string): string {
  return text
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")
    .replace(/\p{Cc}|[\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The text, or as much of it as fits `width` followed by "…"; cut between graphemes so an emoji is never split. */
export function fitText(ctx: Context, text: string, width: number): string {
  const clean = safeText(text);
  if (ctx.measureText(clean).width <= width) return clean;
  const parts = [...graphemes.segment(clean)].map((s) => s.segment);
  let lo = 0;
  let hi = parts.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${parts.slice(0, mid).join("")}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${parts.slice(0, lo).join("").trimEnd()}…`;
}

/** Words joined with ", " while they fit `width`, then "+n more". */
export function fitList(ctx: Context, items: string[], width: number, none: string): string {
  if (items.length === 0) return none;
  for (let n = items.length; n > 0; n--) {
    const more = items.length - n;
    const text = `${items.slice(0, n).map(safeText).join(", ")}${more ? ` +${more} more` : ""}`;
    if (ctx.measureText(text).width <= width) return text;
  }
  return fitText(ctx, `${items.length} (${items.map(safeText).join(", ")})`, width);
}

/** Dark card colours: the pictures carry their own background, so they read the same in light and dark clients. */
export const INK = {
  background: "#17181c",
  panel: "#23252b",
  text: "#f2f3f5",
  muted: "#a8adb7",
  faint: "#3a3d45",
  edge: "#454954",
} as const;

/** `text`: every string the picture will draw, so only the fonts it needs are loaded; without it, all of them. */
export function canvas(width: number, height: number, text?: string): { ctx: Context; png: () => Buffer } {
  ensureFonts(text);
  const c = native().createCanvas(width, height);
  const ctx = c.getContext("2d");
  ctx.fillStyle = INK.background;
  ctx.fillRect(0, 0, width, height);
  // An edge, so the picture stands apart from a dark client's background too.
  ctx.strokeStyle = INK.edge;
  ctx.lineWidth = 2;
  ctx.strokeRect(1, 1, width - 2, height - 2);
  ctx.textBaseline = "alphabetic";
  return { ctx, png: () => c.toBuffer("image/png") };
}

/** A report picture's start: the blank canvas with its title in bold across the top, cut to fit between the margins. */
export function titledCanvas(width: number, height: number, title: string, margin: number, baseline: number): { ctx: Context; png: () => Buffer } {
  const drawn = canvas(width, height);
  drawn.ctx.font = font(22, "bold");
  drawn.ctx.fillStyle = INK.text;
  drawn.ctx.fillText(fitText(drawn.ctx, title, width - margin * 2), margin, baseline);
  return drawn;
}

export function roundRect(ctx: Context, x: number, y: number, w: number, h: number, r: number, fill: string): void {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, Math.min(r, h / 2, w / 2));
  ctx.fillStyle = fill;
  ctx.fill();
}
