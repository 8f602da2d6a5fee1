// A unit of work: one transaction with bounded retries, what every service
// that writes goes through. The outbox rows written inside it wake delivery
// once it has committed (never on a rollback, once however many attempts it
// took), so no caller has to remember to. Concurrent requests (twenty identical Slack requests at once, two
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

/** What a unit of work runs on: the client, and what wakes delivery (the App has both). */
export interface UnitOfWorkHost {
  db: Db;
  /** Called once after a commit that wrote outbox rows. */
  outboxWritten: () => void;
}

export interface UnitOfWorkOptions {
  /** How many times a conflict is run again (1: never; the caller handles the conflict itself). */
  attempts?: number;
  /** Prisma's interactive transaction limits, for a unit longer than a request (erasing a member). */
  maxWait?: number;
  timeout?: number;
}

/** The attempt a transaction client belongs to: whether it wrote outbox rows. */
const attempts = new WeakMap<object, { outbox: boolean }>();

/** An outbox row was written in `tx` (services/outbox.ts): its unit of work wakes delivery when it commits. */
export function outboxRowsWritten(tx: Tx): void {
  const attempt = attempts.get(tx);
  if (attempt) attempt.outbox = true;
}

export async function transaction<T>(host: UnitOfWorkHost, fn: (tx: Tx) => Promise<T>, options: UnitOfWorkOptions = {}): Promise<T> {
  const { attempts: most = TX_ATTEMPTS, ...limits } = options;
  for (let attempt = 1; ; attempt++) {
    // Each attempt starts clean: a rolled-back attempt's rows are gone, so only the committed one counts.
    const written = { outbox: false };
    try {
      const result = await host.db.$transaction((tx) => {
        attempts.set(tx, written);
        return fn(tx);
      }, limits);
      if (written.outbox) host.outboxWritten();
      return result;
    } catch (err) {
      if (attempt >= most || !(isConflict(err) || isUniqueViolation(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}
