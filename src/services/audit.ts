import type { Tx } from "../store/client.ts";
import type { Actor } from "../command/types.ts";

/** Records a refused attempt at something only moderators may do. */
export async function auditDenied(db: Tx, actor: Pick<Actor, "memberId">, action: string, details: Record<string, unknown> = {}): Promise<void> {
  await db.auditLog.create({ data: { actor: actor.memberId, action, target: null, outcome: "denied", details: details as object } });
}

/** Records a moderator action in the same transaction as the change it made. */
export async function audit(tx: Tx, actor: Pick<Actor, "memberId">, action: string, target: string | null, details: Record<string, unknown> = {}): Promise<void> {
  await tx.auditLog.create({ data: { actor: actor.memberId, action, target, outcome: "ok", details: details as object } });
}
