// Long lists page: a page button runs the list's command line again for another page.
import type { Block, Reply } from "../../chat/reply.ts";

/** Table rows shown at once in an answer to a person; a longer table pages with Previous / Next. */
export const TABLE_PAGE_ROWS = 25;
/** Page buttons: no `:` in their action ids, so the command-button listener never takes them. */
export const PAGE_ACTIONS = { previous: "steward_page_previous", next: "steward_page_next" } as const;

/**
 * The command line a page button runs again, and the page it asks for. Paging
 * re-runs the command rather than keeping the answer anywhere, so commands
 * stay platform-neutral and each page shows current data; the original
 * invocation id goes along, so a command that acts once per invocation
 * (/adjust, /log) cannot act twice through a page click.
 */
export interface PageRequest {
  command: string;
  words: string[];
  page: number;
  invocationId?: string;
}

export function encodePage(p: PageRequest): string {
  return JSON.stringify({ page: p.page, run: [p.command, ...p.words], ...(p.invocationId ? { inv: p.invocationId } : {}) });
}

export function decodePage(value: string): PageRequest | undefined {
  try {
    const v = JSON.parse(value) as { page?: unknown; run?: unknown; inv?: unknown };
    if (typeof v.page !== "number" || !Number.isInteger(v.page) || v.page < 0) return undefined;
    if (!Array.isArray(v.run) || v.run.length === 0 || !v.run.every((w): w is string => typeof w === "string")) return undefined;
    const [command, ...words] = v.run as string[];
    if (!command) return undefined;
    return { command, words, page: v.page, ...(typeof v.inv === "string" ? { invocationId: v.inv } : {}) };
  } catch {
    return undefined;
  }
}

/** Page `page` of a reply: each table longer than a page shows that page's rows; everything else shows on every page. */
export function pageOf(r: Reply, page: number, size: number = TABLE_PAGE_ROWS): { reply: Reply; page: number; pages: number } {
  const longest = Math.max(0, ...r.blocks.map((b) => (b.type === "table" ? b.rows.length : 0)));
  const pages = Math.max(1, Math.ceil(longest / size));
  if (pages === 1) return { reply: r, page: 0, pages };
  // The list may have shrunk since the button was drawn: show its last page rather than nothing.
  const at = Math.min(Math.max(0, Math.trunc(page)), pages - 1);
  const blocks = r.blocks.map((b): Block => {
    if (b.type !== "table" || b.rows.length <= size) return b;
    const from = at * size;
    const rows = b.rows.slice(from, from + size);
    const range = rows.length ? `Rows ${from + 1}–${from + rows.length} of ${b.rows.length}` : `No rows on this page (${b.rows.length} in all)`;
    return { ...b, rows, caption: b.caption ? `${b.caption} (${range})` : range };
  });
  return { reply: { ...r, blocks }, page: at, pages };
}
