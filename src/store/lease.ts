// Leases: a claim on a piece of work that ends by itself. Whoever holds the
// lease `name` until its expiry does that work; a holder that dies (killed,
// out of memory, its machine gone) leaves nothing stuck, because after the
// expiry anyone may take the lease. A holder renews by taking its own lease
// again, and gives it up early with `releaseLease`. One statement each, so
// any number of processes on one database can ask at once: the primary key
// decides.
//
// Inbound events use one per event being applied ("inbound:<key>"); anything
// else that must run in one place at a time for a while (a gateway shard) can
// use the same table under a name of its own.
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

/** Leases that ran out: their rows only keep the table small once nobody will take that name again. */
export async function dropExpiredLeases(sql: SqlRunner, prefix: string, now: Date): Promise<number> {
  const rows = await sql.query<{ n: number }>(`WITH gone AS (DELETE FROM leases WHERE name LIKE $1 || '%' AND expires_at <= $2::timestamptz RETURNING 1) SELECT count(*)::int AS n FROM gone`, [prefix, now.toISOString()]);
  return rows[0]?.n ?? 0;
}
