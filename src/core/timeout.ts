// Waiting with a bound: shutdown steps, drains and probes must end on time even when what they
// wait for does not (BullMQ's worker.close() has no timeout of its own).

/** `work`'s result, or `late` once `ms` have passed first. The work itself is not cancelled. */
export function withTimeout<T, L>(work: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)));
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
