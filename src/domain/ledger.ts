// The ledger's rules, independent of storage: entries are appended, never
// changed; a balance is their sum; an entry whose idempotency key was seen
// before changes nothing, so a retried event never pays twice.

export interface Entry {
  delta: number;
  idempotencyKey: string;
}

export interface Ledger<E extends Entry = Entry> {
  entries: readonly E[];
  keys: ReadonlySet<string>;
}

export function emptyLedger<E extends Entry>(): Ledger<E> {
  return { entries: [], keys: new Set() };
}

export function post<E extends Entry>(ledger: Ledger<E>, entry: E): Ledger<E> {
  if (ledger.keys.has(entry.idempotencyKey)) return ledger;
  return { entries: [...ledger.entries, entry], keys: new Set([...ledger.keys, entry.idempotencyKey]) };
}

export function balanceOf(entries: readonly Entry[]): number {
  return entries.reduce((sum, e) => sum + e.delta, 0);
}

/** The entry that undoes another: same amount, opposite sign, keyed to the original so it happens once. */
export function reversalOf(original: { id: number; delta: number }, reason: string): { delta: number; idempotencyKey: string; reason: string; reversesId: number } {
  return { delta: -original.delta, idempotencyKey: `reverse:${original.id}`, reason, reversesId: original.id };
}

// Bounds that keep point arithmetic exact in the 32-bit columns: no single
// entry moves more than MAX_ENTRY (the pack's values and caps are checked
// against it), and a balance never leaves ±MAX_BALANCE, so a sum can never
// overflow. Legend, the highest tier, is 5,000 points: nothing real comes near.
export const MAX_ENTRY = 1_000_000;
export const MAX_BALANCE = 1_000_000_000;

export type Correction = { delta: number } | { problem: string };

/**
 * What accepting a dispute of an entry may write. `counts` is what the entry
 * still adds to the balance after its reversal and earlier corrections;
 * `requested` is the moderator's figure (by default: undo what still counts).
 * A correction may take away at most what still counts, never turning the
 * entry into its opposite; it may add, within the cap of one adjustment.
 */
export function disputeCorrection(entry: { id: number; delta: number }, counts: number, requested: number | undefined, cap: number): Correction {
  const delta = requested ?? -counts;
  const sign = entry.delta >= 0 ? 1 : -1;
  if (delta === 0)
    return { problem: `Entry #${entry.id} still counts ${counts} points, so undoing it changes nothing. Decline the dispute, or accept with points:<n> to add some.` };
  if (Math.abs(delta) > cap) return { problem: `One correction may move at most ${cap} points (this one would be ${delta}). Accept with points:<n> within that.` };
  if (sign * (counts + delta) < 0)
    return { problem: `Entry #${entry.id} still counts ${counts} points; a correction may take away at most that (you asked for ${delta}).` };
  return { delta };
}
