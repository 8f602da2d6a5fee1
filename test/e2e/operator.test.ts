// The operator's verbs as a shell runs them: real `steward` processes on a real embedded folder.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
});
