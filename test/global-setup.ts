// Runs once per `vitest run`, before any worker starts: migrates one database of each kind, so no
// test file runs initdb or the migrations again (issue 23). What it prepares, the tests receive
// through inject() (test/helpers/test-databases.ts):
//   - an embedded data folder, migrated: the processes a test spawns start from a copy of it;
//   - the same folder dumped as PGlite's tar file: every in-memory PGlite loads it (and one dumped
//     before the migrations, for the tests of the migrations);
//   - with DATABASE_URL, a migrated PostgreSQL database that each test file copies with
//     CREATE DATABASE … TEMPLATE.
// Teardown removes all of it, and any database a crashed worker left behind.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { setFlagsFromString } from "node:v8";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openStore, type Store } from "../src/store/client.ts";
import { migrate } from "../src/store/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A migrated embedded data folder; copy it, never open it (the lock allows one process per folder). */
    stewardDataFolder: string;
    /** The same folder as PGlite's dump (`loadDataDir`). */
    stewardPgliteDump: string;
    /** A PGlite database before any migration, dumped: for the tests of the migrations themselves. */
    stewardPgliteEmptyDump: string;
    /** Name of the migrated PostgreSQL template database; empty without DATABASE_URL. */
    stewardPostgresTemplate: string;
    /** Prefix of every database the test files create in this run, so teardown finds the leftovers. */
    stewardDatabasePrefix: string;
  }
}

async function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function preparePglite(dir: string): Promise<{ folder: string; dump: string; emptyDump: string }> {
  const folder = join(dir, "data");
  const store = (await openStore({ dataDir: folder })) as Store & { lite: PGlite };
  const dumpTo = async (file: string) => {
    writeFileSync(file, Buffer.from(await (await store.lite.dumpDataDir("none")).arrayBuffer()));
    return file;
  };
  try {
    const emptyDump = await dumpTo(join(dir, "pglite-empty.tar"));
    await migrate(store.sql);
    return { folder, emptyDump, dump: await dumpTo(join(dir, "pglite.tar")) };
  } finally {
    await store.close();
  }
}

async function preparePostgres(adminUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_template`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const store = await openStore({ databaseUrl: databaseUrl(adminUrl, name) });
  try {
    await migrate(store.sql);
  } finally {
    await store.close();
  }
  return name;
}

/** Drops every database of this run: the template and any a worker that died left behind. */
async function dropRunDatabases(adminUrl: string, prefix: string): Promise<void> {
  await admin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [`${prefix}_`]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  });
}

interface Prepared {
  folder: string;
  dump: string;
  emptyDump: string;
  template: string;
  prefix: string;
}

async function prepare(dir: string, prefix: string, adminUrl: string | undefined): Promise<Prepared> {
  const [lite, template] = await Promise.all([preparePglite(dir), adminUrl ? preparePostgres(adminUrl, prefix) : Promise.resolve("")]);
  return { ...lite, template, prefix };
}

/**
 * Where the run's folders go: in memory when the machine has a tmpfs with room, since every process a
 * test spawns starts from a 40 MB copy of the prepared folder (half a second of kernel time each on
 * a disk, a tenth in memory) and its embedded database syncs to disk on every commit. The copies stay
 * until the run ends: about 30 of them.
 */
function runParent(): string {
  const shm = "/dev/shm";
  try {
    const { bavail, bsize } = statfsSync(shm);
    if (bavail * bsize > 4 * 1024 ** 3) return shm;
  } catch {
    // no tmpfs there
  }
  return tmpdir();
}

/** The projects that need databases each run this file: they share one preparation, removed after the last one ends. */
const run = globalThis as { stewardTestRun?: { ready: Promise<Prepared>; users: number; remove(): Promise<void> } };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Before PGlite compiles its WebAssembly here: baseline code only, as in the workers (vitest.config.ts).
  // initdb and the migrations took 2 s more CPU with TurboFan than without.
  setFlagsFromString("--liftoff-only");
  if (!run.stewardTestRun) {
    const dir = mkdtempSync(join(runParent(), "steward-test-run-"));
    const prefix = `steward_run_${randomBytes(4).toString("hex")}`;
    const adminUrl = process.env.DATABASE_URL;
    const remove = async () => {
      rmSync(dir, { recursive: true, force: true });
      if (adminUrl) await dropRunDatabases(adminUrl, prefix);
    };
    run.stewardTestRun = { ready: prepare(dir, prefix, adminUrl), users: 0, remove };
  }
  const shared = run.stewardTestRun;
  shared.users++;
  const teardown = async () => {
    if (--shared.users > 0) return;
    run.stewardTestRun = undefined;
    await shared.remove();
  };
  let prepared: Prepared;
  try {
    prepared = await shared.ready;
  } catch (err) {
    await teardown();
    throw err;
  }
  project.provide("stewardDataFolder", prepared.folder);
  project.provide("stewardPgliteDump", prepared.dump);
  project.provide("stewardPgliteEmptyDump", prepared.emptyDump);
  project.provide("stewardPostgresTemplate", prepared.template);
  project.provide("stewardDatabasePrefix", prepared.prefix);
  return teardown;
}
