// Retention: the tables that only grew are pruned once a day (the daily sweep), in bounded batches so
// a first run on a large database never holds a long transaction. What keeps a payment from happening
// twice is never pruned: inbound events keep their key (only a finished event's body is emptied),
// processed_events holds keys only and is left alone, ledger entries and their idempotency keys are
// the ledger itself, and the audit trail of changes to points and memberships is kept for good.
import type { App } from "../app.ts";

/** Audit actions that record a change to points or memberships: kept whatever STEWARD_RETAIN_AUDIT_DAYS says. */
export const KEPT_AUDIT_ACTIONS = [
  "adjust",
  "certify",
  "dispute accept",
  "dispute decline",
  "site verify",
  "site lapse",
  "site reactivate",
  "site remove-contributor",
  "site transfer",
  "review approve",
  "review reject",
  "program remove",
  "member merge",
  "member forget",
];

/** Inbound events whose processing is over: held ones wait for a link, received and failed ones for a retry. */
const FINISHED_INBOUND = ["applied", "ignored", "refused", "expired"];

export const PRUNED_PAYLOAD = { pruned: true };

export interface PruneResult {
  outbox: number;
  payloads: number;
  audit: number;
}

export interface PruneOptions {
  batch?: number;
  /** Batches per table per run; what is left goes the next day. */
  maxBatches?: number;
}

const DAY_MS = 86_400_000;

/**
 * Runs `step` until a batch comes back short. Each step is given the highest id the previous one touched and reads on
 * from there: a batch that started from the first id again walked past every row already done (emptied payloads
 * stay; deleted rows stay in the index until vacuumed), so a run took time quadratic in what it pruned.
 */
async function inBatches(step: (after: number) => Promise<{ id: number }[]>, batch: number, maxBatches: number): Promise<number> {
  let total = 0;
  let after = 0;
  for (let i = 0; i < maxBatches; i++) {
    const rows = await step(after);
    total += rows.length;
    for (const r of rows) after = Math.max(after, Number(r.id));
    if (rows.length < batch) break;
  }
  return total;
}

/**
 * What each table keeps, as one batch statement: `$1` the cutoff, `$2` the batch size, `$3` the id to read on from,
 * then the statement's own parameters. It returns the ids it touched.
 */
const PRUNES: { table: keyof PruneResult; days: (c: App["config"]) => number; sql: string; params: unknown[] }[] = [
  {
    table: "outbox",
    days: (c) => c.STEWARD_RETAIN_OUTBOX_DAYS,
    sql: `WITH gone AS (DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE id > $3 AND status = 'delivered' AND delivered_at < $1 ORDER BY id LIMIT $2) RETURNING id),
               deliveries AS (DELETE FROM outbox_deliveries WHERE outbox_id IN (SELECT id FROM gone))
          SELECT id FROM gone`,
    params: [],
  },
  {
    table: "payloads",
    days: (c) => c.STEWARD_RETAIN_EVENT_PAYLOAD_DAYS,
    sql: `UPDATE inbound_events SET payload = $5::jsonb WHERE id IN (
            SELECT id FROM inbound_events WHERE id > $3 AND status = ANY($4::text[]) AND updated_at < $1 AND payload <> $5::jsonb ORDER BY id LIMIT $2
          ) RETURNING id`,
    params: [FINISHED_INBOUND, JSON.stringify(PRUNED_PAYLOAD)],
  },
  {
    table: "audit",
    days: (c) => c.STEWARD_RETAIN_AUDIT_DAYS,
    sql: `DELETE FROM audit_log WHERE id IN (
            SELECT id FROM audit_log WHERE id > $3 AND created_at < $1 AND NOT (outcome = 'ok' AND action = ANY($4::text[])) ORDER BY id LIMIT $2
          ) RETURNING id`,
    params: [KEPT_AUDIT_ACTIONS],
  },
];

export async function pruneRetention(app: App, options: PruneOptions = {}): Promise<PruneResult> {
  const batch = options.batch ?? 1000;
  const maxBatches = options.maxBatches ?? 50;
  const result: PruneResult = { outbox: 0, payloads: 0, audit: 0 };
  for (const prune of PRUNES) {
    const days = prune.days(app.config);
    // 0 keeps everything.
    if (days <= 0) continue;
    const before = new Date(app.now().getTime() - days * DAY_MS);
    result[prune.table] = await inBatches((after) => app.sql.query<{ id: number }>(prune.sql, [before, batch, after, ...prune.params]), batch, maxBatches);
  }
  return result;
}
