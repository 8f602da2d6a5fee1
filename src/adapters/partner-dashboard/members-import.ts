// `steward import members <file.csv>`: an existing community's members, a
// line per membership (header program,member,slack_id,discord_id,forum_user,
// dashboard_id,joined,left), through the loop the partner-events import uses
// (a broken line is refused alone); each line is applied whole or not at all
// (services/member-import.ts).
import type { App } from "../../app.ts";
import { applyMemberLine, applyMemberLines, checkMemberLine, MEMBERS_HEADER, memberLineKey, type MemberLine } from "../../services/member-import.ts";
import { importLines, type ImportOptions, type LineKind, type LineResult } from "./import.ts";

const memberLines: LineKind<MemberLine> = {
  header: MEMBERS_HEADER,
  check: checkMemberLine,
  key: memberLineKey,
  apply: (app, line, dryRun) => applyMemberLine(app, line, { dryRun }),
  applyMany: (app, lines, dryRun) => applyMemberLines(app, lines, { dryRun }),
};

export function importMembersCsv(app: App, text: string, options: ImportOptions = {}): Promise<LineResult[]> {
  return importLines(app, text, memberLines, options);
}
