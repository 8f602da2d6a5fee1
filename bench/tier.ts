// /tier at scale (issue 2): members with ledger entries seeded in bulk, then
// /tier dispatched for random members through the real command registry. The
// command reads the materialised balance, so its latency and its number of
// SQL round trips should not grow with the ledger: the ratio large/small
// should stay near 1×.
import { randomUUID } from "node:crypto";
import { registry } from "../commands/index.ts";
import { dispatch } from "../src/dispatch/dispatch.ts";
import type { Actor } from "../src/core/actor.ts";
import { leaderboardRows } from "./leaderboard.ts";
import { benchRuntime, fmtStats, gc, heading, line, memory, memoryDelta, ms, peakRssMb, ratio, rng, stats, timeEach, timed, timePaired, type BenchRuntime, type Scale } from "./lib.ts";

const ENTRIES_PER_MEMBER = 20;
const SMALL_MEMBERS = 1_000;
const SAMPLES = 1_000;
/** Dispatches between the two heap readings (after a GC each) that must show no growth. */
const STEADY_DISPATCHES = 10_000;
const WARMUP = 300;

/** Members `from`..`to` (inclusive) with identities, ENTRIES_PER_MEMBER ledger entries each, balances, badges. */
async function seed(rt: BenchRuntime, from: number, to: number): Promise<void> {
  const { sql, pack } = rt.app;
  const tiers = pack.partner.tiers;
  const tierCase = `CASE ${[...tiers]
    .reverse()
    .map((t) => `WHEN s.points >= ${t.threshold} THEN '${t.id}'`)
    .join(" ")} END`;
  const badgeFrom = tiers.find((t) => t.id === pack.partner.tierBadges[0]?.fromTier)?.threshold ?? 1000;
  const first = (from - 1) * ENTRIES_PER_MEMBER + 1;
  const last = to * ENTRIES_PER_MEMBER;
  await sql.exec(`
    INSERT INTO members (id, handle, display_name)
      SELECT 'm' || g, 'member' || g, 'Member ' || g FROM generate_series(${from}, ${to}) g;
    INSERT INTO identities (id, platform, external_id, member_id)
      SELECT 'i' || g, 'slack', 'U' || lpad(g::text, 9, '0'), 'm' || g FROM generate_series(${from}, ${to}) g;
    INSERT INTO ledger_entries (member_id, delta, kind, reason, actor, reference, idempotency_key, created_at)
      SELECT 'm' || (${from} + (g - ${first}) % ${to - from + 1}),
             (5 + (g::bigint * 7919) % 100)::int, 'site', 'bench site', 'system', 'https://site' || g || '.example',
             'bench:' || g, now() - ((g * 31) % 730) * interval '1 day'
        FROM generate_series(${first}, ${last}) g;
    INSERT INTO balances (member_id, points, tier)
      SELECT s.member_id, s.points, ${tierCase}
        FROM (SELECT member_id, sum(delta)::int AS points FROM ledger_entries
               WHERE member_id IN (SELECT 'm' || g FROM generate_series(${from}, ${to}) g) GROUP BY member_id) s;
    INSERT INTO badges (id, member_id, badge, granted_by)
      SELECT 'b' || substr(member_id, 2), member_id, 'partner-badge', 'system' FROM balances
       WHERE points >= ${badgeFrom} AND member_id IN (SELECT 'm' || g FROM generate_series(${from}, ${to}) g);
    INSERT INTO benefit_fulfilments (id, member_id, benefit, delivered_by)
      SELECT 'f' || g, 'm' || g, 'account-manager', 'mod' FROM generate_series(${from}, ${to}) g WHERE g % 10 = 0;
  `);
  // What autovacuum does to an insert-only table soon after: the visibility map lets index-only scans skip the heap.
  await sql.exec("VACUUM ANALYZE");
}

interface Measured {
  members: number;
  entries: number;
  tier: ReturnType<typeof stats>;
  tierOther: ReturnType<typeof stats>;
  queriesPerTier: number;
  queriesPerTierOther: number;
}

async function measure(rt: BenchRuntime, members: number): Promise<Measured> {
  const random = rng(members);
  const pick = () => 1 + Math.floor(random() * members);
  const actor = (k: number): Actor => ({ memberId: `m${k}`, handle: `member${k}`, displayName: `Member ${k}`, platform: "console", externalId: `x${k}`, isModerator: false });
  const own = async (k: number) => {
    const out = await dispatch(registry, { command: "tier", words: [] }, { app: rt.app, actor: actor(k), interactive: false, invocationId: randomUUID() });
    if (out.type !== "reply" || out.reply.status !== "ok") throw new Error(`/tier failed: ${JSON.stringify(out)}`);
  };
  // Naming another member adds the handle lookup.
  const other = async (k: number) => {
    const out = await dispatch(registry, { command: "tier", words: [`member${pick()}`] }, { app: rt.app, actor: actor(k), interactive: false, invocationId: randomUUID() });
    if (out.type !== "reply" || out.reply.status !== "ok") throw new Error(`/tier <member> failed: ${JSON.stringify(out)}`);
  };
  await timeEach(WARMUP, () => own(pick()));
  rt.queries.reset();
  const tier = stats(await timeEach(SAMPLES, () => own(pick())));
  const queriesPerTier = rt.queries.count / SAMPLES;
  rt.queries.reset();
  const tierOther = stats(await timeEach(SAMPLES, () => other(pick())));
  const queriesPerTierOther = rt.queries.count / SAMPLES;
  const [count] = await rt.app.sql.query<{ n: string | number }>("SELECT count(*) AS n FROM ledger_entries");
  return { members, entries: Number(count?.n ?? 0), tier, tierOther, queriesPerTier, queriesPerTierOther };
}

