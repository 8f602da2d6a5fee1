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
  /** When this claim began (the claim's `now`): the lock renewals name the claim by it. */
  claimedAt: Date;
  /**
   * When a claim that ended with no outcome began (its process died or stopped mid-delivery, and its lock
   * ran out; the earliest such claim): the platform may have had the message since then.
   */
  abandonedClaimAt: Date | null;
  /** Targets that delivered this row already. */
  delivered: string[];
  /** Where the row goes, fixed when it was written; null on rows written before targets were fixed (any process's targets take them). */
  targets: string[] | null;
  /** The terminal process that wrote it: only that terminal prints it. */
  origin: string | null;
}

/**
 * What a process delivers: the targets it runs, and the terminal it is (its origin), if it prints rows.
 * It claims a row only when one of the row's targets it runs has not had the row yet.
 */
export interface Runs {
  /** The platform targets it runs ("slack", "forum"): not the terminal. */
  targets: string[];
  /** Its terminal's origin when it runs one; a terminal's target takes only the rows its own process wrote. */
  origin: string | null;
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

/**
 * A target of the row this process runs has not had it yet ($runs: its platform targets; $origin: its terminal).
 * Rows with no targets fixed (written before targets were): a process that runs a platform, or one that never
 * fixed targets; never a terminal alone, which would print and settle what a platform was waiting for.
 */
const mine = (runs: string, origin: string) => `((outbox.targets IS NULL AND (cardinality(${runs}::text[]) > 0 OR ${origin}::text IS NULL)) OR EXISTS (
    SELECT 1 FROM unnest(outbox.targets) t
    WHERE (t = ANY(${runs}::text[]) OR (t = 'console' AND outbox.origin = ${origin}::text))
      AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = outbox.id AND d.target = t)))`;

/**
 * A claim left by a process before claims had a start on record lasted this long: its start is its lock's end
 * less this.
 */
const LEGACY_LOCK = "interval '60 seconds'";

/**
 * The claim: `pick` selects the rows (ids, with their previous lock and claim) under FOR UPDATE SKIP LOCKED; $1 is
 * the new lock, $2 the claim's start. A previous lock still set means that claim never finished: its start is kept
 * in unsure_since (the earliest such start wins) for every later claim, since a claim that takes the row over may
 * only book a rate slot and give the row back (release clears the lock) before the attempt that sends.
 */
const claim = (pick: string) => `UPDATE outbox o SET locked_until = $1, claimed_at = $2, attempts = o.attempts + 1,
    unsure_since = COALESCE(o.unsure_since, CASE WHEN c.locked_until IS NOT NULL THEN COALESCE(c.claimed_at, c.locked_until - ${LEGACY_LOCK}) END)
  FROM (${pick} FOR UPDATE SKIP LOCKED) c
  WHERE o.id = c.id
  RETURNING o.id, o.kind, o.member_id, o.channel, o.payload, o.dedupe_key, o.attempts, o.created_at, o.claimed_at,
    o.unsure_since AS abandoned_claim_at, o.targets, o.origin,
    ARRAY(SELECT d.target FROM outbox_deliveries d WHERE d.outbox_id = o.id) AS delivered`;

const CLAIM_DUE = claim(`SELECT id, locked_until, claimed_at FROM outbox WHERE status = 'pending' AND ${due("$2")} AND ${mine("$4", "$5")} ORDER BY id LIMIT $3`);
// $6: due by then (a booked row's job claims it ahead of the time the sweep may).
const CLAIM_ONE = claim(
  `SELECT id, locked_until, claimed_at FROM outbox WHERE id = $3 AND status = 'pending' AND available_at <= $6 AND (locked_until IS NULL OR locked_until < $2) AND ${mine("$4", "$5")}`,
);
// Batched with a row only the DMs that go to the same targets: one message for all of them, the same places.
const CLAIM_BATCH = claim(
  `SELECT id, locked_until, claimed_at FROM outbox WHERE kind = 'dm' AND member_id = $3 AND id <> $4 AND status = 'pending' AND ${due("$2")} AND created_at BETWEEN $5 AND $6
     AND ${mine("$7", "$8")} AND targets IS NOT DISTINCT FROM $9::text[] AND origin IS NOT DISTINCT FROM $10::text ORDER BY id LIMIT 20`,
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
  claimed_at: Date | string;
  abandoned_claim_at: Date | string | null;
  delivered: string[] | null;
  targets: string[] | null;
  origin: string | null;
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
      claimedAt: toDate(r.claimed_at),
      abandonedClaimAt: r.abandoned_claim_at === null ? null : toDate(r.abandoned_claim_at),
      delivered: r.delivered ?? [],
      targets: r.targets,
      origin: r.origin,
    }))
    .sort((a, b) => a.id - b.id);
}

