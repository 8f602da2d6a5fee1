// A small stand-in for Slack's Web API on 127.0.0.1: records every call the
// bot makes (Web API methods, response_url posts, file uploads), answers with
// plausible defaults, and can be told to answer a method with 429 +
// Retry-After or a platform error. Bolt and the WebClient reach it through
// `slackApiUrl`; response_urls in the tests' payloads point at /respond/*.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  /** Web API method (chat.postMessage), "respond" for a response_url post, "upload" for a file upload. */
  method: string;
  path: string;
  /** Form fields or JSON; Block Kit fields sent as JSON strings are parsed. */
  body: Record<string, unknown>;
  raw: string;
  /** The request body as sent: a file upload's bytes (a PNG) do not survive `raw`'s UTF-8. */
  bytes: Buffer;
  contentType?: string;
}

/** The file of an "upload" call: the WebClient posts it as the multipart field `body`. */
export async function uploadedFile(call: RecordedCall): Promise<Buffer> {
  if (!call.contentType?.startsWith("multipart/form-data")) return call.bytes;
  const form = await new Response(call.bytes, { headers: { "content-type": call.contentType } }).formData();
  const file = form.get("body");
  if (!file || typeof file === "string") throw new Error("the upload has no file in its body field");
  return Buffer.from(await file.arrayBuffer());
}

export interface FakeAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

type Handler = (call: RecordedCall) => FakeAnswer | undefined;

