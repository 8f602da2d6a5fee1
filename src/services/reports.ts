// The weekly compliance report of a program: one row per member with the
// status of each commitment, streak and weeks missed in a row; members who
// missed the flagging number of weeks in a row first; perks (and, for the partner group,
// tier benefits) unlocked but not yet delivered. The same rows go out as CSV.
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import { heatmap, heatmapAlt, HEATMAP_ROWS } from "../chat/pictures/heatmap.ts";
import { reply, type Block, type ImageBlock, type Reply } from "../chat/reply.ts";
import { UserError } from "../core/errors.ts";
import { atLeastShown, commitmentCell, missedInARowLabels, overallLabel } from "../chat/commitments.ts";
import { csvField, toCsv } from "../chat/csv.ts";
import { sortForReport, type CommitmentEvaluation, type CommitmentStatus, type CorrectionInput } from "../domain/commitments.ts";
import type { Program, Texts } from "../domain/pack.ts";
import { benefitsFor } from "../domain/partner.ts";
import { localDay, periodOf, previousPeriod, tryParsePeriodKey, type Period } from "../domain/periods.ts";
import { fillTemplate } from "../domain/templates.ts";
import { evaluateProgramMembers, type ProgramEvaluationResult } from "./commitments.ts";
import { findProgram } from "./programs.ts";

/** Rows shown in chat; the CSV always has every member. */
export const CHAT_ROWS = 100;

/** The week a report covers: the given ISO week, or the last complete one. */
export function reportWeek(app: App, periodKey: string | undefined): Period {
  const tz = app.config.STEWARD_TIMEZONE;
  const t = app.pack.texts;
  const now = app.now();
  if (!periodKey) return previousPeriod(periodOf("week", now, tz));
  const parsed = tryParsePeriodKey(periodKey, tz);
  if (!parsed.ok) throw new UserError(parsed.error, t.reportUsage, "report.period");
  if (parsed.period.unit !== "week")
    throw new UserError(fillTemplate(t.reportNotAWeek, { example: periodOf("week", now, tz).key, week: periodKey }), t.reportUsage, "report.period");
  if (parsed.period.start > now) throw new UserError(fillTemplate(t.reportNotStarted, { week: parsed.period.key }), undefined, "report.future");
  return parsed.period;
}

/**
 * What each member has received, and for the partner group their tier: read
 * alongside the evaluation, only the rows that exist (fulfilments are few
 * next to members), so a member with nothing delivered costs no row.
 */
export interface Deliveries {
  delivered: Map<string, Set<string>>;
  tiers: Map<string, string>;
}

async function deliveries(app: App, program: Program): Promise<Deliveries> {
  const delivered = new Map<string, Set<string>>();
  const tiers = new Map<string, string>();
  const perks = program.perks.some((p) => p.needsFulfilment);
  const tierBenefits = program.type === "partner-verification";
  if (!perks && !tierBenefits) return { delivered, tiers };
  const [fulfilled, tiered] = await Promise.all([
    app.sql.query<{ member_id: string; benefit: string }>(
      `SELECT f.member_id, f.benefit
         FROM benefit_fulfilments f JOIN memberships m ON m.member_id = f.member_id
        WHERE m.program_id = $1 AND m.state = 'active'`,
      [program.id],
    ),
    tierBenefits
      ? app.sql.query<{ member_id: string; tier: string }>(
          `SELECT m.member_id, b.tier
             FROM memberships m JOIN balances b ON b.member_id = m.member_id
            WHERE m.program_id = $1 AND m.state = 'active' AND b.tier IS NOT NULL`,
          [program.id],
        )
      : [],
  ]);
  for (const f of fulfilled) {
    const set = delivered.get(f.member_id);
    if (set) set.add(f.benefit);
    else delivered.set(f.member_id, new Set([f.benefit]));
  }
  for (const t of tiered) tiers.set(t.member_id, t.tier);
  return { delivered, tiers };
}

