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
import type { Pack, Program } from "../domain/pack.ts";
import { periodOf, previousPeriod, type Period } from "../domain/periods.ts";

export type ScheduleKind = "weekly-report" | "reminder" | "monthly-reminder" | "daily-sweep" | "outbox";

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

/** The daily cron a monthly reminder checks on: the hour and minute of the program's reminder cron. */
function dailyAtReminderTime(program: Program): string {
  const [minute, hour] = program.reminderCron.split(/\s+/);
  return `${minute ?? "0"} ${hour ?? "10"} * * *`;
}

function hasCommitments(program: Program, unit: "week" | "month"): boolean {
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
        description: `Reminder to ${program.name} members short of this week's commitments`,
        cron: program.reminderCron,
        tz,
        programId: program.id,
      });
    if (hasCommitments(program, "month"))
      defs.push({
        id: `monthly-reminder/${program.id}`,
        kind: "monthly-reminder",
        description: `Reminder to ${program.name} members short of this month's commitments, ${pack.monthlyReminderDaysBefore} days before month end`,
        cron: dailyAtReminderTime(program),
        tz,
        programId: program.id,
      });
  }
  defs.push({ id: "daily-sweep", kind: "daily-sweep", description: "Lapsed premium plans lose their points; tier grace periods run out", cron: DAILY_SWEEP_CRON, tz });
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

/** The local day a monthly reminder goes out: when `daysBefore` days of the month are left, today included. */
function monthlyTrigger(def: ScheduleDef, month: Period, daysBefore: number): Date {
  const [minute, hour] = (def.cron ?? "0 10").split(/\s+/).map(Number);
  const start = DateTime.fromJSDate(month.start, { zone: def.tz });
  const day = Math.max(1, (start.daysInMonth ?? 28) - daysBefore + 1);
  return start.set({ day, hour: hour ?? 10, minute: minute ?? 0 }).toJSDate();
}

/** When the schedule next fires after `after` (null: never, or not a cron schedule). */
export function nextRun(def: ScheduleDef, after: Date, pack: Pick<Pack, "monthlyReminderDaysBefore">): Date | null {
  if (def.everyMs) return new Date(after.getTime() + def.everyMs);
  if (def.kind === "monthly-reminder") {
    let month = periodOf("month", after, def.tz);
    for (let i = 0; i < 2; i++) {
      const at = monthlyTrigger(def, month, pack.monthlyReminderDaysBefore);
      if (at.getTime() > after.getTime()) return at;
      month = periodOf("month", month.end, def.tz);
    }
    return null;
  }
  return cronOf(def)?.nextRun(after) ?? null;
}

/** The period a run at `at` is for: last week for a report, this week or month for a reminder, today for a sweep. */
export function periodAt(def: ScheduleDef, at: Date): string {
  switch (def.kind) {
    case "weekly-report":
      return previousPeriod(periodOf("week", at, def.tz)).key;
    case "reminder":
      return periodOf("week", at, def.tz).key;
    case "monthly-reminder":
      return periodOf("month", at, def.tz).key;
    case "daily-sweep":
    case "outbox":
      return DateTime.fromJSDate(at, { zone: def.tz }).toISODate() ?? at.toISOString().slice(0, 10);
  }
}

/**
 * The run that is due at `now`: the latest scheduled time at or before now,
 * if it is still worth running (a reminder for a week that is over is not; a
 * report is, until the next one is due). Null when nothing is due.
 */
export function dueRun(def: ScheduleDef, now: Date, pack: Pick<Pack, "monthlyReminderDaysBefore">): ScheduledRun | null {
  if (def.kind === "outbox") return null;
  if (def.kind === "monthly-reminder") {
    const month = periodOf("month", now, def.tz);
    const at = monthlyTrigger(def, month, pack.monthlyReminderDaysBefore);
    return at.getTime() <= now.getTime() ? { def, period: month.key, firedAt: at } : null;
  }
  const [last] = cronOf(def)?.previousRuns(1, new Date(now.getTime() + 1)) ?? [];
  if (!last) return null;
  if (def.kind === "reminder" && periodOf("week", last, def.tz).end.getTime() <= now.getTime()) return null;
  if (def.kind === "daily-sweep" && now.getTime() - last.getTime() > 24 * 3600_000) return null;
  return { def, period: periodAt(def, last), firedAt: last };
}
