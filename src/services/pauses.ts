// Leaves of absence: from now until the end of a chosen day (in the
// organisation's timezone). While one runs no reminders go out, and the
// periods it covers are shown as paused, not missed.
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { parseDay } from "../domain/periods.ts";
import { transaction } from "../store/transaction.ts";

export interface PauseRow {
  id: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
}

export async function startPause(app: App, actor: Actor, until: string, reason: string | undefined, invocationId?: string): Promise<PauseRow> {
  const tz = app.config.STEWARD_TIMEZONE;
  const now = app.now();
  const today = DateTime.fromJSDate(now, { zone: tz }).startOf("day");
  const day = parseDay(until, tz);
  const usage = 'Usage: /pause until:YYYY-MM-DD reason:"…"';
  if (!day) throw new UserError(`${until} is not a date: write it YYYY-MM-DD.`, usage, "pause.date");
  if (day < today) throw new UserError(`${until} is in the past: a pause runs from now until a day to come.`, usage, "pause.past");
  const longest = today.plus({ days: app.pack.maxPauseDays });
  if (day > longest) throw new UserError(`A pause can last at most ${app.pack.maxPauseDays} days (until ${longest.toISODate()}).`, usage, "pause.long");
  // Through the whole of the last day: it ends at the next local midnight.
  const endsAt = day.plus({ days: 1 }).startOf("day").toJSDate();
  const select = { id: true, startsAt: true, endsAt: true, reason: true };
  return transaction(app.db, async (tx) => {
    // A replay answers with the leave its first delivery started; a lost race on the unique key is retried into this.
    const replayed = invocationId ? await tx.pause.findUnique({ where: { invocationId }, select }) : null;
    if (replayed) return replayed;
    // A new pause replaces one still running, so "until" always means what was last said.
    await tx.pause.updateMany({ where: { memberId: actor.memberId, startsAt: { lte: now }, endsAt: { gt: now } }, data: { endsAt: now } });
    return tx.pause.create({
      data: { memberId: actor.memberId, startsAt: now, endsAt, reason: reason ?? null, invocationId: invocationId ?? null, createdAt: now },
      select,
    });
  });
}

/** Ends a running pause now; returns whether there was one. */
export async function endPause(app: App, actor: Actor): Promise<boolean> {
  const now = app.now();
  const r = await app.db.pause.updateMany({ where: { memberId: actor.memberId, startsAt: { lte: now }, endsAt: { gt: now } }, data: { endsAt: now } });
  return r.count > 0;
}

export async function currentPause(app: App, memberId: string): Promise<PauseRow | null> {
  const now = app.now();
  return app.db.pause.findFirst({
    where: { memberId, startsAt: { lte: now }, endsAt: { gt: now } },
    orderBy: { endsAt: "desc" },
    select: { id: true, startsAt: true, endsAt: true, reason: true },
  });
}
