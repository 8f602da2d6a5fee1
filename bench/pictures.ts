// Pictures (issue 15): a tier card should draw in ≤ 50 ms and a 10,000-member
// heatmap in ≤ 500 ms, each beside its text reply as the baseline. Drawing
// needs no database: the card and heatmap are built from the pack and from
// synthetic evaluation rows, the way the command and the report build them.
import { tierReply } from "../commands/tier.ts";
import { drawHeatmap, heatmap, heatmapAlt } from "../src/chat/pictures/heatmap.ts";
import { drawPicture, stopPictures } from "../src/chat/pictures/index.ts";
import { drawTierCard, tierCard } from "../src/chat/pictures/tier-card.ts";
import { reply } from "../src/chat/reply.ts";
import { renderText } from "../src/chat/plain-text.ts";
import { compareForReport, evaluateProgram, type ActivityInput, type CommitmentStatus } from "../src/domain/commitments.ts";
import { benefitsFor, progress } from "../src/domain/partner.ts";
import { periodOf, previousPeriod } from "../src/domain/periods.ts";
import { loadPack } from "../src/programs/load.ts";
import { HEATMAP_WEEKS } from "../src/services/reports.ts";
import { fmtStats, heading, line, ms, ratio, rng, stats, timeEach, type Scale } from "./lib.ts";

const CARD_SAMPLES = 100;
const HEATMAP_MEMBERS = 10_000;
const HEATMAP_SAMPLES = 10;

export async function picturesBench(_scale: Scale): Promise<void> {
  const pack = loadPack();
  const partner = pack.partner;
  heading(`Pictures: the tier card and a ${HEATMAP_MEMBERS.toLocaleString("en")}-member heatmap (@napi-rs/canvas), against their text replies`);

  // --- the tier card
  const member = { id: "m1", handle: "alice", displayName: "Alice Example 🎉" };
  const status = (points: number) => {
    const p = progress(partner.tiers, points);
    return { points, progress: p, unlocked: benefitsFor(partner, p.tier.id).map((b) => ({ ...b, deliveredAt: null })), nextBenefits: [], atRiskSince: null, badges: ["partner-badge"] };
  };
  const random = rng(15);
  const points = () => Math.floor(random() * 6000);
  const text = stats(await timeEach(CARD_SAMPLES * 10, async () => renderText(tierReply(member, status(points()), pack, { picture: false }))));
  line("baseline: /tier as text (reply + text render)", fmtStats(text));
  const draw = async () => drawTierCard(tierCard(partner, pack.badges, member, points(), undefined, ["partner-badge"]));
  await timeEach(5, draw); // fonts load on first use, once per process
  const card = stats(await timeEach(CARD_SAMPLES, draw));
  line("tier card, drawn (build + draw + PNG encode)", `${fmtStats(card)}; p50 ${card.p50 <= 50 ? "within" : "OVER"} the 50 ms budget, p95 ${card.p95 <= 50 ? "within" : "over"} it`);
  const c = tierCard(partner, pack.badges, member, 640, undefined, ["partner-badge"]);
  await drawPicture({ kind: "tier-card", card: c });
  const threaded = stats(await timeEach(CARD_SAMPLES, () => drawPicture({ kind: "tier-card", card: c })));
  line("tier card on the drawing thread (round trip)", fmtStats(threaded));
  line("card ÷ text (p50)", ratio(card.p50, text.p50));

  // --- the heatmap: evaluation rows of 10,000 members with 12 weeks of history
  const tz = "UTC";
  const program = pack.programs.find((p) => p.commitments.some((x) => x.per === "week" && x.required));
  if (!program) throw new Error("the pack has no program with a weekly commitment");
  const now = new Date("2026-11-30T12:00:00Z");
  const week = previousPeriod(periodOf("week", now, tz));
  const joined = new Date(week.start.getTime() - 20 * 7 * 86_400_000);
  const members = Array.from({ length: HEATMAP_MEMBERS }, (_, i) => {
    const activities: ActivityInput[] = [];
    for (let w = 0; w < HEATMAP_WEEKS; w++) if ((i * 7 + w * 3) % 5 !== 0) activities.push({ kind: "message", occurredAt: new Date(week.start.getTime() - w * 7 * 86_400_000 + 3_600_000) });
    return { handle: `member${i}`, membership: { joinedAt: joined }, activities };
  });
  const evaluate = (historyWeeks?: number) => evaluateProgram(program.commitments, members, { now, tz, period: week, ...(historyWeeks ? { historyWeeks } : {}) });
  const plain = stats(await timeEach(3, async () => evaluate()));
  const withHistory = stats(await timeEach(3, async () => evaluate(HEATMAP_WEEKS)));
  line(`evaluate ${HEATMAP_MEMBERS.toLocaleString("en")} members (the report's own work)`, fmtStats(plain));
  line(`  … with ${HEATMAP_WEEKS} weeks of history for the heatmap`, `${fmtStats(withHistory)}; ${ratio(withHistory.p50, plain.p50)}`);
  const rows = [...evaluate(HEATMAP_WEEKS).rows].sort(compareForReport);
  const weeks = Array.from({ length: HEATMAP_WEEKS }, (_, i) => `W${37 + i}`);
  const textReport = stats(
    await timeEach(HEATMAP_SAMPLES, async () =>
      renderText(reply("report", [{ type: "table", columns: ["member", "overall", "weeks"], rows: rows.slice(0, 100).map((r) => [`@${r.member.handle}`, r.overall, (r.weeks ?? []).join(" ")]) }])),
    ),
  );
  line("baseline: the report's table as text (100 rows shown)", fmtStats(textReport));
  const heat = async () => {
    const h = heatmap(program.name, weeks, rows.map((r) => ({ name: `@${r.member.handle}`, weeks: r.weeks ?? ([] as CommitmentStatus[]) })));
    heatmapAlt(h);
    return drawHeatmap(h);
  };
  await heat();
  const drawn = stats(await timeEach(HEATMAP_SAMPLES, heat));
  line(`heatmap of ${HEATMAP_MEMBERS.toLocaleString("en")} members (worst 50 drawn, the rest counted)`, `${fmtStats(drawn)}; p50 ${drawn.p50 <= 500 ? "within" : "OVER"} the 500 ms budget, p95 ${drawn.p95 <= 500 ? "within" : "over"} it`);
  line("heatmap ÷ text table (p50)", ratio(drawn.p50, textReport.p50));
  line("per heatmap", ms(drawn.mean));
  await stopPictures();
}
