// Anything that must reach a person later is an outbox row, written in the
// same transaction as the change that caused it. Delivery (src/jobs) reads the
// rows; the dedupe key makes every delivery happen once.
import type { OutboxMessage } from "./outbox-message.ts";
import type { Tx } from "../store/client.ts";
import { outboxRowsWritten } from "../store/transaction.ts";
import { routingOf, targetsFor } from "./outbox-targets.ts";

export type { ChannelName, OutboxKind, OutboxMessage } from "./outbox-message.ts";

export interface EnqueueOptions {
  dedupeKey: string;
  /** The app's clock (app.now()), so rows are due by the same clock the delivery job reads. */
  now: Date;
  /** Not before this time (quiet hours, scheduled reminders). */
  availableAt?: Date;
}

export async function enqueue(tx: Tx, message: OutboxMessage, options: EnqueueOptions): Promise<void> {
  await enqueueAll(tx, [{ message, options }]);
}

/**
 * Many rows in one statement (a reminder for every member of a program); a key already used is skipped.
 * Each row's targets are fixed here (services/outbox-targets.ts); a row no target is for is done as written.
 */
export async function enqueueAll(tx: Tx, rows: { message: OutboxMessage; options: EnqueueOptions }[]): Promise<void> {
  if (rows.length === 0) return;
  const routing = routingOf(tx);
  const targets = routing ? await targetsFor(tx, routing, rows.map((r) => r.message)) : undefined;
  const written = await tx.outboxMessage.createMany({
    data: rows.map(({ message, options }, i) => {
      const { kind, ...payload } = message;
      const to = targets?.[i];
      return {
        kind,
        memberId: "memberId" in message ? message.memberId : null,
        channel: "channel" in message ? message.channel : null,
        payload: payload as object,
        dedupeKey: options.dedupeKey,
        createdAt: options.now,
        availableAt: options.availableAt ?? options.now,
        ...(to ? { targets: to, origin: routing?.origin ?? null } : {}),
        ...(to?.length === 0 ? { status: "delivered", deliveredAt: options.now } : {}),
      };
    }),
    skipDuplicates: true,
  });
  if (written.count > 0) outboxRowsWritten(tx);
}

/** Rebuilds the typed message from a stored row. */
export function messageOf(row: { kind: string; payload: unknown }): OutboxMessage {
  return { kind: row.kind, ...(row.payload as object) } as OutboxMessage;
}
