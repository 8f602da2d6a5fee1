// `steward import members` (src/services/member-import.ts through the CSV
// runner's loop; lines naming only new people are written 5,000 to a
// statement) for 100,000 lines (10,000 at BENCH_SCALE=small, or
// BENCH_IMPORT_LINES), against a raw server-side `COPY` of the same file into
// a table of the same eight columns, in the same run: the import's lines per
// second as a share of COPY's (aim ≥ 20%). PostgreSQL only (COPY reads the
// file on the server, which runs on this machine).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importMembersCsv } from "../src/adapters/partner-dashboard/members-import.ts";
import type { SqlRunner } from "../src/store/client.ts";
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
  const dir = mkdtempSync(join(tmpdir(), "steward-bench-members-"));
  chmodSync(dir, 0o777);
  const file = join(dir, "members.csv");
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
    // Where the import's time goes: waiting on its raw statements (the batched writes), or this process's CPU.
    const sql = rt.app.sql;
    const query = sql.query.bind(sql);
    let inSql = 0;
    sql.query = (async (text: string, params?: unknown[]) => {
      const t = performance.now();
      try {
        return await query(text, params);
      } finally {
        inSql += performance.now() - t;
      }
    }) as typeof sql.query;
    const cpu = process.cpuUsage();
    const imported = await timed(() => importMembersCsv(rt.app, csv));
    const used = process.cpuUsage(cpu);
    sql.query = query;
    const statements = rt.queries.count;
    const floor = await copyWhatWasWritten(rt.app.sql, dir);
    const applied = imported.value.filter((r) => r.status === "applied").length;
    const copyRate = lines / (copy.ms / 1000);
    const importRate = lines / (imported.ms / 1000);
    line("raw COPY (baseline)", `${(copy.ms / 1000).toFixed(2)} s, ${Math.round(copyRate).toLocaleString("en")} lines/s`);
    line("steward import members", `${(imported.ms / 1000).toFixed(1)} s, ${Math.round(importRate).toLocaleString("en")} lines/s; ${applied.toLocaleString("en")} applied of ${imported.value.length.toLocaleString("en")}; ${statements.toLocaleString("en")} SQL statements in all`);
    line("of which", `${(inSql / 1000).toFixed(1)} s waiting on raw statements (the batched writes); node CPU ${((used.user + used.system) / 1000 / 1000).toFixed(1)} s`);
    line("import ÷ COPY (lines/s)", `${((importRate / copyRate) * 100).toFixed(2)}% (aim ≥ 20%)`);
    const floorRate = lines / (floor.ms / 1000);
    line(
      "the rows it wrote, COPYed",
      `${floor.rows.toLocaleString("en")} rows into copies of the ${WRITTEN.length} tables with their indexes and foreign keys: ${(floor.ms / 1000).toFixed(2)} s, ${Math.round(floorRate).toLocaleString("en")} lines/s = ${((floorRate / copyRate) * 100).toFixed(1)}% of the raw COPY; the import is ${((importRate / floorRate) * 100).toFixed(1)}% of this`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await rt.close();
  }
}

/** The tables an import of new members writes, parents first. */
const WRITTEN = ["members", "balances", "identities", "memberships", "badges", "outbox", "audit_log"] as const;

/**
 * What the database needs to store those rows at all: each table's rows written out, then COPYed into an empty
 * copy of it (its indexes and its foreign keys to the members copy), timed together. The share of the raw COPY
 * that remains reachable by any import writing these rows.
 */
async function copyWhatWasWritten(sql: SqlRunner, dir: string): Promise<{ ms: number; rows: number }> {
  let rows = 0;
  for (const t of WRITTEN) {
    await sql.exec(`COPY ${t} TO '${dir}/${t}.copy'`);
    await sql.exec(`CREATE TABLE bench_${t} (LIKE ${t} INCLUDING ALL)`);
    if (t !== "members" && t !== "audit_log") await sql.exec(`ALTER TABLE bench_${t} ADD FOREIGN KEY (member_id) REFERENCES bench_members (id)`);
    const [n] = await sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${t}`);
    rows += Number(n?.n ?? 0);
  }
  const copied = await timed(async () => {
    for (const t of WRITTEN) await sql.exec(`COPY bench_${t} FROM '${dir}/${t}.copy'`);
  });
  return { ms: copied.ms, rows };
}