/**
 * Perks (and for the partner group, tier benefits) each member has unlocked but not received. Members who received the
 * same things (most: nothing) share one list, so a report of thousands builds a few.
 */
function awaitingDelivery(app: App, program: Program, memberIds: Iterable<string>, got: Deliveries): Map<string, string[]> {
  const perks = program.perks.filter((p) => p.needsFulfilment);
  const tierBenefits = program.type === "partner-verification";
  const out = new Map<string, string[]>();
  if (perks.length === 0 && !tierBenefits) return out;
  const partner = app.pack.partner;
  const byTier = new Map<string, { id: string; name: string }[]>();
  const none = new Set<string>();
  const shared = new Map<string, string[]>();
  for (const memberId of memberIds) {
    const have = got.delivered.get(memberId) ?? none;
    const tier = got.tiers.get(memberId);
    const key = `${tier ?? ""}\u0000${have.size ? [...have].join("\u0000") : ""}`;
    let due = shared.get(key);
    if (!due) {
      due = perks.filter((p) => !have.has(p.id)).map((p) => p.name);
      if (tierBenefits && tier && partner.tiers.some((t) => t.id === tier)) {
        let list = byTier.get(tier);
        if (!list) byTier.set(tier, (list = benefitsFor(partner, tier).filter((b) => b.needsFulfilment)));
        for (const b of list) if (!have.has(b.id)) due.push(b.name);
      }
      shared.set(key, due);
    }
    if (due.length) out.set(memberId, due);
  }
  return out;
}

/** A member who left during the week is listed for it (they were a member), marked with the day they left. */
function leftIn(t: Texts, endedAt: Date | null, week: Period): string {
  return endedAt && endedAt < week.end ? fillTemplate(t.reportRowLeft, { date: localDay(endedAt, week.tz) }) : "";
}

/**
 * localDay for the many instants of one report: each local day's bounds are found once, since a time zone conversion
 * per instant cost more than writing the rest of the CSV when hundreds of cells were corrected.
 */
function dayNames(tz: string): (d: Date) => string {
  const days: Array<{ from: number; to: number; name: string }> = [];
  return (d) => {
    const t = d.getTime();
    if (!Number.isFinite(t)) return localDay(d, tz);
    for (const x of days) if (t >= x.from && t <= x.to) return x.name;
    const local = DateTime.fromMillis(t, { zone: tz });
    const name = localDay(d, tz);
    days.push({ from: local.startOf("day").toMillis(), to: local.endOf("day").toMillis(), name });
    return name;
  };
}

/** "hours of 2026-10-05 added 2026-10-20": what changed, dated as people in the organisation read it. */
function describeCorrection(c: CorrectionInput, day: (d: Date) => string): string {
  return `${c.kind} of ${day(c.occurredAt)} ${c.change} ${day(c.at)}`;
}

function weekLabel(p: Period): string {
  const start = DateTime.fromJSDate(p.start, { zone: p.tz });
  const last = DateTime.fromMillis(p.end.getTime() - 1, { zone: p.tz });
  return `${p.key} (${start.toFormat("ccc d LLL")} – ${last.toFormat("ccc d LLL yyyy")}, ${p.tz})`;
}

/** Weeks across the heatmap: the report's week and the ones before it. */
export const HEATMAP_WEEKS = 12;

/**
 * The report's heatmap: members in the report's order (repeat missers first) by
 * the last weeks, each cell that week's status over the weekly commitments; the
 * first HEATMAP_ROWS members and a count of the rest. None for a program
 * without a weekly required commitment: it has no week-by-week status.
 */
