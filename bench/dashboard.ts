// The dashboard's compliance grid (issue 12) for a program of 10,000 members,
// against the same page for 100 members in the same database: one page of 50
// members × 12 weeks, which judges every member once (to order them) and the
// page's members once per week.
import { complianceGrid } from "../src/services/overview.ts";
import { benchRuntime, fmtStats, heading, line, ratio, stats, timeEach, timed, type Scale } from "./lib.ts";
import { seed } from "./report.ts";

const BIG = { program: "community-leaders-velo", members: 10_000 };
const BASE = { program: "community-leaders-editorx", members: 100 };
const RUNS = 5;

export async function dashboardBench(scale: Scale): Promise<void> {
  const rt = await benchRuntime();
  try {
    heading(`Dashboard compliance grid (${rt.kind}, BENCH_SCALE=${scale}: a page of 50 × 12 weeks, ${BIG.members.toLocaleString("en")} members; baseline ${BASE.members})`);
    const seeded = await timed(async () => {
      await seed(rt, BIG.program, 1, BIG.members);
      await seed(rt, BASE.program, BIG.members + 1, BIG.members + BASE.members);
    });
    line("seed", `${(seeded.ms / 1000).toFixed(1)} s`);
    await complianceGrid(rt.app, BASE.program);
    await complianceGrid(rt.app, BIG.program);

    rt.queries.reset();
    const base = stats(await timeEach(RUNS, () => complianceGrid(rt.app, BASE.program)));
    const baseQueries = rt.queries.count / RUNS;
    rt.queries.reset();
    const first = stats(await timeEach(RUNS, () => complianceGrid(rt.app, BIG.program)));
    const bigQueries = rt.queries.count / RUNS;
    const middle = stats(await timeEach(RUNS, () => complianceGrid(rt.app, BIG.program, { page: 100 })));

    line(`page 1, ${BASE.members} members (baseline)`, `${fmtStats(base)}; ${baseQueries.toFixed(0)} SQL round trips`);
    line(`page 1, ${BIG.members.toLocaleString("en")} members`, `${fmtStats(first)}; ${bigQueries.toFixed(0)} SQL round trips`);
    line(`page 100, ${BIG.members.toLocaleString("en")} members`, fmtStats(middle));
    line("10,000 ÷ 100 members (mean)", `${ratio(first.mean, base.mean)}  (${ratio(BIG.members, BASE.members)} the members)`);
  } finally {
    await rt.close();
  }
}
