// `steward backup FILE` and `steward restore FILE` for the embedded data folder (src/store/backup.ts);
// on PostgreSQL they point to pg_dump and pg_restore instead.
import { readFile, rename, writeFile } from "node:fs/promises";
import type { Config } from "../config.ts";
import { backupDataDir, BackupError, restoreDataDir } from "../store/backup.ts";
import { DataDirLockedError } from "../store/lock.ts";

const POSTGRES = `DATABASE_URL is set: back PostgreSQL up with its own tools, e.g.
  pg_dump --format=custom --file=steward.dump "$DATABASE_URL"
  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" steward.dump
(docker compose: docker compose exec db pg_dump -U steward -Fc steward > steward.dump). See the README's "Backup and restore".`;

type Out = (s: string) => void;

export async function backupCommand(config: Config, args: string[], out: Out, err: Out): Promise<number> {
  const [file] = args;
  if (!file || args.length > 1) {
    err("steward backup needs one file to write, e.g. steward backup steward-2026-12-07.tar.gz\n");
    return 1;
  }
  if (config.DATABASE_URL) {
    err(`${POSTGRES}\n`);
    return 1;
  }
  try {
    const { dump, migrations } = await backupDataDir(config.STEWARD_DATA_DIR);
    // Written beside the target, then renamed: a file named FILE is always a whole backup.
    const partial = `${file}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
    out(`Backed up ${config.STEWARD_DATA_DIR} (${migrations} migrations) to ${file} (${dump.size} bytes).\n`);
    return 0;
  } catch (e) {
    if (e instanceof BackupError) {
      err(`${e.message}\n`);
      return 1;
    }
    if (e instanceof DataDirLockedError)
      throw new DataDirLockedError(e.dataDir, e.pid, `Steward is running on ${e.dataDir} (pid ${e.pid}): an embedded database is backed up while no Steward has it open. Stop it, back up (seconds), start it again.`);
    throw e;
  }
}

export async function restoreCommand(config: Config, args: string[], out: Out, err: Out): Promise<number> {
  const [file] = args;
  if (!file || args.length > 1) {
    err("steward restore needs one backup file, e.g. STEWARD_DATA_DIR=./data-restored steward restore steward-2026-12-07.tar.gz\n");
    return 1;
  }
  if (config.DATABASE_URL) {
    err(`${POSTGRES}\n`);
    return 1;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    err(`Cannot read ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const { migrations } = await restoreDataDir(config.STEWARD_DATA_DIR, new Blob([bytes]));
    out(`Restored ${file} into ${config.STEWARD_DATA_DIR} (${migrations} migrations; a newer Steward migrates it at start).\n`);
    return 0;
  } catch (e) {
    if (e instanceof BackupError) {
      err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
