// Applies prisma/migrations/<timestamp>_<name>/migration.sql in order and
// records each in _prisma_migrations exactly as `prisma migrate deploy` does,
// so Prisma's own CLI keeps working wherever its engine can be downloaded.
// Run twice, it does nothing the second time.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlRunner } from "./client.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export class MigrationError extends Error {}

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Returns the names of the migrations it applied. */
export async function migrate(sql: SqlRunner, migrations: Migration[] = readMigrations()): Promise<string[]> {
  await sql.exec(CREATE_TABLE);
  // Two processes starting at once must not both apply a migration.
  await sql.exec("SELECT pg_advisory_lock(72707369)");
  try {
    const rows = await sql.query<Row>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
    );
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `Migration ${failed.migration_name} failed earlier and blocks the rest. Fix the database, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${failed.migration_name}').`,
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
    const applied: string[] = [];
    for (const m of migrations) {
      const checksum = done.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum)
          throw new MigrationError(`Migration ${m.name} was changed after it was applied (checksum differs). Add a new migration instead.`);
        continue;
      }
      const id = randomUUID();
      await sql.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`, [
        id,
        m.checksum,
        m.name,
      ]);
      try {
        await sql.exec(`BEGIN;\n${m.sql}\nCOMMIT;`);
      } catch (err) {
        await sql.exec("ROLLBACK").catch(() => undefined);
        await sql.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, String((err as Error).message)]);
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      await sql.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
      applied.push(m.name);
    }
    return applied;
  } finally {
    await sql.exec("SELECT pg_advisory_unlock(72707369)");
  }
}

export type MigrationState = "applied" | "pending" | "failed" | "changed" | "rolled back" | "unknown";

export interface MigrationStatus {
  name: string;
  /**
   * applied; pending (in prisma/migrations, not in the database); failed (started, neither finished nor
   * rolled back: it blocks the rest); changed (applied, but its file differs now); rolled back (marked
   * resolved, to be applied again); unknown (in the database only: applied by a newer release).
   */
  state: MigrationState;
  at?: Date;
  /** The error a failed migration left. */
  logs?: string;
}

/** What `steward migrate --status` lists; reads only (a database never migrated lists everything pending). */
export async function migrationStatus(sql: SqlRunner, migrations: Migration[] = readMigrations()): Promise<MigrationStatus[]> {
  const [table] = await sql.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  const rows = table?.t
    ? await sql.query<Row & { started_at: Date; logs: string | null }>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs FROM "_prisma_migrations" ORDER BY started_at`,
      )
    : [];
  const byName = new Map<string, (typeof rows)[number]>();
  // The latest row of a name decides (a rolled-back attempt followed by a finished one is applied).
  for (const r of rows) byName.set(r.migration_name, r);
  const out: MigrationStatus[] = migrations.map((m) => {
    const r = byName.get(m.name);
    if (!r) return { name: m.name, state: "pending" };
    if (r.finished_at) return { name: m.name, state: r.checksum === m.checksum ? "applied" : "changed", at: r.finished_at };
    if (r.rolled_back_at) return { name: m.name, state: "rolled back", at: r.rolled_back_at };
    return { name: m.name, state: "failed", at: r.started_at, ...(r.logs ? { logs: r.logs } : {}) };
  });
  const known = new Set(migrations.map((m) => m.name));
  for (const [name, r] of byName) {
    if (known.has(name)) continue;
    const state = r.finished_at ? "unknown" : r.rolled_back_at ? "rolled back" : "failed";
    out.push({ name, state, at: r.finished_at ?? r.started_at, ...(state === "failed" && r.logs ? { logs: r.logs } : {}) });
  }
  return out;
}
