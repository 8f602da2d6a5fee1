// Benefits and perks that a person hands over (an account manager, swag,
// beta access): a moderator records the delivery, once.
import type { App } from "../app.ts";
import type { Actor } from "../core/actor.ts";
import { benefitsFor } from "../domain/partner.ts";
import { audit } from "./audit.ts";
import { transaction } from "../store/transaction.ts";

/** Returns the benefit's name, or undefined when the member has not unlocked it. */
export async function markDelivered(app: App, actor: Actor, memberId: string, benefitId: string, note?: string): Promise<string | undefined> {
  const balance = await app.db.balance.findUnique({ where: { memberId } });
  const benefit = balance ? benefitsFor(app.pack.partner, balance.tier).find((b) => b.id === benefitId) : undefined;
  let name = benefit?.name;
  if (!name) {
    const programs = (await app.db.membership.findMany({ where: { memberId, state: "active" }, select: { programId: true } })).map((m) => m.programId);
    name = app.pack.programs.filter((p) => programs.includes(p.id)).flatMap((p) => p.perks).find((k) => k.id === benefitId)?.name;
  }
  if (!name) return undefined;
  await transaction(app, async (tx) => {
    await tx.benefitFulfilment.upsert({
      where: { memberId_benefit: { memberId, benefit: benefitId } },
      create: { memberId, benefit: benefitId, note: note ?? null, deliveredBy: actor.memberId, deliveredAt: app.now() },
      update: { note: note ?? null, deliveredBy: actor.memberId, deliveredAt: app.now() },
    });
    await audit(tx, actor, "benefits deliver", memberId, { benefit: benefitId, note: note ?? null });
  });
  return name;
}
