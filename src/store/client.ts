// The one place that knows which database runs: embedded PGlite in a folder by
// default, PostgreSQL when DATABASE_URL is set. Everything above this file sees
// the same Prisma client and the same raw SQL runner.
import { mkdirSync } from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import type * as PgNamespace from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { lockDataDir, type DataDirLock } from "./lock.ts";

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
  /**
   * `prepared`: a name for a statement sent very often, so PostgreSQL parses and plans it once per connection
   * instead of on every call (one name, one text). PGlite runs in-process and ignores it.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], prepared?: string): Promise<T[]>;
}

export interface Store {
  db: Db;
  sql: SqlRunner;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

/**
 * `template`: a dumped PGlite data directory to start from (tests use one migrated copy many times).
 * `smallBuffers`: a 16 MB buffer pool instead of Postgres's 128 MB, for a process that runs one command
 * (about 120 MiB less memory; a long-running one keeps the larger cache).
 */
export type StoreTarget = { databaseUrl: string } | { dataDir: string | "memory"; template?: Blob; smallBuffers?: boolean };

export async function openStore(target: StoreTarget): Promise<Store> {
  if ("databaseUrl" in target) return openPostgres(target.databaseUrl);
  return openPglite(target.dataDir, target.template, target.smallBuffers);
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

async function openPglite(dataDir: string, template?: Blob, smallBuffers = false): Promise<Store & { lite: PGlite }> {
  let lock: DataDirLock | undefined;
  if (dataDir !== "memory") {
    mkdirSync(dataDir, { recursive: true });
    lock = await lockDataDir(dataDir);
  }
  let lite: PGlite;
  try {
    // Each driver is imported only when its store opens: a start on PostgreSQL never loads PGlite, and back.
    const { PGlite } = await import("@electric-sql/pglite");
    // Given start parameters replace PGlite's own, so they are repeated. A -c lasts this run; the data folder keeps its settings.
    const startParams = smallBuffers ? { startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"] } : {};
    lite = new PGlite(dataDir === "memory" ? { ...startParams, ...(template ? { loadDataDir: template } : {}) } : { ...startParams, dataDir });
    await lite.waitReady;
  } catch (err) {
    lock?.release();
    throw err;
  }
  return pgliteStore(lite, async () => {
    try {
      await lite.close();
    } finally {
      lock?.release();
    }
  });
}

/** The store on an open PGlite; close() ends the Prisma client, then calls `release` (the tests lend one instance to test after test). */
export async function pgliteStore(lite: PGlite, release: () => Promise<void>): Promise<Store & { lite: PGlite }> {
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
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
      try {
        await db.$disconnect();
      } finally {
        await release();
      }
    },
  };
}

/**
 * pg asks at load whether it runs in a Cloudflare Worker: without a global `navigator` (Node 20 has none) it builds
 * a `Response`, which loads Node's whole fetch implementation (undici) into a process that never fetches: a tenth
 * of a `steward run`. A navigator that says Node is there only while pg loads (Node 21 and later have their own).
 */
async function importPg(): Promise<typeof PgNamespace> {
  if ("navigator" in globalThis) return import("pg");
  Object.defineProperty(globalThis, "navigator", { value: { userAgent: `Node.js/${process.version}` }, configurable: true });
  try {
    return await import("pg");
  } finally {
    delete (globalThis as { navigator?: unknown }).navigator;
  }
}

async function openPostgres(databaseUrl: string): Promise<Store> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([importPg(), import("@prisma/adapter-pg")]);
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
      query: async <T,>(sql: string, params: unknown[] = [], prepared?: string) =>
        (await (prepared ? pool.query({ name: prepared, text: sql, values: params }) : pool.query(sql, params))).rows as T[],
    },
    close: async () => {
      await db.$disconnect();
      await pool.end();
    },
  };
}
