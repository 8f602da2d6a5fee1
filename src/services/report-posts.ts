// The scheduled reports: last week's compliance report of a program to its
// moderators' channel (and as a DM to the moderators who asked for it), and
// partner health to the partner program's. The schedule (src/jobs) decides
// when and records the period; these build the report and queue its posts.
import type { App } from "../app.ts";
import type { Reply } from "../chat/reply.ts";
import { parsePeriodKey } from "../domain/periods.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { Tx } from "../store/client.ts";
import { transaction } from "../store/transaction.ts";
import { historyNote } from "./backfill.ts";
import { enqueue, enqueueAll } from "./outbox.ts";
import { partnerHealth, partnerHealthReply } from "./partner-health.ts";
import { buildReport } from "./reports.ts";
import { reportSubscribers } from "./schedules.ts";

export interface ReportRun {
  /** A moderator asked for it now: posted again, under keys of its own. */
  manual: boolean;
  /** Runs first inside the transaction (the schedule records its period there, so a period is posted once). */
  claim: (tx: Tx) => Promise<void>;
}

/** A manual run's keys are its own: a moderator who asks again gets the report again; a scheduler firing twice does not. */
const suffixOf = (app: App, run: ReportRun) => (run.manual ? `:manual:${app.now().getTime()}` : "");

/**
 * Posts `programId`'s compliance report for the week `period`; `skipped` names the weeks a catch-up after
 * downtime left out (said on the report). Returns who got it: the channel and how many moderators by DM.
 */
export async function postWeeklyReport(app: App, programId: string, period: string, run: ReportRun & { skipped: string[] }): Promise<{ channel: string; subscribers: number }> {
  const program = app.pack.programs.find((p) => p.id === programId);
  if (!program) throw new Error(`no program ${programId} in the pack`);
  const built = await buildReport(app, program.id, period);
  const caught: Reply = run.skipped.length
    ? {
        ...built,
        blocks: [
          ...built.blocks,
          { type: "context", text: fillTemplate(app.pack.texts.reportCatchUpSkipped, { weeks: app.pack.reportCatchUpWeeks, skipped: run.skipped.join(", "), program: program.id }) },
        ],
      }
    : built;
  // The first report after a backfill says how far the history goes (once: its row is recorded with the report).
  const note = await historyNote(app, program.id);
  const report: Reply = note ? { ...caught, blocks: [...caught.blocks, { type: "context", text: note.text }] } : caught;
  const post: Reply = { ...report, visibility: "public" };
  const subscribers = await reportSubscribers(app, program.id);
  const suffix = suffixOf(app, run);
  await transaction(app, async (tx) => {
    await run.claim(tx);
    if (note) await tx.scheduleRun.createMany({ data: [note.run], skipDuplicates: true });
    await enqueueAll(tx, [
      { message: { kind: "post", channel: program.moderatorChannel, reply: post }, options: { now: app.now(), dedupeKey: `report:${program.id}:${period}:post${suffix}` } },
      ...subscribers.map((memberId) => ({
        message: { kind: "dm" as const, memberId, reply: report },
        options: { now: app.now(), dedupeKey: `report:${program.id}:${period}:dm:${memberId}${suffix}` },
      })),
    ]);
  });
  return { channel: program.moderatorChannel, subscribers: subscribers.length };
}

/** Posts partner health for the week `period` (a week key in `tz`); returns the channel. */
export async function postPartnerHealth(app: App, period: string, tz: string, run: ReportRun): Promise<string> {
  const channel = app.pack.partner.moderatorChannel;
  const health = partnerHealthReply(app, await partnerHealth(app, parsePeriodKey(period, tz)));
  const suffix = suffixOf(app, run);
  await transaction(app, async (tx) => {
    await run.claim(tx);
    await enqueue(tx, { kind: "post", channel, reply: { ...health, visibility: "public" } }, { now: app.now(), dedupeKey: `partner-health:${period}:post${suffix}` });
  });
  return channel;
}
