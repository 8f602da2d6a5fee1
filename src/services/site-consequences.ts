// What a site's points were, taken back when the site stops counting (premium
// lapsed, contributor removed, withdrawn): every entry that references the
// site, with a correction a moderator made on a dispute of one of them
// (reverseEntry takes an entry back with its corrections), so no point earned
// through the site outlives it.
import type { App } from "../app.ts";
import type { Tx } from "../store/client.ts";
import { reverseEntry } from "./ledger.ts";

export interface SiteEntries {
  siteId: string;
  entries: Array<{ idempotencyKey: string; delta: number }>;
  /** What taking them back costs the partner. */
  points: number;
}

/**
 * Entries that still count for the site (not reversals, not reversed), and
 * what they count: with any correction accepted on a dispute of one of them,
 * which reverseEntry takes back together with its entry.
 */
export async function siteEntries(tx: Tx, siteId: string): Promise<SiteEntries> {
  const counting = await tx.ledgerEntry.findMany({
    where: { reference: `site:${siteId}`, reversesId: null, reversedBy: { is: null } },
    select: { id: true, idempotencyKey: true, delta: true },
    orderBy: { id: "asc" },
  });
  const disputes = await tx.pointsDispute.findMany({ where: { entryId: { in: counting.map((e) => e.id) } }, select: { id: true } });
  const corrections = await tx.ledgerEntry.aggregate({
    where: { kind: "correction", reference: { in: disputes.map((d) => `dispute:${d.id}`) } },
    _sum: { delta: true },
  });
  return { siteId, entries: counting, points: counting.reduce((sum, e) => sum + e.delta, 0) + (corrections._sum.delta ?? 0) };
}

/** Takes back what siteEntries found, once each (a retry finds them reversed). */
export async function takeBack(app: App, tx: Tx, found: SiteEntries, reason: string, actor: string): Promise<void> {
  for (const entry of found.entries) await reverseEntry(app, tx, entry.idempotencyKey, reason, actor);
}
