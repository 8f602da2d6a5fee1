// Drill "scale": three `steward serve` processes with Slack and Discord on one PostgreSQL (and Redis when
// REDIS_URL is set), against a local Discord (REST and a v10 gateway that, like Discord, sends every event
// to every session of a shard) and a local Slack. 500 interactions and 2,000 community messages arrive while
// the process holding the gateway shard is SIGKILLed and a fourth is started; two DMs per member (300)
// wait in the outbox.
// Counted: interactions acknowledged other than once, messages counted other than once, how long after the
// kill another process took the shard (bound 30 s) and whether it resumed the session (no second IDENTIFY),
// and outbox rows delivered other than once.
//
// Interactions go over HTTP (signed with a test Ed25519 key, as Discord's Interactions Endpoint URL sends
// them) when `POST /discord/interactions` answers a PING with a PONG, and through the gateway otherwise.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { createLogger } from "../src/log.ts";
import { createRuntime } from "../src/runtime.ts";
import { ensureMember } from "../src/services/members.ts";
import { LOCK_MS } from "../src/jobs/claims.ts";
import { startSteward, type RunningSteward } from "../test/helpers/cli.ts";
import { APP_ID, CHANNEL, GUILD_ID, ROLE, messageCreate, slashCommand, startFakeDiscord, type FakeGuild } from "../test/helpers/fake-discord.ts";
import { startFakeGateway } from "../test/helpers/fake-gateway.ts";
import { startFakeSlack } from "../test/helpers/fake-slack.ts";
import { startPrivatePostgres } from "../test/helpers/private-postgres.ts";
import { drillConfig, type Drill } from "./lib.ts";
import { clearStewardKeys, redisUrlOnDb } from "../test/helpers/redis-keys.ts";
import { instantDeliveryPack } from "../test/helpers/instant-pack.ts";

const TOKEN = "drill-discord-token";
const INTERACTIONS = 500;
const MESSAGES = 2_000;
const DISCORD_MEMBERS = 100;
const SLACK_MEMBERS = 50;
const TAKEOVER_BOUND_S = 30;
/** A Redis database of its own: `steward serve` uses the fixed key prefix "steward", which must not meet anyone else's. */
const REDIS_DB = 12;

const discordId = (i: number) => `15${String(i).padStart(17, "0")}`;
const slackId = (i: number) => `U0SCALE${String(i).padStart(4, "0")}`;

/** Discord's Interactions Endpoint URL request: Ed25519 over timestamp + body, the signature and public key in hex. */
export async function sendHttpInteraction(url: string, body: object, key: KeyObject): Promise<{ status: number; json: unknown }> {
  const raw = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + raw), key).toString("hex");
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-signature-ed25519": signature, "x-signature-timestamp": timestamp }, body: raw });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

/** The raw 32-byte Ed25519 public key in hex, as the Developer Portal shows it (the tail of its DER form). */
const publicKeyHex = (key: KeyObject) => key.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");

function redisUrl(): string | undefined {
  return process.env.REDIS_URL ? redisUrlOnDb(process.env.REDIS_URL, REDIS_DB) : undefined;
}

interface Taken {
  shard: number;
  how: string;
  at: number;
}