/** Claims up to `limit` due rows this process has a target for until `lockUntil`, oldest first. */
export async function claimDue(store: OutboxStore, runs: Runs, now: Date, lockUntil: Date, limit: number): Promise<ClaimedRow[]> {
  return claimed(await store.sql.query<RawClaimed>(CLAIM_DUE, [lockUntil, now, limit, runs.targets, runs.origin]));
}

/** Claims one row by id, if it is due (by `dueBy`, default now), nobody holds it and this process has a target for it. */
export async function claimOne(store: OutboxStore, runs: Runs, id: number, now: Date, lockUntil: Date, dueBy: Date = now): Promise<ClaimedRow | undefined> {
  return claimed(await store.sql.query<RawClaimed>(CLAIM_ONE, [lockUntil, now, id, runs.targets, runs.origin, dueBy]))[0];
}

/** Claims the other due DMs of `row`'s member written between `from` and `to` (at most 20) that go where it goes, to go out with it. */
export async function claimDmsOf(store: OutboxStore, runs: Runs, row: ClaimedRow, range: { from: Date; to: Date }, now: Date, lockUntil: Date): Promise<ClaimedRow[]> {
  return claimed(await store.sql.query<RawClaimed>(CLAIM_BATCH, [lockUntil, now, row.memberId, row.id, range.from, range.to, runs.targets, runs.origin, row.targets, row.origin]));
}

/**
 * Pushes the locks of claims this process still holds to `lockUntil`: a claim is short, and lives as long as
 * its process renews it, so the rows of a process that died go to another within a lock's length. A claim is
 * named by its row and start; one that ended (recorded, released) or was taken over is left alone. Returns
 * the ids whose claims were renewed.
 */
export async function renewClaims(store: OutboxStore, held: { id: number; claimedAt: Date }[], lockUntil: Date): Promise<Set<number>> {
  if (held.length === 0) return new Set();
  const rows = await store.sql.query<{ id: number }>(
    `UPDATE outbox o SET locked_until = $1
       FROM unnest($2::int[], $3::timestamptz[]) h(id, claimed_at)
      WHERE o.id = h.id AND o.claimed_at = h.claimed_at AND o.locked_until IS NOT NULL AND o.status = 'pending'
      RETURNING o.id`,
    [lockUntil, held.map((h) => h.id), held.map((h) => h.claimedAt)],
  );
  return new Set(rows.map((r) => Number(r.id)));
}

/**
 * Ids and attempt counts of the oldest `limit` due rows this process has a target for, without claiming them (the
 * BullMQ sweep queues a job for each), taking the channels in turn: each channel's first row, then each one's second,
 * and so on, each channel's rows oldest first. In id order a backlog's busiest channels would fill the first jobs,
 * and a channel whose first row came late in the list would start (and end) its line that much later.
 */
