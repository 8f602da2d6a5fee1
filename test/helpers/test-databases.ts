// Databases for the tests, cheaply (issue 23). test/global-setup.ts migrates one database of each
// kind per run; here each vitest worker gets one database per kind (and one more for each runtime a
// test holds open at the same time), copied from that template and lent to test after test: giving
// it back deletes every row and restarts the sequences, which leaves it as the template was. A
// database whose schema a test changed is closed instead of lent again.
//
// Outside a vitest run (the drills use the test helpers too) nothing was prepared: every store is
// then a fresh database migrated on the spot, as before.
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";
import { openStore, pgliteStore, pgliteTemplate, type SqlRunner, type Store } from "../../src/store/client.ts";
import { migrate } from "../../src/store/migrate.ts";
import { scratchDatabase } from "./scratch-db.ts";

export type StoreKind = "pglite" | "postgres";

interface Prepared {
  dataFolder: string;
  pgliteDump: string;
  pgliteEmptyDump: string;
  postgresTemplate: string;
  databasePrefix: string;
}

let prepared: Promise<Prepared | undefined> | undefined;
/** What the global setup provided, or undefined outside vitest. */
function preparedByGlobalSetup(): Promise<Prepared | undefined> {
  prepared ??= (async () => {
    if (!process.env.VITEST) return undefined;
    const { inject } = await import("vitest");
    const dataFolder = inject("stewardDataFolder");
    if (!dataFolder) return undefined;
    return {
      dataFolder,
      pgliteDump: inject("stewardPgliteDump"),
      pgliteEmptyDump: inject("stewardPgliteEmptyDump"),
      postgresTemplate: inject("stewardPostgresTemplate"),
      databasePrefix: inject("stewardDatabasePrefix"),
    };
  })();
  return prepared;
}

let dump: Promise<Blob> | undefined;
function pgliteDump(): Promise<Blob> {
  dump ??= preparedByGlobalSetup().then((p) => (p ? new Blob([readFileSync(p.pgliteDump)]) : pgliteTemplate(migrate)));
  return dump;
}

/** An in-memory PGlite before any migration (initdb is run once per run, not per test), which the caller closes. */
export async function unmigratedPglite(): Promise<Store> {
  const p = await preparedByGlobalSetup();
  return openStore({ dataDir: "memory", ...(p ? { template: new Blob([readFileSync(p.pgliteEmptyDump)]) } : {}) });
}

/**
 * A new empty folder for a process a test starts on a first run (initdb and every migration), in the
 * run's own folder: in memory where the machine allows (test/global-setup.ts), removed with the run.
 */
export async function emptyDataFolder(prefix = "steward-e2e-"): Promise<string> {
  const p = await preparedByGlobalSetup();
  return mkdtempSync(join(p ? dirname(p.dataFolder) : tmpdir(), prefix));
}

/**
 * A new embedded data folder that is already migrated, for a process a test starts: a copy of the
 * run's prepared folder (an empty one outside vitest, which the process migrates itself).
 */
export async function preparedDataFolder(prefix = "steward-e2e-"): Promise<string> {
  const p = await preparedByGlobalSetup();
  if (!p) return mkdtempSync(join(tmpdir(), prefix));
  // Beside the prepared folder, in the run's own folder, which the global teardown removes (40 MB each).
  const dir = mkdtempSync(join(dirname(p.dataFolder), prefix));
  cpSync(p.dataFolder, dir, { recursive: true });
  return dir;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Rows out, sequences restarted; foreign keys are not checked while every table empties anyway. */
const RESET = `DO $$
DECLARE r record;
BEGIN
  PERFORM set_config('session_replication_role', 'replica', true);
  FOR r IN SELECT c.oid::regclass AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations' LOOP
    EXECUTE format('DELETE FROM %s', r.t);
  END LOOP;
  FOR r IN SELECT format('%I.%I', schemaname, sequencename) AS s, start_value FROM pg_sequences
           WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
    PERFORM setval(r.s, r.start_value, false);
  END LOOP;
END $$`;

/** Changes when a test changed the schema (or the migrations' record): such a database is not lent again. */
const SHAPE = `SELECT concat_ws(':',
  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
  (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = 'public'),
  (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
  (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'),
  (SELECT string_agg(migration_name || checksum, ',' ORDER BY migration_name) FROM _prisma_migrations)) AS shape`;

async function shapeOf(sql: SqlRunner): Promise<string> {
  return (await sql.query<{ shape: string }>(SHAPE))[0]?.shape ?? "";
}

/** One database a test file keeps: lent to one runtime at a time. */
interface Kept {
  /** An open store on it for the next runtime; its close() ends that runtime's access, not the database. */
  open(): Promise<Store>;
  /** Back to the template's state after the runtime closed; false when it cannot be lent again. */
  reset(): Promise<boolean>;
  destroy(): Promise<void>;
}

/**
 * The PGlite behind a gate that a runtime's close() shuts, so the runtime's client fails afterwards as
 * on a closed database (the readiness check's test closes it under the server), until the next lend.
 */
function gated(lite: PGlite): { lite: PGlite; open: boolean } {
  const gate = { open: true, lite };
  gate.lite = new Proxy(lite, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => (gate.open ? (value as (...a: unknown[]) => unknown).apply(target, args) : Promise.reject(new Error("PGlite is closed")));
    },
  });
  return gate;
}

