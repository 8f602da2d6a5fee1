// A process that takes a data folder's lock, says so on stdout, and holds it for HOLD_MS (or
// prints the refusal). The lock tests start several at once to race for one folder.
import { setTimeout as sleep } from "node:timers/promises";
import { DataDirLockedError, lockDataDir } from "../../src/store/lock.ts";

const [dir = ".", hold = "2000"] = process.argv.slice(2);
try {
  const lock = await lockDataDir(dir);
  process.stdout.write(`locked ${process.pid}\n`);
  await sleep(Number(hold));
  lock.release();
} catch (err) {
  if (!(err instanceof DataDirLockedError)) throw err;
  process.stdout.write(`refused ${err.pid}\n`);
}
