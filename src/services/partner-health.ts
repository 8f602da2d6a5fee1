// Partner health for moderators (/report partner and its weekly post): who
// holds a tier their balance no longer reaches and when the grace period
// demotes them, this week's promotions and demotions, lapses and contributor
// removals, sites waiting too long for verification, and how many partners
// hold each tier. `partnerHealth` returns plain data (a chart of the tier
// distribution and the week's moves is drawn from it); the reply and its CSV
// are rendered from that data.
import { stringify } from "csv-stringify/sync";
import type { App } from "../app.ts";
import { tierChart, tierChartAlt } from "../chat/pictures/tier-chart.ts";
import { reply, type Block, type ImageBlock, type Reply } from "../chat/reply.ts";
import { belowThreshold, tierDistribution, type BelowThreshold, type TierCount } from "../domain/partner.ts";
import type { Templates } from "../domain/pack.ts";
import { localDay, type Period } from "../domain/periods.ts";
import { stateAfter, VERIFIABLE_STATES } from "../domain/sites.ts";
import { fillTemplate } from "../domain/templates.ts";

type HealthTexts = Templates["healthReport"];

const DAY = 24 * 60 * 60 * 1000;

export interface TierMove {
  handle: string;
  from: string;
  to: string;
  direction: "promotion" | "demotion";
  at: Date;
}

export interface SiteEvent {
  handle: string;
  url: string;
  at: Date;
}

export interface PartnerHealth {
  week: Period;
  /** The week so far when it is still running. */
  asOf: Date;
  tierDistribution: TierCount[];
  moves: TierMove[];
  belowThreshold: BelowThreshold[];
  lapses: SiteEvent[];
  removals: SiteEvent[];
  /** Submitted, not verified, for more than the pack's unverifiedSiteDays. */
  unverified: Array<SiteEvent & { days: number }>;
}

export async function partnerHealth(app: App, week: Period): Promise<PartnerHealth> {
  const partner = app.pack.partner;
  const now = app.now();
  const asOf = new Date(Math.min(now.getTime(), week.end.getTime()));
  const during = { gte: week.start, lt: week.end };
  const rank = (id: string) => partner.tiers.findIndex((t) => t.id === id);
  const [balances, changes, lapsed, removed, waiting] = await Promise.all([
    // A partner is a member with a site, points, or a tier above the first; everyone else has never taken part.
    app.db.balance.findMany({
      where: { OR: [{ points: { not: 0 } }, { tier: { not: partner.tiers[0]?.id ?? "" } }, { member: { sites: { some: {} } } }] },
      include: { member: { select: { handle: true } } },
    }),
    app.db.tierChange.findMany({ where: { createdAt: during }, include: { member: { select: { handle: true } } }, orderBy: { id: "asc" } }),
    // Dated by the lapse itself: a site whose premium came back before the week ended is still listed.
    app.db.site.findMany({ where: { lapsedAt: during }, include: { member: { select: { handle: true } } }, orderBy: { lapsedAt: "asc" } }),
    app.db.site.findMany({ where: { state: stateAfter("remove"), stateChangedAt: during }, include: { member: { select: { handle: true } } }, orderBy: { stateChangedAt: "asc" } }),
    app.db.site.findMany({
      where: { state: { in: [...VERIFIABLE_STATES] }, verifiedAt: null, submittedAt: { lt: new Date(asOf.getTime() - partner.unverifiedSiteDays * DAY) } },
      include: { member: { select: { handle: true } } },
      orderBy: { submittedAt: "asc" },
    }),
  ]);
  const standings = balances.map((b) => ({ handle: b.member.handle, tier: b.tier, points: b.points, atRiskSince: b.atRiskSince }));
  const site = (s: (typeof removed)[number]): SiteEvent => ({ handle: s.member.handle, url: s.url, at: s.stateChangedAt });
  return {
    week,
    asOf,
    tierDistribution: tierDistribution(partner, standings),
    moves: changes.map((c) => ({
      handle: c.member.handle,
      from: c.fromTier,
      to: c.toTier,
      direction: rank(c.toTier) > rank(c.fromTier) ? "promotion" : "demotion",
      at: c.createdAt,
    })),
    belowThreshold: belowThreshold(partner, standings),
    lapses: lapsed.map((s) => ({ handle: s.member.handle, url: s.url, at: s.lapsedAt ?? s.stateChangedAt })),
    removals: removed.map(site),
    unverified: waiting.map((s) => ({ handle: s.member.handle, url: s.url, at: s.submittedAt, days: Math.floor((asOf.getTime() - s.submittedAt.getTime()) / DAY) })),
  };
}

/** Lists in chat stop here; the CSV has every row. */
const CHAT_ITEMS = 25;