export async function tierBench(scale: Scale): Promise<void> {
  const large = scale === "full" ? 100_000 : 10_000;
  const rt = await benchRuntime();
  try {
    heading(`/tier at scale (${rt.kind}, BENCH_SCALE=${scale}: ${large.toLocaleString("en")} members × ${ENTRIES_PER_MEMBER} entries${scale === "small" ? "; the issue's 100k/2M size is BENCH_SCALE=full" : ""})`);
    // The floor: one trivial statement through the same Prisma client.
    await timeEach(WARMUP, () => rt.app.db.$queryRaw`SELECT 1`);
    const select1 = stats(await timeEach(SAMPLES, () => rt.app.db.$queryRaw`SELECT 1`));
    line("baseline SELECT 1 (Prisma)", fmtStats(select1));

    const seedSmall = await timed(() => seed(rt, 1, SMALL_MEMBERS));
    const small = await measure(rt, SMALL_MEMBERS);
    line(`seed ${SMALL_MEMBERS} members`, `${(seedSmall.ms / 1000).toFixed(1)} s (${small.entries.toLocaleString("en")} entries)`);

    gc();
    const before = memory();
    const seedLarge = await timed(() => seed(rt, SMALL_MEMBERS + 1, large));
    line(`seed up to ${large.toLocaleString("en")} members`, `${(seedLarge.ms / 1000).toFixed(1)} s; ${memoryDelta(before)}`);
    gc();
    const beforeLarge = memory();
    const big = await measure(rt, large);
    line(`entries in the ledger`, big.entries.toLocaleString("en"));
    // The floor again, on the same warm database and connections as the large run.
    const floor = stats(await timeEach(SAMPLES, () => rt.app.db.$queryRaw`SELECT 1`));
    line("baseline SELECT 1 after seeding", fmtStats(floor));

    for (const m of [small, big]) {
      line(`/tier, ${m.members.toLocaleString("en")} members`, `${fmtStats(m.tier)}; ${m.queriesPerTier.toFixed(1)} SQL round trips`);
      line(`/tier <member>, ${m.members.toLocaleString("en")} members`, `${fmtStats(m.tierOther)}; ${m.queriesPerTierOther.toFixed(1)} SQL round trips`);
    }
    line("/tier large ÷ small (p50, mean, p95)", `${ratio(big.tier.p50, small.tier.p50)}, ${ratio(big.tier.mean, small.tier.mean)}, ${ratio(big.tier.p95, small.tier.p95)}  (≈1× means size-independent)`);
    line("/tier large ÷ SELECT 1 (p50)", `${ratio(big.tier.p50, floor.p50)}  (${big.queriesPerTier.toFixed(1)} statements, ${big.queriesPerTier > 1 ? "sent concurrently" : "one"})`);
    line("/tier large ÷ SELECT 1 (p99)", `${ratio(big.tier.p99, floor.p99)}  (aim ≤ 5×; sampled apart, see the interleaved row)`);
    {
      const random = rng(3);
      const a = (k: number): Actor => ({ memberId: `m${k}`, handle: `member${k}`, displayName: `Member ${k}`, platform: "console", externalId: `x${k}`, isModerator: false });
      const { base, figure } = await timePaired(
        SAMPLES,
        () => rt.app.db.$queryRaw`SELECT 1`,
        () => dispatch(registry, { command: "tier", words: [] }, { app: rt.app, actor: a(1 + Math.floor(random() * large)), interactive: false, invocationId: randomUUID() }),
      );
      const s1 = stats(base);
      const t = stats(figure);
      line("/tier vs SELECT 1, interleaved", `/tier p50 ${ms(t.p50)}, p99 ${ms(t.p99)}; SELECT 1 p50 ${ms(s1.p50)}, p99 ${ms(s1.p99)} → p50 ${ratio(t.p50, s1.p50)}, p99 ${ratio(t.p99, s1.p99)}  (aim p99 ≤ 5×)`);
    }
    line(`memory over ${SAMPLES * 2} dispatches`, memoryDelta(beforeLarge));
    line("per /tier", ms(big.tier.mean));

    await leaderboardRows(rt, floor);

    // What a long-running process holds once the 100k-member benchmarks ran, and whether the
    // dispatch path leaks: live heap (after a GC) before and after many more dispatches.
    const random = rng(7);
    const actor = (k: number): Actor => ({ memberId: `m${k}`, handle: `member${k}`, displayName: `Member ${k}`, platform: "console", externalId: `x${k}`, isModerator: false });
    const steady = () => dispatch(registry, { command: "tier", words: [] }, { app: rt.app, actor: actor(1 + Math.floor(random() * large)), interactive: false, invocationId: randomUUID() });
    await timeEach(1_000, steady);
    gc();
    const settled = memory();
    await timeEach(STEADY_DISPATCHES, steady);
    gc();
    const after = memory();
    line("peak RSS of this process so far", `${peakRssMb().toFixed(0)} MiB (runtime, ${large.toLocaleString("en")} members, the benchmarks above)`);
    line(`live heap over ${STEADY_DISPATCHES.toLocaleString("en")} dispatches`, `${settled.heapMb.toFixed(1)} MB → ${after.heapMb.toFixed(1)} MB after GC (${after.heapMb - settled.heapMb >= 0 ? "+" : ""}${(after.heapMb - settled.heapMb).toFixed(1)} MB)`);
  } finally {
    await rt.close();
  }
}
