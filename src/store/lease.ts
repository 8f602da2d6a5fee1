// Leases: a claim on a piece of work that ends by itself. Whoever holds the
// lease `name` until its expiry does that work; a holder that dies (killed,
// out of memory, its machine gone) leaves nothing stuck, because after the
// expiry anyone may take the lease. A holder renews by taking its own lease
// again, and gives it up early with `releaseLease`. One statement each, so
// any number of processes on one database can ask at once: the primary key
// decides.
//
// Inbound events use one per event being applied ("inbound:<key>"); anything
// else that must run in one place at a time for a while uses the same table
// under a name of its own: a Discord gateway shard ("discord-shard:<n>") is
// held for as long as its holder keeps renewing it (`keepLease`), and leaves
// its session in the lease's `state` for whoever takes the shard over; a
// gateway interaction is claimed once ("discord-interaction:<id>").
import type { SqlRunner } from "./client.ts";

export type LeaseAnswer = { taken: true; expiresAt: Date } | { taken: false; holder: string; expiresAt: Date };

// The conditional upsert takes an expired lease or renews the caller's own; a live lease of another holder is
// left alone and read back in the same statement (RETURNING yields nothing then, so the second SELECT answers).
const TAKE = `
WITH taken AS (
  INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3::timestamptz)
  ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
  WHERE leases.expires_at <= $4::timestamptz OR leases.holder = EXCLUDED.holder
  RETURNING holder, expires_at
)
SELECT true AS taken, holder, expires_at FROM taken
UNION ALL
SELECT false AS taken, holder, expires_at FROM leases WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM taken)`;

/** Takes `name` for `holder` until now + `ttlMs`, if it is free, expired, or already the holder's. */
export async function takeLease(sql: SqlRunner, name: string, holder: string, ttlMs: number, now: Date): Promise<LeaseAnswer> {
  const until = new Date(now.getTime() + ttlMs);
  const rows = await sql.query<{ taken: boolean; holder: string; expires_at: Date | string }>(TAKE, [name, holder, until.toISOString(), now.toISOString()]);
  const row = rows[0];
  // Released between the two halves of the statement by its holder: free now, so the caller may simply ask again.
  if (!row) return takeLease(sql, name, holder, ttlMs, now);
  const expiresAt = new Date(row.expires_at);
  return row.taken ? { taken: true, expiresAt } : { taken: false, holder: row.holder, expiresAt };
}

/** Gives the lease up before it expires; only its holder can. */
export async function releaseLease(sql: SqlRunner, name: string, holder: string): Promise<void> {
  await sql.query(`DELETE FROM leases WHERE name = $1 AND holder = $2`, [name, holder]);
}

/** Ends the holder's lease now but keeps its row and state: the next holder takes it at once and reads the state. */
export async function handOverLease(sql: SqlRunner, name: string, holder: string, now: Date): Promise<void> {
  await sql.query(`UPDATE leases SET expires_at = $3::timestamptz WHERE name = $1 AND holder = $2`, [name, holder, now.toISOString()]);
}

/** Leases that ran out: their rows only keep the table small once nobody will take that name again. */
export async function dropExpiredLeases(sql: SqlRunner, prefix: string, now: Date): Promise<number> {
  const rows = await sql.query<{ n: number }>(`WITH gone AS (DELETE FROM leases WHERE name LIKE $1 || '%' AND expires_at <= $2::timestamptz RETURNING 1) SELECT count(*)::int AS n FROM gone`, [prefix, now.toISOString()]);
  return rows[0]?.n ?? 0;
}

/** The lease's row as it stands: who holds it until when, and the state its holders left. */
export async function readLease<S>(sql: SqlRunner, name: string): Promise<{ holder: string; expiresAt: Date; state: S | null } | undefined> {
  const rows = await sql.query<{ holder: string; expires_at: Date | string; state: S | string | null }>(`SELECT holder, expires_at, state FROM leases WHERE name = $1`, [name]);
  const row = rows[0];
  if (!row) return undefined;
  // PGlite and node-postgres both parse jsonb; a driver that does not hands back text.
  const state = typeof row.state === "string" ? (JSON.parse(row.state) as S) : row.state;
  return { holder: row.holder, expiresAt: new Date(row.expires_at), state };
}

/** Records what a successor needs (only while `holder` still holds the lease); false when it does not any more. */
export async function saveLeaseState(sql: SqlRunner, name: string, holder: string, state: unknown): Promise<boolean> {
  const rows = await sql.query<{ n: number }>(`WITH saved AS (UPDATE leases SET state = $3::jsonb WHERE name = $1 AND holder = $2 RETURNING 1) SELECT count(*)::int AS n FROM saved`, [name, holder, JSON.stringify(state)]);
  return (rows[0]?.n ?? 0) > 0;
}

/** Unexpired leases under `prefix`, with their state: which shards are held now, and how they were split. */
export async function liveLeases<S>(sql: SqlRunner, prefix: string, now: Date): Promise<{ name: string; holder: string; state: S | null }[]> {
  const rows = await sql.query<{ name: string; holder: string; state: S | string | null }>(`SELECT name, holder, state FROM leases WHERE name LIKE $1 || '%' AND expires_at > $2::timestamptz ORDER BY name`, [prefix, now.toISOString()]);
  return rows.map((r) => ({ name: r.name, holder: r.holder, state: typeof r.state === "string" ? (JSON.parse(r.state) as S) : r.state }));
}

export interface KeptLease {
  /** Whether the last renewal held (false once another holder has it or the database refused). */
  readonly held: boolean;
  /** Stops renewing: the lease runs out (or its holder hands it over with `handOverLease`). */
  abandon(): void;
}

export interface KeepOptions {
  ttlMs: number;
  /** Renew this often: well under `ttlMs`, so one slow renewal does not lose the lease. */
  renewEveryMs: number;
  now: () => Date;
  /** Called once when a renewal finds the lease gone (another holder took it after a pause): stop the work. */
  onLost(): void;
  /** Called after each renewal that held: the moment to save state. */
  onRenewed?(): Promise<void>;
  onError?(err: unknown): void;
}

/**
 * The heartbeat of a lease already taken: renews it every `renewEveryMs` until released, abandoned, or lost.
 * A renewal that fails on the database is retried at the next beat; the lease is lost only when another holder has it.
 */
export function keepLease(sql: SqlRunner, name: string, holder: string, options: KeepOptions): KeptLease {
  let held = true;
  let stopped = false;
  let beat: Promise<unknown> = Promise.resolve();
  const renew = async () => {
    if (stopped) return;
    const answer = await takeLease(sql, name, holder, options.ttlMs, options.now());
    if (stopped) return;
    if (!answer.taken) {
      held = false;
      stopped = true;
      clearInterval(timer);
      options.onLost();
      return;
    }
    await options.onRenewed?.();
  };
  const timer = setInterval(() => {
    beat = beat.then(renew).catch((err: unknown) => options.onError?.(err));
  }, options.renewEveryMs);
  timer.unref();
  return {
    get held() {
      return held;
    },
    abandon: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