async function keepPglite(): Promise<Kept> {
  const base = (await openStore({ dataDir: "memory", template: await pgliteDump() })) as Store & { lite: PGlite };
  const gate = gated(base.lite);
  // One Prisma client for all the file's tests: a new one pays for its first query again.
  const store = await pgliteStore(gate.lite, () => base.close());
  const shape = await shapeOf(base.sql);
  return {
    open: async () => {
      gate.open = true;
      return { ...store, close: async () => void (gate.open = false) };
    },
    reset: async () => {
      await base.sql.exec(RESET);
      return (await shapeOf(base.sql)) === shape;
    },
    destroy: () => store.close(),
  };
}

async function keepPostgres(adminUrl: string, p: Prepared): Promise<Kept> {
  const name = `${p.databasePrefix}_${randomBytes(6).toString("hex")}`;
  await createFromTemplate(adminUrl, name, p.postgresTemplate);
  const url = withDatabase(adminUrl, name);
  const drop = () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  let shape: string | undefined;
  return {
    open: async () => {
      const store = await openStore({ databaseUrl: url });
      shape ??= await shapeOf(store.sql);
      return store;
    },
    reset: async () => {
      // The runtime's pool is closed by now, so no connection of the test holds a lock or a transaction.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(RESET);
        return (await client.query<{ shape: string }>(SHAPE)).rows[0]?.shape === shape;
      } finally {
        await client.end();
      }
    },
    destroy: drop,
  };
}

/** Two files copying the template at the same moment can see each other's copy as "another user" of it: try again. */
async function createFromTemplate(adminUrl: string, name: string, template: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "55006" || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/** A fresh database per store, migrated on the spot: outside vitest, or when a test file holds many at once. */
async function freshStore(kind: StoreKind): Promise<Store> {
  if (kind === "pglite") return openStore({ dataDir: "memory", template: await pgliteDump() });
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error("DATABASE_URL is not set");
  const db = await scratchDatabase(adminUrl, "steward_test");
  const store = await openStore({ databaseUrl: db.url });
  return {
    ...store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
}

const free: Record<StoreKind, Kept[]> = { pglite: [], postgres: [] };
let lending = false;

/**
 * Lend databases from now on (test/helpers/file-databases.ts, a setup file, calls this). They stay
 * with the worker from file to file (vitest.config.ts: no isolation, so this module stays loaded)
 * and go when it ends: an in-memory PGlite with the process, the PostgreSQL copies by name in the
 * global teardown.
 */
export function lendPerWorker(): void {
  lending = true;
}

/**
 * A store on a migrated database with no rows, which the caller closes. In a vitest run the database
 * is the worker's own, emptied when the store closes; elsewhere a fresh one.
 */
export async function testStore(kind: StoreKind): Promise<Store> {
  const p = await preparedByGlobalSetup();
  const adminUrl = process.env.DATABASE_URL;
  if (!lending || !p || (kind === "postgres" && (!adminUrl || !p.postgresTemplate))) return freshStore(kind);
  const kept = free[kind].pop() ?? (kind === "pglite" ? await keepPglite() : await keepPostgres(adminUrl as string, p));
  const store = await kept.open();
  let closing: Promise<void> | undefined;
  const giveBack = async () => {
    await store.close();
    if (await kept.reset().catch(() => false)) free[kind].push(kept);
    else await kept.destroy();
  };
  return { ...store, close: () => (closing ??= giveBack()) };
}
