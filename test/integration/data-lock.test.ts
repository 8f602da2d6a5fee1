// The data folder lock's judgement of a lock it finds: its owner alive (refused), or not (taken
// over), including the pid-reuse cases a restarted container produces.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirLockedError, LOCK_FILE, lockDataDir } from "../../src/store/lock.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "steward-lock-unit-"));
const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
};

describe("data folder lock", () => {
  it("refuses a second open in the same process, and frees the folder on release", async () => {
    const dir = fresh();
    const lock = await lockDataDir(dir, "./data");
    await expect(lockDataDir(dir, "./data")).rejects.toThrow(`Steward is already running on ./data (pid ${process.pid}); stop it or set DATABASE_URL`);
    lock.release();
    (await lockDataDir(dir)).release();
  });

  it("takes over a lock naming this very pid that this process never took (a restarted container's previous process)", async () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid} an-earlier-life\n`);
    const lock = await lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).not.toContain("an-earlier-life");
    lock.release();
  });

  it.skipIf(process.platform !== "linux")("refuses while the named process runs, and takes over when that pid now belongs to a process started later", async () => {
    const dir = fresh();
    const parent = process.ppid;
    writeFileSync(join(dir, LOCK_FILE), `${parent} the-owner ${startTime(parent)}\n`);
    const refused = await lockDataDir(dir).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).pid).toBe(parent);

    writeFileSync(join(dir, LOCK_FILE), `${parent} a-reused-pid 1\n`);
    const lock = await lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toMatch(new RegExp(`^${process.pid} `));
    lock.release();
  });
});
