// Inbound events (partner webhooks, `steward import` lines) are claimed, not
// just marked. The row under the event's key says what became of it; while it
// is "received" the event is not finished, and whoever holds its lease
// "inbound:<key>" is applying it. A sender's retry while the lease is live is
// told to come back (busy, 503 + Retry-After); once the lease ran out (its
// process died) a retry, the sweep or a rerun of the import takes it up. Only
// a finished outcome answers "duplicate".
//
// Forum, Slack and Discord events follow the same rule more simply: each is
// claimed and applied in one transaction (a crash rolls the claim back), so a
// claim on record is always a finished one.
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import { dropExpiredLeases, releaseLease, takeLease } from "../store/lease.ts";

/** How long a claim lasts: applying one event takes well under a second; a holder that died frees it after this. */
export const INBOUND_LEASE_MS = 30_000;

export interface InboundRow {
  id: number;
  key: string;
  source: string;
  type: string;
  subject: string;
  payload: unknown;
  status: string;
  result: string | null;
  createdAt: Date;
}

export interface NewInbound {
  source: string;
  key: string;
  type: string;
  subject: string;
  payload: object;
  occurredAt: Date | null;
}

/** What claiming an event came to: this caller applies it, it was finished before, or another holder is on it now. */
export type Claim = { kind: "claimed"; row: InboundRow; lease: InboundLease } | { kind: "finished"; row: InboundRow } | { kind: "busy"; row: InboundRow; retryAfterSeconds: number };

export interface InboundLease {
  /** Records the outcome and gives the lease up. */
  finish(outcome: { status: string; result: string; memberId?: string | null }): Promise<void>;
  /** Leaves the event unfinished (a retry applies it) and gives the lease up: an unexpected failure. */
  abandon(why: string): Promise<void>;
}

const leaseName = (key: string) => `inbound:${key}`;

/** Records the event under its key (once) and claims it when it is not finished and nobody holds it. */
export async function claimInbound(app: App, e: NewInbound): Promise<Claim> {
  const now = app.now();
  await app.db.inboundEvent.createMany({
    data: [{ source: e.source, key: e.key, type: e.type, subject: e.subject, payload: e.payload, status: "received", occurredAt: e.occurredAt, createdAt: now, updatedAt: now }],
    skipDuplicates: true,
  });
  return claimRow(app, e.key);
}

/** Claims the event already on record under `key` (the sweep, a held event being applied). */
export async function claimRow(app: App, key: string, unfinished: string = "received"): Promise<Claim> {
  const row = await app.db.inboundEvent.findUniqueOrThrow({ where: { key } });
  if (row.status !== unfinished) return { kind: "finished", row };
  const holder = randomUUID();
  const now = app.now();
  const lease = await takeLease(app.sql, leaseName(key), holder, INBOUND_LEASE_MS, now);
  if (!lease.taken) return { kind: "busy", row, retryAfterSeconds: Math.max(1, Math.ceil((lease.expiresAt.getTime() - now.getTime()) / 1000)) };
  // The previous holder may have finished between the read above and the lease: read again under the lease.
  const current = await app.db.inboundEvent.findUniqueOrThrow({ where: { key } });
  if (current.status !== unfinished) {
    await releaseLease(app.sql, leaseName(key), holder);
    return { kind: "finished", row: current };
  }
  const give = () => releaseLease(app.sql, leaseName(key), holder);
  return {
    kind: "claimed",
    row: current,
    lease: {
      // Only over an unfinished row: a holder whose lease ran out mid-way (a slow database) and finishes after the
      // one who took the event over must not replace the outcome on record (its own run answered a duplicate).
      async finish(outcome) {
        await app.db.inboundEvent.updateMany({ where: { id: current.id, status: unfinished }, data: { status: outcome.status, result: outcome.result, memberId: outcome.memberId ?? null, updatedAt: app.now() } });
        await give();
      },
      async abandon(why) {
        await app.db.inboundEvent.updateMany({ where: { id: current.id, status: unfinished }, data: { status: unfinished, result: why.slice(0, 500), updatedAt: app.now() } });
        await give();
      },
    },
  };
}

/**
 * Unfinished events whose claim ran out (their process died), oldest first,
 * at most `limit`: the sweep takes each up as a retry would. An event just
 * received is skipped: its sender's own request is most likely applying it.
 */
export async function unfinishedInbound(app: App, sources: string[], limit = 100): Promise<InboundRow[]> {
  const before = new Date(app.now().getTime() - INBOUND_LEASE_MS);
  await dropExpiredLeases(app.sql, "inbound:", new Date(app.now().getTime() - INBOUND_LEASE_MS));
  return app.db.inboundEvent.findMany({ where: { source: { in: sources }, status: "received", updatedAt: { lt: before } }, orderBy: { id: "asc" }, take: limit });
}
