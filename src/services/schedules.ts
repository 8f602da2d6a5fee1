// What the schedules keep about people and runs: who gets the weekly report as a DM (a moderator's
// preference), which period each schedule last covered, and the audit of a run a moderator asked for.
import type { App } from "../app.ts";
import type { Actor } from "../core/actor.ts";
import { audit } from "./audit.ts";
import { transaction } from "../store/transaction.ts";

/** Preference key: value "*" (every program) or a comma-separated list of program ids. */
export const REPORT_DM_KEY = "report-dm";

/** The moderators who get `programId`'s weekly report as a DM too. */
export async function reportSubscribers(app: App, programId: string): Promise<string[]> {
  const prefs = await app.db.preference.findMany({ where: { key: REPORT_DM_KEY } });
  return prefs.filter((p) => p.value === "*" || p.value.split(",").includes(programId)).map((p) => p.memberId);
}

/** `/schedule subscribe`: the moderator gets the weekly report of `programId` (or of every program) as a DM too. */
export async function setReportDm(app: App, actor: Actor, programId: string | undefined, on: boolean): Promise<string[] | "*"> {
  const result = await transaction(app, async (tx) => {
    const current = await tx.preference.findUnique({ where: { memberId_key: { memberId: actor.memberId, key: REPORT_DM_KEY } } });
    let programs: Set<string> | "*" = current?.value === "*" ? "*" : new Set(current?.value.split(",").filter(Boolean) ?? []);
    if (!programId) programs = on ? "*" : new Set();
    else if (on && programs !== "*") programs.add(programId);
    else if (!on) {
      if (programs === "*") programs = new Set(app.pack.programs.filter((p) => p.type === "community").map((p) => p.id));
      programs.delete(programId);
    }
    const value = programs === "*" ? "*" : [...programs].sort().join(",");
    if (value) {
      await tx.preference.upsert({
        where: { memberId_key: { memberId: actor.memberId, key: REPORT_DM_KEY } },
        create: { memberId: actor.memberId, key: REPORT_DM_KEY, value },
        update: { value },
      });
    } else {
      await tx.preference.deleteMany({ where: { memberId: actor.memberId, key: REPORT_DM_KEY } });
    }
    await audit(tx, actor, on ? "schedule subscribe" : "schedule unsubscribe", programId ?? "*", { value });
    return programs === "*" ? "*" : [...programs].sort();
  });
  return result;
}

/** The period each schedule last ran for, by schedule id (the newest runs are enough for a listing). */
export async function lastPeriods(app: App): Promise<Map<string, string>> {
  const runs = await app.db.scheduleRun.findMany({ orderBy: { ranAt: "desc" }, take: 500 });
  const last = new Map<string, string>();
  for (const r of runs) if (!last.has(r.scheduleId)) last.set(r.scheduleId, r.period);
  return last;
}

/** `/schedule run`: what a moderator ran by hand, and what it did. */
export async function auditScheduleRun(app: App, actor: Actor, id: string, results: string[]): Promise<void> {
  await transaction(app, (tx) => audit(tx, actor, "schedule run", id, { results }));
}
