// The issue-9 migration on a database that already holds what the findings
// produced: several open disputes of one entry (one stays open, the others are
// closed as duplicates, so the new unique index can be built) and an oversized
// correction (kept: the bounds check new rows, not history).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/client.ts";
import { migrate, readMigrations } from "../../src/store/migrate.ts";
import { unmigratedPglite } from "../helpers/test-databases.ts";

const MIGRATION = "20261202110000_command_integrity";

describe("migration 20261202110000_command_integrity", () => {
  let store: Store;
  beforeEach(async () => {
    store = await unmigratedPglite();
    await migrate(store.sql, readMigrations().filter((m) => m.name < MIGRATION));
  });
  afterEach(() => store.close());

  it("keeps the first open dispute of each entry, closes the rest as duplicates, and keeps old oversized entries", async () => {
    await store.sql.exec(`
      INSERT INTO members (id, handle, display_name) VALUES ('m', 'alice', 'Alice');
      INSERT INTO ledger_entries (id, member_id, delta, kind, reason, actor, idempotency_key) VALUES
        (1, 'm', 300, 'site', 'site', 'm', 'k1'), (2, 'm', 100, 'site', 'site', 'm', 'k2'), (3, 'm', 2147483000, 'correction', 'exploit', 'mod', 'k3');
      INSERT INTO points_disputes (id, member_id, entry_id, reason, state) VALUES
        (10, 'm', 1, 'r', 'open'), (11, 'm', 1, 'r', 'open'), (12, 'm', 1, 'r', 'open'), (13, 'm', 2, 'r', 'open'), (14, 'm', 2, 'r', 'declined');`);
    expect(await migrate(store.sql, readMigrations().filter((m) => m.name <= MIGRATION))).toEqual([MIGRATION]);
    const rows = await store.sql.query<{ id: number; state: string; decision: string | null }>(`SELECT id, state, decision FROM points_disputes ORDER BY id`);
    expect(rows).toEqual([
      { id: 10, state: "open", decision: null },
      { id: 11, state: "declined", decision: "duplicate of dispute #10" },
      { id: 12, state: "declined", decision: "duplicate of dispute #10" },
      { id: 13, state: "open", decision: null },
      { id: 14, state: "declined", decision: null },
    ]);
    await expect(store.sql.exec(`INSERT INTO points_disputes (member_id, entry_id, reason, state) VALUES ('m', 1, 'again', 'open')`)).rejects.toThrow(/points_disputes_open_entry_key/);
    await expect(store.sql.exec(`INSERT INTO ledger_entries (member_id, delta, kind, reason, actor, idempotency_key) VALUES ('m', 1000001, 'x', 'x', 'x', 'k4')`)).rejects.toThrow(/ledger_entries_delta_bound/);
    expect((await store.sql.query<{ delta: number }>(`SELECT delta FROM ledger_entries WHERE id = 3`))[0]?.delta).toBe(2147483000);
  });
});
