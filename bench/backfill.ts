// `steward backfill` reading Slack (issue 26): a fake Slack Web API on 127.0.0.1 holding the history of three
// community channels, with Tier 3's limit on conversations.history (50 requests a minute per method and
// workspace; Slack answers 429 with Retry-After beyond it) and Slack's largest page (limit ≤ 999). The
// sources and the pacer are built as `steward backfill` builds them (src/cli/backfill.ts) and read every
// channel to `--weeks 8`, counting each message for its author's program. The figure: messages counted per
// second, from the first request to the end, as a share of what the limit lets any client read (50 pages a
// minute × 999 messages = 832.5 a second; aim ≥ 90%).
//
// The real minute makes the run long (BENCH_SCALE=full: 150 pages, ~3 min; small: 50 pages, ~1 min).
// BENCH_BACKFILL_MINUTE_MS shortens the fake's minute and the client's spacing with it (slackHistorySources'
// tier3MinuteMs): the same 50 requests per "minute", so the ratio is the same share of the same budget; only
// the database must keep up with a faster stream, and Retry-After, in whole seconds, weighs more.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { slackCommunityChannels, slackHistorySources, slowDownOnLongWaits } from "../src/adapters/slack/history.ts";
import { backfill, Pacer, realClock, sinceWeeks } from "../src/services/backfill.ts";
import { benchRuntime, heading, line, rng, type Scale } from "./lib.ts";

const TIER3_PER_MINUTE = 50;
const MAX_PAGE = 999;
const MEMBERS = 2_000;
const CHANNELS = { community: "C0BENCHCOM", "editorx-community": "C0BENCHEDX", "velo-masters": "C0BENCHVM" } as const;

interface Message {
  type: "message";
  user: string;
  ts: string;
  client_msg_id: string;
  text: string;
}

/** Slack's Web API as far as a backfill reads it, with a per-method sliding minute of TIER3_PER_MINUTE requests. */
class FakeSlackHistory {
  readonly history = new Map<string, Message[]>();
  private readonly calls = new Map<string, number[]>();
  requests = 0;
  limited = 0;
  private server: Server | undefined;
  url = "";

