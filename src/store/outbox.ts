// The outbox's SQL: claiming rows (a lock pushed forward with FOR UPDATE SKIP
// LOCKED, so any number of workers in any number of processes can ask at
// once), recording what each target delivered, and giving rows back. Raw SQL
// on the delivery path: a DM costs three statements (claim, recipient,
// record), which is most of its CPU when several processes share the work.
import type { Db, SqlRunner } from "./client.ts";

export interface OutboxStore {
  db: Db;
  sql: SqlRunner;
}

/** A claimed row, as delivery needs it. */
export interface ClaimedRow {
  id: number;
  kind: string;
  memberId: string | null;
  channel: string | null;
  payload: unknown;
  dedupeKey: string;
  /** Counting this claim. */
  attempts: number;
  createdAt: Date;
  /**
   * The lock the previous claim left behind: set only when that claim ended with no outcome
   * (its process died or stopped mid-delivery), so the platform may have the message already.
   */
  abandonedLock: Date | null;
  /** Targets that delivered this row already. */
  delivered: string[];
}

/** The member a row is for, with their platform accounts. */
export interface RecipientRow {
  id: string;
  handle: string;
  displayName: string;
  timezone: string | null;
  identities: { platform: string; externalId: string }[];
}

// Rows are stamped with the application's clock, so "due" is read on that same clock.
const due = (now: string) => `available_at <= ${now} AND (locked_until IS NULL OR locked_until < ${now})`;

/** The claim: `pick` selects the rows (ids, with their previous lock) under FOR UPDATE SKIP LOCKED; $1 is the new lock. */
const claim = (pick: string) => `UPDATE outbox o SET locked_until = $1, attempts = o.attempts + 1
  FROM (${pick} FOR UPDATE SKIP LOCKED) c
  WHERE o.id = c.id
  RETURNING o.id, o.kind, o.member_id, o.channel, o.payload, o.dedupe_key, o.attempts, o.created_at, c.locked_until AS abandoned_lock,
    ARRAY(SELECT d.target FROM outbox_deliveries d WHERE d.outbox_id = o.id) AS delivered`;

const CLAIM_DUE = claim(`SELECT id, locked_until FROM outbox WHERE status = 'pending' AND ${due("$2")} ORDER BY id LIMIT $3`);
const CLAIM_ONE = claim(`SELECT id, locked_until FROM outbox WHERE id = $3 AND status = 'pending' AND ${due("$2")}`);
const CLAIM_BATCH = claim(
  `SELECT id, locked_until FROM outbox WHERE kind = 'dm' AND member_id = $3 AND id <> $4 AND status = 'pending' AND ${due("$2")} AND created_at BETWEEN $5 AND $6 ORDER BY id LIMIT 20`,
);

interface RawClaimed {
  id: number;
  kind: string;
  member_id: string | null;
  channel: string | null;
  payload: unknown;
  dedupe_key: string;
  attempts: number;
  created_at: Date | string;
  abandoned_lock: Date | string | null;
  delivered: string[] | null;
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function claimed(rows: RawClaimed[]): ClaimedRow[] {
  return rows
    .map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      memberId: r.member_id,
      channel: r.channel,
      payload: r.payload,
      dedupeKey: r.dedupe_key,
      attempts: Number(r.attempts),
      createdAt: toDate(r.created_at),
      abandonedLock: r.abandoned_lock === null ? null : toDate(r.abandoned_lock),
      delivered: r.delivered ?? [],
    }))
    .sort((a, b) => a.id - b.id);
}

/** Claims up to `limit` due rows until `lockUntil`, oldest first. */
export async function claimDue(store: OutboxStore, now: Date, lockUntil: Date, limit: number): Promise<ClaimedRow[]> {
  return claimed(await store.sql.query<RawClaimed>(CLAIM_DUE, [lockUntil, now, limit]));
}

/** Claims one row by id, if it is due and nobody holds it. */
export async function claimOne(store: OutboxStore, id: number, now: Date, lockUntil: Date): Promise<ClaimedRow | undefined> {
  return claimed(await store.sql.query<RawClaimed>(CLAIM_ONE, [lockUntil, now, id]))[0];
}

/** Claims a member's other due DMs written between `from` and `to` (at most 20), to go out with row `besides`. */
export async function claimDmsOf(store: OutboxStore, memberId: string, besides: number, range: { from: Date; to: Date }, now: Date, lockUntil: Date): Promise<ClaimedRow[]> {
  return claimed(await store.sql.query<RawClaimed>(CLAIM_BATCH, [lockUntil, now, memberId, besides, range.from, range.to]));
}

/** Ids and attempt counts of due rows, oldest first, without claiming them (the BullMQ sweep queues a job for each). */
export async function dueRows(store: OutboxStore, now: Date, limit: number): Promise<{ id: number; attempts: number }[]> {
  return store.sql.query<{ id: number; attempts: number }>(`SELECT id, attempts FROM outbox WHERE status = 'pending' AND ${due("$1")} ORDER BY id LIMIT $2`, [now, limit]);
}

export async function recipient(store: OutboxStore, memberId: string): Promise<RecipientRow | undefined> {
  const [row] = await store.sql.query<RecipientRow>(
    `SELECT m.id, m.handle, m.display_name AS "displayName", m.timezone,
       COALESCE((SELECT json_agg(json_build_object('platform', i.platform, 'externalId', i.external_id) ORDER BY i.created_at) FROM identities i WHERE i.member_id = m.id), '[]'::json) AS identities
     FROM members m WHERE m.id = $1`,
    [memberId],
  );
  if (!row) return undefined;
  return { ...row, identities: typeof row.identities === "string" ? (JSON.parse(row.identities) as RecipientRow["identities"]) : row.identities };
}

const RECORD = `INSERT INTO outbox_deliveries (outbox_id, target) SELECT unnest($1::int[]), $2::text ON CONFLICT (outbox_id, target) DO NOTHING`;
const finish = (at: string) => `UPDATE outbox SET status = 'delivered', delivered_at = ${at}, locked_until = NULL, last_error = NULL WHERE id = ANY($1::int[])`;

/**
 * Records that `target` delivered the rows (a retry skips it); with `finishedAt`, the rows are
 * also done, in the same statement. No target: only marks them done.
 */
export async function recordDelivered(store: OutboxStore, ids: number[], target: string | null, finishedAt?: Date): Promise<void> {
  if (target !== null && finishedAt) await store.sql.query(`WITH recorded AS (${RECORD}) ${finish("$3")}`, [ids, target, finishedAt]);
  else if (target !== null) await store.sql.query(RECORD, [ids, target]);
  else if (finishedAt) await store.sql.query(finish("$2"), [ids, finishedAt]);
}

/** Gives rows back to the table. `refund`: the claim was not a failed attempt (quiet hours, a rate slot). */
export async function release(
  store: OutboxStore,
  ids: number[],
  change: { availableAt?: Date; lastError?: string | null; status?: "failed"; refund?: boolean },
): Promise<void> {
  if (ids.length === 0) return;
  await store.sql.query(
    `UPDATE outbox SET locked_until = NULL,
       available_at = COALESCE($2, available_at),
       last_error = CASE WHEN $3 THEN $4 ELSE last_error END,
       status = COALESCE($5, status),
       attempts = attempts - $6
     WHERE id = ANY($1::int[])`,
    [ids, change.availableAt ?? null, change.lastError !== undefined, change.lastError ?? null, change.status ?? null, change.refund ? 1 : 0],
  );
}
