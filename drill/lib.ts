// What the drills share: a seeded random source (the seed is printed, so a failing run can be
// repeated), databases to drill on, a write counter, and the ledger invariant.
import { configSchema, type Config } from "../src/config.ts";
import { createLogger, type Logger } from "../src/log.ts";
import { createRuntime, type Runtime } from "../src/runtime.ts";
import { pgliteTemplate, type SqlRunner } from "../src/store/client.ts";
import { migrate } from "../src/store/migrate.ts";
import { scratchDatabase } from "../test/helpers/scratch-db.ts";

export interface DrillResult {
  name: string;
  pass: boolean;
  /** The figures, e.g. "10000 lines, 0 internal errors, 0 refused lines changed the database". */
  figures: string;
  /** A few examples of what went wrong, printed under the table. */
  problems?: string[];
}

export type Drill = (ctx: DrillContext) => Promise<Omit<DrillResult, "name">>;

export interface DrillContext {
  seed: number;
  rand: () => number;
  /** "small" (default, each drill under a minute) or "full". */
  size: "small" | "full";
}

/** mulberry32: small, fast and the same everywhere for one seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

export function drillConfig(env: Record<string, string> = {}): Config {
  return configSchema.parse({ STEWARD_MODERATORS: "mod", LOG_LEVEL: "silent", ...env });
}

let template: Promise<Blob> | undefined;

/** A migrated database of the drill's own: a scratch database on DATABASE_URL's server, else PGlite in memory. */
export async function drillRuntime(env: Record<string, string> = {}, log: Logger = createLogger("silent")): Promise<Runtime> {
  const config = drillConfig(env);
  const admin = process.env.DATABASE_URL;
  if (!admin) {
    template ??= pgliteTemplate(migrate);
    return createRuntime(config, { log, store: { dataDir: "memory", template: await template } });
  }
  const db = await scratchDatabase(admin, "steward_drill");
  const runtime = await createRuntime(config, { log, store: { databaseUrl: db.url } });
  return {
    ...runtime,
    close: async () => {
      await runtime.close();
      await db.drop();
    },
  };
}

/**
 * Counts every row written to any table but the two that record refused attempts on purpose: the
 * audit log, and /link's wrong-code attempts (the rate limit counts them, so a guesser cannot try
 * forever). A refused command must leave the count where it was.
 */
export async function installWriteCounter(sql: SqlRunner): Promise<() => Promise<number>> {
  await sql.exec(`
    CREATE TABLE drill_writes (n bigint NOT NULL);
    INSERT INTO drill_writes VALUES (0);
    CREATE FUNCTION drill_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE drill_writes SET n = n + 1; RETURN NULL; END $$;
    DO $$ DECLARE t text; BEGIN
      FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('drill_writes', 'audit_log', 'link_code_attempts', '_prisma_migrations') LOOP
        EXECUTE format('CREATE TRIGGER drill_count AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION drill_count()', t);
      END LOOP;
    END $$;`);
  return async () => Number((await sql.query<{ n: string }>("SELECT n FROM drill_writes"))[0]?.n ?? 0);
}

/** Members whose materialised balance differs from the sum of their ledger entries. */
export async function balanceMismatches(sql: SqlRunner): Promise<{ member: string; balance: number; sum: number }[]> {
  const rows = await sql.query<{ member: string; balance: string; sum: string }>(`
    SELECT m.handle AS member, COALESCE(b.points, 0) AS balance, COALESCE(SUM(e.delta), 0) AS sum
    FROM members m LEFT JOIN balances b ON b.member_id = m.id LEFT JOIN ledger_entries e ON e.member_id = m.id
    GROUP BY m.handle, b.points
    HAVING COALESCE(b.points, 0) <> COALESCE(SUM(e.delta), 0)`);
  return rows.map((r) => ({ member: r.member, balance: Number(r.balance), sum: Number(r.sum) }));
}

/** Rows per table, for "one effect": the same counts after 20 replays as after one run. */
export async function rowCounts(sql: SqlRunner): Promise<Record<string, number>> {
  const tables = await sql.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('_prisma_migrations', 'drill_writes') ORDER BY tablename",
  );
  const counts: Record<string, number> = {};
  for (const { tablename } of tables) counts[tablename] = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "${tablename}"`))[0]?.n ?? 0);
  return counts;
}
