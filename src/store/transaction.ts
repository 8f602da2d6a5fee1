// One transaction with bounded retries: what every service that writes goes
// through. Concurrent requests (twenty identical Slack requests at once, two
// moderators clicking the same button) make Postgres abort all but one of
// them with a serialization failure, a deadlock or a unique violation. Run
// again, the loser sees the winner's row and answers like a sequential
// duplicate ("already submitted") instead of as an internal error.
import type { Db, Tx } from "./client.ts";

/** The SQLSTATE behind a Prisma error, where the driver adapter reported one. */
export function sqlState(err: unknown): string | undefined {
  const meta = (err as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)?.meta;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === "string" ? code : undefined;
}

/** A unique constraint said no: from the ORM (P2002) or from raw SQL (23505). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "P2002" || sqlState(err) === "23505";
}

/** A foreign key said no (P2003 from the ORM, 23503 from raw SQL): the row it names is gone. */
export function isForeignKeyViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "P2003" || sqlState(err) === "23503";
}

/** serialization_failure, deadlock_detected (Prisma's P2034 "write conflict" is either). */
function isConflict(err: unknown): boolean {
  const state = sqlState(err);
  return (err as { code?: unknown } | null)?.code === "P2034" || state === "40001" || state === "40P01";
}

export const TX_ATTEMPTS = 5;

/** Full jitter on an exponential step (25 ms, 50 ms, … capped at 400 ms), so the losers of a race do not collide again in step. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(400, 25 * 2 ** attempt);
}

export async function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = TX_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(fn);
    } catch (err) {
      if (attempt >= attempts || !(isConflict(err) || isUniqueViolation(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}
