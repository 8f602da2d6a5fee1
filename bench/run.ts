// `npm run bench [-- tier report delivery dashboard pictures]`: runs the benchmarks (all by
// default) one after another and prints their figures with ratios against
// baselines measured in the same run. PGlite in memory unless DATABASE_URL is
// set; BENCH_SCALE=small|full picks the /tier size (default: full on
// Postgres, small on PGlite).
import { dashboardBench } from "./dashboard.ts";
import { deliveryBench } from "./delivery.ts";
import { benchScale, storeKind } from "./lib.ts";
import { picturesBench } from "./pictures.ts";
import { reportBench } from "./report.ts";
import { tierBench } from "./tier.ts";

const benches = { tier: tierBench, report: reportBench, delivery: deliveryBench, dashboard: dashboardBench, pictures: picturesBench } as const;
type Name = keyof typeof benches;

const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(a in benches));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(", ")}. Choose from: ${Object.keys(benches).join(", ")}.`);
  process.exit(2);
}
const names = (asked.length > 0 ? asked : Object.keys(benches)) as Name[];
const scale = benchScale();
const started = performance.now();
console.log(`Steward benchmarks on ${storeKind}${storeKind === "postgres" ? " (DATABASE_URL)" : " (in memory; set DATABASE_URL for PostgreSQL)"}, BENCH_SCALE=${scale}, node ${process.version}`);
for (const name of names) await benches[name](scale);
console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
