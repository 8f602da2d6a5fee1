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
