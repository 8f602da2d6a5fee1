// The daily retention sweep (src/services/retention.ts) over 1,000,000 finished
// inbound events older than STEWARD_RETAIN_EVENT_PAYLOAD_DAYS (100,000 at
// BENCH_SCALE=small, or BENCH_RETENTION_EVENTS), while /tier is dispatched
// without pause: the sweep works in bounded batches, so /tier's p99 during it
// should stay within 2× its idle p99 (measured first, same run).
import { randomUUID } from "node:crypto";
import { registry } from "../commands/index.ts";
import { dispatch } from "../src/dispatch/dispatch.ts";
import type { Actor } from "../src/core/actor.ts";
import { pruneRetention } from "../src/services/retention.ts";
import { benchRuntime, fmtStats, heading, line, ratio, rng, stats, timeEach, timed, type Scale } from "./lib.ts";

const MEMBERS = 1_000;
const SAMPLES = 1_000;
const BATCH = 1_000;

function eventCount(scale: Scale): number {
  const asked = Number(process.env.BENCH_RETENTION_EVENTS);
  return Number.isInteger(asked) && asked > 0 ? asked : scale === "full" ? 1_000_000 : 100_000;
}

export async function retentionBench(scale: Scale): Promise<void> {
  const events = eventCount(scale);
  const rt = await benchRuntime({ STEWARD_RETAIN_EVENT_PAYLOAD_DAYS: "30", STEWARD_RETAIN_OUTBOX_DAYS: "0", STEWARD_RETAIN_AUDIT_DAYS: "0" });
  try {
    heading(`Retention sweep (${rt.kind}, BENCH_SCALE=${scale}: ${events.toLocaleString("en")} finished inbound events 60 days old, batches of ${BATCH}; /tier for ${MEMBERS} members beside it)`);
    const seeded = await timed(async () => {
      await rt.app.sql.exec(`
        INSERT INTO members (id, handle, display_name) SELECT 'm' || g, 'member' || g, 'Member ' || g FROM generate_series(1, ${MEMBERS}) g;
        INSERT INTO balances (member_id, points, tier) SELECT 'm' || g, (g * 37) % 5000, 'explorer' FROM generate_series(1, ${MEMBERS}) g;
        INSERT INTO inbound_events (source, key, type, subject, payload, status, result, created_at, updated_at)
          SELECT 'forum', 'forum:post:' || g, 'post_created', 'post:' || g,
                 jsonb_build_object('post', jsonb_build_object('id', g, 'username', 'user' || (g % 5000), 'topic_id', g / 10,
                   'raw', repeat('A forum post body of a plausible length. ', 6), 'created_at', now() - interval '60 days')),
                 'applied', 'counted', now() - interval '60 days', now() - interval '60 days'
            FROM generate_series(1, ${events}) g;
      `);
      await rt.app.sql.exec("VACUUM ANALYZE");
    });
    line("seed", `${(seeded.ms / 1000).toFixed(1)} s`);

    const random = rng(7);
    const actor = (k: number): Actor => ({ memberId: `m${k}`, handle: `member${k}`, displayName: `Member ${k}`, platform: "console", externalId: `x${k}`, isModerator: false });
    const tier = async () => {
      const out = await dispatch(registry, { command: "tier", words: [] }, { app: rt.app, actor: actor(1 + Math.floor(random() * MEMBERS)), interactive: false, invocationId: randomUUID() });
      if (out.type !== "reply" || out.reply.status !== "ok") throw new Error(`/tier failed: ${JSON.stringify(out)}`);
    };
    await timeEach(200, tier);
    const idle = stats(await timeEach(SAMPLES, tier));

    // The sweep runs to the end (as many batches as it takes), /tier one call after another beside it.
    let sweeping = true;
    const during: number[] = [];
    const sampler = (async () => {
      while (sweeping) during.push(...(await timeEach(1, tier)));
    })();
    const swept = await timed(() => pruneRetention(rt.app, { batch: BATCH, maxBatches: Math.ceil(events / BATCH) + 1 }));
    sweeping = false;
    await sampler;
    const busy = stats(during);
    const [left] = await rt.app.sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM inbound_events WHERE payload <> '{"pruned": true}'::jsonb`);

    line("/tier idle (baseline)", fmtStats(idle));
    line("/tier during the sweep", fmtStats(busy));
    line("/tier p99 during ÷ idle", `${ratio(busy.p99, idle.p99)} (aim ≤ 2×)`);
    line("sweep", `${swept.value.payloads.toLocaleString("en")} payloads emptied in ${(swept.ms / 1000).toFixed(1)} s (${Math.round(swept.value.payloads / (swept.ms / 1000)).toLocaleString("en")}/s); ${Number(left?.n ?? 0)} left`);
  } finally {
    await rt.close();
  }
}
