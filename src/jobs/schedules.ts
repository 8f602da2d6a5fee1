// The schedule table, in code: what runs when, in the organisation's timezone.
// Both schedulers (BullMQ job schedulers with REDIS_URL, croner in-process
// without) read this table and register the same ids and cron patterns; the
// ids are stable so a redeploy updates a schedule instead of adding another.
//
// Which period a run is for follows from the time it fires, so a run that
// fires late (catch-up after downtime) still reports the right week.
import { Cron } from "croner";
import { DateTime } from "luxon";
import type { Config } from "../config.ts";
import type { Pack, PeriodUnit, Program } from "../domain/pack.ts";
import { localDay, nextPeriod, periodOf, previousPeriod, type Period } from "../domain/periods.ts";
import { fillTemplate } from "../domain/templates.ts";

export type ScheduleKind = "weekly-report" | "partner-health" | "reminder" | "monthly-reminder" | "quarterly-reminder" | "daily-sweep" | "outbox";

/** The reminders of commitments per month and per quarter: on the lead-time day, at the pack's deadline reminder time. */
export const DEADLINE_REMINDERS = { "monthly-reminder": "month", "quarterly-reminder": "quarter" } as const;
type DeadlineReminderKind = keyof typeof DEADLINE_REMINDERS;

export function isDeadlineReminder(kind: ScheduleKind): kind is DeadlineReminderKind {
  return kind in DEADLINE_REMINDERS;
}

type LeadTimes = Pick<Pack, "monthlyReminderDaysBefore" | "quarterlyReminderDaysBefore">;

export function leadDays(pack: LeadTimes, unit: "month" | "quarter"): number {
  return unit === "month" ? pack.monthlyReminderDaysBefore : pack.quarterlyReminderDaysBefore;
}

export interface ScheduleDef {
  /** Stable, and free of ":" so it can be typed after /schedule run: "weekly-report/community-leaders-velo". */
  id: string;
  kind: ScheduleKind;
  description: string;
  /** Five-field cron in `tz`; the outbox sweep uses `everyMs` instead. */
  cron?: string;
  everyMs?: number;
  tz: string;
  programId?: string;
}

/** The run of one schedule for one period: what schedule_runs records. */
export interface ScheduledRun {
  def: ScheduleDef;
  /** "2026-W48", "2026-11", "2026-11-25". */
  period: string;
  /** The scheduled time this run belongs to. */
  firedAt: Date;
}

export const OUTBOX_SWEEP_MS = 5_000;
export const DAILY_SWEEP_CRON = "15 6 * * *";

function hasCommitments(program: Program, unit: PeriodUnit): boolean {
  return program.type === "community" && program.commitments.some((c) => c.per === unit && c.required);
}

export function scheduleTable(pack: Pack, config: Pick<Config, "STEWARD_TIMEZONE">): ScheduleDef[] {
  const tz = config.STEWARD_TIMEZONE;
  const defs: ScheduleDef[] = [];
  for (const program of pack.programs) {
    if (program.type !== "community") continue;
    defs.push({
      id: `weekly-report/${program.id}`,
      kind: "weekly-report",
      description: `Last week's compliance report for ${program.name}, to #${program.moderatorChannel}`,
      cron: program.reportCron,
      tz,
      programId: program.id,
    });
    if (hasCommitments(program, "week"))
      defs.push({
        id: `reminder/${program.id}`,
        kind: "reminder",
        description: fillTemplate(pack.texts.reminderWeeklySchedule, { program: program.name }),
        cron: program.reminderCron,
        tz,
        programId: program.id,
      });
    for (const [kind, unit] of Object.entries(DEADLINE_REMINDERS) as [DeadlineReminderKind, "month" | "quarter"][])
      if (hasCommitments(program, unit))
        defs.push({
          id: `${kind}/${program.id}`,
          kind,
          description: fillTemplate(pack.texts.reminderDeadlineSchedule, { program: program.name, unit, days: leadDays(pack, unit) }),
          // Checked daily; it sends once a period, from the lead-time day on.
          cron: pack.deadlineReminderCron,
          tz,
          programId: program.id,
        });
  }
  defs.push({
    id: "partner-health",
    kind: "partner-health",
    description: `Last week's partner health (tiers, moves, lapses, sites waiting for verification), to #${pack.partner.moderatorChannel}`,
    cron: pack.partner.healthReportCron,
    tz,
  });
  defs.push({ id: "daily-sweep", kind: "daily-sweep", description: "Lapsed premium plans lose their points; tier grace periods run out; old rows are pruned (STEWARD_RETAIN_*)", cron: DAILY_SWEEP_CRON, tz });
  defs.push({ id: "outbox", kind: "outbox", description: "Delivers announcements, DMs, badges and reports", everyMs: OUTBOX_SWEEP_MS, tz });
  return defs;
}

