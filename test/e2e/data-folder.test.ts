// One process per embedded data folder (issue 9, finding 6): a second `steward run` or
// `steward chat` on a folder another process has open is refused at once with a clear line, a
// lock left by a killed process is taken over, and every write a process reported is there
// after reopening. Real child processes on a real folder.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { startSteward, steward } from "../helpers/cli.ts";
import { emptyDataFolder, preparedDataFolder } from "../helpers/test-databases.ts";
import { LOCK_FILE } from "../../src/store/lock.ts";

const REFUSAL = /^Steward is already running on (\S+) \(pid (\d+)\); stop it or set DATABASE_URL\n$/;
const LOCK_CHILD = fileURLToPath(new URL("../helpers/lock-child.ts", import.meta.url));

const freshDir = () => emptyDataFolder("steward-lock-");

/** A folder as after a first start: already migrated (the first test starts from an empty one). */
const migratedDir = () => preparedDataFolder("steward-lock-");

async function sitesOf(dir: string): Promise<string[]> {
  const db = new PGlite(dir);
  try {
    const rows = await db.query<{ url: string }>("SELECT url FROM sites ORDER BY url");
    return rows.rows.map((r) => r.url);
  } finally {
    await db.close();
  }
}

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("close", resolve));
  return child.pid as number;
}

// Real processes one after another: on a loaded 2-core machine they outlast the default timeout.
// Each test has a folder of its own, so the tests run at once and their processes overlap.
describe.concurrent("one process per data folder", { timeout: 300_000 }, () => {
  it("refuses `steward run` while `steward chat` has the folder open, and the chat's writes all stay", async () => {
    const dir = await freshDir();
    const env = { STEWARD_DATA_DIR: dir };
    const chat = startSteward(["chat", "--as", "alice"], env);
    await chat.waitFor(/terminal chat/);
    chat.process.stdin.write("/site submit https://one.example.com kind:classic\n");
    await chat.waitFor(/Submitted https:\/\/one\.example\.com/);

    const run = await steward(["run", "--as", "bob", "/site submit https://two.example.com kind:classic"], env);
    expect(run.stderr).toMatch(REFUSAL);
    expect(REFUSAL.exec(run.stderr)?.[2]).toBe(String(chat.process.pid));
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("");

    chat.process.stdin.write("/site submit https://three.example.com kind:classic\n");
    await chat.waitFor(/Submitted https:\/\/three\.example\.com/);
    // A second chat is refused the same way and ends at once.
    const second = await steward(["chat", "--as", "carol"], env, "/tier\n");
    expect(second.stderr).toMatch(REFUSAL);
    expect(second.code).toBe(3);

    chat.process.stdin.end("/quit\n");
    expect((await chat.done).code).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(await sitesOf(dir)).toEqual(["https://one.example.com", "https://three.example.com"]);
  });

  it("two `steward run` at once: each either writes or is refused, and no reported write is lost", async () => {
    const dir = await migratedDir();
    const env = { STEWARD_DATA_DIR: dir };
    // The folder is opened once first, so both processes reach the database at about the same moment.
    expect((await steward(["run", "--as", "alice", "/tier"], env)).code).toBe(0);
    const written: string[] = [];
    let refused = 0;
    for (let round = 0; round < 3; round++) {
      const urls = [`https://r${round}a.example.com`, `https://r${round}b.example.com`];
      const results = await Promise.all(urls.map((url) => steward(["run", "--as", "alice", `/site submit ${url} kind:classic`], env)));
      results.forEach((r, i) => {
        if (r.code === 0) written.push(urls[i] as string);
        else {
          expect(r.stderr).toMatch(REFUSAL);
          expect(r.code).toBe(3);
          refused++;
        }
      });
    }
    expect(written.length + refused).toBe(6);
    expect(written.length).toBeGreaterThanOrEqual(3);
    expect(await sitesOf(dir)).toEqual([...written].sort());
  });

  it("takes over the lock of a process that was killed, and keeps what it wrote", async () => {
    const dir = await migratedDir();
    const env = { STEWARD_DATA_DIR: dir };
    const chat = startSteward(["chat", "--as", "alice"], env);
    await chat.waitFor(/terminal chat/);
    chat.process.stdin.write("/site submit https://kept.example.com kind:classic\n");
    await chat.waitFor(/Submitted https:\/\/kept\.example\.com/);
    chat.process.kill("SIGKILL");
    expect((await chat.done).signal).toBe("SIGKILL");
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);

    const run = await steward(["run", "--as", "alice", "/site submit https://after.example.com kind:classic"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(await sitesOf(dir)).toEqual(["https://after.example.com", "https://kept.example.com"]);
  });

  // Alone: the winner holds the lock 4 s, and a racer starting later than that on a machine made busier would take it in turn.
  it.sequential("of several processes racing for a stale lock, exactly one takes it", async () => {
    const dir = await freshDir();
    writeFileSync(join(dir, LOCK_FILE), `${await deadPid()} stale-nonce\n`);
    const children = Array.from({ length: 5 }, () => {
      const child = spawn(process.execPath, ["--import", "tsx", LOCK_CHILD, dir, "4000"], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      return new Promise<string>((resolve) => child.on("close", () => resolve(out.trim())));
    });
    const lines = await Promise.all(children);
    const winners = lines.filter((l) => l.startsWith("locked"));
    expect(winners).toHaveLength(1);
    const winnerPid = winners[0]?.split(" ")[1];
    expect(lines.filter((l) => l === `refused ${winnerPid}`)).toHaveLength(4);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