export function heatmapBlock<R extends { member: { handle: string } }>(t: Texts, program: Program, week: Period, rows: readonly R[], weeksOf: (row: R) => CommitmentStatus[]): ImageBlock | undefined {
  if (!program.commitments.some((c) => c.per === "week" && c.required)) return undefined;
  const labels: string[] = [];
  for (let p = week, i = 0; i < HEATMAP_WEEKS; i++, p = previousPeriod(p)) labels.unshift(p.key.replace(/^\d{4}-/, ""));
  // Only the rows drawn are judged week by week; the rest are counted.
  const shown = rows.slice(0, HEATMAP_ROWS);
  const drawn = heatmap(fillTemplate(t.reportHeatmapTitle, { program: program.name, weeks: HEATMAP_WEEKS, week: week.key }), labels, shown.map((r) => ({ name: `@${r.member.handle}`, weeks: weeksOf(r) })));
  const map = { ...drawn, more: rows.length - drawn.rows.length };
  return { type: "image", picture: { kind: "heatmap", heatmap: map }, alt: heatmapAlt(map), filename: `heatmap-${program.id}-${week.key}.png` };
}

export async function buildReport(app: App, programId: string, periodKey?: string): Promise<Reply> {
  const program = findProgram(app, programId);
  const week = reportWeek(app, periodKey);
  const [result, got] = await Promise.all([evaluateProgramMembers(app, program.id, { period: week }), deliveries(app, program)]);
  return reportOf(app, program, week, result, got);
}

