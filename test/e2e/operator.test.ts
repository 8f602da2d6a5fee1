// The operator's verbs as a shell runs them: real `steward` processes on a real embedded folder.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { readMigrations } from "../../src/store/migrate.ts";
import { steward } from "../helpers/cli.ts";

const folder = () => ({ STEWARD_DATA_DIR: mkdtempSync(join(tmpdir(), "steward-operator-")) });

describe("steward migrate", () => {
  it("says what it applied, then that nothing is left (finding 11 of issue 21)", async () => {
    const env = folder();
    const count = readMigrations().length;
    const first = await steward(["migrate"], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Applied ${count} migrations:`, "m"));
    expect(first.stdout).not.toMatch(/up to date/);
    const second = await steward(["migrate"], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`Database is up to date: ${count} migrations applied, none pending.\n`);
  }, 120_000);

  it("--status lists applied, pending and failed migrations, and how to resolve a failed one", async () => {
    const env = folder();
    const all = readMigrations();
    const fresh = await steward(["migrate", "--status"], env);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(new RegExp(`^pending +${all[0]?.name}$`, "m"));
    expect(fresh.stdout).toMatch(new RegExp(`^0 applied, ${all.length} pending, 0 failed\\.$`, "m"));
    expect((await steward(["migrate"], env)).code).toBe(0);

    // The last migration forgotten (pending again) and a later one that failed, as the runner leaves it.
    const last = all.at(-1)?.name ?? "";
    const db = new PGlite(env.STEWARD_DATA_DIR);
    await db.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [last]);
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ('00000000-0000-0000-0000-000000000001', $1, '29990101000000_broken', 'column "x" does not exist')`,
      ["0".repeat(64)],
    );
    await db.close();
    const status = await steward(["migrate", "--status"], env);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`^applied +${all[0]?.name}  \\d{4}-\\d\\d-\\d\\dT`, "m"));
    expect(status.stdout).toMatch(new RegExp(`^pending +${last}$`, "m"));
    expect(status.stdout).toMatch(/^failed +29990101000000_broken .*\n +error: column "x" does not exist$/m);
    expect(status.stdout).toMatch(new RegExp(`^${all.length - 1} applied, 1 pending, 1 failed\\.$`, "m"));
    expect(status.stdout).toMatch(/How to resolve the failed migration 29990101000000_broken/);
    expect(status.stdout).toMatch(/UPDATE "_prisma_migrations" SET rolled_back_at = now\(\) WHERE migration_name = '29990101000000_broken'/);
    // The failed one blocks: migrate refuses, naming it.
    const blocked = await steward(["migrate"], env);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/29990101000000_broken failed earlier/);
  }, 120_000);
});
