// `steward import <file.csv>`: partner dashboard events in bulk, one per line
// (header event,partner,url,kind,role,date), each through the same service
// call as the webhook. A line is keyed on a hash of its event's content, so
// an import run twice pays once. --dry-run validates only: it checks every
// line (format, duplicates within the file and against what was imported
// before, whether the partner is linked) and writes nothing; whether a site
// service would then refuse (a site already submitted) shows in the real run.
import { parse } from "csv-parse/sync";
import type { App } from "../../app.ts";
import { checkPartnerEvent, type PartnerEvent } from "../../domain/partner-dashboard.ts";
import { describeEarlier, importKey, receivePartnerEvent } from "../../services/partner-events.ts";

export const IMPORT_HEADER = ["event", "partner", "url", "kind", "role", "date"] as const;

export type LineStatus = "applied" | "held" | "skipped" | "refused";

export interface LineResult {
  line: number;
  status: LineStatus;
  message: string;
}

export class ImportError extends Error {}

interface Row {
  line: number;
  fields?: string[];
  error?: string;
}

/**
 * Rows with their line numbers. Each line is parsed on its own (an event is
 * one line: no field holds a line break), so a line with a stray quote is
 * refused alone instead of swallowing the lines after it. Lines end as
 * RFC 4180 writes them (CRLF) or as editors do (LF; a bare CR in a file with
 * no LF at all, as old Mac editors saved). A CR inside a line of a CRLF or LF
 * file is refused with that line: the CSV reader would end the record there
 * and drop the rest without a word.
 */
export function readCsv(text: string): Row[] {
  const rows: Row[] = [];
  const body = text.replace(/^\uFEFF/, "");
  body
    .split(body.includes("\n") ? /\r?\n/ : /\r/)
    .forEach((raw, i) => {
      if (!raw.trim()) return;
      if (raw.includes("\r")) {
        rows.push({ line: i + 1, error: "holds a carriage return (CR) inside the line; save the file with one kind of line ending (CRLF or LF)" });
        return;
      }
      // Without a quote a line is its fields between commas, what the CSV reader returns for it at a
      // hundredth of the cost (it is set up afresh for each line: most of a large import's time before).
      if (!raw.includes('"')) {
        rows.push({ line: i + 1, fields: raw.split(",") });
        return;
      }
      try {
        const [fields] = parse(raw, { relax_column_count: true }) as string[][];
        rows.push({ line: i + 1, fields: fields ?? [] });
      } catch (err) {
        rows.push({ line: i + 1, error: `not readable as CSV (${(err as Error).message.split(":")[0]}); quote a field that holds a comma, and double the quotes inside it` });
      }
    });
  return rows;
}

export interface ImportOptions {
  dryRun?: boolean;
  onLine?: (result: LineResult, done: number, total: number) => void;
}

/** What one kind of import does with a line: check its fields, key it, apply it (or, dry, say what would happen). */
export interface LineKind<T> {
  header: readonly string[];
  check(app: App, fields: string[]): T | { problems: string[] };
  key(checked: T): string;
  apply(app: App, checked: T, dryRun: boolean): Promise<Omit<LineResult, "line">>;
  /**
   * Applies many lines at once, outcomes in the same order, each as `apply` would have given it had the lines
   * been applied one by one in that order. When set, the lines go to it in chunks of BATCH_LINES.
   */
  applyMany?(app: App, checked: T[], dryRun: boolean): Promise<Omit<LineResult, "line">[]>;
}

/** Lines handed to `applyMany` at once: a few statements' worth, and a progress report between them. */
export const BATCH_LINES = 5_000;

/**
 * The loop every CSV import shares: the file refused whole when it is not text or its header is wrong; then
 * each line read on its own, refused with its reason, skipped when an earlier line of the file had its key,
 * or applied.
 */
