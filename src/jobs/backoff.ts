// Exponential backoff, capped, for loops that keep failing (the database away): the next try
// waits twice as long as the last, with some jitter so that several processes do not all come
// back in the same instant. The callers log one line per failed try, so an outage of any length
// logs a bounded number of lines: about log2(cap/base) at first, then one per cap.

export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
  ) {}

  /** Records a failed try; returns how long to wait before the next one. */
  fail(): number {
    this.failures++;
    const wait = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.round(wait * (0.8 + 0.4 * Math.random()));
  }

  /** Records a good try; true when it ends a run of failures (worth one "recovered" line). */
  succeed(): boolean {
    const recovered = this.failures > 0;
    this.failures = 0;
    return recovered;
  }

  /** Failed tries in a row so far. */
  get streak(): number {
    return this.failures;
  }
}
