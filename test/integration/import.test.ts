// `steward import`: a CSV with good, duplicate and malformed lines, run for
// real and as a dry run, twice, against a real database; and the CLI verb as
// an operator runs it (a real process on an embedded database on disk).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importCsv, ImportError, readCsv, type LineResult } from "../../src/adapters/partner-dashboard/import.ts";
import { importKey } from "../../src/services/partner-events.ts";
import { claimInbound, INBOUND_LEASE_MS } from "../../src/services/inbound.ts";
import { checkPartnerEvent } from "../../src/domain/partner-dashboard.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { preparedDataFolder } from "../helpers/test-databases.ts";

const CSV = [
  "event,partner,url,kind,role,date",
  "site.published,P-1,https://studio.example.com,editorx,owner,2026-11-20", // 2 applied
  "site.published,P-1,https://bakery.example.com,classic,collaborator,2026-11-21", // 3 applied
  " site.published , P-1 ,https://studio.example.com, EDITORX ,owner,2026-11-20", // 4 duplicate of 2
  "site.published,P-1,https://x.example.com,editorx,owner", // 5 five fields
  "site.published,P-1,https://y.example.com,editorx,owner,2026-02-30", // 6 impossible date
  "site.lapsed,P-1,https://studio.example.com,,,2026-11-22", // 7 unknown event
  'site.published,P-1,"https://q.example.com"x,classic,owner,2026-11-22', // 8 not CSV
  "site.premium_expired,P-1,https://studio.example.com,,,2026-11-23", // 9 applied
  "site.published,P-7,https://other.example.com,classic,owner,2026-11-23", // 10 held
  "", // blank lines are not lines of data
  "certification.earned,P-1,,velo,,2026-11-24", // 12 applied
].join("\n");

const byLine = (results: LineResult[]) => Object.fromEntries(results.map((r) => [r.line, `${r.status}: ${r.message}`]));