/** The report of judged members and what they have received (buildReport without its reads). */
export function reportOf(app: App, program: Program, week: Period, result: ProgramEvaluationResult, got: Deliveries): Reply {
  const t = app.pack.texts;
  const awaiting = awaitingDelivery(app, program, result.rows.map((r) => r.member.memberId), got);
  const day = dayNames(week.tz);
  const rows = sortForReport(result.rows);
  const s = result.summary;
  const missedLabels = missedInARowLabels(result.flagMissedInARow);
  const title = fillTemplate(t.reportTitle, { program: program.name, week: weekLabel(week) });

  const flagged = rows.filter((r) => r.flagged);
  const columns = ["member", "overall", ...program.commitments.map((c) => `${c.id}${c.required ? "" : " (opt.)"}`), "streak", "missed in a row", ""];
  const tableRows = rows
    .slice(0, CHAT_ROWS)
    .map((r) => [
      `@${r.member.handle}`,
      overallLabel(r),
      ...r.commitments.map((c, ci) => commitmentCell(c) + (r.changed?.[ci]?.length ? " *" : "")),
      atLeastShown(r.streak, r.member, result.windowWeeks),
      atLeastShown(r.missedInARow, r.member, result.windowWeeks),
      [r.flagged ? t.reportRowFlagged : "", r.onPause ? t.reportRowOnLeave : "", leftIn(t, r.member.endedAt, week)].filter(Boolean).join(", "),
    ]);

  const blocks: Block[] = [
    { type: "header", text: title },
    {
      type: "fields",
      fields: [
        { label: "Members", value: String(s.total) },
        { label: "Met", value: String(s.met) },
        { label: "On track", value: String(s["on-track"]) },
        { label: "At risk", value: String(s["at-risk"]) },
        { label: "Missed", value: String(s.missed) },
        { label: "Paused", value: String(s.paused) },
        { label: "New (not yet judged)", value: String(s["not-yet-judged"]) },
        { label: missedLabels.field, value: String(s.flagged) },
      ],
    },
  ];
  if (flagged.length) {
    const list = flagged
      .slice(0, 50)
      .map((r) => `@${r.member.handle} (${r.missedInARow})`)
      .join(", ");
    const members = flagged.length > 50 ? fillTemplate(t.reportAndMore, { list, count: flagged.length - 50 }) : list;
    blocks.push({ type: "text", text: fillTemplate(t.reportFlagged, { label: missedLabels.sentence, members }) });
  }
  blocks.push({
    type: "table",
    columns,
    rows: tableRows,
    ...(rows.length > CHAT_ROWS ? { caption: fillTemplate(t.reportFirstRows, { shown: CHAT_ROWS, count: rows.length }) } : {}),
  });
  if (awaiting.size) {
    // The first 50 lines written, the rest counted.
    const lines: string[] = [];
    for (const r of rows) {
      const items = awaiting.get(r.member.memberId);
      if (!items) continue;
      if (lines.length === 50) break;
      lines.push(`@${r.member.handle}: ${items.join(", ")}`);
    }
    const shown = lines.join("\n");
    blocks.push({ type: "text", text: fillTemplate(t.reportAwaiting, { lines: awaiting.size > 50 ? fillTemplate(t.reportAwaitingMore, { lines: shown, count: awaiting.size - 50 }) : shown }) });
  }
  // Only rows with a correction have anything to say (a few among thousands), and only the first 50 are shown.
  const changed: string[] = [];
  for (const r of rows) {
    if (!r.changed) continue;
    r.commitments.forEach((c, ci) => {
      const list = r.changed?.[ci] ?? [];
      if (list.length && changed.length < 50) changed.push(`@${r.member.handle} ${c.id}: ${list.map((x) => describeCorrection(x, day)).join(", ")}`);
    });
    if (changed.length === 50) break;
  }
  if (changed.length) blocks.push({ type: "text", text: fillTemplate(t.reportChanged, { lines: changed.join("; ") }) });
  const picture = heatmapBlock(t, program, week, rows, (r) => result.weeksOf(r.member, HEATMAP_WEEKS));
  if (picture) blocks.push(picture);
  blocks.push({ type: "context", text: fillTemplate(t.reportAsOf, { week: week.key }) });

  const header = [
    "member",
    "name",
    "overall",
    ...program.commitments.flatMap((c) => [`${c.id}_status`, `${c.id}_done`]),
    "streak",
    "weeks_missed_in_a_row",
    "flagged",
    "on_leave",
    "joined_at",
    "awaiting_delivery",
    "left_at",
    "changed_since_posted",
  ];
  // Line by line as toCsv writes records, without an array per member. Members' own text (handle, name, perk names,
  // corrections) goes through csvField, formulas escaped: moderators open this in a spreadsheet. The other fields are
  // statuses, numbers, yes/no and ISO instants, which it would write unchanged. The pieces are joined once at the end:
  // appending them to one string kept a node per piece alive (a tree of hundreds of thousands) until it was flattened.
  const joinedAwaiting = new Map<string[], string>();
  const pieces: Array<string | number> = [toCsv([header])];
  // Members in the same standing share an evaluation (see the domain's evaluation), so its cells are written once.
  const cells = new Map<CommitmentEvaluation, string>();
  for (const r of rows) {
    pieces.push(csvField(r.member.handle), ",", csvField(r.member.displayName), ",", r.overall);
    for (const c of r.commitments) {
      let cell = cells.get(c);
      if (cell === undefined) cells.set(c, (cell = `,${c.status},${c.done}`));
      pieces.push(cell);
    }
    const items = awaiting.get(r.member.memberId);
    let due = "";
    if (items) {
      due = joinedAwaiting.get(items) ?? csvField(items.join("; "));
      joinedAwaiting.set(items, due);
    }
    const left = r.member.endedAt && r.member.endedAt < week.end ? r.member.endedAt.toISOString() : "";
    const changedText = !r.changed ? "" : csvField(r.commitments.flatMap((c, ci) => (r.changed?.[ci]?.length ? [`${c.id}: ${(r.changed[ci] ?? []).map((x) => describeCorrection(x, day)).join(", ")}`] : [])).join("; "));
    pieces.push(",", r.streak ?? "", ",", r.missedInARow ?? "", r.flagged ? ",yes," : ",no,", r.onPause ? "yes," : "no,", r.member.joinedAt.toISOString(), ",", due, ",", left, ",", changedText, "\n");
  }
  const csv = pieces.join("");

  const text = fillTemplate(t.reportSummary, {
    program: program.name,
    week: week.key,
    total: s.total,
    met: s.met,
    atRisk: s["at-risk"],
    missed: s.missed,
    paused: s.paused,
    flagged: s.flagged,
    flaggedLabel: missedLabels.summary,
  });
  return reply(text, blocks, { files: [{ filename: `${program.id}-${week.key}.csv`, contentType: "text/csv", content: csv }] });
}
