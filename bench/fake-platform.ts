// A stand-in for Slack's and Discord's message APIs on 127.0.0.1 that
// enforces their published rate limits and answers 429 the way each platform
// does when a client goes faster:
// - Slack chat.postMessage: about one message a second per channel, short
//   bursts allowed (modelled: 1/s per channel, burst of 2). Slack's
//   workspace-wide limit has no published figure and is not modelled.
// - Discord: 50 requests a second per bot over every route (modelled: 50/s,
//   burst of 50), opening a DM channel included.
// - Slack views.publish (a member's App Home): answered 200 ok and counted,
//   not limited; Slack puts it in Tier 4 (100+ a minute per workspace, bursts
//   allowed), so the bench reports the rate for comparison instead.
// Limits use GCRA (a token bucket without timers): a request is allowed when
// it is no earlier than its key's theoretical arrival time minus the burst.
// Like the platforms, it keeps what was posted: Slack messages with their
// metadata (conversations.history returns them, for the check a worker makes
// before re-sending a row whose previous claim expired), and Discord answers a
// repeated nonce sent with enforce_nonce with the message it already has.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export class Gcra {
  private readonly tat = new Map<string, number>();
  constructor(
    readonly periodMs: number,
    readonly burst: number,
  ) {}

  /** 0 when allowed (and counted), else milliseconds until the request would be. */
  take(key: string, now = performance.now()): number {
    const tolerance = this.periodMs * (this.burst - 1);
    const tat = Math.max(this.tat.get(key) ?? now, now);
    if (now < tat - tolerance) return tat - tolerance - now;
    this.tat.set(key, tat + this.periodMs);
    return 0;
  }
}

export interface PlatformCounters {
  /** Requests answered 2xx, by kind ("message" = a message posted; "open" = a DM channel opened; "home" = an App Home published). */
  ok: { message: number; open: number; home: number };
  tooMany: number;
  /** performance.now() of the first and last message posted. */
  firstMessageAt: number;
  lastMessageAt: number;
  /** How many times each message text arrived: more than once is a duplicate delivery. */
  texts: Map<string, number>;
  /** performance.now() of each message posted, in order. */
  times: number[];
  /** performance.now() of each message posted, by channel (a DM to a user is in their DM channel), in order. */
  channels: Map<string, number[]>;
  /** Messages that arrived again: when the first and this one came (performance.now()). */
  repeats: { text: string; channel: string; firstAt: number; at: number }[];
  /** performance.now() of each text's first arrival. */
  firstAt: Map<string, number>;
}

export interface FakePlatform {
  slackApiUrl: string;
  discordApiUrl: string;
  slack: PlatformCounters;
  discord: PlatformCounters;
  /** Zero the counters and forget the limits' state (between scenarios). */
  reset(): void;
  /** Turn limits off (the baseline run). */
  enforce: boolean;
  close(): Promise<void>;
}

function counters(): PlatformCounters {
  return { ok: { message: 0, open: 0, home: 0 }, tooMany: 0, firstMessageAt: 0, lastMessageAt: 0, texts: new Map(), times: [], channels: new Map(), repeats: [], firstAt: new Map() };
}

