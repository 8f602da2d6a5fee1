// Message contributions recorded per second through the real Slack event
// path, in this process: signed Events API requests over HTTP into Bolt's
// HTTPReceiver (signature checked), the event_id dedupe claim, the member
// lookup and the activity insert with its dedupe key. Baseline: the same rows
// inserted raw (`INSERT … ON CONFLICT DO NOTHING`, one statement a row, as
// many in flight) through pg into a copy of the activities table, in the same
// run. Issue 13 aims at ≥ 50% of the raw rate.
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import pg from "pg";
import { registry } from "../commands/index.ts";
import { SLACK_EVENTS_PATH, startSlack } from "../src/adapters/slack/app.ts";
import { slackSignature, startFakeSlack } from "../test/helpers/fake-slack.ts";
import { benchRuntime, heading, line, type BenchRuntime, type Scale } from "./lib.ts";
import { channelMessage, slackEventBody } from "../test/helpers/slack-events.ts";

const SECRET = "bench-signing-secret";
const MEMBERS = 500;
/** Requests in flight at once, like Slack's delivery of a busy workspace; the baseline uses as many. */
const IN_FLIGHT = 32;
/**
 * Rows each side sends first, untimed, so both are measured warm, as a long-running server is: its pool's
 * connections open, its code compiled, the zone data loaded (the first events cost about twice the CPU of the later ones).
 */
const WARM_UP = 500;
const PROGRAM = "community-leaders-velo";

/**
 * Members Steward has met before: each has a member, a Slack identity, an active membership and the time zone
 * their Slack profile gave (Slack reports one for every person), so no message needs users.info first.
 */
async function seed(rt: BenchRuntime): Promise<void> {
  await rt.app.sql.exec(`
    INSERT INTO members (id, handle, display_name, timezone)
      SELECT 'm' || g, 'member' || g, 'Member ' || g, 'Europe/Berlin' FROM generate_series(1, ${MEMBERS}) g;
    INSERT INTO identities (id, platform, external_id, member_id)
      SELECT 'i' || g, 'slack', 'U' || lpad(g::text, 9, '0'), 'm' || g FROM generate_series(1, ${MEMBERS}) g;
    INSERT INTO memberships (id, member_id, program_id, state, joined_at)
      SELECT 'ms' || g, 'm' || g, '${PROGRAM}', 'active', now() - interval '60 days' FROM generate_series(1, ${MEMBERS}) g;
  `);
}

