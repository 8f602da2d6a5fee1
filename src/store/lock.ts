// One process per embedded data folder. PGlite has no lock of its own: two
// processes on one folder each work on their own copy in memory and write
// their pages over each other's, so one process's writes vanish without an
// error. The lock is a file in the folder naming its owner: pid, a nonce, and on Linux the
// process's start time, so a pid that a restarted container (or a long uptime) gave to another
// process is not mistaken for the owner.
//
// Why not proper-lockfile: it judges a lock stale by its age (an mtime it
// refreshes on a timer), so a killed process blocks the folder until the age
// runs out, and a long synchronous PGlite call that delays the refresh gets a
// live lock declared stale. A pid is exact on one machine, which is the only
// place an embedded folder is used from; the rest is O_EXCL-style creates.
import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const LOCK_FILE = "steward.lock";

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    detail?: string,
  ) {
    super(detail ?? `Steward is already running on ${dataDir} (pid ${pid}); stop it or set DATABASE_URL`);
  }
}

export interface DataDirLock {
  release(): void;
}

interface Owner {
  pid: number;
  nonce: string;
  /** Clock ticks after boot the process started at (Linux); absent elsewhere. */
  started?: string;
}

/** Nonces of the locks this process holds: its own pid in a lock is a previous process's only if the nonce is not one of these. */
const heldHere = new Set<string>();

/** Field 22 of /proc/PID/stat; undefined where there is no /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function readOwner(path: string): Owner | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (code(err) === "ENOENT") return undefined;
    throw err;
  }
  const [pid, nonce, started] = text.trim().split(/\s+/);
  return { pid: Number(pid), nonce: nonce ?? "", ...(started ? { started } : {}) };
}

/** Whether the lock's owner still runs. */
function ownerAlive(owner: Owner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  if (owner.pid === process.pid) return heldHere.has(owner.nonce);
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    if (code(err) !== "EPERM") return false;
  }
  const started = startTimeOf(owner.pid);
  return owner.started === undefined || started === undefined || started === owner.started;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (code(err) !== "ENOENT") throw err;
  }
}

/**
 * Takes the folder's lock or throws DataDirLockedError naming the live owner. A lock left by a
 * process that is no longer alive is taken over. `shownAs` is the folder as the operator wrote it.
 */
export async function lockDataDir(dataDir: string, shownAs = dataDir): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  const me: Owner = { pid: process.pid, nonce: randomUUID() };
  const line = `${me.pid} ${me.nonce} ${startTimeOf(me.pid) ?? ""}`.trim() + "\n";
  // Written under a private name, then linked into place: link() creates the lock only if there is
  // none (like O_EXCL), and nobody ever reads it half written.
  const draft = `${path}.${me.nonce}`;
  writeFileSync(draft, line, { flag: "wx" });
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        linkSync(draft, path);
        return ownLock(path, me.nonce);
      } catch (err) {
        if (code(err) !== "EEXIST") throw err;
      }
      const owner = readOwner(path);
      if (!owner) continue;
      if (ownerAlive(owner)) throw new DataDirLockedError(shownAs, owner.pid);
      // Its owner died without releasing it. Of several starters that all saw it dead, only the
      // one that creates the claim named after this lock's nonce removes it, and only after
      // reading it again under the claim: a lock a faster starter has taken since is never removed.
      const claim = `${path}.takeover-${owner.nonce}`;
      try {
        writeFileSync(claim, line, { flag: "wx" });
      } catch (err) {
        if (code(err) !== "EEXIST") throw err;
        await sleep(20);
        continue;
      }
      try {
        if (readOwner(path)?.nonce === owner.nonce) unlinkSync(path);
      } finally {
        unlinkQuietly(claim);
      }
    }
    const owner = readOwner(path);
    throw new DataDirLockedError(
      shownAs,
      owner?.pid ?? 0,
      `Steward could not take over the lock ${path} left by pid ${owner?.pid ?? "?"}; if no Steward runs on ${shownAs}, delete that file and start again`,
    );
  } finally {
    unlinkQuietly(draft);
  }
}

function ownLock(path: string, nonce: string): DataDirLock {
  let held = true;
  heldHere.add(nonce);
  const release = () => {
    if (!held) return;
    held = false;
    heldHere.delete(nonce);
    process.off("exit", release);
    // Never remove a lock that is not ours (one taken over after we were presumed dead).
    if (readOwner(path)?.nonce === nonce) unlinkQuietly(path);
  };
  // A process that exits without closing the store (process.exit) still frees the folder.
  process.on("exit", release);
  return { release };
}
