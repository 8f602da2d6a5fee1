// The job functions behind the schedule table. They do not know which
// scheduler calls them (a BullMQ worker, croner in-process, catch-up at start,
// a moderator's `/schedule run`): each run works out its period from the time
// it was due, and a row in schedule_runs, inserted in the same transaction as
// the outbox rows it writes, makes a period run once even when several
// processes try at the same moment (the unique key decides; the loser's
// transaction rolls back whole).
import type { App } from "../app.ts";
import { reply, type Reply } from "../chat/reply.ts";
import { DateTime } from "luxon";
import type { PeriodUnit } from "../domain/pack.ts";
import { formatDeadline, isValidTimeZone, parsePeriodKey } from "../domain/periods.ts";
import { membersNeedingReminder } from "../services/commitments.ts";
import { sweepTiers } from "../services/ledger.ts";
import { reportSubscribers } from "../services/schedules.ts";
import { enqueue, enqueueAll } from "../services/outbox.ts";
import { partnerHealth, partnerHealthReply } from "../services/partner-health.ts";
import { buildReport } from "../services/reports.ts";
import { historyNote } from "../services/backfill.ts";
import { sweepPremium } from "../services/sites.ts";
import { pruneRetention } from "../services/retention.ts";
import { expireHeldForum } from "../services/forum.ts";
import type { Tx } from "../store/client.ts";
import { isUniqueViolation, transaction } from "../store/transaction.ts";
import { DEADLINE_REMINDERS, dueRun, missedRuns, periodAt, type ScheduledRun, type ScheduleDef } from "./schedules.ts";

export interface RunResult {
  scheduleId: string;
  period: string;
  status: "ran" | "already-ran" | "not-due";
  /** One line for logs and the /schedule reply. */
  summary: string;
}

class AlreadyRan extends Error {}

/** Runs the schedule's due period unless it ran already: what a firing scheduler and catch-up call. */
export async function runDue(app: App, def: ScheduleDef): Promise<RunResult> {
  try {
    const result = await runDueOnce(app, def);
    app.metrics?.scheduleRuns.inc({ schedule: def.id, status: result.status });
    return result;
  } catch (err) {
    app.metrics?.scheduleRuns.inc({ schedule: def.id, status: "failed" });
    app.metrics?.scheduleFailures.inc({ schedule: def.id });
    throw err;
  }
}

/** Reports (compliance, partner health) are posted for every week, oldest first: see catchUpReports. */
const isReport = (def: ScheduleDef) => def.kind === "weekly-report" || def.kind === "partner-health";

async function runDueOnce(app: App, def: ScheduleDef): Promise<RunResult> {
  if (!isReport(def)) return runDueAlone(app, def);
  // A scheduler firing for this week's report after downtime posts the weeks missed before it first, so the weeks
  // arrive in order whoever gets there first (catch-up at start or the firing); its result is the due week's.
  const due = dueRun(def, app.now(), app.pack);
  const results = await catchUpReports(app, def);
  return results.find((r) => r.period === due?.period) ?? results.at(-1) ?? { scheduleId: def.id, period: "", status: "not-due", summary: `${def.id}: nothing due` };
}

async function runDueAlone(app: App, def: ScheduleDef): Promise<RunResult> {
  const due = dueRun(def, app.now(), app.pack);
  if (!due) return { scheduleId: def.id, period: "", status: "not-due", summary: `${def.id}: nothing due` };
  const seen = await app.db.scheduleRun.findUnique({ where: { scheduleId_period: { scheduleId: def.id, period: due.period } } });
  if (seen) return already(due);
  try {
    return await execute(app, due, false);
  } catch (err) {
    if (err instanceof AlreadyRan || isUniqueViolation(err)) return already(due);
    throw err;
  }
}

/** A moderator's `/schedule run`: runs the current period now, even if it ran (reminders still reach nobody twice). */
export async function runScheduleNow(app: App, def: ScheduleDef): Promise<RunResult> {
  return execute(app, { def, period: periodAt(def, app.now()), firedAt: app.now() }, true);
}

/** At start: every schedule whose time passed while no process ran is run once, for the period it was due for. */
export async function catchUp(app: App, defs: ScheduleDef[]): Promise<RunResult[]> {
  const out: RunResult[] = [];
  // A fresh install missed nothing: it records the periods already due as its starting point
  // instead of posting an empty report for a week before it existed.
  if ((await app.db.scheduleRun.count()) === 0) {
    const baseline = defs.flatMap((def) => {
      const due = dueRun(def, app.now(), app.pack);
      return due && def.kind !== "outbox" ? [{ scheduleId: def.id, period: due.period, ranAt: app.now() }] : [];
    });
    await app.db.scheduleRun.createMany({ data: baseline, skipDuplicates: true });
    app.log.info({ schedules: baseline.length }, "first start: schedules begin from now");
    return baseline.map((b) => ({ scheduleId: b.scheduleId, period: b.period, status: "already-ran", summary: `${b.scheduleId}: starts after ${b.period}` }));
  }
  for (const def of defs) {
    try {
      if (isReport(def)) {
        out.push(...(await catchUpReports(app, def)));
        continue;
      }
      const r = await runDue(app, def);
      if (r.status === "ran") app.log.info({ schedule: def.id, period: r.period }, "caught up a missed schedule");
      out.push(r);
    } catch (err) {
      app.log.error({ err, schedule: def.id }, "catch-up run failed");
    }
  }
  return out;
}