export async function dueRows(store: OutboxStore, runs: Runs, now: Date, limit: number): Promise<{ id: number; attempts: number }[]> {
  return store.sql.query<{ id: number; attempts: number }>(
    `SELECT id, attempts FROM (
       SELECT id, attempts, row_number() OVER (PARTITION BY COALESCE('c:' || channel, 'm:' || member_id, 'o:' || id) ORDER BY id) AS turn
         FROM (SELECT id, attempts, channel, member_id FROM outbox WHERE status = 'pending' AND ${due("$1")} AND ${mine("$3", "$4")} ORDER BY id LIMIT $2) oldest
     ) t ORDER BY turn, id`,
    [now, limit, runs.targets, runs.origin],
  );
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
/**
 * A row is done when every target fixed on it has it ($2, recorded in the same statement, counts: the
 * statement's own insert is not visible to it). A row with no targets fixed is done when the process
 * that claimed it has delivered it through all of its own.
 */
const COMPLETE = `(targets IS NULL OR NOT EXISTS (
    SELECT 1 FROM unnest(targets) t
    WHERE t IS DISTINCT FROM $2::text AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = outbox.id AND d.target = t)))`;
/** The end of this process's turn with the rows: done, or back to the table for the processes that run the other targets (no attempt counted). */
const SETTLE = `UPDATE outbox SET
    status = CASE WHEN ${COMPLETE} THEN 'delivered' ELSE status END,
    delivered_at = CASE WHEN ${COMPLETE} THEN $3::timestamptz ELSE delivered_at END,
    attempts = CASE WHEN ${COMPLETE} THEN attempts ELSE attempts - 1 END,
    locked_until = NULL, last_error = NULL
  WHERE id = ANY($1::int[])`;

/**
 * Records that `target` delivered the rows (a retry skips it). With `turnEndsAt`, this process is done
 * with the rows, in the same statement: each is done if every one of its targets has it now, else it
 * waits for the processes that run the others. No target: only ends the turn.
 */
export async function recordDelivered(store: OutboxStore, ids: number[], target: string | null, turnEndsAt?: Date): Promise<void> {
  if (target !== null && turnEndsAt) await store.sql.query(`WITH recorded AS (${RECORD}) ${SETTLE}`, [ids, target, turnEndsAt]);
  else if (target !== null) await store.sql.query(RECORD, [ids, target]);
  else if (turnEndsAt) await store.sql.query(SETTLE, [ids, null, turnEndsAt]);
}

/** How many due rows terminal `origin` wrote and has not printed (some may be held a moment by another process delivering their other targets). */
export async function unprinted(store: OutboxStore, origin: string, now: Date): Promise<number> {
  const [row] = await store.sql.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM outbox
      WHERE origin = $1 AND status = 'pending' AND 'console' = ANY(targets) AND available_at <= $2
        AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = outbox.id AND d.target = 'console')`,
    [origin, now],
  );
  return Number(row?.n ?? 0);
}

/**
 * A terminal ends: the rows it wrote and has not printed (a reminder due later, a print the database
 * went away before) no longer wait for it, and a row whose other targets all have it is done.
 */
export async function closeTerminal(store: OutboxStore, origin: string, at: Date): Promise<void> {
  // SET reads the row as it was: `targets` there still holds the terminal.
  const othersHaveIt = `NOT EXISTS (SELECT 1 FROM unnest(targets) t WHERE t <> 'console' AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = outbox.id AND d.target = t))`;
  await store.sql.query(
    `UPDATE outbox SET targets = array_remove(targets, 'console'),
       status = CASE WHEN ${othersHaveIt} THEN 'delivered' ELSE status END,
       delivered_at = CASE WHEN ${othersHaveIt} THEN $2::timestamptz ELSE delivered_at END
     WHERE origin = $1 AND status = 'pending' AND 'console' = ANY(targets)
       AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = outbox.id AND d.target = 'console')`,
    [origin, at],
  );
}

/** Rows waiting, per target that has not had them yet; rows with no targets fixed count under "any". */
export async function waitingByTarget(store: OutboxStore): Promise<{ target: string; rows: number }[]> {
  const rows = await store.sql.query<{ target: string; rows: number | string }>(
    `SELECT t AS target, count(*) AS rows
       FROM outbox o CROSS JOIN LATERAL unnest(COALESCE(o.targets, ARRAY['any'])) t
      WHERE o.status = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = o.id AND d.target = t)
      GROUP BY t`,
  );
  return rows.map((r) => ({ target: r.target, rows: Number(r.rows) }));
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
