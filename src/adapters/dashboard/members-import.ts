// `steward import members <file.csv>`: an existing community's members, a
// line per membership (header program,member,slack_id,discord_id,forum_user,
// dashboard_id,joined,left). Lines are read as the partner-events import
// reads them (a line is one record; a broken line is refused alone) and each
// is applied whole or not at all (services/member-import.ts).
import type { App } from "../../app.ts";
import { applyMemberLine, checkMemberLine, MEMBERS_HEADER, memberLineKey } from "../../services/member-import.ts";
import { ImportError, readCsv, type ImportOptions, type LineResult } from "./import.ts";

export async function importMembersCsv(app: App, text: string, options: ImportOptions = {}): Promise<LineResult[]> {
  if (text.includes("\u0000")) throw new ImportError("The file contains NUL characters: it is not a CSV text file.");
  const rows = readCsv(text);
  const header = rows.shift();
  const names = header?.fields?.map((f) => f.trim().toLowerCase());
  if (!names || names.join(",") !== MEMBERS_HEADER.join(","))
    throw new ImportError(`The first line must be the header ${MEMBERS_HEADER.join(",")}${names ? ` (found ${names.join(",").slice(0, 120)})` : ""}.`);
  const seen = new Map<string, number>();
  const results: LineResult[] = [];
  for (const row of rows) {
    const result = await importRow(app, row, seen, options.dryRun ?? false);
    results.push(result);
    options.onLine?.(result, results.length, rows.length);
  }
  return results;
}

async function importRow(app: App, row: ReturnType<typeof readCsv>[number], seen: Map<string, number>, dryRun: boolean): Promise<LineResult> {
  const { line } = row;
  if (!row.fields) return { line, status: "refused", message: row.error ?? "not readable" };
  if (row.fields.length !== MEMBERS_HEADER.length)
    return { line, status: "refused", message: `expected ${MEMBERS_HEADER.length} fields (${MEMBERS_HEADER.join(",")}), found ${row.fields.length}` };
  const checked = checkMemberLine(app, row.fields);
  if ("problems" in checked) return { line, status: "refused", message: checked.problems.join("; ") };
  const key = memberLineKey(checked);
  const earlier = seen.get(key);
  if (earlier !== undefined) return { line, status: "skipped", message: `duplicate of line ${earlier}` };
  seen.set(key, line);
  const outcome = await applyMemberLine(app, checked, { dryRun });
  return { line, ...outcome };
}
