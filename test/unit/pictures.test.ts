// The pictures themselves: each decodes as a PNG of the expected size, is not
// blank, and shows what its data says (the progress bar grows with the points,
// a missed week is red); member text of any script, or markup, is drawn and
// never crashes; the alt text says what the reply says.
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { tierCardBlock, tierReply } from "../../commands/tier.ts";
import { safeText } from "../../src/chat/pictures/canvas.ts";
import { drawHeatmap, heatmap, heatmapAlt, heatmapSize, HEATMAP_GRID, HEATMAP_ROWS } from "../../src/chat/pictures/heatmap.ts";
import { drawPictures, stopPictures } from "../../src/chat/pictures/index.ts";
import { CARD_BAR, CARD_SIZE, drawTierCard, tierCard, tierCardAlt, type TierCard } from "../../src/chat/pictures/tier-card.ts";
import { drawTierChart, tierChart, tierChartAlt, tierChartSize } from "../../src/chat/pictures/tier-chart.ts";
import { reply, type ImageBlock } from "../../src/chat/reply.ts";
import { renderText } from "../../src/chat/plain-text.ts";
import type { CommitmentStatus } from "../../src/domain/commitments.ts";
import { benefitsFor, progress } from "../../src/domain/partner.ts";
import { loadPack } from "../../src/programs/load.ts";

const pack = loadPack();
const partner = pack.partner;

afterAll(() => stopPictures());

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

function pixel(img: PNG, x: number, y: number): [number, number, number] {
  const i = (img.width * Math.round(y) + Math.round(x)) * 4;
  return [img.data[i] ?? 0, img.data[i + 1] ?? 0, img.data[i + 2] ?? 0];
}

const hex = (c: string): [number, number, number] => {
  const n = Number.parseInt(c.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};
const near = (a: [number, number, number], b: [number, number, number]) => a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= 8);

/** Distinct colours in a region: a blank picture has one. */
function colours(img: PNG, x0 = 0, y0 = 0, x1 = img.width, y1 = img.height): number {
  const seen = new Set<string>();
  for (let y = y0; y < y1; y += 2) for (let x = x0; x < x1; x += 2) seen.add(pixel(img, x, y).join(","));
  return seen.size;
}

/** How far along the bar the tier's colour reaches, in pixels, along the bar's middle line. */
function barFill(img: PNG, colour: string): number {
  const y = CARD_BAR.y + CARD_BAR.height / 2;
  let filled = 0;
  for (let x = CARD_BAR.x; x < CARD_BAR.x + CARD_BAR.width; x++) if (near(pixel(img, x, y), hex(colour))) filled++;
  return filled;
}

const card = (points: number, name = "Alice", badges: string[] = []): TierCard => tierCard(partner, pack.badges, { displayName: name }, points, undefined, badges);

