// `npm run drill [-- NAME…]`: fault drills. Each prints pass or fail with its figures; the run ends
// non-zero when one fails. DRILL_SEED fixes the generated input (default 9, printed), DRILL_SIZE
// is small (default; each drill under a minute) or full. PGlite in memory unless DATABASE_URL is set;
// the process and outage drills start their own data folders and their own PostgreSQL server.
import { historyDrill } from "./history.ts";
import { dashboardQueriesDrill } from "./dashboard-queries.ts";
import { hostileDrill } from "./hostile.ts";
import { outageDrill } from "./outage.ts";
import { sigkillDrill, twoProcessesDrill } from "./processes.ts";
import { replayDrill } from "./replay.ts";
import { sharedDatabaseDrill } from "./shared-database.ts";
import { slackDrill } from "./slack.ts";
import { hostileWebhooksDrill } from "./webhooks.ts";
import { mergeDrill } from "./merge.ts";
import { interruptedInboundDrill } from "./interrupted.ts";
import { scaleDrill } from "./scale.ts";
import { seeded, type Drill, type DrillResult } from "./lib.ts";

const drills: Record<string, { title: string; run: Drill }> = {
  hostile: { title: "(a) hostile command lines", run: hostileDrill },
  replay: { title: "(b) concurrent replays", run: replayDrill },
  "two-processes": { title: "(c) two processes, one data folder", run: twoProcessesDrill },
  sigkill: { title: "(d) SIGKILL during writes", run: sigkillDrill },
  outage: { title: "(e) PostgreSQL stopped and started", run: outageDrill },
  slack: { title: "(f) Slack deliveries ×3", run: slackDrill },
  "hostile-webhooks": { title: "hostile webhooks", run: hostileWebhooksDrill },
  merge: { title: "merge", run: mergeDrill },
  "interrupted-inbound": { title: "interrupted inbound", run: interruptedInboundDrill },
  "shared-database": { title: "shared database: steward serve + 20 steward run", run: sharedDatabaseDrill },
  history: { title: "history: a past week asked later", run: historyDrill },
  "dashboard-queries": { title: "hostile dashboard queries", run: dashboardQueriesDrill },
  scale: { title: "scale: 3 steward serve, Slack + Discord, the gateway shard's holder SIGKILLed", run: scaleDrill },
};

const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(a in drills));
if (unknown.length > 0) {
  console.error(`Unknown drill ${unknown.join(", ")}. Choose from: ${Object.keys(drills).join(", ")}.`);
  process.exit(2);
}
const seed = Number(process.env.DRILL_SEED ?? 9);
const size = process.env.DRILL_SIZE === "full" ? "full" : "small";
console.log(`Steward drills, seed ${seed} (DRILL_SEED), size ${size}, ${process.env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : "PGlite in memory"}, node ${process.version}`);

const results: (DrillResult & { seconds: number })[] = [];
for (const name of asked.length ? asked : Object.keys(drills)) {
  const drill = drills[name] as (typeof drills)[string];
  const started = performance.now();
  let result: Omit<DrillResult, "name">;
  try {
    result = await drill.run({ seed, rand: seeded(seed), size });
  } catch (err) {
    result = { pass: false, figures: "the drill itself failed", problems: [(err as Error).stack ?? String(err)] };
  }
  const seconds = (performance.now() - started) / 1000;
  results.push({ name: drill.title, seconds, ...result });
  console.log(`${result.pass ? "pass" : "FAIL"}  ${drill.title} (${seconds.toFixed(1)} s): ${result.figures}`);
  for (const p of result.problems ?? []) console.log(`      ${p}`);
}

console.log("\n| drill | result | figures | time |\n| --- | --- | --- | --- |");
for (const r of results) console.log(`| ${r.name} | ${r.pass ? "pass" : "**FAIL**"} | ${r.figures} | ${r.seconds.toFixed(1)} s |`);
const failed = results.filter((r) => !r.pass).length;
console.log(failed ? `\n${failed} of ${results.length} drills failed.` : `\nAll ${results.length} drills passed.`);
// Open handles (a pool, a timer) must not keep a finished run alive.
process.exit(failed ? 1 : 0);
