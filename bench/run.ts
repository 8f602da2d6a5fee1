// `npm run bench [-- tier report delivery dashboard pictures]`: runs the benchmarks (all by
// default) one after another and prints their figures with ratios against
// baselines measured in the same run. PGlite in memory unless DATABASE_URL is
// set; BENCH_SCALE=small|full picks the /tier size (default: full on
// Postgres, small on PGlite).
import { cpus, loadavg } from "node:os";
import { backfillBench } from "./backfill.ts";
import { clusterBench } from "./cluster.ts";
import { coldStartBench } from "./coldstart.ts";
import { dashboardBench } from "./dashboard.ts";
import { deliveryBench } from "./delivery.ts";
import { benchScale, storeKind } from "./lib.ts";
import { picturesBench } from "./pictures.ts";
import { memberImportBench } from "./member-import.ts";
import { reportBench } from "./report.ts";
import { retentionBench } from "./retention.ts";
import { slackEventsBench } from "./slack-events.ts";
import { tierBench } from "./tier.ts";

const benches = { tier: tierBench, report: reportBench, delivery: deliveryBench, dashboard: dashboardBench, pictures: picturesBench, "slack-events": slackEventsBench, cluster: clusterBench, coldstart: coldStartBench } as const;
// Issue 26's new rows, kept apart from the line above so branches adding rows do not collide.
const newRows = { retention: retentionBench, "member-import": memberImportBench, backfill: backfillBench } as const;
const all = { ...benches, ...newRows };
type Name = keyof typeof all;

const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(a in all));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(", ")}. Choose from: ${Object.keys(all).join(", ")}.`);
  process.exit(2);
}
const names = (asked.length > 0 ? asked : Object.keys(all)) as Name[];
const scale = benchScale();
const started = performance.now();
const load = () => loadavg().map((l) => l.toFixed(1)).join(", ");
console.log(`Steward benchmarks on ${storeKind}${storeKind === "postgres" ? " (DATABASE_URL)" : " (in memory; set DATABASE_URL for PostgreSQL)"}, BENCH_SCALE=${scale}, node ${process.version}, ${cpus().length} cores, load average ${load()}`);
for (const name of names) await all[name](scale);
console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${load()}.`);