/** A section of the report: its heading, then its items one a line (the pack's `none` when there are none). */
function section(t: HealthTexts, heading: string, items: string[]): string {
  if (items.length === 0) return `${heading}\n${t.none}`;
  const more = items.length > CHAT_ITEMS ? `\n${fillTemplate(t.more, { count: items.length - CHAT_ITEMS })}` : "";
  return `${heading}\n${items.slice(0, CHAT_ITEMS).join("\n")}${more}`;
}

/** The tier distribution as a picture: members per tier, and this week's arrivals by promotion and departures by demotion. */
function tierChartBlock(app: App, title: string, h: PartnerHealth): ImageBlock {
  const counts = Object.fromEntries(h.tierDistribution.map((t) => [t.tier, t.partners]));
  const moves: Record<string, { up: number; down: number }> = {};
  const at = (tier: string) => (moves[tier] ??= { up: 0, down: 0 });
  for (const m of h.moves) {
    if (m.direction === "promotion") at(m.to).up++;
    else at(m.from).down++;
  }
  const chart = tierChart(title, app.pack.partner.tiers, counts, moves);
  return { type: "image", picture: { kind: "tier-chart", chart }, alt: tierChartAlt(chart), filename: `tier-chart-${h.week.key}.png` };
}

export function partnerHealthReply(app: App, h: PartnerHealth): Reply {
  const tz = h.week.tz;
  const day = (d: Date) => localDay(d, tz);
  const name = (id: string) => app.pack.partner.tiers.find((t) => t.id === id)?.name ?? id;
  const running = h.asOf < h.week.end;
  const t = app.pack.partner.templates.healthReport;
  const title = fillTemplate(running ? t.titleSoFar : t.title, { program: app.pack.partner.name, week: h.week.key });
  const promotions = h.moves.filter((m) => m.direction === "promotion");
  const demotions = h.moves.filter((m) => m.direction === "demotion");
  const move = (m: TierMove) => `@${m.handle}: ${name(m.from)} → ${name(m.to)} (${day(m.at)})`;
  const blocks: Block[] = [
    { type: "header", text: title },
    { type: "fields", fields: h.tierDistribution.map((t) => ({ label: `${t.name} (${t.threshold}+)`, value: String(t.partners) })) },
    tierChartBlock(app, title, h),
    {
      type: "table",
      columns: [t.belowColumns.partner, t.belowColumns.tier, t.belowColumns.points, t.belowColumns.needs, t.belowColumns.demotedOn],
      rows: h.belowThreshold.slice(0, CHAT_ITEMS).map((b) => [`@${b.handle}`, name(b.tier), String(b.points), `${b.missing} more`, day(b.demotionOn)]),
      caption: h.belowThreshold.length ? fillTemplate(t.belowCaption, { count: h.belowThreshold.length }) : t.belowNone,
    },
    { type: "text", text: section(t, t.promotions, promotions.map(move)) },
    { type: "text", text: section(t, t.demotions, demotions.map(move)) },
    { type: "text", text: section(t, t.lapses, h.lapses.map((s) => `@${s.handle}: ${s.url} (${day(s.at)})`)) },
    { type: "text", text: section(t, t.removals, h.removals.map((s) => `@${s.handle}: ${s.url} (${day(s.at)})`)) },
    {
      type: "text",
      text: section(t, fillTemplate(t.unverified, { days: app.pack.partner.unverifiedSiteDays }), h.unverified.map((s) => `@${s.handle}: ${s.url} (${s.days} days)`)),
    },
  ];
  const records: Array<Array<string | number>> = [["section", "member", "tier", "points", "detail", "date"]];
  for (const t of h.tierDistribution) records.push(["tier", "", t.name, t.partners, `${t.threshold}+ points`, ""]);
  for (const b of h.belowThreshold) records.push(["below-threshold", b.handle, name(b.tier), b.points, `${b.missing} more`, day(b.demotionOn)]);
  for (const m of h.moves) records.push([m.direction, m.handle, name(m.to), "", `from ${name(m.from)}`, day(m.at)]);
  for (const s of h.lapses) records.push(["lapse", s.handle, "", "", s.url, day(s.at)]);
  for (const s of h.removals) records.push(["contributor-removed", s.handle, "", "", s.url, day(s.at)]);
  for (const s of h.unverified) records.push(["unverified", s.handle, "", "", `${s.url} (${s.days} days)`, day(s.at)]);
  // escape_formulas: handles and URLs are members' own text, and moderators open this in a spreadsheet.
  const csv = stringify(records, { escape_formulas: true });
  const text = fillTemplate(t.summary, {
    title,
    below: h.belowThreshold.length,
    promoted: promotions.length,
    demoted: demotions.length,
    lapses: h.lapses.length,
    removals: h.removals.length,
    unverified: h.unverified.length,
  });
  return reply(text, blocks, { files: [{ filename: `partner-health-${h.week.key}.csv`, contentType: "text/csv", content: csv }] });
}
