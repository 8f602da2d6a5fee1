// The one place that knows which database runs: embedded PGlite in a folder by
// default, PostgreSQL when DATABASE_URL is set. Everything above this file sees
// the same Prisma client and the same raw SQL runner.
import { mkdirSync } from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;

/**
 * Prisma's defaults (2 s to get a connection, 5 s per transaction) fail a burst
 * of entries for one member: they queue on that member's balance row while
 * holding the pool's connections, so everyone else waits for a connection.
 * A request may wait this long (Slack and Discord get their answer later
 * through response_url / a deferred reply), and no transaction of ours should
 * run longer than `timeout` on its own.
 */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;
/** What a service's transaction callback receives. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/** Runs SQL the ORM cannot express: migrations (many statements at once) and set-based reports. */
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Store {
  db: Db;
  sql: SqlRunner;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

/** `template`: a dumped PGlite data directory to start from (tests use one migrated copy many times). */
export type StoreTarget = { databaseUrl: string } | { dataDir: string | "memory"; template?: Blob };

export async function openStore(target: StoreTarget): Promise<Store> {
  if ("databaseUrl" in target) return openPostgres(target.databaseUrl);
  return openPglite(target.dataDir, target.template);
}

/** A migrated in-memory database, dumped, so it can be copied cheaply. */
export async function pgliteTemplate(prepare: (sql: SqlRunner) => Promise<unknown>): Promise<Blob> {
  const store = await openPglite("memory");
  await prepare(store.sql);
  const lite = (store as Store & { lite: PGlite }).lite;
  const dump = await lite.dumpDataDir("none");
  await store.close();
  return dump;
}

async function openPglite(dataDir: string, template?: Blob): Promise<Store & { lite: PGlite }> {
  if (dataDir !== "memory") mkdirSync(dataDir, { recursive: true });
  // Each driver is imported only when its store opens: a start on PostgreSQL never loads PGlite, and back.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import("@electric-sql/pglite"), import("pglite-prisma-adapter")]);
  const lite = dataDir === "memory" ? new PGlite(template ? { loadDataDir: template } : {}) : new PGlite(dataDir);
  await lite.waitReady;
  const db = new PrismaClient({ adapter: new PrismaPGlite(lite), transactionOptions: TRANSACTION_OPTIONS });
  return {
    db,
    lite,
    kind: "pglite",
    sql: {
      exec: async (sql) => {
        await lite.exec(sql);
      },
      query: async <T,>(sql: string, params: unknown[] = []) => (await lite.query<T>(sql, params)).rows,
    },
    close: async () => {
      await db.$disconnect();
      await lite.close();
    },
  };
}

async function openPostgres(databaseUrl: string): Promise<Store> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import("pg"), import("@prisma/adapter-pg")]);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle connection the server ends (restart, failover, a dropped test database) must not crash the process;
  // the pool replaces it on the next query.
  pool.on("error", () => undefined);
  const db = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: TRANSACTION_OPTIONS });
  return {
    db,
    kind: "postgres",
    sql: {
      exec: async (sql) => {
        await pool.query(sql);
      },
      query: async <T,>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[],
    },
    close: async () => {
      await db.$disconnect();
      await pool.end();
    },
  };
}
