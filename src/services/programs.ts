// Programs that need membership (community programs, partner verification):
// finding one by id, who is in it, and a moderator removing a member.
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { VERIFIED_PARTNER_BADGE, type Program } from "../domain/pack.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { Tx } from "../store/client.ts";
import { audit } from "./audit.ts";
import { revokeBadge } from "./badges.ts";
import { resolveMember, type MemberRef } from "./members.ts";
import { enqueue } from "./outbox.ts";
import { transaction } from "../store/transaction.ts";

/** Badge a program's members hold; partner verification always yields the verified-partner badge. */
export function programBadge(program: Program): string | undefined {
  return program.badge ?? (program.type === "partner-verification" ? VERIFIED_PARTNER_BADGE : undefined);
}

export function findProgram(app: App, id: string): Program {
  const key = id.trim().toLowerCase();
  const program = app.pack.programs.find((p) => p.id === key);
  const t = app.pack.texts;
  if (!program)
    throw new UserError(
      fillTemplate(t.programUnknown, { id }),
      fillTemplate(t.programUnknownHint, { programs: app.pack.programs.map((p) => p.id).join(", ") }),
      "program.unknown",
    );
  return program;
}

export function programIds(app: App): string[] {
  return app.pack.programs.map((p) => p.id);
}

export interface ProgramMember extends MemberRef {
  joinedAt: Date;
}

/** Active members of a program, oldest first. */
export async function programMembers(app: App, programId: string): Promise<ProgramMember[]> {
  const rows = await app.db.membership.findMany({
    where: { programId, state: "active" },
    include: { member: { select: { id: true, handle: true, displayName: true } } },
    orderBy: { joinedAt: "asc" },
  });
  return rows.map((r) => ({ ...r.member, joinedAt: r.joinedAt }));
}

/** The programs a member is actively in, in the pack's order. */
export async function activePrograms(app: App, memberId: string): Promise<Array<{ program: Program; joinedAt: Date }>> {
  const rows = await app.db.membership.findMany({ where: { memberId, state: "active" } });
  const joined = new Map(rows.map((r) => [r.programId, r.joinedAt]));
  return app.pack.programs.flatMap((program) => {
    const joinedAt = joined.get(program.id);
    return joinedAt ? [{ program, joinedAt }] : [];
  });
}

/**
 * Revokes a program's badge unless another active membership carries the
 * same one (both Community Leaders programs share a badge).
 */
export async function revokeProgramBadge(app: App, tx: Tx, memberId: string, program: Program, actor: string, reason: string): Promise<boolean> {
  const badge = programBadge(program);
  if (!badge) return false;
  const others = await tx.membership.findMany({ where: { memberId, state: "active", programId: { not: program.id } }, select: { programId: true } });
  const stillCarried = others.some((m) => {
    const p = app.pack.programs.find((x) => x.id === m.programId);
    return p !== undefined && programBadge(p) === badge;
  });
  if (stillCarried) return false;
  return revokeBadge(app, tx, memberId, badge, actor, reason);
}

/** A moderator ends a membership: badge revoked and the member told, through the outbox. */
export async function removeFromProgram(app: App, actor: Actor, memberRef: string, programId: string, reason: string): Promise<MemberRef> {
  const program = findProgram(app, programId);
  const member = await resolveMember(app, memberRef);
  const t = app.pack.texts;
  await transaction(app, async (tx) => {
    const membership = await tx.membership.findFirst({ where: { memberId: member.id, programId: program.id, state: "active" } });
    if (!membership || membership.state !== "active")
      throw new UserError(
        fillTemplate(t.programNotMember, { handle: member.handle, program: program.name }),
        fillTemplate(t.programNotMemberHint, { id: program.id }),
        "program.not-member",
      );
    const now = app.now();
    await tx.membership.update({ where: { id: membership.id }, data: { state: "removed", endedAt: now, reason } });
    await revokeProgramBadge(app, tx, member.id, program, actor.memberId, reason);
    await enqueue(
      tx,
      { kind: "dm", memberId: member.id, reply: reply(fillTemplate(t.programRemovedDm, { program: program.name, reason })) },
      { now: app.now(), dedupeKey: `membership:${membership.id}:removed:${now.toISOString()}` },
    );
    await audit(tx, actor, "program remove", member.id, { program: program.id, reason });
  });
  return member;
}
