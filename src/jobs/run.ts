// The job functions behind the schedule table. They do not know which
// scheduler calls them (a BullMQ worker, croner in-process, catch-up at start,
// a moderator's `/schedule run`): each run works out its period from the time
// it was due, and a row in schedule_runs, inserted in the same transaction as
// the outbox rows it writes, makes a period run once even when several
// processes try at the same moment (the unique key decides; the loser's
// transaction rolls back whole).
import type { App } from "../app.ts";
import { sweepTiers } from "../services/ledger.ts";
import { queueReminders } from "../services/reminders.ts";
import { postPartnerHealth, postWeeklyReport } from "../services/report-posts.ts";
import { sweepPremium } from "../services/sites.ts";
import { pruneRetention } from "../services/retention.ts";
import { expireHeldForum } from "../services/forum.ts";
import type { Tx } from "../store/client.ts";
import { isUniqueViolation } from "../store/transaction.ts";
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

/** The program a program's schedule is for. */
function programOf(def: ScheduleDef): string {
  if (!def.programId) throw new Error(`schedule ${def.id} names no program`);
  return def.programId;
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

async function execute(app: App, run: ScheduledRun, manual: boolean, skipped: string[] = []): Promise<RunResult> {
  const claim = (tx: Tx) => record(tx, run, manual);
  const done = (summary: string): RunResult => ({ scheduleId: run.def.id, period: run.period, status: "ran", summary: `${run.def.id} (${run.period}): ${summary}` });
  switch (run.def.kind) {
    case "weekly-report": {
      const sent = await postWeeklyReport(app, programOf(run.def), run.period, { manual, claim, skipped });
      return done(`report posted to #${sent.channel}${sent.subscribers ? ` and sent to ${sent.subscribers} moderator${sent.subscribers === 1 ? "" : "s"}` : ""}`);
    }
    case "partner-health":
      return done(`partner health posted to #${await postPartnerHealth(app, run.period, run.def.tz, { manual, claim })}`);
    case "reminder":
    case "monthly-reminder":
    case "quarterly-reminder": {
      const unit = run.def.kind === "reminder" ? "week" : DEADLINE_REMINDERS[run.def.kind];
      const queued = await queueReminders(app, programOf(run.def), unit, { firedAt: run.firedAt, manual, claim });
      return done(`${queued} reminder${queued === 1 ? "" : "s"} queued`);
    }
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
