// `steward migrate` applies pending migrations and says which; `steward migrate --status` lists them
// with their state and, for a failed one, how to resolve it. Neither loads the program pack.
import type { Config } from "../config.ts";
import { storeTarget } from "../runtime.ts";
import { openStore } from "../store/client.ts";
import { migrate, migrationStatus, type MigrationStatus } from "../store/migrate.ts";

const plural = (n: number) => `${n} migration${n === 1 ? "" : "s"}`;

export function resolveFailed(name: string): string {
  return [
    `How to resolve the failed migration ${name}:`,
    "  1. Its SQL ran in one transaction and was rolled back, so the database is as it was before it. Read the error",
    "     above: it names what the migration tripped on (data it did not expect, a missing permission, a lock timeout).",
    "  2. Fix that cause in the database, or install the Steward release whose migration fixes it.",
    "  3. Mark the attempt rolled back, so the next start applies it again:",
    `       UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${name}' AND finished_at IS NULL;`,
    `     (or, where Prisma's engine can be downloaded: npx prisma migrate resolve --rolled-back ${name})`,
    "  4. Run steward migrate (or start Steward, which migrates first).",
  ].join("\n");
}

function line(s: MigrationStatus): string {
  const at = s.at ? `  ${s.at.toISOString().replace(/\.\d{3}Z$/, "Z")}` : "";
  const logs = s.logs ? `\n      error: ${s.logs.trim().split("\n")[0]}` : "";
  return `${s.state.padEnd(11)} ${s.name}${at}${logs}`;
}

export async function migrateCommand(config: Config, status: boolean, out: (s: string) => void): Promise<number> {
  const store = await openStore(storeTarget(config));
  try {
    if (!status) {
      const applied = await migrate(store.sql);
      const all = await migrationStatus(store.sql);
      const done = all.filter((s) => s.state === "applied").length;
      out(applied.length ? `Applied ${plural(applied.length)}:\n${applied.map((n) => `  ${n}`).join("\n")}\n${plural(done)} applied in all, none pending.\n` : `Database is up to date: ${plural(done)} applied, none pending.\n`);
      return 0;
    }
    const all = await migrationStatus(store.sql);
    for (const s of all) out(`${line(s)}\n`);
    const count = (state: MigrationStatus["state"]) => all.filter((s) => s.state === state).length;
    out(`\n${count("applied")} applied, ${count("pending") + count("rolled back")} pending, ${count("failed")} failed.\n`);
    for (const s of all.filter((x) => x.state === "failed")) out(`\n${resolveFailed(s.name)}\n`);
    if (count("changed")) out("\nA migration marked changed was edited after it was applied: restore its file as released and add a new migration instead.\n");
    if (count("unknown")) out("\nA migration marked unknown was applied by a newer Steward than this one: see the README's \"Upgrades and rollbacks\".\n");
    return count("failed") || count("changed") ? 1 : 0;
  } finally {
    await store.close();
  }
}