  constructor(private readonly minuteMs: number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const method = (req.url ?? "").replace(/^\/api\//, "");
        const now = performance.now();
        const recent = (this.calls.get(method) ?? []).filter((t) => t > now - this.minuteMs);
        if (recent.length >= TIER3_PER_MINUTE) {
          this.limited++;
          // Whole seconds, as Slack writes Retry-After.
          const wait = Math.max(1, Math.ceil(((recent[0] as number) + this.minuteMs - now) / 1000));
          this.calls.set(method, recent);
          res.writeHead(429, { "retry-after": String(wait), "content-type": "application/json" }).end(JSON.stringify({ ok: false, error: "ratelimited" }));
          return;
        }
        recent.push(now);
        this.calls.set(method, recent);
        this.requests++;
        const args = new URLSearchParams(body);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(this.answer(method, args)));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  private answer(method: string, args: URLSearchParams): unknown {
    if (method !== "conversations.history") return { ok: false, error: "unknown_method" };
    // Newest first, from `oldest` on; the cursor is the offset of the next page.
    const all = (this.history.get(args.get("channel") ?? "") ?? []).filter((m) => Number(m.ts) >= Number(args.get("oldest") ?? 0));
    const limit = Math.min(MAX_PAGE, Number(args.get("limit") ?? 100));
    const from = Number(args.get("cursor") ?? 0);
    const messages = all.slice(from, from + limit);
    const more = from + limit < all.length;
    return { ok: true, messages, has_more: more, response_metadata: { next_cursor: more ? String(from + limit) : "" } };
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export async function backfillBench(scale: Scale): Promise<void> {
  const minuteMs = Number(process.env.BENCH_BACKFILL_MINUTE_MS) > 0 ? Number(process.env.BENCH_BACKFILL_MINUTE_MS) : 60_000;
  const pages = Number(process.env.BENCH_BACKFILL_PAGES) > 0 ? Number(process.env.BENCH_BACKFILL_PAGES) : scale === "full" ? 150 : 50;
  const fake = new FakeSlackHistory(minuteMs);
  await fake.start();
  const rt = await benchRuntime({ SLACK_BOT_TOKEN: "xoxb-bench", SLACK_API_URL: fake.url, SLACK_CHANNELS: Object.entries(CHANNELS).map(([n, id]) => `${n}=${id}`).join(",") });
  try {
    const total = pages * MAX_PAGE;
    heading(
      `Backfill (${rt.kind}, BENCH_SCALE=${scale}: ${total.toLocaleString("en")} Slack messages in ${Object.keys(CHANNELS).length} channels, ${pages} full pages; Tier 3: ${TIER3_PER_MINUTE} requests per ${minuteMs === 60_000 ? "minute" : `${minuteMs / 1000} s "minute" (BENCH_BACKFILL_MINUTE_MS)`}, pages ≤ ${MAX_PAGE})`,
    );
    // Members with a Slack account in every program the channels count for, since long before the period.
    await rt.app.sql.exec(`
      INSERT INTO members (id, handle, display_name, timezone) SELECT 'm' || g, 'member' || g, 'Member ' || g, 'UTC' FROM generate_series(1, ${MEMBERS}) g;
      INSERT INTO balances (member_id, points, tier) SELECT 'm' || g, 0, 'explorer' FROM generate_series(1, ${MEMBERS}) g;
      INSERT INTO identities (id, platform, external_id, member_id) SELECT 'i' || g, 'slack', 'U' || lpad(g::text, 9, '0'), 'm' || g FROM generate_series(1, ${MEMBERS}) g;
      INSERT INTO memberships (id, member_id, program_id, state, joined_at)
        SELECT 'ms' || g || p, 'm' || g, p, 'active', '2024-01-01' FROM generate_series(1, ${MEMBERS}) g, unnest(ARRAY['community-leaders-velo', 'community-leaders-editorx', 'velo-masters']) p;
    `);
    const since = sinceWeeks(rt.app, 8);
    const from = since.getTime() / 1000;
    const span = rt.app.now().getTime() / 1000 - 60 - from;
    // Every channel a whole number of pages, so each request but a channel's last carries 999 messages.
    const ids = Object.values(CHANNELS);
    const random = rng(11);
    let n = 0;
    for (const [c, id] of ids.entries()) {
      const count = (Math.floor(pages / ids.length) + (c < pages % ids.length ? 1 : 0)) * MAX_PAGE;
      const messages: Message[] = [];
      for (let i = 0; i < count; i++, n++) {
        const ts = (from + span * ((count - i) / (count + 1))).toFixed(6);
        messages.push({ type: "message", user: `U${String(1 + Math.floor(random() * MEMBERS)).padStart(9, "0")}`, ts, client_msg_id: `bench-${n}`, text: "a message of the community" });
      }
      fake.history.set(id, messages);
    }

    // As `steward backfill` builds them.
    const pacer: Pacer = new Pacer(realClock, 0, slowDownOnLongWaits(() => pacer));
    const { mapped } = slackCommunityChannels(rt.app);
    const sources = slackHistorySources({ token: "xoxb-bench", apiUrl: fake.url, channels: mapped, since, pacer, ...(minuteMs !== 60_000 ? { tier3MinuteMs: minuteMs } : {}) });
    const started = performance.now();
    const result = await backfill(rt.app, sources, { since });
    const ended = performance.now();
    const read = result.sources.reduce((s, r) => s + r.messages, 0);
    const counted = result.sources.reduce((s, r) => s + r.counted, 0);
    const seconds = (ended - started) / 1000;
    const rate = counted / seconds;
    const allowed = (TIER3_PER_MINUTE * MAX_PAGE) / (minuteMs / 1000);
    line("read / counted", `${read.toLocaleString("en")} / ${counted.toLocaleString("en")} of ${total.toLocaleString("en")} in ${seconds.toFixed(1)} s; ${result.sources.map((s) => s.status).join(", ")}`);
    line("requests", `${fake.requests} answered, ${fake.limited} × 429; the client waited ${(pacer.waitedMs / 1000).toFixed(1)} s in all (pacing and Retry-After)`);
    line("counted messages/s", `${rate.toFixed(1)}`);
    line("allowed: requests/s × page", `${(TIER3_PER_MINUTE / (minuteMs / 1000)).toFixed(3)} × ${MAX_PAGE} = ${allowed.toFixed(1)} messages/s`);
    line("share of the allowed rate", `${((rate / allowed) * 100).toFixed(1)}% (aim ≥ 90%)`);
  } finally {
    await rt.close();
    await fake.close();
  }
}