describe("the tier card", () => {
  it("is a PNG of the card's size, not blank", () => {
    const img = decode(drawTierCard(card(640, "Alice", ["partner-badge"])));
    expect([img.width, img.height]).toEqual([CARD_SIZE.width, CARD_SIZE.height]);
    expect(colours(img)).toBeGreaterThan(20);
  });

  it("fills the progress bar in the tier's colour as far as the points go", () => {
    const low = decode(drawTierCard(card(450)));
    const high = decode(drawTierCard(card(900)));
    const pioneer = card(450).tier.colour;
    const a = barFill(low, pioneer);
    const b = barFill(high, pioneer);
    // Pioneer spans 400..1000: 450 is 1/12 of the way, 900 is 10/12.
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a * 4);
    expect(Math.abs(b / CARD_BAR.width - 10 / 12)).toBeLessThan(0.03);
  });

  it("shows the pack's tier colour, and the default palette when the pack names none", () => {
    const img = decode(drawTierCard(card(2500)));
    expect(near(pixel(img, 3, 100), hex(partner.tiers.find((t) => t.id === "icon")?.colour ?? ""))).toBe(true);
    const plain = { ...partner, tiers: partner.tiers.map(({ colour: _colour, ...t }) => t) };
    expect(tierCard(plain, pack.badges, { displayName: "A" }, 2500, undefined, []).tier.colour).toBe("#f59e0b");
  });

  it("draws names of emoji, right-to-left and CJK text, and markup as plain text, without failing", () => {
    const blank = decode(drawTierCard(card(640, "")));
    for (const name of ["🦄".repeat(200), "👩🏽‍💻👨‍👩‍👧‍👦🏳️‍🌈".repeat(40), "שלום עולם", "مرحبا بالعالم", "王小明 さくら 김민준", "<!channel> <@U123> &amp; <script>", "a\u0000b\u202Ec\ud800d"]) {
      const img = decode(drawTierCard(card(640, name)));
      expect([img.width, img.height]).toEqual([CARD_SIZE.width, CARD_SIZE.height]);
      // Something was drawn where the name goes.
      let differs = 0;
      for (let x = 40; x < 400; x += 3) for (let y = 40; y < 80; y += 3) if (pixel(img, x, y).join() !== pixel(blank, x, y).join()) differs++;
      expect(differs, name.slice(0, 20)).toBeGreaterThan(10);
    }
  });

  it("drops control and direction-override characters and replaces broken surrogates", () => {
    expect(safeText("a\u0000b\u202Ec\nd\ud800e")).toBe("a b c d\ufffde");
  });

  it("has alt text saying what the reply says", () => {
    const s = { points: 640, progress: progress(partner.tiers, 640), unlocked: benefitsFor(partner, "pioneer").map((b) => ({ ...b, deliveredAt: null })), nextBenefits: [], atRiskSince: null, badges: ["partner-badge"] };
    const member = { id: "m1", handle: "alice", displayName: "Alice" };
    const r = tierReply(member, s, pack);
    const image = r.blocks.find((b): b is ImageBlock => b.type === "image");
    expect(image).toEqual(tierCardBlock(pack, member, s));
    expect(image?.alt).toContain(r.text.replace(/^Alice: /, ""));
    expect(image?.alt).toContain("Alice");
    expect(image?.alt).toContain("Partner Badge");
    expect(image?.alt).toBe(tierCardAlt(image?.picture.kind === "tier-card" ? image.picture.card : card(0)));
    // Asked without the picture, there is none.
    expect(tierReply(member, s, pack, { picture: false }).blocks.some((b) => b.type === "image")).toBe(false);
  });

  it("dates the grace period's start in the organisation's zone", () => {
    const s = { points: 300, progress: progress(partner.tiers, 300), unlocked: [], nextBenefits: [], atRiskSince: new Date("2026-11-01T03:20:00Z"), badges: [] };
    const text = (tz: string) => JSON.stringify(tierReply({ id: "m1", handle: "alice", displayName: "Alice" }, s, pack, { picture: false, tz }).blocks);
    expect(text("America/Havana")).toContain("2026-10-31");
    expect(text("UTC")).toContain("2026-11-01");
  });
});