export async function importLines<T>(app: App, text: string, kind: LineKind<T>, options: ImportOptions = {}): Promise<LineResult[]> {
  if (text.includes("\u0000")) throw new ImportError("The file contains NUL characters: it is not a CSV text file.");
  const rows = readCsv(text);
  const header = rows.shift();
  const names = header?.fields?.map((f) => f.trim().toLowerCase());
  if (!names || names.join(",") !== kind.header.join(","))
    throw new ImportError(`The first line must be the header ${kind.header.join(",")}${names ? ` (found ${names.join(",").slice(0, 120)})` : ""}.`);
  const seen = new Map<string, number>();
  const results: LineResult[] = [];
  const dryRun = options.dryRun ?? false;
  const report = (result: LineResult) => {
    results.push(result);
    options.onLine?.(result, results.length, rows.length);
  };
  if (!kind.applyMany) {
    for (const row of rows) {
      const judged = judgeRow(app, row, kind, seen);
      report("checked" in judged ? { line: row.line, ...(await kind.apply(app, judged.checked, dryRun)) } : judged);
    }
    return results;
  }
  const judgeChunk = (start: number) => rows.slice(start, start + BATCH_LINES).map((row) => ({ line: row.line, judged: judgeRow(app, row, kind, seen) }));
  let judged = judgeChunk(0);
  for (let start = 0; start < rows.length; start += BATCH_LINES) {
    const toApply = judged.flatMap((j) => ("checked" in j.judged ? [j.judged.checked] : []));
    const applying = toApply.length ? kind.applyMany(app, toApply, dryRun) : Promise.resolve([]);
    // The next chunk is checked while the database writes this one (checking reads no table).
    const upcoming = start + BATCH_LINES < rows.length ? judgeChunk(start + BATCH_LINES) : [];
    const outcomes = await applying;
    let next = 0;
    for (const j of judged) report("checked" in j.judged ? { line: j.line, ...(outcomes[next++] as Omit<LineResult, "line">) } : j.judged);
    judged = upcoming;
  }
  return results;
}

/** A line's fate decided without the database (refused, or a duplicate of an earlier line of the file), or the checked line to apply. */
function judgeRow<T>(app: App, row: Row, kind: LineKind<T>, seen: Map<string, number>): LineResult | { checked: T } {
  const { line } = row;
  if (!row.fields) return { line, status: "refused", message: row.error ?? "not readable" };
  if (row.fields.length !== kind.header.length)
    return { line, status: "refused", message: `expected ${kind.header.length} fields (${kind.header.join(",")}), found ${row.fields.length}` };
  const checked = kind.check(app, row.fields);
  if (typeof checked === "object" && checked !== null && "problems" in checked) return { line, status: "refused", message: checked.problems.join("; ") };
  const key = kind.key(checked as T);
  const earlier = seen.get(key);
  if (earlier !== undefined) return { line, status: "skipped", message: `duplicate of line ${earlier}` };
  seen.set(key, line);
  return { checked: checked as T };
}

type PartnerLine = { event: PartnerEvent };

const partnerEvents: LineKind<PartnerLine> = {
  header: IMPORT_HEADER,
  check: (app, fields) => {
    const [type, partner, url, kind, role, date] = fields.map((f) => f.trim()) as [string, string, string, string, string, string];
    return checkPartnerEvent(app.pack, { type, data: { partner, url, kind, role, at: date } });
  },
  key: (checked) => importKey(checked.event),
  apply: applyPartnerLine,
};

export function importCsv(app: App, text: string, options: ImportOptions = {}): Promise<LineResult[]> {
  return importLines(app, text, partnerEvents, options);
}

async function applyPartnerLine(app: App, checked: PartnerLine, dryRun: boolean): Promise<Omit<LineResult, "line">> {
  const key = importKey(checked.event);
  const type = checked.event.type;
  if (dryRun) {
    const before = await app.db.inboundEvent.findUnique({ where: { key } });
    if (before && before.status !== "received") return { status: "skipped", message: describeEarlier(before) };
    const linked = await app.db.identity.findUnique({ where: { platform_externalId: { platform: "dashboard", externalId: checked.event.partner } } });
    return linked
      ? { status: "applied", message: `would apply ${type}` }
      : { status: "held", message: `would be held: dashboard id ${checked.event.partner} is not linked to a member` };
  }
  let outcome = await receivePartnerEvent(app, "import", key, checked.event);
  // A line claimed by a run that was killed: its lease runs out within INBOUND_LEASE_MS, then this run takes it up.
  // Another run going now finishes it sooner; either way the line is applied once and this run reports it.
  for (let waits = 0; outcome.status === "busy" && waits < 10; waits++) {
    await new Promise((resolve) => setTimeout(resolve, (outcome as { retryAfterSeconds: number }).retryAfterSeconds * 1000));
    outcome = await receivePartnerEvent(app, "import", key, checked.event);
  }
  switch (outcome.status) {
    case "duplicate":
      return { status: "skipped", message: outcome.result };
    case "applied":
    case "held":
      return { status: outcome.status, message: outcome.result };
    default:
      return { status: "refused", message: outcome.result };
  }
}
