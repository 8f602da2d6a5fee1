// Backup and restore of the embedded data folder. PGlite is one process's database: only the process
// holding the folder's lock may read it, and copying its files under a running Steward would copy pages
// mid-write. So a backup takes the folder's lock (refused, naming the owner, while Steward runs: stop it
// for the seconds a backup takes) and writes PGlite's own dump of the data directory (a gzipped tar),
// which is consistent because nobody else writes. A restore fills an empty folder from such a dump
// and opens it once to prove it is a database. PostgreSQL has pg_dump and pg_restore (README).
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { lockDataDir } from "./lock.ts";

export class BackupError extends Error {}

async function open(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  const lite = new PGlite({ dataDir, ...(loadDataDir ? { loadDataDir } : {}) });
  await lite.waitReady;
  return lite;
}

/** Whether a folder holds a database (PostgreSQL's PG_VERSION file). */
export function holdsDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION"));
}

/** The folder's database as a gzipped tar; throws DataDirLockedError while another process has it open. */
export async function backupDataDir(dataDir: string): Promise<{ dump: Blob; migrations: number }> {
  if (!holdsDatabase(dataDir)) throw new BackupError(`${dataDir} holds no Steward database (no PG_VERSION): check STEWARD_DATA_DIR.`);
  const lock = await lockDataDir(dataDir);
  try {
    const lite = await open(dataDir);
    try {
      const [row] = (await lite.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`)).rows;
      // Everything committed is in the data files before they are read.
      await lite.exec("CHECKPOINT");
      return { dump: await lite.dumpDataDir("gzip"), migrations: row?.n ?? 0 };
    } finally {
      await lite.close();
    }
  } finally {
    lock.release();
  }
}

/** Fills `dataDir` (absent or empty) from a backup; refuses a folder that already holds anything. */
export async function restoreDataDir(dataDir: string, dump: Blob): Promise<{ migrations: number }> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
    throw new BackupError(`${dataDir} is not empty: restore into a new folder (then point STEWARD_DATA_DIR at it), so nothing is overwritten.`);
  mkdirSync(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir);
  try {
    let lite: PGlite;
    try {
      lite = await open(dataDir, dump);
    } catch (err) {
      throw new BackupError(`This file is not a Steward backup (${(err as Error).message}).`);
    }
    try {
      const [row] = (await lite.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`)).rows;
      return { migrations: row?.n ?? 0 };
    } finally {
      await lite.close();
    }
  } finally {
    lock.release();
  }
}
