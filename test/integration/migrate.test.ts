import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/client.ts";
import { migrate, MigrationError, readMigrations, type Migration } from "../../src/store/migrate.ts";
import { unmigratedPglite } from "../helpers/test-databases.ts";

const m = (name: string, sql: string): Migration => ({ name, sql, checksum: createHash("sha256").update(sql).digest("hex") });

describe("migration runner", () => {
  let store: Store;
  beforeEach(async () => {
    store = await unmigratedPglite();
  });
  afterEach(() => store.close());

  it("applies the project's migrations once and records them as prisma migrate deploy does", async () => {
    const all = readMigrations();
    expect(await migrate(store.sql)).toEqual(all.map((x) => x.name));
    expect(await migrate(store.sql)).toEqual([]);
    const rows = await store.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; id: string }>(
      `SELECT id, migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(all.map((x) => x.name));
    for (const [i, r] of rows.entries()) {
      expect(r.checksum).toBe(all[i]?.checksum);
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.finished_at).not.toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
  });

  it("records a failed migration, rolls its changes back and blocks the next run until it is resolved", async () => {
    const good = m("20000101000000_good", `CREATE TABLE a (id int);`);
    const bad = m("20000102000000_bad", `CREATE TABLE b (id int); SELECT no_such_function();`);
    await expect(migrate(store.sql, [good, bad])).rejects.toThrow(/20000102000000_bad failed/);
    expect(await store.sql.query(`SELECT to_regclass('b') AS t`)).toEqual([{ t: null }]);
    await expect(migrate(store.sql, [good, m(bad.name, "CREATE TABLE b (id int);")])).rejects.toBeInstanceOf(MigrationError);
    await store.sql.exec(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${bad.name}'`);
    expect(await migrate(store.sql, [good, m(bad.name, "CREATE TABLE b (id int);")])).toEqual([bad.name]);
  });

  it("refuses a migration that was edited after it was applied", async () => {
    await migrate(store.sql, [m("20000101000000_one", "CREATE TABLE a (id int);")]);
    await expect(migrate(store.sql, [m("20000101000000_one", "CREATE TABLE a (id bigint);")])).rejects.toThrow(/changed after it was applied/);
  });
});
