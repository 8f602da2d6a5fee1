// What a site's points were, taken back when the site stops counting (premium
// lapsed, contributor removed, withdrawn): the award and every entry that
// references the site, including a correction a moderator made on a dispute
// of one of its entries, so no point earned through the site outlives it.
import type { App } from "../app.ts";
import type { Tx } from "../store/client.ts";
import { reverseEntry } from "./ledger.ts";

export interface SiteEntries {
  siteId: string;
  entries: Array<{ idempotencyKey: string; delta: number }>;
  /** What taking them back costs the partner. */
  points: number;
}

/** Entries that still count for the site: not reversals, not reversed; the site's own first. */
export async function siteEntries(tx: Tx, siteId: string): Promise<SiteEntries> {
  const reference = `site:${siteId}`;
  const own = await tx.ledgerEntry.findMany({ where: { reference }, select: { id: true } });
  const disputes = await tx.pointsDispute.findMany({ where: { entryId: { in: own.map((e) => e.id) } }, select: { id: true } });
  const counting = await tx.ledgerEntry.findMany({
    where: { reference: { in: [reference, ...disputes.map((d) => `dispute:${d.id}`)] }, reversesId: null, reversedBy: { is: null } },
    orderBy: { id: "asc" },
  });
  // The site's own entries first: a tier warning that follows names the site, not a correction.
  counting.sort((a, b) => Number(b.reference === reference) - Number(a.reference === reference));
  return { siteId, entries: counting, points: counting.reduce((sum, e) => sum + e.delta, 0) };
}

/** Takes back what siteEntries found, once each (a retry finds them reversed). */
export async function takeBack(app: App, tx: Tx, found: SiteEntries, reason: string, actor: string): Promise<void> {
  for (const entry of found.entries) await reverseEntry(app, tx, entry.idempotencyKey, reason, actor);
}
