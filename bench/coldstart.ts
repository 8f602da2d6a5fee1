// Whole-process cold start (issue 13): `steward run --as a "/help"` and
// `"/tier"` as separate processes, and a `steward chat` given no input (issue 26), on PostgreSQL (when DATABASE_URL is set)
// and on the embedded store, against `node -e 0` in the same run. Each is run
// several times; the median wall time, the median CPU time (user + system:
// less sensitive to a loaded machine than wall time) and the largest peak RSS
// are printed, as measured by /usr/bin/time (GNU time) around the child.
// "compiled" runs dist/ (npm run build), "tsx" the TypeScript sources through
// tsx, as every start did before dist/ existed.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchDatabase } from "../test/helpers/scratch-db.ts";
import { heading, line, type Scale } from "./lib.ts";

const BIN = fileURLToPath(new URL("../bin/steward.mjs", import.meta.url));
const BUILD = fileURLToPath(new URL("../dist/build.json", import.meta.url));
const TIME = "/usr/bin/time";

interface Run {
  wallS: number;
  cpuS: number;
  peakMiB: number;
}

/** One child under GNU time: wall seconds, user + system seconds, peak RSS. */
function timedRun(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ["-f", "TIME %e %U %S %M", process.execPath, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", STEWARD_MODERATORS: "mod", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (!m || (code !== 0 && code !== 1)) return reject(new Error(`${args.join(" ")} failed (${code}): ${err}`));
      resolve({ wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), peakMiB: Number(m[4]) / 1024 });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function measure(args: string[], env: Record<string, string>, times: number): Promise<Run> {
  const runs: Run[] = [];
  for (let i = 0; i < times; i++) runs.push(await timedRun(args, env));
  return { wallS: median(runs.map((r) => r.wallS)), cpuS: median(runs.map((r) => r.cpuS)), peakMiB: Math.max(...runs.map((r) => r.peakMiB)) };
}

const fmt = (r: Run) => `wall ${r.wallS.toFixed(2)} s, cpu ${r.cpuS.toFixed(2)} s, peak RSS ${r.peakMiB.toFixed(0)} MiB`;

export async function coldStartBench(scale: Scale): Promise<void> {
  const times = scale === "full" ? 7 : 3;
  heading(`Cold start: whole steward processes (median of ${times}; /usr/bin/time)`);
  if (!existsSync(TIME)) {
    line("skipped", `${TIME} (GNU time) is not installed`);
    return;
  }
  const built = existsSync(BUILD) ? (JSON.parse(readFileSync(BUILD, "utf8")) as { builtAt: number }) : undefined;
  line("dist/", built ? `built ${new Date(built.builtAt).toISOString()} (bin/steward.mjs runs it when no source is newer)` : "not built: every row runs through tsx (npm run build)");
  const node = await measure(["-e", "0"], {}, times);
  line("baseline node -e 0", fmt(node));

  const stores: { name: string; env: Record<string, string>; aimS: number; cleanup: () => Promise<void> }[] = [];
  if (process.env.DATABASE_URL) {
    const db = await scratchDatabase(process.env.DATABASE_URL, "steward_bench");
    stores.push({ name: "postgres", env: { DATABASE_URL: db.url }, aimS: 0.6, cleanup: () => db.drop() });
  }
  const dir = mkdtempSync(join(tmpdir(), "steward-cold-"));
  stores.push({ name: "embedded", env: { STEWARD_DATA_DIR: dir }, aimS: 1.0, cleanup: async () => rmSync(dir, { recursive: true, force: true }) });
  try {
    for (const store of stores) {
      // Migrations run once, untimed: a cold start is of an installed bot.
      await timedRun([BIN, "run", "--as", "a", "/tier"], store.env);
      for (const command of ["/help", "/tier"]) {
        for (const mode of ["compiled", "tsx"] as const) {
          if (mode === "compiled" && !built) continue;
          const r = await measure([BIN, "run", "--as", "a", command], { ...store.env, ...(mode === "tsx" ? { STEWARD_FROM_SOURCE: "1" } : {}) }, times);
          line(`${store.name} ${command} (${mode})`, `${fmt(r)}; ÷ node -e 0: wall ${(r.wallS / node.wallS).toFixed(1)}×, cpu ${(r.cpuS / Math.max(0.01, node.cpuS)).toFixed(1)}×  (aim ≤ ${store.aimS} s wall${store.name === "postgres" ? ", ≤ 150 MiB" : ""})`);
        }
      }
      // `steward chat` that reads an empty stdin: its whole start (jobs, catch-up, greeting) and its stop,
      // as every test that types into a chat pays it. No aim: it is compared with its own figures.
      if (built) line(`${store.name} chat, no input (compiled)`, fmt(await measure([BIN, "chat", "--as", "a"], store.env, times)));
    }
  } finally {
    for (const s of stores) await s.cleanup();
  }
}