describe.each(storeKinds)("steward import on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  const balance = async (handle: string) => (await rt.app.db.member.findUniqueOrThrow({ where: { handle }, include: { balance: true } })).balance?.points ?? 0;

  beforeEach(async () => {
    rt = await testRuntime(kind);
    chat = new ChatDriver(rt);
    await chat.ok("alice", "/tier");
    await chat.ok("mod", "/link dashboard:P-1 alice");
  });
  afterEach(async () => {
    await rt.close();
  });

  it("reports each line: applied, skipped as a duplicate naming the earlier line, refused with the reason, held", async () => {
    const results = await importCsv(rt.app, CSV);
    const lines = byLine(results);
    expect(lines[2]).toMatch(/^applied: @alice submitted https:\/\/studio\.example\.com: \+300/);
    expect(lines[3]).toMatch(/^applied: .*\+100/);
    expect(lines[4]).toBe("skipped: duplicate of line 2");
    expect(lines[5]).toMatch(/^refused: expected 6 fields .*found 5/);
    expect(lines[6]).toMatch(/^refused: date "2026-02-30" is not a real date/);
    expect(lines[7]).toMatch(/^refused: event "site.lapsed" is not one of/);
    expect(lines[8]).toMatch(/^refused: not readable as CSV/);
    expect(lines[9]).toMatch(/^applied: https:\/\/studio\.example\.com lapsed for 1 partner/);
    expect(lines[10]).toMatch(/^held: dashboard id P-7 is not linked/);
    expect(lines[12]).toMatch(/^applied: @alice certified velo/);
    expect(results).toHaveLength(10);
    expect(await balance("alice")).toBe(100 + 100);
  });

  it("run twice, it pays nothing the second time and says which entry each line was", async () => {
    await importCsv(rt.app, CSV);
    const entries = await rt.app.db.ledgerEntry.count();
    const second = await importCsv(rt.app, CSV);
    expect(second.filter((r) => r.status === "applied" || r.status === "held")).toEqual([]);
    expect(byLine(second)[2]).toMatch(/^skipped: already received on \d{4}-\d{2}-\d{2} \(entry #\d+, applied/);
    expect(await rt.app.db.ledgerEntry.count()).toBe(entries);
  });

  it("a rerun takes up the line a killed run left unfinished, instead of skipping it (issue 27, finding 1)", async () => {
    const line = "site.published,P-1,https://studio.example.com,editorx,owner,2026-11-20";
    const checked = checkPartnerEvent(rt.app.pack, { type: "site.published", data: { partner: "P-1", url: "https://studio.example.com", kind: "editorx", role: "owner", at: "2026-11-20" } });
    if (!("event" in checked)) throw new Error("the line is valid");
    // The killed run claimed the line and died before applying it.
    expect((await claimInbound(rt.app, { source: "import", key: importKey(checked.event), type: "site.published", subject: "P-1", payload: {}, occurredAt: null })).kind).toBe("claimed");
    rt.clock.advance(INBOUND_LEASE_MS);
    const rerun = byLine(await importCsv(rt.app, `event,partner,url,kind,role,date\n${line}\n`));
    expect(rerun[2]).toMatch(/^applied: @alice submitted/);
    expect(await balance("alice")).toBe(300);
    expect(byLine(await importCsv(rt.app, `event,partner,url,kind,role,date\n${line}\n`))[2]).toMatch(/^skipped: already received/);
  });

  it("--dry-run changes nothing and predicts the same lines", async () => {
    const tables = async () => [await rt.app.db.ledgerEntry.count(), await rt.app.db.site.count(), await rt.app.db.inboundEvent.count(), await rt.app.db.outboxMessage.count()];
    const before = await tables();
    const dry = byLine(await importCsv(rt.app, CSV, { dryRun: true }));
    expect(await tables()).toEqual(before);
    expect(dry[2]).toBe("applied: would apply site.published");
    expect(dry[4]).toBe("skipped: duplicate of line 2");
    expect(dry[10]).toMatch(/^held: would be held/);
    await importCsv(rt.app, CSV);
    expect(byLine(await importCsv(rt.app, CSV, { dryRun: true }))[2]).toMatch(/^skipped: already received/);
  });

  it("refuses a file without the header, and one with NUL bytes, before any line", async () => {
    await expect(importCsv(rt.app, "a,b\n1,2")).rejects.toThrow(ImportError);
    await expect(importCsv(rt.app, `event,partner,url,kind,role,date\nsite.published,P-1,https://a.example.com\u0000,classic,owner,`)).rejects.toThrow(/NUL/);
    expect(await rt.app.db.inboundEvent.count()).toBe(0);
  });
});

describe("import line endings (issue 27, finding 3)", () => {
  const lines = ["event,partner,url,kind,role,date", "site.published,P-1,https://a.example.com,classic,owner,2026-11-20", "site.published,P-1,https://b.example.com,classic,owner,2026-11-21"];
  const fieldsOf = (text: string) => readCsv(text).map((r) => r.fields?.[2] ?? r.error);

  it("reads CRLF, LF and bare-CR files alike, with the same line numbers", () => {
    for (const eol of ["\r\n", "\n", "\r"]) {
      const rows = readCsv(lines.join(eol) + eol);
      expect(rows.map((r) => r.line), JSON.stringify(eol)).toEqual([1, 2, 3]);
      expect(fieldsOf(lines.join(eol))).toEqual(["url", "https://a.example.com", "https://b.example.com"]);
    }
  });

  it("refuses a line with a CR inside it, naming it, instead of dropping the rest of the line", () => {
    const rows = readCsv([lines[0], "site.published,P-1,https://a.example.com,\rclassic,owner,2026-11-20", lines[2]].join("\r\n"));
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(rows[1]?.fields).toBeUndefined();
    expect(rows[1]?.error).toMatch(/carriage return/);
    expect(rows[2]?.fields?.[2]).toBe("https://b.example.com");
  });
});

const BIN = fileURLToPath(new URL("../../bin/steward.mjs", import.meta.url));

function steward(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("steward import (the command)", () => {
  it("prints a line per line and a summary; --dry-run changes nothing; exit 1 when a line is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "steward-import-"));
    const file = join(dir, "events.csv");
    writeFileSync(file, "event,partner,url,kind,role,date\nsite.published,P-1,https://studio.example.com,editorx,owner,2026-11-20\nsite.published,P-1,https://x.example.com,editorx\n");
    const env = { STEWARD_DATA_DIR: await preparedDataFolder() };
    const dry = await steward(["import", file, "--dry-run"], env);
    expect(dry.stdout).toContain("line 2: ok — would be held: dashboard id P-1 is not linked");
    expect(dry.stdout).toContain("line 3: refused — expected 6 fields");
    expect(dry.stdout).toContain("Dry run: nothing was changed.");
    expect(dry.code).toBe(1);
    const real = await steward(["import", file], env);
    expect(real.stdout).toContain("line 2: held — dashboard id P-1 is not linked");
    const again = await steward(["import", file], env);
    expect(again.stdout).toMatch(/line 2: skipped — already received on .* \(entry #1, held/);
    expect((await steward(["import"], env)).stderr).toContain("needs one CSV file");
  }, 120_000);
});
