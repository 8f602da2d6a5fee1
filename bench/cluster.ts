// Several Steward processes on one PostgreSQL and one Redis (issue 13): three
// `steward serve` processes (real child processes, BullMQ mode) deliver DMs
// written to the outbox to the local fake platform, which enforces Slack's
// published limit (1 message a second per channel, burst 2) and records every
// message it accepted. Halfway through, one process is killed with SIGKILL.
// Figures: messages/s against the allowed rate (aim ≥ 95%), duplicates and
// missing DMs at the receiver (aim: each exactly once), 429 answers (aim 0).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { reply } from "../src/chat/reply.ts";
import { LOCK_MS } from "../src/jobs/claims.ts";
import { startFakePlatform, type PlatformCounters } from "./fake-platform.ts";
import { benchRuntime, heading, line, storeKind, type Scale } from "./lib.ts";
import { clearStewardKeys, redisUrlOnDb } from "../test/helpers/redis-keys.ts";
import { instantDeliveryPack } from "../test/helpers/instant-pack.ts";

const BIN = fileURLToPath(new URL("../bin/steward.mjs", import.meta.url));
const PROCESSES = 3;
const CHANNELS = 40;
/** A Redis database of its own: `steward serve` uses the fixed key prefix "steward", which must not meet anyone else's. */
const REDIS_DB = 11;

function redisUrl(): string {
  return redisUrlOnDb(process.env.REDIS_URL as string, REDIS_DB);
}

/** Starts one `steward serve`; resolves once it logged that it runs (logs go to stderr). */
function serve(env: Record<string, string>, logFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, "serve"], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, stdio: ["ignore", "ignore", "pipe"] });
  // Its log after start-up, for what the figures cannot say (renewals that failed, rows taken over).
  const file = createWriteStream(logFile);
  return new Promise((resolve, reject) => {
    let log = "";
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes("Steward is running")) {
        child.stderr?.off("data", onData);
        child.stderr?.pipe(file);
        resolve(child);
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`steward serve exited (${code}) before it was running: ${log.slice(-2000)}`)));
  });
}

/**
 * Where the span beyond the allowed rate goes, channel by channel: each channel may send one message a second, so
 * its time beyond (its messages - 1) seconds is lost, in a gap longer than a second somewhere. Reported: when the
 * channels start and end (the span runs from the first start to the last end), the lost seconds summed over the
 * channels per 10 s of the run (the kill's bucket marked), and the longest gaps.
 */
function channelGaps(c: PlatformCounters, killedWhen: number): [string, string][] {
  const t0 = c.firstMessageAt;
  const s = (ms: number) => ((ms - t0) / 1000).toFixed(1);
  const starts: number[] = [];
  const ends: number[] = [];
  const excess: number[] = [];
  const buckets = new Map<number, number>();
  const gaps: { channel: string; at: number; ms: number }[] = [];
  for (const [channel, times] of c.channels) {
    starts.push((times[0] ?? t0) - t0);
    ends.push((times[times.length - 1] ?? t0) - t0);
    let lost = 0;
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      if (gap <= 1000) continue;
      lost += gap - 1000;
      const bucket = Math.floor(((times[i - 1] ?? 0) - t0) / 10_000);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + gap - 1000);
      if (gap > 1500) gaps.push({ channel, at: (times[i - 1] ?? 0) - t0, ms: gap });
    }
    excess.push(lost);
  }
  const spread = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const at = (q: number) => ((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) / 1000).toFixed(1);
    return `min ${at(0)}, median ${at(0.5)}, max ${at(1)} s`;
  };
  const killBucket = killedWhen ? Math.floor((killedWhen - t0) / 10_000) : -1;
  const byBucket = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, ms]) => `${b * 10}${b === killBucket ? "(kill)" : ""}: ${(ms / 1000).toFixed(1)}`);
  gaps.sort((a, b) => b.ms - a.ms);
  return [
    ["channels", `${c.channels.size}; killed at ${killedWhen ? s(killedWhen) : "—"} s from the first message`],
    ["… first message", spread(starts)],
    ["… last message", spread(ends)],
    ["… seconds lost (beyond 1/s)", `${spread(excess)}; ${(excess.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s summed`],
    ["… lost per 10 s of the run", byBucket.join(", ") || "none"],
    ["… gaps > 1.5 s", `${gaps.length}: ${gaps.slice(0, 12).map((g) => `${g.channel}@${(g.at / 1000).toFixed(1)}+${(g.ms / 1000).toFixed(1)}`).join(", ")}`],
  ];
}

