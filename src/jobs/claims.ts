// How long a process holds the outbox rows it claimed. A claim's lock is
// short and renewed by a heartbeat while the process holds the rows: a
// process that dies (SIGKILL, a lost machine) stops renewing, and its rows are
// claimable by the others within LOCK_MS, instead of waiting out a lock long
// enough for the slowest delivery. The row's claimed_at names the claim, so a
// renewal never extends a claim that ended or that another process took over,
// and the process that takes a row over knows when the dead one began (and
// reads the platform's history from then: the exactly-once check).
//
// A process that was only slow (a stalled event loop, a starved machine) may
// find its lock ran out and the row taken over: before it sends, it makes sure
// its claims are still its own when their last confirmation is older than a
// beat, and sends nothing when they are not.
import type { App } from "../app.ts";
import { renewClaims, type ClaimedRow } from "../store/outbox.ts";

/** How long a claim holds a row without a renewal; a process that dies holding it leaves it to others after this. */
export const LOCK_MS = 15_000;
/** How often the locks of held rows are pushed forward: a few renewals may be late or fail before one expires. */
export const RENEW_MS = 4_000;

interface Held {
  claimedAt: Date;
  /** Wall-clock time the database last confirmed the claim (claimed or renewed). */
  confirmedAt: number;
}

/** The rows one process holds, renewed every RENEW_MS while there are any. */
class HeldClaims {
  private readonly held = new Map<number, Held>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(private readonly app: App) {}

  hold(rows: readonly ClaimedRow[]): void {
    const now = Date.now();
    for (const r of rows) this.held.set(r.id, { claimedAt: r.claimedAt, confirmedAt: now });
    if (this.held.size > 0 && !this.timer) {
      this.timer = setInterval(() => void this.renew().catch(() => undefined), RENEW_MS);
      // Held rows never keep a process alive: its shutdown releases them or lets their lock run out.
      this.timer.unref();
    }
  }

  letGo(rows: readonly ClaimedRow[]): void {
    for (const r of rows) if (this.held.get(r.id)?.claimedAt.getTime() === r.claimedAt.getTime()) this.held.delete(r.id);
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Whether every one of `rows` is still this process's: confirmed within a beat, or renewed now. */
  async stillMine(rows: readonly ClaimedRow[]): Promise<boolean> {
    const fresh = Date.now() - RENEW_MS;
    if (rows.every((r) => (this.held.get(r.id)?.confirmedAt ?? 0) >= fresh)) return true;
    await this.renew();
    return rows.every((r) => this.held.has(r.id));
  }

  private renew(): Promise<void> {
    this.renewing ??= this.renewNow().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewNow(): Promise<void> {
    if (this.held.size === 0) return;
    const asked = [...this.held].map(([id, h]) => ({ id, claimedAt: h.claimedAt }));
    const started = Date.now();
    try {
      const renewed = await renewClaims(this.app, asked, new Date(this.app.now().getTime() + LOCK_MS));
      for (const { id, claimedAt } of asked) {
        const h = this.held.get(id);
        if (!h || h.claimedAt !== claimedAt) continue;
        // Not renewed: the claim ended meanwhile, or its lock ran out and another process took the row.
        if (renewed.has(id)) h.confirmedAt = started;
        else this.held.delete(id);
      }
    } catch (err) {
      // The next beat tries again; until the lock runs out the rows stay this process's.
      this.app.log.warn({ err: (err as Error).message, rows: this.held.size }, "could not renew the outbox claims this process holds");
      throw err;
    }
  }
}

const claims = new WeakMap<App, HeldClaims>();

function heldBy(app: App): HeldClaims {
  let held = claims.get(app);
  if (!held) claims.set(app, (held = new HeldClaims(app)));
  return held;
}

/** Runs `work` with `rows` held (their claims renewed) until it ends, however it ends. */
export async function holding<T>(app: App, rows: readonly ClaimedRow[], work: () => Promise<T>): Promise<T> {
  const held = heldBy(app);
  held.hold(rows);
  try {
    return await work();
  } finally {
    held.letGo(rows);
  }
}

/** Checked before a row goes out: false when its claim is no longer this process's (another delivers it). */
export function claimsStillMine(app: App, rows: readonly ClaimedRow[]): Promise<boolean> {
  return heldBy(app).stillMine(rows);
}