export const scaleDrill: Drill = async () => {
  const problems: string[] = [];
  const pg = await startPrivatePostgres();
  const redisAt = redisUrl();
  const redis = redisAt ? new Redis(redisAt, { maxRetriesPerRequest: 3 }) : undefined;
  if (redis) await clearStewardKeys(redis);
  const guild: FakeGuild = { id: GUILD_ID, roles: [{ id: ROLE.moderator, name: "Moderators" }], channels: Object.entries(CHANNEL).map(([name, id]) => ({ id, name })), members: new Map() };
  const discord = await startFakeDiscord(guild, APP_ID);
  const gateway = await startFakeGateway({ token: TOKEN, guild, applicationId: APP_ID });
  discord.gateway.url = gateway.url;
  const slack = await startFakeSlack();
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const env: Record<string, string> = {
    DATABASE_URL: pg.url,
    ...(redisAt ? { REDIS_URL: redisAt } : {}),
    STEWARD_PROGRAMS: instantDeliveryPack("steward-scale-"),
    STEWARD_HTTP_PORT: "0",
    LOG_LEVEL: "info",
    DISCORD_TOKEN: TOKEN,
    DISCORD_APPLICATION_ID: APP_ID,
    DISCORD_GUILD_ID: GUILD_ID,
    DISCORD_API_URL: discord.url,
    DISCORD_MODERATOR_ROLE: "Moderators",
    SLACK_BOT_TOKEN: "xoxb-drill",
    SLACK_SIGNING_SECRET: "drill-signing-secret",
    SLACK_API_URL: slack.apiUrl,
    SLACK_PORT: "0",
  };
  const runtime = await createRuntime(drillConfig({ DATABASE_URL: pg.url }), { log: createLogger("silent") });
  const processes: RunningSteward[] = [];
  const taken = new Map<RunningSteward, Taken[]>();
  const serve = async (extra: Record<string, string> = {}) => {
    const p = startSteward(["serve"], { ...env, ...extra });
    taken.set(p, []);
    p.process.stderr.on("data", () => {
      const seen = taken.get(p) as Taken[];
      const lines = p.stderr.split("\n").filter((l) => l.includes('"msg":"discord shard taken"'));
      for (const l of lines.slice(seen.length)) {
        const j = JSON.parse(l) as { shard: number; how: string };
        seen.push({ shard: j.shard, how: j.how, at: Date.now() });
      }
    });
    processes.push(p);
    await p.waitFor(/"msg":"Steward is running"/, "stderr");
    return p;
  };
  const port = (p: RunningSteward) => Number(/"port":(\d+)[^\n]*served"/.exec(p.stderr)?.[1]);
  const alive = () => processes.filter((p) => p.process.exitCode === null && p.process.signalCode === null);

  try {
    // One first, so the migrations are in place before the others race for them; it tells whether interactions can come over HTTP.
    const first = await serve({ DISCORD_PUBLIC_KEY: publicKeyHex(publicKey) });
    const ping = await sendHttpInteraction(`http://127.0.0.1:${port(first)}/discord/interactions`, { type: 1, id: "0", application_id: APP_ID, token: "ping", version: 1 }, privateKey).catch(() => ({ status: 0, json: undefined }));
    const overHttp = ping.status === 200 && (ping.json as { type?: number } | undefined)?.type === 1;
    if (!overHttp) {
      // No endpoint on this build: the gateway carries the interactions, so no process may be told they come over HTTP.
      first.process.kill("SIGTERM");
      await first.done;
      processes.splice(0);
      await serve();
    }
    const keyEnv: Record<string, string> = overHttp ? { DISCORD_PUBLIC_KEY: publicKeyHex(publicKey) } : {};
    await Promise.all([serve(keyEnv), serve(keyEnv)]);

    const discordMembers = Array.from({ length: DISCORD_MEMBERS }, (_, i) => ({ id: discordId(i + 1), username: `d${i + 1}` }));
    for (const u of discordMembers) {
      const m = await ensureMember(runtime.app, "discord", u.id, u.username);
      await runtime.app.db.membership.create({ data: { memberId: m.id, programId: "community-leaders-velo", state: "active", joinedAt: new Date(Date.now() - 86_400_000) } });
    }
    for (let i = 1; i <= SLACK_MEMBERS; i++) await ensureMember(runtime.app, "slack", slackId(i), `s${i}`);

    const holderAtStart = async () => {
      for (let i = 0; i < 600; i++) {
        const p = alive().find((x) => (taken.get(x) ?? []).length > 0);
        if (p) return p;
        await sleep(50);
      }
      throw new Error("no process took the gateway shard in 30 s");
    };
    const holder = await holderAtStart();

    // The stream: interactions and messages interleaved, 25 events every 50 ms.
    const events: ({ kind: "interaction"; raw: Record<string, unknown> } | { kind: "message"; raw: Record<string, unknown> })[] = [];
    for (let i = 0; i < INTERACTIONS + MESSAGES; i++) {
      const user = discordMembers[i % DISCORD_MEMBERS] as { id: string; username: string };
      if (i % 5 === 0 && events.filter((e) => e.kind === "interaction").length < INTERACTIONS)
        events.push({ kind: "interaction", raw: slashCommand({ applicationId: APP_ID, guildId: GUILD_ID, channelId: CHANNEL.general, user }, i % 10 === 0 ? "points" : "benefits") });
      else events.push({ kind: "message", raw: messageCreate(GUILD_ID, CHANNEL.community, user, { timestamp: new Date().toISOString() }) });
    }
    const httpAnswers = new Map<string, number>();
    const sendHttp = async (raw: Record<string, unknown>, n: number) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const live = alive();
        const target = live[(n + attempt) % live.length] as RunningSteward;
        const r = await sendHttpInteraction(`http://127.0.0.1:${port(target)}/discord/interactions`, raw, privateKey).catch(() => ({ status: 0, json: undefined }));
        // A load balancer sends a request whose connection was refused to another process.
        if (r.status === 0) continue;
        if (r.status === 200) httpAnswers.set(String(raw.id), (httpAnswers.get(String(raw.id)) ?? 0) + 1);
        return;
      }
    };
    const pending: Promise<unknown>[] = [];
    let killedAt = 0;
    let replacement: Promise<RunningSteward> | undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as (typeof events)[number];
      if (e.kind === "interaction" && overHttp) pending.push(sendHttp(e.raw, i));
      else gateway.dispatch(e.kind === "interaction" ? "INTERACTION_CREATE" : "MESSAGE_CREATE", e.raw, GUILD_ID);
      if (i === Math.floor(events.length * 0.3)) {
        // DMs waiting in the outbox while the kill happens: some are claimed by the process about to die.
        await runtime.app.sql.query(
          `INSERT INTO outbox (kind, member_id, payload, dedupe_key, targets, created_at, available_at)
             SELECT 'dm', i.member_id, jsonb_build_object('memberId', i.member_id, 'reply', jsonb_build_object('text', 'DM ' || i.platform || ' ' || i.external_id, 'blocks', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'DM ' || i.platform || ' ' || i.external_id)))),
                    'scale:' || i.platform || ':' || i.external_id || ':' || g, ARRAY[i.platform], now(), now()
               FROM identities i CROSS JOIN generate_series(1, 2) g WHERE i.platform IN ('discord', 'slack')`,
        );
      }
      if (i === Math.floor(events.length * 0.4)) {
        holder.process.kill("SIGKILL");
        killedAt = Date.now();
        replacement = serve(keyEnv);
      }
      if (i % 25 === 24) await sleep(50);
    }
    await Promise.all(pending);
    await replacement;

    const acks = () => {
      const per = new Map<string, number>(httpAnswers);
      for (const r of discord.find("POST", /^\/interactions\/\d+\/[^/]+\/callback$/)) {
        const id = r.path.split("/")[2] as string;
        per.set(id, (per.get(id) ?? 0) + 1);
      }
      return per;
    };
    const counted = async () => Number((await runtime.app.sql.query<{ n: string }>(`SELECT count(*) AS n FROM activities WHERE dedupe_key LIKE 'msg:discord:%'`))[0]?.n ?? 0);
    const undelivered = async () => Number((await runtime.app.sql.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE dedupe_key LIKE 'scale:%' AND status <> 'delivered'`))[0]?.n ?? 0);
    // The dead process's claimed outbox rows wait for their claim (LOCK_MS, no longer renewed) to run out.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && ((await counted()) < MESSAGES || acks().size < INTERACTIONS || (await undelivered()) > 0)) await sleep(250);
    const settledS = (Date.now() - killedAt) / 1000;

    const takeovers = alive().flatMap((p) => (taken.get(p) ?? []).filter((t) => t.at > killedAt));
    const takeover = takeovers[0];
    const takeoverS = takeover ? (takeover.at - killedAt) / 1000 : Number.NaN;
    if (!takeover) problems.push("no process took the shard over after the SIGKILL");
    else if (takeoverS > TAKEOVER_BOUND_S) problems.push(`the shard was taken over ${takeoverS.toFixed(1)} s after the kill (bound ${TAKEOVER_BOUND_S} s)`);
    if (takeover && takeover.how !== "resumed") problems.push(`the shard was taken over by "${takeover.how}", not by resuming the session`);
    // One session for the whole run: the first process's, handed over when it stopped and taken over when its successor died.
    if (gateway.identifies.length !== 1) problems.push(`${gateway.identifies.length} IDENTIFYs (one session expected, resumed at each change of holder)`);

    const perInteraction = acks();
    const interactionIds = events.filter((e) => e.kind === "interaction").map((e) => String(e.raw.id));
    const ackedTwice = interactionIds.filter((id) => (perInteraction.get(id) ?? 0) > 1).length;
    const unacked = interactionIds.filter((id) => !perInteraction.has(id)).length;
    if (ackedTwice) problems.push(`${ackedTwice} interactions acknowledged more than once`);
    if (unacked) problems.push(`${unacked} interactions never acknowledged`);

    const messageRows = await runtime.app.sql.query<{ key: string; n: string }>(`SELECT dedupe_key AS key, count(*) AS n FROM activities WHERE dedupe_key LIKE 'msg:discord:%' GROUP BY dedupe_key`);
    const countedIds = new Set(messageRows.map((r) => r.key.slice("msg:discord:".length)));
    const messageIds = events.filter((e) => e.kind === "message").map((e) => String(e.raw.id));
    const notCounted = messageIds.filter((id) => !countedIds.has(id)).length;
    const countedTwice = messageRows.filter((r) => Number(r.n) > 1).length;
    if (notCounted) problems.push(`${notCounted} messages never counted`);
    if (countedTwice) problems.push(`${countedTwice} messages counted more than once`);

    const rows = await runtime.app.sql.query<{ key: string; status: string; deliveries: string }>(
      `SELECT o.dedupe_key AS key, o.status, (SELECT count(*) FROM outbox_deliveries d WHERE d.outbox_id = o.id) AS deliveries FROM outbox o WHERE o.dedupe_key LIKE 'scale:%' ORDER BY o.id`,
    );
    // At the receivers: each DM's text once (the Discord fake drops a repeated nonce, as Discord does).
    const received = new Map<string, number>();
    for (const m of discord.messages) for (const t of JSON.stringify(m.body).match(/DM discord \d+/g) ?? []) received.set(t, (received.get(t) ?? 0) + 1);
    for (const posts of slack.posted.values()) for (const p of posts) for (const t of JSON.stringify(p.text ?? "").match(/DM slack U0SCALE\d+/g) ?? []) received.set(t, (received.get(t) ?? 0) + 1);
    const expectedRows = 2 * (DISCORD_MEMBERS + SLACK_MEMBERS);
    const notDelivered = rows.filter((r) => r.status !== "delivered").length;
    const deliveredTwice = rows.filter((r) => Number(r.deliveries) > 1).length;
    // Two rows per member say the same words: each text arrives exactly twice.
    const wrongAtReceiver = [...received.values()].filter((n) => n !== 2).length + (DISCORD_MEMBERS + SLACK_MEMBERS - received.size);
    if (rows.length !== expectedRows) problems.push(`${rows.length} outbox rows, expected ${expectedRows}`);
    if (notDelivered) problems.push(`${notDelivered} outbox rows not delivered`);
    if (deliveredTwice) problems.push(`${deliveredTwice} outbox rows delivered more than once`);
    if (wrongAtReceiver) problems.push(`${wrongAtReceiver} DM texts arrived other than twice (two rows each) at the platforms`);

    const resumed = gateway.resumes.filter((r) => r.accepted);
    return {
      pass: problems.length === 0,
      figures:
        `3 serve + 1 started, the shard holder SIGKILLed at 40%: ${INTERACTIONS} interactions (${overHttp ? "HTTP" : "gateway"}) ${ackedTwice} acked twice, ${unacked} unacked; ` +
        `${MESSAGES} messages ${countedTwice} counted twice, ${notCounted} not counted; shard taken over in ${takeoverS.toFixed(1)} s (bound ${TAKEOVER_BOUND_S} s) by ${takeover?.how ?? "nobody"}, ` +
        `${gateway.identifies.length} IDENTIFY, ${resumed.length} RESUME (${resumed.reduce((n, r) => n + r.replayed, 0)} events replayed); ` +
        `${rows.length} outbox rows: ${notDelivered} undelivered, ${deliveredTwice} delivered twice; all settled ${settledS.toFixed(0)} s after the kill (the dead process's outbox claims run ${LOCK_MS / 1000} s)${redisAt ? "" : " (no REDIS_URL: jobs in-process)"}`,
      problems: problems.slice(0, 8),
    };
  } finally {
    for (const p of alive()) p.process.kill("SIGTERM");
    await Promise.race([Promise.all(processes.map((p) => p.done.catch(() => undefined))), sleep(20_000)]);
    for (const p of alive()) p.process.kill("SIGKILL");
    await runtime.close().catch(() => undefined);
    await gateway.close();
    await discord.close();
    await slack.stop();
    if (redis) {
      await clearStewardKeys(redis).catch(() => undefined);
      redis.disconnect();
    }
    pg.destroy();
  }
};