/** Weeks of runs looked back at for missed reports; the pack caps how many are posted. */
const CATCH_UP_LOOKBACK = 60;

/**
 * Every weekly report (compliance or partner health) missed since the last
 * one posted, oldest first, once each; at most the pack's reportCatchUpWeeks,
 * the last compliance report naming the weeks left out. Without a report on
 * record it is the latest due only.
 */
async function catchUpReports(app: App, def: ScheduleDef): Promise<RunResult[]> {
  const last = await app.db.scheduleRun.findFirst({ where: { scheduleId: def.id }, orderBy: { period: "desc" } });
  if (!last) return [await runDueAlone(app, def)];
  const missed = missedRuns(def, last.period, app.now(), CATCH_UP_LOOKBACK);
  if (missed.length === 0) return [await runDueAlone(app, def)];
  const cap = app.pack.reportCatchUpWeeks;
  const skipped = missed.slice(0, Math.max(0, missed.length - cap)).map((r) => r.period);
  const posting = missed.slice(skipped.length);
  const out: RunResult[] = [];
  for (const [i, run] of posting.entries()) {
    try {
      out.push(await execute(app, run, false, i === posting.length - 1 ? skipped : []));
      app.log.info({ schedule: def.id, period: run.period }, "caught up a missed report");
    } catch (err) {
      if (err instanceof AlreadyRan || isUniqueViolation(err)) out.push(already(run));
      else throw err;
    }
  }
  return out;
}

function already(run: ScheduledRun): RunResult {
  return { scheduleId: run.def.id, period: run.period, status: "already-ran", summary: `${run.def.id}: ${run.period} already ran` };
}

/** Records the run inside the caller's transaction; a second scheduled run of the period throws and rolls back. */
async function record(tx: Tx, run: ScheduledRun, manual: boolean): Promise<void> {
  // ON CONFLICT DO NOTHING waits for a concurrent insert of the same period to commit, then counts 0.
  const created = await tx.scheduleRun.createMany({ data: [{ scheduleId: run.def.id, period: run.period }], skipDuplicates: true });
  if (created.count === 0 && !manual) throw new AlreadyRan();
}

function programOf(app: App, def: ScheduleDef) {
  const program = app.pack.programs.find((p) => p.id === def.programId);
  if (!program) throw new Error(`schedule ${def.id} names program ${def.programId ?? "(none)"}, which the pack does not have`);
  return program;
}

async function execute(app: App, run: ScheduledRun, manual: boolean, skipped: string[] = []): Promise<RunResult> {
  const done = (summary: string): RunResult => ({ scheduleId: run.def.id, period: run.period, status: "ran", summary: `${run.def.id} (${run.period}): ${summary}` });
  switch (run.def.kind) {
    case "weekly-report":
      return done(await weeklyReport(app, run, manual, skipped));
    case "partner-health":
      return done(await partnerHealthPost(app, run, manual));
    case "reminder":
      return done(await reminders(app, run, "week", manual));
    case "monthly-reminder":
    case "quarterly-reminder":
      return done(await reminders(app, run, DEADLINE_REMINDERS[run.def.kind], manual));
    case "daily-sweep": {
      const lapsed = await sweepPremium(app);
      const demoted = await sweepTiers(app);
      await expireHeldForum(app);
      const pruned = await pruneRetention(app);
      // The sweeps are idempotent by themselves; the row only tells catch-up that today is done.
      await app.db.scheduleRun.createMany({ data: [{ scheduleId: run.def.id, period: run.period }], skipDuplicates: true });
      return done(
        `${lapsed} site${lapsed === 1 ? "" : "s"} lapsed, ${demoted} member${demoted === 1 ? "" : "s"} moved down a tier; pruned ${pruned.outbox} delivered outbox rows, ${pruned.payloads} event bodies, ${pruned.audit} audit rows`,
      );
    }
    case "outbox":
      app.outboxWritten();
      return done("delivery started");
  }
}

