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
import { belowThreshold, decideTier, tierDistribution, type BelowThreshold, type PartnerStanding, type TierCount, type TierState } from "../domain/partner.ts";
import type { PartnerProgram, Templates } from "../domain/pack.ts";
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
  // A week that has ended reads as it stood at its end, however much later it is asked; the running week reads the stored balances.
  const ended = week.end.getTime() <= now.getTime();
  const during = { gte: week.start, lt: week.end };
  const rank = (id: string) => partner.tiers.findIndex((t) => t.id === id);
  const waitedSince = new Date(asOf.getTime() - partner.unverifiedSiteDays * DAY);
  const [standings, changes, lapsed, removed, waiting] = await Promise.all([
    ended ? standingsAt(app, week.end) : currentStandings(app),
    app.db.tierChange.findMany({ where: { createdAt: during }, include: { member: { select: { handle: true } } }, orderBy: { id: "asc" } }),
    // Dated by the lapse itself: a site whose premium came back before the week ended is still listed.
    app.db.site.findMany({ where: { lapsedAt: during }, include: { member: { select: { handle: true } } }, orderBy: { lapsedAt: "asc" } }),
    app.db.site.findMany({ where: { state: stateAfter("remove"), stateChangedAt: during }, include: { member: { select: { handle: true } } }, orderBy: { stateChangedAt: "asc" } }),
    app.db.site.findMany({
      where: ended ? waitingAt(week.end, waitedSince) : { state: { in: [...VERIFIABLE_STATES] }, verifiedAt: null, submittedAt: { lt: waitedSince } },
      include: { member: { select: { handle: true } } },
      orderBy: { submittedAt: "asc" },
    }),
  ]);
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

/** Partners as their balances stand now. A partner is a member with a site, points, or a tier above the first; everyone else has never taken part. */
async function currentStandings(app: App): Promise<PartnerStanding[]> {
  const balances = await app.db.balance.findMany({
    where: { OR: [{ points: { not: 0 } }, { tier: { not: app.pack.partner.tiers[0]?.id ?? "" } }, { member: { sites: { some: {} } } }] },
    include: { member: { select: { handle: true } } },
  });
  return balances.map((b) => ({ handle: b.member.handle, tier: b.tier, points: b.points, atRiskSince: b.atRiskSince }));
}

/**
 * Partners as they stood just before `end`: the points are the ledger's sum
 * before it, the tier the last tier change before it. Only a partner short of
 * that tier can have been at risk, so only their ledgers are replayed through
 * the tier rules to find since when.
 */
async function standingsAt(app: App, end: Date): Promise<PartnerStanding[]> {
  const partner = app.pack.partner;
  const first = partner.tiers[0]?.id ?? "";
  const rows = await app.db.$queryRaw<{ member_id: string; handle: string; points: number; tier: string | null }[]>`
    WITH points AS (SELECT member_id, SUM(delta)::integer AS points FROM ledger_entries WHERE created_at < ${end} GROUP BY member_id),
    tiers AS (SELECT DISTINCT ON (member_id) member_id, to_tier AS tier FROM tier_changes WHERE created_at < ${end} ORDER BY member_id, created_at DESC, id DESC)
    SELECT m.id AS member_id, m.handle, COALESCE(p.points, 0) AS points, t.tier
    FROM members m LEFT JOIN points p ON p.member_id = m.id LEFT JOIN tiers t ON t.member_id = m.id
    WHERE COALESCE(p.points, 0) <> 0 OR COALESCE(t.tier, ${first}) <> ${first}
      OR EXISTS (SELECT 1 FROM sites s WHERE s.member_id = m.id AND s.submitted_at < ${end})
    ORDER BY m.handle`;
  const standings = rows.map((r) => ({ memberId: r.member_id, handle: r.handle, tier: r.tier ?? first, points: r.points, atRiskSince: null as Date | null }));
  const short = standings.filter((s) => s.points < (partner.tiers.find((t) => t.id === s.tier)?.threshold ?? 0));
  if (short.length > 0) {
    const ids = short.map((s) => s.memberId);
    const [entries, moves] = await Promise.all([
      app.db.ledgerEntry.findMany({ where: { memberId: { in: ids }, createdAt: { lt: end } }, select: { memberId: true, delta: true, createdAt: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
      app.db.tierChange.findMany({ where: { memberId: { in: ids }, createdAt: { lt: end } }, select: { memberId: true, toTier: true, createdAt: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    ]);
    const replayed = replayTiers(partner, entries, moves);
    for (const s of short) {
      const state = replayed.get(s.memberId);
      if (state?.tier === s.tier) s.atRiskSince = state.atRiskSince;
    }
  }
  return standings.map(({ memberId: _, ...s }) => s);
}

/**
 * Each member's tier state after their entries, in order, through the tier
 * rules, with the recorded tier changes applied as they happened (the daily
 * sweep's demotions have no entry of their own). An entry comes before a change
 * stamped the same moment, since posting it is what made the change.
 */
function replayTiers(
  partner: PartnerProgram,
  entries: readonly { memberId: string; delta: number; createdAt: Date }[],
  moves: readonly { memberId: string; toTier: string; createdAt: Date }[],
): Map<string, TierState> {
  const timeline = [...entries.map((e) => ({ ...e, order: 0 })), ...moves.map((m) => ({ ...m, order: 1 }))].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.order - b.order,
  );
  const states = new Map<string, TierState & { points: number }>();
  for (const step of timeline) {
    const s = states.get(step.memberId) ?? { tier: partner.tiers[0]?.id ?? "", atRiskSince: null, points: 0 };
    if ("delta" in step) {
      const points = s.points + step.delta;
      states.set(step.memberId, { ...decideTier(partner, s, points, step.createdAt).state, points });
    } else if (s.tier !== step.toTier) states.set(step.memberId, { tier: step.toTier, atRiskSince: null, points: s.points });
  }
  return states;
}

/** Sites that had waited since before `since` for verification when `end` came: active then (their state unchanged since, or changed later without a lapse before), not verified by then. */
function waitingAt(end: Date, since: Date) {
  return {
    submittedAt: { lt: since },
    OR: [{ verifiedAt: null }, { verifiedAt: { gte: end } }],
    AND: [
      {
        OR: [
          { state: { in: [...VERIFIABLE_STATES] }, stateChangedAt: { lt: end } },
          { stateChangedAt: { gte: end }, OR: [{ lapsedAt: null }, { lapsedAt: { gte: end } }] },
        ],
      },
    ],
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
