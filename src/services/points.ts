// Points that do not come from sites: certifications, moderators' adjustments
// and the dispute of an entry (accepted with a correcting entry, or declined).
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { UserError } from "../command/errors.ts";
import type { Actor } from "../command/types.ts";
import { audit } from "./audit.ts";
import { postEntry, type Posted } from "./ledger.ts";
import { enqueue } from "./outbox.ts";

export async function certify(app: App, actor: Actor, memberId: string, kind: string): Promise<Posted> {
  const cert = app.pack.partner.certifications[kind];
  if (!cert) throw new UserError(`There is no certification ${kind}.`, `Certifications: ${Object.keys(app.pack.partner.certifications).join(", ")}`);
  const posted = await app.db.$transaction(async (tx) => {
    const existing = await tx.certification.findUnique({ where: { memberId_kind: { memberId, kind } } });
    if (existing) throw new UserError(`That member is already ${cert.label}; it pays once.`, undefined, "certify.duplicate");
    await tx.certification.create({ data: { memberId, kind, actor: actor.memberId, createdAt: app.now() } });
    const posted = await postEntry(app, tx, { memberId, delta: cert.points, kind: "certification", reason: cert.label, actor: actor.memberId, reference: `cert:${kind}`, idempotencyKey: `cert:${memberId}:${kind}` });
    await audit(tx, actor, "certify", memberId, { kind, points: cert.points });
    return posted;
  });
  app.outboxWritten();
  return posted;
}

/** A moderator's correction, capped per adjustment by the pack. `invocationId` makes a retried command pay once. */
export async function adjust(app: App, actor: Actor, memberId: string, delta: number, reason: string, invocationId?: string): Promise<Posted> {
  const cap = app.pack.partner.maxAdjustment;
  if (delta === 0) throw new UserError("An adjustment of 0 points changes nothing.", "Usage: /adjust <member> <±points> <reason>, e.g. /adjust alice +50 meetup prize", "adjust.zero");
  if (Math.abs(delta) > cap) throw new UserError(`One adjustment may move at most ${cap} points (you asked for ${delta}).`, "Split it, or ask the operator to raise maxAdjustment in the program pack.", "adjust.cap");
  const posted = await app.db.$transaction(async (tx) => {
    const posted = await postEntry(app, tx, { memberId, delta, kind: "adjustment", reason, actor: actor.memberId, idempotencyKey: `adjust:${invocationId ?? randomUUID()}` });
    await audit(tx, actor, "adjust", memberId, { delta, reason, entryId: posted.entryId });
    return posted;
  });
  app.outboxWritten();
  return posted;
}

export async function openDispute(app: App, actor: Actor, entryId: number, reason: string) {
  const dispute = await app.db.$transaction(async (tx) => {
    const entry = await tx.ledgerEntry.findUnique({ where: { id: entryId } });
    if (!entry || entry.memberId !== actor.memberId) throw new UserError(`Entry #${entryId} is not in your ledger.`, "See your entries and their numbers with /points.", "dispute.unknown-entry");
    const open = await tx.pointsDispute.findFirst({ where: { entryId, state: "open" } });
    if (open) throw new UserError(`Entry #${entryId} is already disputed (dispute #${open.id}); the moderators will answer.`, undefined, "dispute.duplicate");
    const dispute = await tx.pointsDispute.create({ data: { memberId: actor.memberId, entryId, reason, state: "open", createdAt: app.now() } });
    await enqueue(
      tx,
      {
        kind: "post",
        channel: "moderators",
        reply: reply(`${actor.displayName} disputes entry #${entryId}`, [
          { type: "header", text: `Points dispute #${dispute.id}` },
          { type: "fields", fields: [
            { label: "Member", value: `@${actor.handle}` },
            { label: "Entry", value: `#${entry.id} ${entry.delta > 0 ? "+" : ""}${entry.delta} — ${entry.reason}` },
            { label: "Reason", value: reason },
          ] },
          { type: "buttons", buttons: [
            { label: "Accept", command: "dispute", action: "accept", value: String(dispute.id), style: "primary" },
            { label: "Decline", command: "dispute", action: "decline", value: String(dispute.id), style: "danger", form: { title: "Decline dispute", submit: `/dispute decline ${dispute.id}`, fields: [{ key: "reason", label: "Why is it declined?", required: true, kind: "long-text" }] } },
          ] },
        ]),
      },
      { now: app.now(), dedupeKey: `dispute:${dispute.id}:opened` },
    );
    return dispute;
  });
  app.outboxWritten();
  return dispute;
}

/** Accepting writes a correcting entry: by default the disputed entry undone, or `points` given by the moderator. */
export async function decideDispute(app: App, actor: Actor, disputeId: number, decision: { accept: true; points?: number; note?: string } | { accept: false; reason: string }) {
  const result = await app.db.$transaction(async (tx) => {
    const dispute = await tx.pointsDispute.findUnique({ where: { id: disputeId }, include: { entry: true } });
    if (!dispute) throw new UserError(`There is no dispute #${disputeId}.`, "See open disputes with /dispute list.", "dispute.unknown");
    if (dispute.state !== "open") throw new UserError(`Dispute #${disputeId} was already ${dispute.state}.`, undefined, "dispute.decided");
    let text: string;
    if (decision.accept) {
      const delta = decision.points ?? -dispute.entry.delta;
      if (delta === 0) throw new UserError("A correction of 0 points changes nothing; decline instead.", undefined, "dispute.zero");
      await postEntry(app, tx, { memberId: dispute.memberId, delta, kind: "correction", reason: `dispute #${dispute.id} accepted${decision.note ? `: ${decision.note}` : ""}`, actor: actor.memberId, reference: `dispute:${dispute.id}`, idempotencyKey: `dispute:${dispute.id}:accept` });
      text = `Your dispute of entry #${dispute.entryId} was accepted: ${delta > 0 ? "+" : ""}${delta} points.`;
    } else {
      text = `Your dispute of entry #${dispute.entryId} was declined: ${decision.reason}`;
    }
    const updated = await tx.pointsDispute.update({
      where: { id: disputeId },
      data: { state: decision.accept ? "accepted" : "declined", decidedBy: actor.memberId, decidedAt: app.now(), decision: decision.accept ? (decision.note ?? null) : decision.reason },
    });
    await enqueue(tx, { kind: "dm", memberId: dispute.memberId, reply: reply(text) }, { now: app.now(), dedupeKey: `dispute:${dispute.id}:decided` });
    await audit(tx, actor, decision.accept ? "dispute accept" : "dispute decline", String(disputeId), { member: dispute.memberId });
    return updated;
  });
  app.outboxWritten();
  return result;
}
