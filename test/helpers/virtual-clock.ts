// Real time for the rate gate, made virtual: sleeps wait until the test moves
// the clock, so spacing is read off exact instants instead of measured, and a
// test of "one channel's wait holds back nobody else" can check what was
// delivered while that channel still sleeps.
import type { WallClock } from "../../src/jobs/rate.ts";

export interface VirtualClock extends WallClock {
  /** Resolves once at least one sleep is pending. */
  sleeping(): Promise<void>;
  /** Moves the clock to the earliest pending sleep's end and wakes every sleep due by then. */
  wakeNext(): void;
}

export function virtualClock(start = 0): VirtualClock {
  let now = start;
  const sleepers: { at: number; wake: () => void }[] = [];
  const waiters: (() => void)[] = [];
  return {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleepers.push({ at: now + ms, wake });
        for (const w of waiters.splice(0)) w();
      }),
    sleeping: () => (sleepers.length ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    wakeNext: () => {
      if (!sleepers.length) throw new Error("nothing is sleeping");
      now = Math.max(now, Math.min(...sleepers.map((s) => s.at)));
      for (const s of sleepers.filter((s) => s.at <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.wake();
      }
    },
  };
}

/** Runs `work` to its end, moving the clock to the next wake-up whenever something sleeps. */
export async function runOn<T>(clock: VirtualClock, work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    await Promise.race([settled, clock.sleeping()]);
    if (!done) clock.wakeNext();
  }
  return work;
}
