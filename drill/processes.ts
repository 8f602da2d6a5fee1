// Drills (c) and (d), with real `steward` processes on a real data folder.
// (c) A second process on a folder another has open is refused at once with a clear line and
//     exit code 3; every write a process reported is there after reopening.
// (d) A process killed with SIGKILL in the middle of writing: the folder opens again (the dead
//     owner's lock is taken over), every member's balance equals the sum of their entries, and
//     every write the process had answered for is there.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PGlite } from "@electric-sql/pglite";
import { startSteward, steward } from "../test/helpers/cli.ts";
import type { Drill } from "./lib.ts";

const REFUSAL = /^Steward is already running on \S+ \(pid \d+\); stop it or set DATABASE_URL\n$/;

async function withFolder<T>(dir: string, read: (db: PGlite) => Promise<T>): Promise<T> {
  const db = new PGlite(dir);
  try {
    return await read(db);
  } finally {
    await db.close();
  }
}

const sitesIn = (dir: string) => withFolder(dir, async (db) => new Set((await db.query<{ url: string }>("SELECT url FROM sites")).rows.map((r) => r.url)));

export const twoProcessesDrill: Drill = async ({ size }) => {
  const tries = size === "full" ? 6 : 2;
  const dir = mkdtempSync(join(tmpdir(), "steward-drill-c-"));
  const env = { STEWARD_DATA_DIR: dir };
  const problems: string[] = [];
  const reported: string[] = [];
  let refusals = 0;
  let unclear = 0;
  const judge = (r: { code: number | null; stderr: string }, url: string, what: string) => {
    if (r.code === 0) reported.push(url);
    else if (r.code === 3 && REFUSAL.test(r.stderr)) refusals++;
    else {
      unclear++;
      problems.push(`${what}: exit ${r.code}, ${JSON.stringify(r.stderr.slice(0, 160))}`);
    }
  };

  // A chat holds the folder while `steward run` tries, then two `steward run` start at once.
  const chat = startSteward(["chat", "--as", "alice"], env);
  await chat.waitFor(/terminal chat/);
  for (let i = 0; i < tries; i++) {
    chat.process.stdin.write(`/site submit https://chat${i}.example.com kind:classic\n`);
    await chat.waitFor(new RegExp(`Submitted https://chat${i}\\.example\\.com`));
    reported.push(`https://chat${i}.example.com`);
    const url = `https://run${i}.example.com`;
    judge(await steward(["run", "--as", "bob", `/site submit ${url} kind:classic`], env), url, "steward run beside the chat");
  }
  chat.process.stdin.end("/quit\n");
  if ((await chat.done).code !== 0) problems.push("the chat did not end cleanly");
  const refusedBesideChat = refusals;
  for (let round = 0; round < tries; round++) {
    const urls = [`https://pair${round}a.example.com`, `https://pair${round}b.example.com`];
    const results = await Promise.all(urls.map((url) => steward(["run", "--as", "carol", `/site submit ${url} kind:classic`], env)));
    results.forEach((r, i) => judge(r, urls[i] as string, "two steward run at once"));
  }
  const present = await sitesIn(dir);
  const lost = reported.filter((url) => !present.has(url));
  for (const url of lost.slice(0, 3)) problems.push(`reported written, missing after reopening: ${url}`);
  return {
    pass: refusedBesideChat === tries && unclear === 0 && lost.length === 0,
    figures: `${refusals} refusals (exit 3, one line; ${refusedBesideChat}/${tries} beside an open chat), ${unclear} unclear failures, ${reported.length} writes reported, ${lost.length} lost`,
    problems,
  };
};

export const sigkillDrill: Drill = async ({ rand, size }) => {
  const dir = mkdtempSync(join(tmpdir(), "steward-drill-d-"));
  const env = { STEWARD_DATA_DIR: dir };
  const members = ["alice", "bob", "carol", "dan"];
  const problems: string[] = [];
  let acknowledged = 0;
  let lost = 0;
  let mismatches = 0;
  const rounds = size === "full" ? 8 : 2;
  for (let round = 0; round < rounds; round++) {
    const chat = startSteward(["chat", "--as", "mod"], env);
    await chat.waitFor(/terminal chat/);
    // The members exist once they have said something; then the moderator adjusts them in a stream.
    const hello = members.flatMap((m) => [`/as ${m}`, "/tier"]);
    const lines = Array.from({ length: 60 }, (_, i) => `/adjust ${members[i % members.length]} ${1 + Math.floor(rand() * 40)} drill round ${round} line ${i}`);
    chat.process.stdin.write(`${[...hello, "/as mod", ...lines].join("\n")}\n`);
    // Killed somewhere in the middle of the stream, after a random number of answered writes.
    const killAfter = 5 + Math.floor(rand() * 40);
    const answeredSoFar = () => chat.stdout.match(new RegExp(`points for @\\w+ \\(drill round ${round} line`, "g"))?.length ?? 0;
    for (let waited = 0; answeredSoFar() < killAfter && chat.process.exitCode === null && waited < 120_000; waited += 10) await sleep(10);
    chat.process.kill("SIGKILL");
    const result = await chat.done;
    const answered = [...result.stdout.matchAll(new RegExp(`\\(drill round ${round} line (\\d+)\\)`, "g"))].map((m) => `drill round ${round} line ${m[1]}`);
    acknowledged += answered.length;
    // Reopening through Steward itself: the lock of the killed process must be taken over.
    const reopen = await steward(["run", "--as", "alice", "/tier"], env);
    if (reopen.code !== 0) problems.push(`round ${round}: reopening after SIGKILL exited ${reopen.code}: ${reopen.stderr.slice(0, 160)}`);
    await withFolder(dir, async (db) => {
      const reasons = new Set((await db.query<{ reason: string }>("SELECT reason FROM ledger_entries")).rows.map((r) => r.reason));
      const missing = answered.filter((a) => !reasons.has(a));
      lost += missing.length;
      for (const m of missing.slice(0, 2)) problems.push(`round ${round}: answered, missing after SIGKILL: ${m}`);
      const bad = await db.query<{ handle: string; points: number; sum: number }>(`
        SELECT m.handle, COALESCE(b.points, 0) AS points, COALESCE(SUM(e.delta), 0)::int AS sum
        FROM members m LEFT JOIN balances b ON b.member_id = m.id LEFT JOIN ledger_entries e ON e.member_id = m.id
        GROUP BY m.handle, b.points HAVING COALESCE(b.points, 0) <> COALESCE(SUM(e.delta), 0)`);
      mismatches += bad.rows.length;
      for (const b of bad.rows.slice(0, 2)) problems.push(`round ${round}: @${b.handle} balance ${b.points} ≠ sum of entries ${b.sum}`);
    });
  }
  return {
    pass: lost === 0 && mismatches === 0 && problems.length === 0,
    figures: `${rounds} SIGKILLs mid-stream, ${acknowledged} answered writes: ${lost} lost, ${mismatches} balances ≠ sum of entries, reopened ${rounds - problems.filter((p) => p.includes("reopening")).length}/${rounds}`,
    problems,
  };
};