/** Schedules an operator names: an exact id, or a kind ("weekly-report") for every program. */
export function findSchedules(defs: ScheduleDef[], name: string): ScheduleDef[] {
  const exact = defs.filter((d) => d.id === name);
  return exact.length ? exact : defs.filter((d) => d.kind === name);
}

function cronOf(def: ScheduleDef): Cron | null {
  return def.cron ? new Cron(def.cron, { timezone: def.tz, paused: true }) : null;
}

/**
 * When a month's or quarter's reminder goes out: the first run of the
 * deadline reminder cron on or after the day when `daysBefore` days of the
 * period are left, today included (null if the cron has no run before the
 * period ends).
 */
function leadTimeTrigger(def: ScheduleDef, period: Period, daysBefore: number): Date | null {
  const day = DateTime.fromJSDate(period.end, { zone: def.tz }).minus({ days: Math.max(1, daysBefore) }).startOf("day");
  const from = Math.max(day.toMillis(), period.start.getTime());
  const at = cronOf(def)?.nextRun(new Date(from - 1)) ?? null;
  return at && at.getTime() < period.end.getTime() ? at : null;
}

/** When the schedule next fires after `after` (null: never, or not a cron schedule). */
export function nextRun(def: ScheduleDef, after: Date, pack: LeadTimes): Date | null {
  if (def.everyMs) return new Date(after.getTime() + def.everyMs);
  if (isDeadlineReminder(def.kind)) {
    const unit = DEADLINE_REMINDERS[def.kind];
    let period = periodOf(unit, after, def.tz);
    for (let i = 0; i < 2; i++) {
      const at = leadTimeTrigger(def, period, leadDays(pack, unit));
      if (at && at.getTime() > after.getTime()) return at;
      period = nextPeriod(period);
    }
    return null;
  }
  return cronOf(def)?.nextRun(after) ?? null;
}

/**
 * The report runs a process that was down missed: every scheduled time after
 * the run for `lastPeriod` up to now, one per period, oldest first (at most
 * `limit` of the latest; older ones are left out).
 */
export function missedRuns(def: ScheduleDef, lastPeriod: string, now: Date, limit: number): ScheduledRun[] {
  const runs = cronOf(def)?.previousRuns(limit, new Date(now.getTime() + 1)) ?? [];
  const out = new Map<string, ScheduledRun>();
  for (const firedAt of runs.reverse()) {
    const period = periodAt(def, firedAt);
    // Period keys of one unit sort as text ("2026-W53" < "2027-W01").
    if (period > lastPeriod && !out.has(period)) out.set(period, { def, period, firedAt });
  }
  return [...out.values()];
}

/** The period a run at `at` is for: last week for a report, this week or month for a reminder, today for a sweep. */
export function periodAt(def: ScheduleDef, at: Date): string {
  switch (def.kind) {
    case "weekly-report":
    case "partner-health":
      return previousPeriod(periodOf("week", at, def.tz)).key;
    case "reminder":
      return periodOf("week", at, def.tz).key;
    case "monthly-reminder":
    case "quarterly-reminder":
      return periodOf(DEADLINE_REMINDERS[def.kind], at, def.tz).key;
    case "daily-sweep":
    case "outbox":
      return localDay(at, def.tz);
  }
}

/**
 * The run that is due at `now`: the latest scheduled time at or before now,
 * if it is still worth running (a reminder for a week that is over is not; a
 * report is, until the next one is due). Null when nothing is due.
 */
export function dueRun(def: ScheduleDef, now: Date, pack: LeadTimes): ScheduledRun | null {
  if (def.kind === "outbox") return null;
  if (isDeadlineReminder(def.kind)) {
    const unit = DEADLINE_REMINDERS[def.kind];
    const period = periodOf(unit, now, def.tz);
    const at = leadTimeTrigger(def, period, leadDays(pack, unit));
    return at && at.getTime() <= now.getTime() ? { def, period: period.key, firedAt: at } : null;
  }
  const [last] = cronOf(def)?.previousRuns(1, new Date(now.getTime() + 1)) ?? [];
  if (!last) return null;
  if (def.kind === "reminder" && periodOf("week", last, def.tz).end.getTime() <= now.getTime()) return null;
  if (def.kind === "daily-sweep" && now.getTime() - last.getTime() > 24 * 3600_000) return null;
  return { def, period: periodAt(def, last), firedAt: last };
}