/** Runs `fn(0..n-1)` with at most `inFlight` calls pending. */
async function pooled(n: number, inFlight: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/**
 * Slack's side of the requests, signed as Slack signs them, over IN_FLIGHT kept-alive sockets with the least
 * client work HTTP/1.1 allows, as pg's own protocol client does for the baseline: one write a request (head
 * and body) and one read of the answer's head. This process runs the sender, so its CPU is counted with
 * Steward's; node:http's client cost ~0.1 ms of CPU a request here, about as much as Steward's handling.
 */
function sender(port: number, path: string): { send(body: string): Promise<number>; close(): void } {
  const idle: Socket[] = [];
  const all = new Set<Socket>();
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(socket));
      socket.setEncoding("latin1");
      socket.once("error", reject);
      all.add(socket);
      socket.once("close", () => {
        all.delete(socket);
        const i = idle.indexOf(socket);
        if (i >= 0) idle.splice(i, 1);
      });
    });
  const exchange = (socket: Socket, request: string) =>
    new Promise<number>((resolve, reject) => {
      let got = "";
      const done = (err?: Error, status?: number) => {
        socket.off("data", onData);
        socket.off("close", onClose);
        if (err) reject(err);
        else resolve(status as number);
      };
      const onClose = () => done(new Error("the server closed the connection"));
      const onData = (chunk: string) => {
        got += chunk;
        const headEnd = got.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const head = got.slice(0, headEnd).toLowerCase();
        const length = /\r\ncontent-length: *(\d+)/.exec(head);
        const complete = length ? got.length >= headEnd + 4 + Number(length[1]) : head.includes("\r\ntransfer-encoding: chunked") ? got.endsWith("0\r\n\r\n") : true;
        if (!complete) return;
        if (head.includes("\r\nconnection: close")) socket.destroy();
        else idle.push(socket);
        done(undefined, Number(got.slice(9, 12)));
      };
      socket.on("data", onData);
      socket.once("close", onClose);
      socket.write(request);
    });
  return {
    async send(body) {
      const timestamp = Math.floor(Date.now() / 1000);
      const request =
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Slack-Request-Timestamp: ${timestamp}\r\nX-Slack-Signature: ${slackSignature(SECRET, timestamp, body)}\r\n\r\n${body}`;
      const socket = idle.pop() ?? (all.size < IN_FLIGHT ? await open() : undefined);
      if (!socket) throw new Error("no socket free");
      return exchange(socket, request);
    },
    close() {
      for (const s of all) s.destroy();
    },
  };
}

const userOf = (i: number) => `U${String(1 + (i % MEMBERS)).padStart(9, "0")}`;

export async function slackEventsBench(scale: Scale): Promise<void> {
  const n = scale === "full" ? 5_000 : 2_000;
  const fake = await startFakeSlack();
  const rt = await benchRuntime({ SLACK_BOT_TOKEN: "xoxb-bench", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, SLACK_CHANNELS: "community=CCOM" });
  const slack = await startSlack(rt, registry, { port: 0, host: "127.0.0.1" });
  const { send, close } = sender(slack.port as number, SLACK_EVENTS_PATH);
  try {
    heading(`Slack message events → contributions (${rt.kind}, BENCH_SCALE=${scale}: ${n.toLocaleString("en")} events from ${MEMBERS} members, ${IN_FLIGHT} in flight, signed, dedupe on; ${WARM_UP} untimed first on each side)`);
    await seed(rt);
    const now = Math.floor(Date.now() / 1000);
    const total = WARM_UP + n;
    const all = Array.from({ length: total }, (_, i) => ({ user: userOf(i), ts: `${now - total + i}.${String(i % 1_000_000).padStart(6, "0")}`, msg: randomUUID() }));
    const warm = all.slice(0, WARM_UP);
    const rows = all.slice(WARM_UP);

    // Baseline: the same rows, raw, through pg (PGlite: through the runtime's SQL runner, it has no pg).
    await rt.app.sql.exec(`CREATE TABLE bench_activities (LIKE activities INCLUDING ALL)`);
    const insert = `INSERT INTO bench_activities (id, member_id, kind, occurred_at, source, dedupe_key)
                    VALUES ($1, $2, 'message', to_timestamp($3), 'message:slack', $4) ON CONFLICT DO NOTHING`;
    const pool = rt.url ? new pg.Pool({ connectionString: rt.url, max: 10 }) : undefined;
    const raw = (params: unknown[]) => (pool ? pool.query(insert, params) : rt.app.sql.query(insert, params));
    const rawRows = async (of: typeof rows) =>
      pooled(of.length, IN_FLIGHT, async (i) => {
        const r = of[i]!;
        await raw([randomUUID(), `m${1 + (i % MEMBERS)}`, Number(r.ts), `msg:slack:${r.msg}`]);
      });
    await rawRows(warm);
    const rawStart = performance.now();
    await rawRows(rows);
    const rawSeconds = (performance.now() - rawStart) / 1000;
    await pool?.end();
    const rawRate = n / rawSeconds;
    line("baseline: raw INSERT … ON CONFLICT", `${n} rows in ${rawSeconds.toFixed(2)} s → ${rawRate.toFixed(0)} rows/s`);

    // Message events are acknowledged once stored (src/adapters/slack/message-events.ts); the run still ends
    // when the last contribution is in the table, as it did when Bolt acknowledged before storing.
    const counted = async () =>
      Number((await rt.app.sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM activities WHERE source = 'message:slack'`))[0]?.n ?? 0);
    let refused = 0;
    const events = async (of: typeof rows) =>
      pooled(of.length, IN_FLIGHT, async (i) => {
        const r = of[i]!;
        const body = slackEventBody(`Ev${r.msg}`, channelMessage(r.user, r.ts, { client_msg_id: r.msg }), now);
        if ((await send(body)) !== 200) refused++;
      });
    await events(warm);
    const warmed = await counted();
    rt.queries.reset();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await events(rows);
    const sent = (performance.now() - start) / 1000;
    let got = 0;
    while ((got = (await counted()) - warmed) < n && performance.now() - start < 300_000) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const rate = got / seconds;
    // The count polls above are the benchmark's own: one a loop, about seconds / 20 ms of them at most.
    const statements = rt.queries.count;
    line("Slack events: recorded", `${got}/${n} in ${seconds.toFixed(2)} s (all sent and acknowledged after ${sent.toFixed(2)} s)${refused ? `, ${refused} refused` : ""}`);
    line("SQL statements per event", `${(statements / n).toFixed(2)} (raw insert: 1; includes this benchmark's count polls)`);
    // This process also runs the HTTP client that sends the events (and, on PGlite, the database itself).
    line("CPU per event (this process)", `${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms (user + system, the sender's share included)`);
    line("Slack events ÷ raw insert", `${rate.toFixed(0)} contributions/s ÷ ${rawRate.toFixed(0)} rows/s = ${((rate / rawRate) * 100).toFixed(1)}%  (aim ≥ 50%)`);
  } finally {
    close();
    await slack.stop();
    await rt.close();
    await fake.stop();
  }
}
