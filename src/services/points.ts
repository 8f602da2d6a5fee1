// Points that do not come from sites: certifications, moderators' adjustments
// and the dispute of an entry (accepted with a correcting entry, or declined).
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { disputeCorrection } from "../domain/ledger.ts";
import { fillTemplate } from "../domain/templates.ts";
import { transaction } from "../store/transaction.ts";
import { audit } from "./audit.ts";
import { entryStillCounts, postEntry, type Posted } from "./ledger.ts";
import { enqueue } from "./outbox.ts";

export async function certify(app: App, actor: Actor, memberId: string, kind: string): Promise<Posted> {
  const t = app.pack.texts;
  const cert = app.pack.partner.certifications[kind];
  if (!cert) throw new UserError(fillTemplate(t.pointsUnknownCertification, { kind }), fillTemplate(t.pointsCertificationsHint, { certifications: Object.keys(app.pack.partner.certifications).join(", ") }));
  // A lost race (the same /certify at once) retries, sees the winner's row and answers like a repeat.
  const posted = await transaction(app, async (tx) => {
    const existing = await tx.certification.findUnique({ where: { memberId_kind: { memberId, kind } } });
    if (existing) throw new UserError(fillTemplate(t.pointsCertifiedTwice, { certification: cert.label }), undefined, "certify.duplicate");
    await tx.certification.create({ data: { memberId, kind, actor: actor.memberId, createdAt: app.now() } });
    const posted = await postEntry(app, tx, { memberId, delta: cert.points, kind: "certification", reason: cert.label, actor: actor.memberId, reference: `cert:${kind}`, idempotencyKey: `cert:${memberId}:${kind}` });
    await audit(tx, actor, "certify", memberId, { kind, points: cert.points });
    return posted;
  });
  return posted;
}

/** A moderator's correction, capped per adjustment by the pack. `invocationId` makes a retried command pay once. */
export async function adjust(app: App, actor: Actor, memberId: string, delta: number, reason: string, invocationId?: string): Promise<Posted> {
  const t = app.pack.texts;
  const cap = app.pack.partner.maxAdjustment;
  if (delta === 0) throw new UserError(t.pointsAdjustZero, t.pointsAdjustUsage, "adjust.zero");
  if (Math.abs(delta) > cap) throw new UserError(fillTemplate(t.pointsAdjustTooMuch, { max: cap, points: delta }), t.pointsAdjustTooMuchHint, "adjust.cap");
  const posted = await transaction(app, async (tx) => {
    const posted = await postEntry(app, tx, { memberId, delta, kind: "adjustment", reason, actor: actor.memberId, idempotencyKey: `adjust:${invocationId ?? randomUUID()}` });
    await audit(tx, actor, "adjust", memberId, { delta, reason, entryId: posted.entryId });
    return posted;
  });
  return posted;
}

/**
 * One dispute per entry: while one is open the entry is "already disputed" (a
 * unique index on open disputes decides a race; the loser retries and reads
 * the winner's), and once decided it stays decided.
 */
export async function openDispute(app: App, actor: Actor, entryId: number, reason: string) {
  const t = app.pack.texts;
  const dispute = await transaction(app, async (tx) => {
    const entry = await tx.ledgerEntry.findUnique({ where: { id: entryId } });
    if (!entry || entry.memberId !== actor.memberId) throw new UserError(fillTemplate(t.pointsDisputeNotYours, { entry: entryId }), t.pointsDisputeNotYoursHint, "dispute.unknown-entry");
    const earlier = await tx.pointsDispute.findFirst({ where: { entryId }, orderBy: { id: "desc" } });
    if (earlier?.state === "open") throw new UserError(fillTemplate(t.pointsDisputeTwice, { entry: entryId, dispute: earlier.id }), undefined, "dispute.duplicate");
    if (earlier)
      throw new UserError(fillTemplate(t.pointsDisputeDecided, { entry: entryId, dispute: earlier.id, state: earlier.state }), t.pointsDisputeDecidedHint, "dispute.decided");
    const dispute = await tx.pointsDispute.create({ data: { memberId: actor.memberId, entryId, reason, state: "open", createdAt: app.now() } });
    await enqueue(
      tx,
      {
        kind: "post",
        channel: "moderators",
        reply: reply(fillTemplate(t.pointsDisputeOpened, { name: actor.displayName, entry: entryId }), [
          { type: "header", text: fillTemplate(t.pointsDisputeTitle, { dispute: dispute.id }) },
          { type: "fields", fields: [
            { label: "Member", value: `@${actor.handle}` },
            { label: "Entry", value: `#${entry.id} ${entry.delta > 0 ? "+" : ""}${entry.delta} — ${entry.reason}` },
            { label: "Reason", value: reason },
          ] },
          { type: "buttons", buttons: [
            { label: "Accept", command: "dispute", action: "accept", value: String(dispute.id), style: "primary" },
            { label: "Decline", command: "dispute", action: "decline", value: String(dispute.id), style: "danger", form: { title: "Decline dispute", submit: `/dispute decline ${dispute.id}`, fields: [{ key: "reason", label: t.pointsDisputeDeclineAsk, required: true, kind: "long-text" }] } },
          ] },
        ]),
      },
      { now: app.now(), dedupeKey: `dispute:${dispute.id}:opened` },
    );
    return dispute;
  });
  return dispute;
}

