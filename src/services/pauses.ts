// Leaves of absence: the rules (how long, from when, what a new one does to a
// running one) are the domain's, src/domain/leaves.ts; this loads and stores them.
import type { App } from "../app.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { leaveSpan } from "../domain/leaves.ts";
import { fillTemplate } from "../domain/templates.ts";
import { transaction } from "../store/transaction.ts";

export interface PauseRow {
  id: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
}

const select = { id: true, startsAt: true, endsAt: true, reason: true };
/** The leaves running at `now` (leaveRunning, as a query). */
const runningAt = (memberId: string, now: Date) => ({ memberId, startsAt: { lte: now }, endsAt: { gt: now } });

export async function startPause(app: App, actor: Actor, until: string, reason: string | undefined, invocationId?: string): Promise<PauseRow> {
  const now = app.now();
  const asked = leaveSpan(until, now, app.config.STEWARD_TIMEZONE, app.pack.maxPauseDays);
  if (!asked.ok) {
    const texts = app.pack.texts;
    const template = { date: texts.pauseNotADate, past: texts.pauseInPast, long: texts.pauseTooLong }[asked.reason];
    const values: Record<string, string | number> = asked.reason === "long" ? { until, max: asked.maxDays, longest: asked.longest } : { until };
    throw new UserError(fillTemplate(template, values), texts.pauseUsage, `pause.${asked.reason}`);
  }
  return transaction(app, async (tx) => {
    // A replay answers with the leave its first delivery started; a lost race on the unique key is retried into this.
    const replayed = invocationId ? await tx.pause.findUnique({ where: { invocationId }, select }) : null;
    if (replayed) return replayed;
    // Different /pause commands at once: the member's row lock queues them, so each one sees (and ends) the leave the
    // one before it started. Without it each ended only what was committed when it began, and all of them ran.
    await tx.$queryRaw`SELECT id FROM members WHERE id = ${actor.memberId} FOR UPDATE`;
    await tx.pause.updateMany({ where: runningAt(actor.memberId, now), data: { endsAt: now } });
    return tx.pause.create({
      data: { memberId: actor.memberId, ...asked.span, reason: reason ?? null, invocationId: invocationId ?? null, createdAt: now },
      select,
    });
  });
}

/** Ends a running pause now; returns whether there was one. */
export async function endPause(app: App, actor: Actor): Promise<boolean> {
  const now = app.now();
  const r = await app.db.pause.updateMany({ where: runningAt(actor.memberId, now), data: { endsAt: now } });
  return r.count > 0;
}

export async function currentPause(app: App, memberId: string): Promise<PauseRow | null> {
  return app.db.pause.findFirst({ where: runningAt(memberId, app.now()), orderBy: { endsAt: "desc" }, select });
}