/** CPU seconds (user + system) a child used so far, from /proc (Linux); 0 where there is none. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

export async function clusterBench(scale: Scale): Promise<void> {
  const n = scale === "full" ? 5_000 : 1_000;
  heading(`${PROCESSES} × steward serve on one PostgreSQL and one Redis (BullMQ), ${n.toLocaleString("en")} DMs to ${CHANNELS} Slack members, one process SIGKILLed halfway`);
  if (storeKind !== "postgres" || !process.env.REDIS_URL) {
    line("skipped", "needs DATABASE_URL and REDIS_URL");
    return;
  }
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 3 });
  const fake = await startFakePlatform();
  const rt = await benchRuntime();
  const children: ChildProcess[] = [];
  try {
    await clearStewardKeys(redis);
    await rt.app.sql.exec(`
      INSERT INTO members (id, handle, display_name) SELECT 'm' || g, 'member' || g, 'Member ' || g FROM generate_series(1, ${CHANNELS}) g;
      INSERT INTO identities (id, platform, external_id, member_id) SELECT 'is' || g, 'slack', 'U' || lpad(g::text, 9, '0'), 'm' || g FROM generate_series(1, ${CHANNELS}) g;`);
    const env = {
      DATABASE_URL: rt.url as string,
      REDIS_URL: redisUrl(),
      STEWARD_PROGRAMS: instantDeliveryPack("steward-bench-"),
      STEWARD_MODERATORS: "mod",
      LOG_LEVEL: "info",
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_SIGNING_SECRET: "bench",
      SLACK_API_URL: fake.slackApiUrl,
      SLACK_PORT: "0",
    };
    const started = performance.now();
    // One first, so the migrations and the job schedulers are in place before the others race for them.
    const logs = mkdtempSync(join(tmpdir(), "steward-cluster-logs-"));
    const logOf = (i: number) => join(logs, `serve-${i}.log`);
    children.push(await serve(env, logOf(0)));
    children.push(...(await Promise.all(Array.from({ length: PROCESSES - 1 }, (_, i) => serve(env, logOf(i + 1))))));
    line("processes running", `${PROCESSES} in ${((performance.now() - started) / 1000).toFixed(1)} s; their logs in ${logs} (process 1 is serve-0)`);

    fake.reset();
    fake.enforce = true;
    // CPU from here on is delivery's alone: start-up (migrations, module loading) is a fixed cost per process.
    const cpuAtStart = children.map((ch) => cpuSeconds(ch.pid));
    // Each DM says which it is, so the receiver can tell a duplicate from a second DM to the same member.
    const template = reply("Your balance changed.", [{ type: "text", text: "Your balance changed." }]);
    await rt.app.sql.query(
      `INSERT INTO outbox (kind, member_id, payload, dedupe_key, created_at, available_at)
         SELECT 'dm', 'm' || (1 + (g - 1) % ${CHANNELS}),
                jsonb_build_object('memberId', 'm' || (1 + (g - 1) % ${CHANNELS}), 'reply', jsonb_set(jsonb_set($1::jsonb, '{text}', to_jsonb('DM ' || g)), '{blocks,0,text}', to_jsonb('DM ' || g))),
                'cluster:' || g, now(), now()
           FROM generate_series(1, ${n}) g ORDER BY hashint4(g)`,
      [JSON.stringify(template)],
    );
    const slack = () => fake.slack;
    // Each channel takes one message a second: at least n / CHANNELS - 1 seconds; generous margin for the lock expiry after the kill.
    const deadline = performance.now() + (n / CHANNELS + 180) * 1000;
    let killedAt = 0;
    let killedWhen = 0;
    let killedCpu = 0;
    while (slack().texts.size < n && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (!killedAt && slack().ok.message >= n / 2) {
        killedCpu = cpuSeconds(children[0]?.pid);
        children[0]?.kill("SIGKILL");
        killedAt = slack().ok.message;
        killedWhen = performance.now();
      }
    }
    // Late duplicates would come after the killed process's claims expire (LOCK_MS): wait that out too.
    const settle = Math.max(0, killedWhen + LOCK_MS + 10_000 - performance.now());
    await new Promise((resolve) => setTimeout(resolve, settle));
    const c = slack();
    const cpu = killedCpu + children.slice(1).reduce((sum, ch) => sum + cpuSeconds(ch.pid), 0);
    const deliveryCpu = cpu - cpuAtStart.reduce((sum, c) => sum + c, 0);
    const dupes = [...c.texts.values()].filter((k) => k > 1).length;
    const missing = n - [...c.texts.keys()].filter((t) => /^DM \d+$/.test(t)).length;
    const span = (c.lastMessageAt - c.firstMessageAt) / 1000;
    const rate = (c.ok.message - 1) / span;
    // The killed process's claimed rows wait for their lock (LOCK_MS): the rate up to the message that left only those.
    const rows = await rt.app.sql.query<{ status: string; n: string | number }>(`SELECT status, count(*) AS n FROM outbox WHERE dedupe_key LIKE 'cluster:%' GROUP BY status`);
    const sorted = [...c.times].sort((a, b) => a - b);
    const gapAt = sorted.findIndex((t, i) => i > 0 && t - (sorted[i - 1] ?? t) > 10_000);
    const bulk = gapAt > 0 ? { count: gapAt, seconds: ((sorted[gapAt - 1] ?? 0) - (sorted[0] ?? 0)) / 1000 } : undefined;
    line("received at the fake", `${c.ok.message} messages, ${c.texts.size} distinct, in ${span.toFixed(1)} s; killed process 1 after ${killedAt}`);
    line("exactly once", `${dupes} delivered twice, ${missing} missing; outbox ${rows.map((r) => `${r.status} ${r.n}`).join(", ")}`);
    line("429 answers", String(c.tooMany));
    line("App Homes published", `${c.ok.home} (${((c.ok.home * 60) / span).toFixed(0)} a minute; Slack's views.publish is Tier 4: 100+ a minute)`);
    // What limits the rate on a loaded machine: the processes' own CPU per DM (start-up included).
    line("CPU of the serve processes", `${cpu.toFixed(1)} s in all = ${((cpu * 1000) / Math.max(1, c.ok.message)).toFixed(1)} ms per DM delivered; load average ${loadavg().map((l) => l.toFixed(1)).join(", ")}`);
    line("… while delivering", `${deliveryCpu.toFixed(1)} s = ${((deliveryCpu * 1000) / Math.max(1, c.ok.message)).toFixed(1)} ms per DM delivered (start-up excluded)`);
    line("rate ÷ allowed", `${rate.toFixed(1)} messages/s ÷ ${CHANNELS}/s = ${((rate / CHANNELS) * 100).toFixed(1)}%  (aim ≥ 95%)`);
    for (const [label, value] of channelGaps(c, killedWhen)) line(label, value);
    for (const r of c.repeats.slice(0, 10)) {
      const [row] = await rt.app.sql.query<{ id: number; attempts: number }>(`SELECT id, attempts FROM outbox WHERE dedupe_key = $1`, [`cluster:${r.text.slice(3)}`]);
      const at = (t: number) => `${((t - c.firstMessageAt) / 1000).toFixed(1)} s`;
      line("… twice", `"${r.text}" (outbox ${row?.id}, ${row?.attempts} attempts) to ${r.channel} at ${at(r.firstAt)} and ${at(r.at)}; the kill at ${killedWhen ? at(killedWhen) : "—"}`);
    }
    if (bulk)
      line("… before the orphaned claims", `${bulk.count} messages in ${bulk.seconds.toFixed(1)} s = ${((bulk.count - 1) / bulk.seconds).toFixed(1)}/s = ${(((bulk.count - 1) / bulk.seconds / CHANNELS) * 100).toFixed(1)}% of ${CHANNELS}/s; the last ${c.ok.message - bulk.count} waited for the killed process's ${LOCK_MS / 1000} s claim to expire`);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.all(children.map((ch) => (ch.exitCode === null && ch.signalCode === null ? new Promise((r) => ch.once("exit", r)) : undefined)));
    await clearStewardKeys(redis).catch(() => undefined);
    redis.disconnect();
    await fake.close();
    await rt.close();
  }
}