function posted(c: PlatformCounters, text: string, channel: string): void {
  const now = performance.now();
  c.texts.set(text, (c.texts.get(text) ?? 0) + 1);
  const first = c.firstAt.get(text);
  if (first === undefined) c.firstAt.set(text, now);
  else c.repeats.push({ text, channel, firstAt: first, at: now });
  c.times.push(now);
  const times = c.channels.get(channel);
  if (times) times.push(now);
  else c.channels.set(channel, [now]);
  if (c.ok.message === 0) c.firstMessageAt = now;
  c.lastMessageAt = now;
  c.ok.message++;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

export async function startFakePlatform(): Promise<FakePlatform> {
  let slackLimit = new Gcra(1000, 2);
  let discordLimit = new Gcra(20, 50);
  /** Slack: what was posted per channel (a post to a user id is in their DM channel), with its metadata. */
  const slackPosted = new Map<string, { ts: string; text: string; metadata?: unknown; at: number }[]>();
  const dmChannel = (channel: string) => (/^U/.test(channel) ? `D${channel.slice(1)}` : channel);
  /** Discord: nonces seen per channel, answered with the same message for a few minutes. */
  const discordNonces = new Map<string, { at: number; message: Record<string, unknown> }>();
  const state: FakePlatform = {
    slackApiUrl: "",
    discordApiUrl: "",
    slack: counters(),
    discord: counters(),
    enforce: true,
    reset: () => {
      state.slack = counters();
      state.discord = counters();
      slackLimit = new Gcra(1000, 2);
      discordLimit = new Gcra(20, 50);
      slackPosted.clear();
      discordNonces.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  let ts = 1_700_000_000;

  async function slack(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const raw = await body(req);
    const form = req.headers["content-type"]?.includes("json") ? (JSON.parse(raw || "{}") as Record<string, string>) : Object.fromEntries(new URLSearchParams(raw));
    // Bolt checks its token once at start.
    if (method === "auth.test") return json(res, 200, { ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T1" });
    if (method === "conversations.open") return json(res, 200, { ok: true, channel: { id: dmChannel(form.users ?? "") } });
    if (method === "conversations.history") {
      const oldest = Number(form.oldest ?? 0) * 1000;
      const messages = (slackPosted.get(form.channel ?? "") ?? []).filter((m) => m.at >= oldest).map(({ ts, text, metadata }) => ({ ts, text, ...(form.include_all_metadata === "true" && metadata ? { metadata } : {}) }));
      return json(res, 200, { ok: true, messages: messages.reverse(), has_more: false });
    }
    // No tz: a profile zone would become the members' own, and their quiet hours could hold the bench's DMs.
    if (method === "users.info") return json(res, 200, { ok: true, user: { id: form.user ?? "", name: form.user ?? "" } });
    if (method === "views.publish") {
      state.slack.ok.home++;
      const view = typeof form.view === "string" ? (JSON.parse(form.view) as Record<string, unknown>) : (form.view ?? {});
      return json(res, 200, { ok: true, view: { id: `V${state.slack.ok.home}`, ...view } });
    }
    if (method !== "chat.postMessage") return json(res, 200, { ok: false, error: "unknown_method" });
    const channel = dmChannel(form.channel ?? "");
    const wait = state.enforce ? slackLimit.take(channel) : 0;
    if (wait > 0) {
      state.slack.tooMany++;
      return json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(Math.max(1, Math.ceil(wait / 1000))) });
    }
    posted(state.slack, form.text ?? "", channel);
    const message = { ts: `${ts++}.000100`, text: form.text ?? "", ...(form.metadata ? { metadata: JSON.parse(form.metadata) as unknown } : {}), at: Date.now() };
    slackPosted.set(channel, [...(slackPosted.get(channel) ?? []), message]);
    json(res, 200, { ok: true, channel, ts: message.ts, message: { text: message.text } });
  }

  async function discord(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = await body(req);
    const wait = state.enforce ? discordLimit.take("global") : 0;
    if (wait > 0) {
      state.discord.tooMany++;
      const seconds = (Math.ceil(wait) / 1000).toFixed(3);
      return json(res, 429, { message: "You are being rate limited.", retry_after: Number(seconds), global: true, code: 0 }, {
        "retry-after": seconds,
        "x-ratelimit-global": "true",
        "x-ratelimit-scope": "global",
      });
    }
    if (req.method === "POST" && path === "/users/@me/channels") {
      const { recipient_id } = JSON.parse(raw || "{}") as { recipient_id: string };
      state.discord.ok.open++;
      return json(res, 200, { id: `9${recipient_id}`, type: 1, recipients: [{ id: recipient_id, username: "member", discriminator: "0" }] });
    }
    const m = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (req.method === "POST" && m) {
      const sent = JSON.parse(raw || "{}") as { content?: string; nonce?: string; enforce_nonce?: boolean };
      const nonceKey = `${m[1]}:${sent.nonce}`;
      const seen = sent.nonce && sent.enforce_nonce ? discordNonces.get(nonceKey) : undefined;
      if (seen && Date.now() - seen.at < 5 * 60_000) return json(res, 200, seen.message);
      posted(state.discord, sent.content ?? "", m[1] ?? "");
      const message = {
        id: String(BigInt(Date.now()) << 22n),
        channel_id: m[1],
        type: 0,
        content: "",
        embeds: [],
        attachments: [],
        mentions: [],
        mention_roles: [],
        pinned: false,
        tts: false,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        flags: 0,
        author: { id: "1000", username: "steward", discriminator: "0", bot: true },
        ...(sent.nonce ? { nonce: sent.nonce } : {}),
      };
      if (sent.nonce) discordNonces.set(nonceKey, { at: Date.now(), message });
      return json(res, 200, message);
    }
    json(res, 404, { message: "Unknown route", code: 0 });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const slackMatch = /^\/slack\/api\/([\w.]+)$/.exec(url.pathname);
    const discordMatch = /^\/discord\/api\/v\d+(\/.*)$/.exec(url.pathname);
    const handled = slackMatch?.[1] ? slack(req, res, slackMatch[1]) : discordMatch?.[1] ? discord(req, res, discordMatch[1]) : Promise.resolve(json(res, 404, {}));
    handled.catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.slackApiUrl = `http://127.0.0.1:${port}/slack/api/`;
  state.discordApiUrl = `http://127.0.0.1:${port}/discord/api`;
  return state;
}
