// /leaderboard (week, month, all) on the /tier benchmark's data (100k members,
// 2M ledger entries over two years at full scale), through the dispatcher and
// the real command registry. Issue 13 aims at p99 ≤ 10× a bare SELECT 1
// through the same client.
import { randomUUID } from "node:crypto";
import { registry } from "../commands/index.ts";
import { dispatch } from "../src/dispatch/dispatch.ts";
import type { Actor } from "../src/core/actor.ts";
import { fmtStats, line, ms, ratio, stats, timeEach, timePaired, type BenchRuntime, type Stats } from "./lib.ts";

const SAMPLES = 300;
const WARMUP = 30;

export async function leaderboardRows(rt: BenchRuntime, select1: Stats): Promise<void> {
  const actor: Actor = { memberId: "m1", handle: "member1", displayName: "Member 1", platform: "console", externalId: "x1", isModerator: false };
  for (const period of ["week", "month", "all"] as const) {
    const once = async () => {
      const out = await dispatch(registry, { command: "leaderboard", words: [period] }, { app: rt.app, actor, interactive: false, invocationId: randomUUID() });
      if (out.type !== "reply" || out.reply.status !== "ok") throw new Error(`/leaderboard ${period} failed: ${JSON.stringify(out)}`);
    };
    await timeEach(WARMUP, once);
    rt.queries.reset();
    const s = stats(await timeEach(SAMPLES, once));
    const statements = rt.queries.count / SAMPLES;
    line(`/leaderboard ${period}`, `${fmtStats(s)}; ${statements.toFixed(1)} statements`);
    line(`/leaderboard ${period} ÷ SELECT 1`, `p50 ${ratio(s.p50, select1.p50)}, p99 ${ratio(s.p99, select1.p99)}  (aim p99 ≤ 10×; sampled apart)`);
    // Both alternately, so they meet the same load.
    const paired = await timePaired(SAMPLES, () => rt.app.db.$queryRaw`SELECT 1`, once);
    const b = stats(paired.base);
    const f = stats(paired.figure);
    line(`/leaderboard ${period} vs SELECT 1, interleaved`, `p50 ${ms(f.p50)} vs ${ms(b.p50)} → ${ratio(f.p50, b.p50)}; p99 ${ms(f.p99)} vs ${ms(b.p99)} → ${ratio(f.p99, b.p99)}  (aim p99 ≤ 10×)`);
  }
}
