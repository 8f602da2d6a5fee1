// The audit log: every moderator action, and every refused attempt at one.
// Rows written while a command runs carry its invocation id, and one
// invocation writes one row per action, so a replayed request (Slack sending
// the same signed body again) is not audited twice.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Tx } from "../store/client.ts";
import type { Actor } from "../core/actor.ts";
import { storableJson } from "../domain/storable-text.ts";

const invocation = new AsyncLocalStorage<string>();

/** The actor of what Steward does by itself (deliveries, schedules). */
const SYSTEM = "system";

/** Runs one command invocation: the audit rows written meanwhile are keyed on `id`. */
export function withInvocation<T>(id: string, work: () => Promise<T>): Promise<T> {
  return invocation.run(id, work);
}

async function write(db: Tx, actor: Pick<Actor, "memberId">, action: string, target: string | null, outcome: "ok" | "denied" | "failed", details: Record<string, unknown>): Promise<void> {
  // A refused attempt is kept even when what was typed cannot be stored as it was (NUL, half an emoji).
  const row = { actor: actor.memberId, action, target: target === null ? null : (storableJson(target) as string), outcome, details: storableJson(details) as object, invocationId: invocation.getStore() ?? null };
  // ON CONFLICT DO NOTHING on the (invocation_id, action) key: a replay's row is the one already there.
  await db.auditLog.createMany({ data: [row], skipDuplicates: true });
}

/** Records a refused attempt at something only moderators may do. */
export async function auditDenied(db: Tx, actor: Pick<Actor, "memberId">, action: string, details: Record<string, unknown> = {}): Promise<void> {
  await write(db, actor, action, null, "denied", details);
}

/** Records a moderator action in the same transaction as the change it made. */
export async function audit(tx: Tx, actor: Pick<Actor, "memberId">, action: string, target: string | null, details: Record<string, unknown> = {}): Promise<void> {
  await write(tx, actor, action, target, "ok", details);
}

/** Records something Steward itself could not do on a platform (a badge the workspace refused), for the moderators to see. */
export async function auditFailed(db: Tx, action: string, target: string | null, details: Record<string, unknown> = {}): Promise<void> {
  await write(db, { memberId: SYSTEM }, action, target, "failed", details);
}