async function weeklyReport(app: App, run: ScheduledRun, manual: boolean, skipped: string[]): Promise<string> {
  const program = programOf(app, run.def);
  const built = await buildReport(app, program.id, run.period);
  const caught: Reply = skipped.length
    ? {
        ...built,
        blocks: [
          ...built.blocks,
          {
            type: "context",
            text: `Steward was not running when more reports were due. Catching up posts at most ${app.pack.reportCatchUpWeeks} weeks, so these were not posted: ${skipped.join(", ")}. /report ${program.id} week:<week> shows any of them.`,
          },
        ],
      }
    : built;
  // The first report after a backfill says how far the history goes (once: its row is recorded with the report).
  const note = await historyNote(app, program.id);
  const report: Reply = note ? { ...caught, blocks: [...caught.blocks, { type: "context", text: note.text }] } : caught;
  const post: Reply = { ...report, visibility: "public" };
  const subscribers = await reportSubscribers(app, program.id);
  // A moderator who asks again gets the report again; a scheduler firing twice does not.
  const suffix = manual ? `:manual:${app.now().getTime()}` : "";
  await transaction(app, async (tx) => {
    await record(tx, run, manual);
    if (note) await tx.scheduleRun.createMany({ data: [note.run], skipDuplicates: true });
    await enqueueAll(tx, [
      { message: { kind: "post", channel: program.moderatorChannel, reply: post }, options: { now: app.now(), dedupeKey: `report:${program.id}:${run.period}:post${suffix}` } },
      ...subscribers.map((memberId) => ({
        message: { kind: "dm" as const, memberId, reply: report },
        options: { now: app.now(), dedupeKey: `report:${program.id}:${run.period}:dm:${memberId}${suffix}` },
      })),
    ]);
  });
  return `report posted to #${program.moderatorChannel}${subscribers.length ? ` and sent to ${subscribers.length} moderator${subscribers.length === 1 ? "" : "s"}` : ""}`;
}

async function partnerHealthPost(app: App, run: ScheduledRun, manual: boolean): Promise<string> {
  const channel = app.pack.partner.moderatorChannel;
  const health = partnerHealthReply(app, await partnerHealth(app, parsePeriodKey(run.period, run.def.tz)));
  const suffix = manual ? `:manual:${app.now().getTime()}` : "";
  await transaction(app, async (tx) => {
    await record(tx, run, manual);
    await enqueue(tx, { kind: "post", channel, reply: { ...health, visibility: "public" } }, { now: app.now(), dedupeKey: `partner-health:${run.period}:post${suffix}` });
  });
  return `partner health posted to #${channel}`;
}

export function reminderReply(programName: string, unit: PeriodUnit, missing: string[], deadline: Date, tz: string): Reply {
  const when = formatDeadline(deadline, tz);
  return reply(`${programName}: ${missing.length === 1 ? "one commitment" : `${missing.length} commitments`} still open this ${unit}, due ${when}`, [
    { type: "header", text: `${programName} — a friendly reminder` },
    { type: "text", text: `This ${unit} you still have:\n${missing.map((m) => `• ${m}`).join("\n")}` },
    { type: "fields", fields: [{ label: "Due by", value: when }] },
    { type: "context", text: "Log what you did with /log; /commitments shows where you stand." },
  ]);
}

/**
 * A reminder reaches each member at the schedule's time of day in their own
 * zone (10:00 in Tokyo and 10:00 in Los Angeles), on the day it fired in the
 * organisation's zone; a time already past, or one after the deadline, means now.
 */
export function memberLocalTime(firedAt: Date, orgTz: string, memberTz: string | null, now: Date, deadline: Date): Date {
  if (!memberTz || !isValidTimeZone(memberTz) || memberTz === orgTz) return now;
  const fired = DateTime.fromJSDate(firedAt, { zone: orgTz });
  const local = DateTime.fromObject({ year: fired.year, month: fired.month, day: fired.day, hour: fired.hour, minute: fired.minute }, { zone: memberTz }).toJSDate();
  return local > now && local < deadline ? local : now;
}

async function reminders(app: App, run: ScheduledRun, unit: PeriodUnit, manual: boolean): Promise<string> {
  const program = programOf(app, run.def);
  const due = await membersNeedingReminder(app, program.id, unit, app.now());
  const zones = new Map(
    (await app.db.member.findMany({ where: { id: { in: due.map((d) => d.memberId) } }, select: { id: true, timezone: true } })).map((m) => [m.id, m.timezone]),
  );
  const orgTz = app.config.STEWARD_TIMEZONE;
  await transaction(app, async (tx) => {
    await record(tx, run, manual);
    // One statement for the whole program. Manual runs use the same key: nobody gets the same reminder twice for one period.
    await enqueueAll(
      tx,
      due.map((d) => {
        const zone = zones.get(d.memberId) ?? null;
        const tz = zone && isValidTimeZone(zone) ? zone : orgTz;
        return {
          message: { kind: "dm" as const, memberId: d.memberId, reply: reminderReply(program.name, unit, d.missing, d.deadline, tz) },
          options: {
            now: app.now(),
            availableAt: manual ? app.now() : memberLocalTime(run.firedAt, orgTz, zone, app.now(), d.deadline),
            dedupeKey: `reminder:${program.id}:${unit}:${d.periodKey}:${d.memberId}`,
          },
        };
      }),
    );
  });
  return `${due.length} reminder${due.length === 1 ? "" : "s"} queued`;
}