const JSON_FIELDS = ["blocks", "view", "attachments", "files", "metadata"];

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    const out: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
    for (const key of JSON_FIELDS) {
      const v = out[key];
      if (typeof v === "string" && /^[[{]/.test(v)) out[key] = JSON.parse(v);
    }
    return out;
  }
  return { content: raw };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** Members of each user group, as usergroups.users.list reports them. */
  readonly userGroups = new Map<string, string[]>();
  /** Messages conversations.history returns, by channel. */
  readonly history = new Map<string, { ts: string; text?: string; blocks?: unknown[] }[]>();
  /**
   * Messages the bot posted (chat.postMessage), by channel: a post to a user id lands in their DM
   * channel (conversations.open's id). conversations.history returns them after `history`'s, with
   * their metadata when asked for it, from `oldest` on (by `now()` when they were posted).
   */
  readonly posted = new Map<string, { ts: string; text?: unknown; blocks?: unknown; metadata?: unknown; at: number }[]>();
  /**
   * A channel's past messages for a backfill, as Slack stores them: conversations.history pages them newest
   * first from `oldest` with `limit` and a cursor (thread replies stay out unless broadcast), and
   * conversations.replies pages a thread, its parent first. A channel here is answered from this alone.
   */
  readonly archive = new Map<string, ArchivedMessage[]>();
  /** The platform's clock for `posted` (tests on a fixed app clock set it to that). */
  now: () => number = () => Date.now();
  /** Time zones users.info reports (Slack profile `tz`), by user id. */
  readonly zones = new Map<string, string>();
  private readonly handlers = new Map<string, Handler[]>();
  private ts = 1_700_000_000;
  private server: Server | undefined;
  port = 0;

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  responseUrl(id: string | number): string {
    return `${this.base}/respond/${id}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void (async () => {
        const bytes = await readAll(req);
        const raw = bytes.toString("utf8");
        const path = req.url ?? "/";
        const method = path.startsWith("/api/") ? path.slice(5).split("?")[0]! : path.startsWith("/respond/") ? "respond" : path.startsWith("/upload/") ? "upload" : path;
        const call: RecordedCall = { method, path, body: parseBody(raw, req.headers["content-type"]), raw, bytes, ...(req.headers["content-type"] ? { contentType: req.headers["content-type"] } : {}) };
        this.calls.push(call);
        const answer = this.answer(call);
        res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
        res.end(JSON.stringify(answer.body ?? { ok: true }));
      })();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  /** Answers `method` with this (once, or always); later registrations win. */
  on(method: string, handler: Handler, options: { once?: boolean } = {}): void {
    const wrapped: Handler = options.once
      ? (call) => {
          this.handlers.set(method, (this.handlers.get(method) ?? []).filter((h) => h !== wrapped));
          return handler(call);
        }
      : handler;
    this.handlers.set(method, [wrapped, ...(this.handlers.get(method) ?? [])]);
  }

  rateLimit(method: string, retryAfterSec: number, options: { once?: boolean } = { once: true }): void {
    this.on(method, () => ({ status: 429, headers: { "retry-after": String(retryAfterSec) }, body: { ok: false, error: "ratelimited" } }), options);
  }

  fail(method: string, error: string, options: { once?: boolean } = {}): void {
    this.on(method, () => ({ body: { ok: false, error } }), options);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  reset(): void {
    this.calls.length = 0;
    this.handlers.clear();
    this.userGroups.clear();
    this.history.clear();
    this.archive.clear();
    this.posted.clear();
    this.zones.clear();
  }

  /** Waits until `method` has been called `count` times (the bot answers after acknowledging). */
  async waitFor(method: string, count = 1, timeoutMs = 5000): Promise<RecordedCall[]> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const found = this.callsTo(method);
      if (found.length >= count) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`Fake Slack: expected ${count} call(s) to ${method}, saw ${this.callsTo(method).length}: ${this.calls.map((c) => c.method).join(", ")}`);
  }

  private answer(call: RecordedCall): FakeAnswer {
    for (const h of this.handlers.get(call.method) ?? []) {
      const a = h(call);
      if (a) return a;
    }
    const b = call.body;
    switch (call.method) {
      case "auth.test":
        return { body: { ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T1", user: "steward" } };
      case "chat.postMessage": {
        const ts = `${++this.ts}.000100`;
        const channel = /^U/.test(String(b.channel)) ? dmChannelOf(String(b.channel)) : String(b.channel);
        this.posted.set(channel, [...(this.posted.get(channel) ?? []), { ts, text: b.text, blocks: b.blocks, metadata: b.metadata, at: this.now() }]);
        return { body: { ok: true, channel: b.channel, ts, message: { text: b.text } } };
      }
      case "chat.update":
        return { body: { ok: true, channel: b.channel, ts: b.ts } };
      case "conversations.open":
        return { body: { ok: true, channel: { id: dmChannelOf(String(b.users)) } } };
      case "conversations.history": {
        const archived = this.archive.get(String(b.channel));
        if (archived) {
          const inRange = archived
            .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === "thread_broadcast")
            .filter((m) => (!b.oldest || Number(m.ts) >= Number(b.oldest)) && (!b.latest || Number(m.ts) <= Number(b.latest)))
            .sort((x, y) => Number(y.ts) - Number(x.ts))
            .map((m) => {
              const replies = archived.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts).length;
              return replies ? { ...m, thread_ts: m.ts, reply_count: replies } : m;
            });
          return { body: pageOf(inRange, b) };
        }
        const posted = (this.posted.get(String(b.channel)) ?? [])
          .filter((m) => !b.oldest || m.at / 1000 >= Number(b.oldest))
          .map(({ at: _at, metadata, ...m }) => ({ ...m, ...(metadata && String(b.include_all_metadata) === "true" ? { metadata } : {}) }));
        return { body: { ok: true, messages: [...(this.history.get(String(b.channel)) ?? []), ...posted].filter((m) => !b.latest || m.ts === b.latest) } };
      }
      case "conversations.replies": {
        const thread = (this.archive.get(String(b.channel)) ?? []).filter((m) => m.ts === b.ts || m.thread_ts === b.ts).sort((x, y) => Number(x.ts) - Number(y.ts));
        if (!thread.length) return { body: { ok: false, error: "thread_not_found" } };
        return { body: pageOf(thread, b) };
      }
      case "users.info":
        return { body: { ok: true, user: { id: b.user, name: `user-${String(b.user).toLowerCase()}`, tz: this.zones.get(String(b.user)), profile: { display_name: "" } } } };
      case "usergroups.users.list":
        return { body: { ok: true, users: this.userGroups.get(String(b.usergroup)) ?? [] } };
      case "usergroups.users.update": {
        const users = String(b.users).split(",").filter(Boolean);
        this.userGroups.set(String(b.usergroup), users);
        return { body: { ok: true, usergroup: { id: b.usergroup, users } } };
      }
      case "views.open":
      case "views.publish":
        return { body: { ok: true, view: { id: `V${this.calls.length}` } } };
      case "files.getUploadURLExternal":
        return { body: { ok: true, upload_url: `${this.base}/upload/F${this.calls.length}`, file_id: `F${this.calls.length}` } };
      case "files.completeUploadExternal":
        return { body: { ok: true, files: Array.isArray(b.files) ? b.files : [] } };
      case "upload":
        return { body: "OK" };
      default:
        return { body: { ok: true } };
    }
  }
}

export interface ArchivedMessage {
  type: "message";
  ts: string;
  user?: string;
  subtype?: string;
  bot_id?: string;
  thread_ts?: string;
  client_msg_id?: string;
  text?: string;
}

/** One page of `all` as Slack's cursor pagination gives it: `limit` (default 100) from the cursor's offset. */
function pageOf(all: object[], b: Record<string, unknown>): Record<string, unknown> {
  const offset = b.cursor ? Number(Buffer.from(String(b.cursor), "base64").toString("utf8").replace(/^offset:/, "")) : 0;
  const limit = Number(b.limit) || 100;
  const messages = all.slice(offset, offset + limit);
  const more = offset + limit < all.length;
  return { ok: true, messages, has_more: more, response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "" } };
}

/** The app's DM channel with a user, as conversations.open names it. */
function dmChannelOf(userId: string): string {
  return `D${userId.replace(/^U/, "")}`;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  return new FakeSlack().start();
}

/** Slack's request signature: v0=HMAC-SHA256(secret, `v0:{timestamp}:{body}`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignedOptions {
  secret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Overrides the signature (a forged request). */
  signature?: string;
  headers?: Record<string, string>;
}

/** POSTs a request to the Bolt receiver the way Slack does: signed, with Slack's content type. */
export async function sendSigned(url: string, body: string, contentType: string, options: SignedOptions): Promise<{ status: number; text: string }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? slackSignature(options.secret, timestamp, body),
      ...options.headers,
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
export const interactive = (payload: object): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
export const FORM = "application/x-www-form-urlencoded";
export const JSON_TYPE = "application/json";

export interface SlashOptions {
  /** The slash command as registered: "/steward", "/tier". */
  command: string;
  text?: string;
  /** Where Steward answers: a fake's `responseUrl(id)`. */
  responseUrl: string;
  triggerId: string;
  /** user_id; default U1. */
  user?: string;
  /** user_name; default alice. */
  name?: string;
  /** channel_id; default CGEN. */
  channel?: string;
}

/** The form body Slack POSTs for a slash command, as a test or drill sends it (signed with sendSigned). */
export function slashPayload(o: SlashOptions): string {
  return form({
    token: "x",
    team_id: "T1",
    api_app_id: "A1",
    channel_id: o.channel ?? "CGEN",
    user_id: o.user ?? "U1",
    user_name: o.name ?? "alice",
    command: o.command,
    text: o.text ?? "",
    trigger_id: o.triggerId,
    response_url: o.responseUrl,
  });
}
