// Memberships that began before Steward did: a moderator's `/program add
// <member> <program> since:<date>` and `steward import members` (one line: a
// member, their platform accounts and one membership with its dates). The
// dates are what past reports read (store/commitments.ts lists whoever was a
// member during a week), so they are checked here: a real day, not in the
// future, a leave after the join, no overlap with another interval of the
// same membership.
//
// An imported member already belonged: they get the program's badge (its
// chat role follows through the outbox) but no welcome or badge DM.
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import type { Actor } from "../core/actor.ts";
import { UserError } from "../core/errors.ts";
import type { Program } from "../domain/pack.ts";
import { localDay, parseDay } from "../domain/periods.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { Tx } from "../store/client.ts";
import { transaction } from "../store/transaction.ts";
import { audit } from "./audit.ts";
import { resolveMember, type MemberRef } from "./members.ts";
import { enqueue } from "./outbox.ts";
import { findProgram, programBadge } from "./programs.ts";

/** Why a membership cannot be added as asked: the caller turns it into a refusal (a line, a reply). */
export class MembershipConflict extends Error {}

export interface MembershipDates {
  joinedAt: Date;
  endedAt: Date | null;
}

/** The start of a YYYY-MM-DD day in the organisation's timezone, or why it is not one. */
export function dayStart(app: App, text: string, what: string): Date | string {
  const day = parseDay(text.trim(), app.config.STEWARD_TIMEZONE);
  if (!day) return `${what} "${text.slice(0, 40)}" is not a real date written YYYY-MM-DD`;
  if (day > DateTime.fromJSDate(app.now(), { zone: app.config.STEWARD_TIMEZONE })) return `${what} ${text.trim()} is in the future`;
  return day.toJSDate();
}

const isoDay = (app: App, d: Date) => localDay(d, app.config.STEWARD_TIMEZONE);

export type AddOutcome = { status: "added"; id: string } | { status: "ended"; id: string } | { status: "same"; id: string };

/**
 * Records one interval of membership. The same interval again is "same"; an
 * active one whose leave date is now known is "ended"; anything else that
 * overlaps another interval of the member in the program is a conflict.
 */
export async function addMembershipInTx(app: App, tx: Tx, memberId: string, program: Program, dates: MembershipDates, actor: string, reason: string): Promise<AddOutcome> {
  const { joinedAt, endedAt } = dates;
  const rows = await tx.membership.findMany({ where: { memberId, programId: program.id }, orderBy: { joinedAt: "asc" } });
  const same = rows.find((r) => isoDay(app, r.joinedAt) === isoDay(app, joinedAt));
  if (same) {
    const sameEnd = (same.endedAt === null && endedAt === null) || (same.endedAt && endedAt && isoDay(app, same.endedAt) === isoDay(app, endedAt));
    if (sameEnd) return { status: "same", id: same.id };
    if (same.state === "active" && endedAt) {
      await tx.membership.update({ where: { id: same.id }, data: { state: "removed", endedAt, reason } });
      return { status: "ended", id: same.id };
    }
    throw new MembershipConflict(`already recorded in ${program.id} from ${isoDay(app, same.joinedAt)} to ${same.endedAt ? isoDay(app, same.endedAt) : "now"}`);
  }
  const end = endedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  for (const r of rows) {
    const rEnd = r.endedAt?.getTime() ?? Number.POSITIVE_INFINITY;
    if (r.joinedAt.getTime() < end && joinedAt.getTime() < rEnd)
      throw new MembershipConflict(
        r.state === "active"
          ? `already a member of ${program.id} since ${isoDay(app, r.joinedAt)}`
          : `overlaps the membership of ${program.id} from ${isoDay(app, r.joinedAt)} to ${r.endedAt ? isoDay(app, r.endedAt) : "now"}`,
      );
  }
  const row = await tx.membership.create({
    data: { memberId, programId: program.id, state: endedAt ? "removed" : "active", joinedAt, endedAt, ...(endedAt ? { reason } : {}) },
  });
  if (!endedAt) await grantQuietly(app, tx, memberId, program, actor, reason);
  return { status: "added", id: row.id };
}

/** The program's badge without the badge DM (services/badges.ts sends one): the member held it before Steward came. */
async function grantQuietly(app: App, tx: Tx, memberId: string, program: Program, actor: string, reason: string): Promise<void> {
  const badge = programBadge(program);
  const def = badge ? app.pack.badges.find((b) => b.id === badge) : undefined;
  if (!badge || !def) return;
  if (await tx.badge.findFirst({ where: { memberId, badge, revokedAt: null } })) return;
  const row = await tx.badge.create({ data: { memberId, badge, grantedBy: actor, reason, grantedAt: app.now() } });
  if (def.shownIn === "chat" || def.discourseBadgeId) await enqueue(tx, { kind: "badge-grant", memberId, badge }, { now: app.now(), dedupeKey: `badge:${row.id}:grant` });
}

/** `/program add <member> <program> since:<date>`: a moderator records a membership that began before Steward. */
export async function addToProgram(app: App, actor: Actor, memberRef: string, programId: string, since: string): Promise<{ member: MemberRef; program: Program; joinedAt: Date }> {
  const program = findProgram(app, programId);
  const member = await resolveMember(app, memberRef);
  const t = app.pack.texts;
  const joinedAt = dayStart(app, since, "since:");
  if (typeof joinedAt === "string") throw new UserError(joinedAt, t.programAddHint, "program.since");
  await transaction(app, async (tx) => {
    let outcome: AddOutcome;
    try {
      outcome = await addMembershipInTx(app, tx, member.id, program, { joinedAt, endedAt: null }, actor.memberId, fillTemplate(t.programAddedReason, { handle: actor.handle }));
    } catch (err) {
      if (err instanceof MembershipConflict) throw new UserError(fillTemplate(t.programAddConflict, { handle: member.handle, why: err.message }), t.programAddHint, "program.add-conflict");
      throw err;
    }
    if (outcome.status === "same")
      throw new UserError(fillTemplate(t.programAddConflict, { handle: member.handle, why: `already a member of ${program.id} since ${isoDay(app, joinedAt)}` }), t.programAddHint, "program.add-same");
    await enqueue(
      tx,
      { kind: "dm", memberId: member.id, reply: reply(fillTemplate(t.programAddedDm, { program: program.name, date: isoDay(app, joinedAt) })) },
      { now: app.now(), dedupeKey: `membership:${outcome.id}:added` },
    );
    await audit(tx, actor, "program add", member.id, { program: program.id, since: isoDay(app, joinedAt) });
  });
  return { member, program, joinedAt };
}