/** Accepting writes a correcting entry: by default the disputed entry undone, or `points` given by the moderator. */
export async function decideDispute(app: App, actor: Actor, disputeId: number, decision: { accept: true; points?: number; note?: string } | { accept: false; reason: string }) {
  const t = app.pack.texts;
  const result = await transaction(app, async (tx) => {
    // Claiming the open dispute first makes a second decision (two moderators, a replayed click) wait and then find it decided.
    const claimed = await tx.pointsDispute.updateMany({
      where: { id: disputeId, state: "open" },
      data: { state: decision.accept ? "accepted" : "declined", decidedBy: actor.memberId, decidedAt: app.now(), decision: decision.accept ? (decision.note ?? null) : decision.reason },
    });
    const dispute = await tx.pointsDispute.findUnique({ where: { id: disputeId }, include: { entry: true } });
    if (!dispute) throw new UserError(fillTemplate(t.pointsDisputeUnknown, { dispute: disputeId }), t.pointsDisputeUnknownHint, "dispute.unknown");
    if (claimed.count === 0) throw new UserError(fillTemplate(t.pointsDisputeAlreadyDecided, { dispute: disputeId, state: dispute.state }), undefined, "dispute.decided");
    let text: string;
    if (decision.accept) {
      const counts = (await entryStillCounts(tx, dispute.entryId)) ?? 0;
      const correction = disputeCorrection(dispute.entry, counts, decision.points, app.pack.partner.maxAdjustment);
      if ("problem" in correction) throw new UserError(correction.problem, t.pointsDisputeAcceptUsage, "dispute.correction");
      const delta = correction.delta;
      await postEntry(app, tx, { memberId: dispute.memberId, delta, kind: "correction", reason: decision.note ? fillTemplate(t.pointsDisputeAcceptedReasonWithNote, { dispute: dispute.id, note: decision.note }) : fillTemplate(t.pointsDisputeAcceptedReason, { dispute: dispute.id }), actor: actor.memberId, reference: `dispute:${dispute.id}`, idempotencyKey: `dispute:${dispute.id}:accept` });
      text = fillTemplate(t.pointsDisputeAcceptedDm, { entry: dispute.entryId, points: `${delta > 0 ? "+" : ""}${delta}` });
    } else {
      text = fillTemplate(t.pointsDisputeDeclinedDm, { entry: dispute.entryId, reason: decision.reason });
    }
    await enqueue(tx, { kind: "dm", memberId: dispute.memberId, reply: reply(text) }, { now: app.now(), dedupeKey: `dispute:${dispute.id}:decided` });
    await audit(tx, actor, decision.accept ? "dispute accept" : "dispute decline", String(disputeId), { member: dispute.memberId });
    return dispute;
  });
  return result;
}

/** The open disputes, oldest first (at most 50), for the moderators' list. */
export async function openDisputes(app: App) {
  return app.db.pointsDispute.findMany({ where: { state: "open" }, orderBy: { id: "asc" }, include: { entry: true, member: { select: { handle: true } } }, take: 50 });
}
