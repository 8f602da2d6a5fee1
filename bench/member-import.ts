// `steward import members` (src/services/member-import.ts through the CSV
// runner's loop) for 100,000 lines (10,000 at BENCH_SCALE=small, or
// BENCH_IMPORT_LINES), against a raw server-side `COPY` of the same file into
// a table of the same eight columns, in the same run: the import's lines per
// second as a share of COPY's (aim ≥ 20%). PostgreSQL only (COPY reads the
// file on the server, which runs on this machine).
import { writeFileSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importMembersCsv } from "../src/adapters/partner-dashboard/members-import.ts";
import { benchRuntime, heading, line, timed, type Scale } from "./lib.ts";

function lineCount(scale: Scale): number {
  const asked = Number(process.env.BENCH_IMPORT_LINES);
  return Number.isInteger(asked) && asked > 0 ? asked : scale === "full" ? 100_000 : 10_000;
}

/** An existing community's file: every member in one program, a Slack account each, some a Discord one, a few who left. */
function membersCsv(lines: number): string {
  const out = ["program,member,slack_id,discord_id,forum_user,dashboard_id,joined,left"];
  for (let i = 1; i <= lines; i++) {
    const joined = new Date(Date.UTC(2024, 0, 1) + (i % 600) * 86_400_000).toISOString().slice(0, 10);
    const left = i % 20 === 0 ? new Date(Date.UTC(2026, 0, 1) + (i % 200) * 86_400_000).toISOString().slice(0, 10) : "";
    out.push(`community-leaders-velo,member${i},U${String(i).padStart(9, "0")},${i % 3 === 0 ? String(100_000_000_000_000_000n + BigInt(i)) : ""},,,${joined},${left}`);
  }
  return `${out.join("\n")}\n`;
}

export async function memberImportBench(scale: Scale): Promise<void> {
  const lines = lineCount(scale);
  const rt = await benchRuntime();
  const file = join(tmpdir(), `steward-bench-members-${process.pid}.csv`);
  try {
    heading(`Member import (${rt.kind}, BENCH_SCALE=${scale}: ${lines.toLocaleString("en")} lines of steward import members; baseline a raw COPY of the same file)`);
    if (rt.kind !== "postgres") {
      line("skipped", "COPY reads the file on the server: set DATABASE_URL");
      return;
    }
    const csv = membersCsv(lines);
    writeFileSync(file, csv);
    chmodSync(file, 0o644);
    await rt.app.sql.exec(`CREATE TABLE bench_members_copy (program text, member text, slack_id text, discord_id text, forum_user text, dashboard_id text, joined date, "left" date)`);
    const copy = await timed(() => rt.app.sql.exec(`COPY bench_members_copy FROM '${file}' WITH (FORMAT csv, HEADER true)`));
    rt.queries.reset();
    const imported = await timed(() => importMembersCsv(rt.app, csv));
    const statements = rt.queries.count / lines;
    const applied = imported.value.filter((r) => r.status === "applied").length;
    const copyRate = lines / (copy.ms / 1000);
    const importRate = lines / (imported.ms / 1000);
    line("raw COPY (baseline)", `${(copy.ms / 1000).toFixed(2)} s, ${Math.round(copyRate).toLocaleString("en")} lines/s`);
    line("steward import members", `${(imported.ms / 1000).toFixed(1)} s, ${Math.round(importRate).toLocaleString("en")} lines/s; ${applied.toLocaleString("en")} applied of ${imported.value.length.toLocaleString("en")}; ${statements.toFixed(1)} SQL statements a line`);
    line("import ÷ COPY (lines/s)", `${((importRate / copyRate) * 100).toFixed(2)}% (aim ≥ 20%)`);
  } finally {
    rmSync(file, { force: true });
    await rt.close();
  }
}
