// The reminders of open commitments: one DM per member short of the period's
// commitments, worded by the pack, due at the schedule's time of day in the
// member's own zone. The schedule (src/jobs) decides when; this decides who and what.
import type { App } from "../app.ts";
import { reply, type Reply } from "../chat/reply.ts";
import type { PeriodUnit, Texts } from "../domain/pack.ts";
import { formatDeadline, isValidTimeZone, memberLocalTime } from "../domain/periods.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { Tx } from "../store/client.ts";
import { transaction } from "../store/transaction.ts";
import { membersNeedingReminder } from "./commitments.ts";
import { enqueueAll } from "./outbox.ts";

export function reminderReply(t: Texts, programName: string, unit: PeriodUnit, missing: string[], deadline: Date, tz: string): Reply {
  const when = formatDeadline(deadline, tz);
  const commitments = missing.length === 1 ? t.reminderOneCommitment : fillTemplate(t.reminderCommitments, { count: missing.length });
  return reply(fillTemplate(t.reminderSummary, { program: programName, commitments, unit, when }), [
    { type: "header", text: fillTemplate(t.reminderTitle, { program: programName }) },
    { type: "text", text: fillTemplate(t.reminderList, { unit, list: missing.map((m) => `• ${m}`).join("\n") }) },
    { type: "fields", fields: [{ label: t.reminderDueBy, value: when }] },
    { type: "context", text: t.reminderHint },
  ]);
}

export interface ReminderRun {
  /** When the schedule fired: the time of day each member gets it at, in their zone. */
  firedAt: Date;
  /** A moderator's run now: due at once, not at the members' local time. */
  manual: boolean;
  /** Runs first inside the transaction (the schedule records its period there, so a period is reminded once). */
  claim: (tx: Tx) => Promise<void>;
}

/** Queues the program's reminders for `unit`; returns how many members get one. */
export async function queueReminders(app: App, programId: string, unit: PeriodUnit, run: ReminderRun): Promise<number> {
  const program = app.pack.programs.find((p) => p.id === programId);
  if (!program) throw new Error(`no program ${programId} in the pack`);
  const due = await membersNeedingReminder(app, program.id, unit, app.now());
  const zones = new Map(
    (await app.db.member.findMany({ where: { id: { in: due.map((d) => d.memberId) } }, select: { id: true, timezone: true } })).map((m) => [m.id, m.timezone]),
  );
  const orgTz = app.config.STEWARD_TIMEZONE;
  await transaction(app, async (tx) => {
    await run.claim(tx);
    // One statement for the whole program. Manual runs use the same key: nobody gets the same reminder twice for one period.
    await enqueueAll(
      tx,
      due.map((d) => {
        const zone = zones.get(d.memberId) ?? null;
        const tz = zone && isValidTimeZone(zone) ? zone : orgTz;
        return {
          message: { kind: "dm" as const, memberId: d.memberId, reply: reminderReply(app.pack.texts, program.name, unit, d.missing, d.deadline, tz) },
          options: {
            now: app.now(),
            availableAt: run.manual ? app.now() : memberLocalTime(run.firedAt, orgTz, zone, app.now(), d.deadline),
            dedupeKey: `reminder:${program.id}:${unit}:${d.periodKey}:${d.memberId}`,
          },
        };
      }),
    );
  });
  return due.length;
}