describe("the compliance heatmap", () => {
  const S: CommitmentStatus[] = ["met", "on-track", "at-risk", "missed", "paused", "not-yet-judged"];
  const weeks = Array.from({ length: 12 }, (_, i) => `W${37 + i}`);
  const members = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `@member${i}`, weeks: weeks.map((_, w) => S[(i + w) % S.length] as CommitmentStatus) }));

  it("keeps the report's order, the first 50 and a count of the rest", () => {
    const h = heatmap("Velo — W48", weeks, members(60));
    expect(h.rows).toHaveLength(HEATMAP_ROWS);
    expect(h.more).toBe(10);
    expect(h.rows[0]).toEqual({ name: "@member0", weeks: "MORXP-MORXP-" });
    expect(heatmapAlt(h)).toMatch(/^Compliance heatmap, Velo — W48, weeks W37–W48, 50 members shown and 10 more, repeat missers first\. @member0: 2 met, 2 on track, 2 at risk, 2 missed, 2 paused; /);
  });

  it("is a PNG with a row per member, each cell in its status's colour", () => {
    const h = heatmap("Velo — W48", weeks, [{ name: "@missed-it", weeks: Array(12).fill("missed") }, { name: "@kept-it", weeks: Array(12).fill("met") }]);
    const img = decode(drawHeatmap(h));
    expect({ width: img.width, height: img.height }).toEqual(heatmapSize(h));
    expect(colours(img)).toBeGreaterThan(20);
    // The first cell of each row, near its top-left corner (away from the mark in the middle).
    const cell = (row: number) => pixel(img, HEATMAP_GRID.x + 6, HEATMAP_GRID.y + row * HEATMAP_GRID.row + 6);
    expect(near(cell(0), hex("#e5484d"))).toBe(true);
    expect(near(cell(1), hex("#2ea043"))).toBe(true);
  });

  it("draws a program with no members, and names of any script", () => {
    expect(decode(drawHeatmap(heatmap("Empty", weeks, []))).height).toBeGreaterThan(100);
    const odd = heatmap("<!channel>", weeks, [{ name: "🦄".repeat(200), weeks: [] }, { name: "שלום", weeks: ["met"] }, { name: "<!here>", weeks: ["missed"] }]);
    expect(decode(drawHeatmap(odd)).width).toBe(heatmapSize(odd).width);
  });
});

describe("the partner tier chart", () => {
  it("draws members per tier and the week's moves, with alt text saying the same", () => {
    const c = tierChart("Partner tiers — 2026-W48", partner.tiers, { explorer: 12, pioneer: 4, creator: 1 }, { pioneer: { up: 2 }, explorer: { down: 1 } });
    expect(c.tiers.map((t) => t.members)).toEqual([12, 4, 1, 0, 0]);
    expect(tierChartAlt(c)).toBe("Tier chart, Partner tiers — 2026-W48: 17 members. Explorer 12 (−1 out this week), Pioneer 4 (+2 in this week), Creator 1, Icon 0, Legend 0.");
    const img = decode(drawTierChart(c));
    expect({ width: img.width, height: img.height }).toEqual(tierChartSize(c));
    // The longest bar (Explorer) in Explorer's colour, the empty Legend bar not.
    const explorer = hex(c.tiers[0]?.colour ?? "");
    expect(near(pixel(img, 32 + 150 + 300, 80 + 15), explorer)).toBe(true);
    expect(near(pixel(img, 32 + 150 + 300, 80 + 4 * 46 + 15), hex(c.tiers[4]?.colour ?? ""))).toBe(false);
  });
});

describe("drawing a reply's pictures", () => {
  it("draws on the drawing thread the same picture as drawing here", async () => {
    const c = card(640, "Alice");
    const r = reply("Alice: Pioneer", [{ type: "text", text: "hi" }, { type: "image", picture: { kind: "tier-card", card: c }, alt: tierCardAlt(c), filename: "tier-alice.png" }]);
    const drawn = await drawPictures(r);
    const image = drawn.blocks[1] as ImageBlock;
    expect(Buffer.from(image.png ?? []).equals(drawTierCard(c))).toBe(true);
    // The reply itself is untouched: what an outbox row holds stays plain data.
    expect((r.blocks[1] as ImageBlock).png).toBeUndefined();
  });

  it("leaves a picture that cannot be drawn undrawn, says so, and the text shows its alt", async () => {
    const broken = { kind: "tier-card", card: { name: "x" } } as unknown as ImageBlock["picture"];
    const errors: unknown[] = [];
    const drawn = await drawPictures(reply("t", [{ type: "image", picture: broken, alt: "A card.", filename: "x.png" }]), (err) => errors.push(err));
    expect((drawn.blocks[0] as ImageBlock).png).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(renderText(drawn)).toBe("[picture x.png: A card.]");
  });
});
