// A small stand-in for Discord's REST API on 127.0.0.1: records every request
// a real discord.js Client makes (its `rest.api` points here) and answers
// like Discord does, or with a scripted failure (429 with retry_after, 50007,
// 50013). Plus raw gateway payload builders for INTERACTION_CREATE and
// MESSAGE_CREATE, fed to the client through its own actions.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Client } from "discord.js";
import { attachDiscord, createDiscordClient, type AttachedDiscord } from "../../src/adapters/discord/client.ts";
import { warmPictures } from "../../src/chat/pictures/index.ts";
import type { Registry } from "../../src/dispatch/dispatch.ts";
import { testRuntime, type StoreKind, type TestRuntime } from "./runtime.ts";

export interface RecordedRequest {
  method: string;
  /** Path after /api/v10, e.g. /interactions/1/tok/callback. */
  path: string;
  query: URLSearchParams;
  /** JSON body (payload_json for multipart uploads). */
  body: unknown;
  files: { name: string; content: string; contentType: string; bytes: Buffer }[];
  headers: IncomingMessage["headers"];
}

interface Scripted {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FakeDiscord {
  url: string;
  oauth: FakeOAuth;
  requests: RecordedRequest[];
  /** The next matching request gets this answer instead of the normal one. */
  failNext(method: string, path: RegExp, status: number, body: unknown, headers?: Record<string, string>): void;
  /** The next matching request gets a 429 the way Discord sends it. */
  rateLimitNext(method: string, path: RegExp, retryAfterSeconds: number): void;
  find(method: string, path: RegExp): RecordedRequest[];
  /**
   * Messages posted to channels, once each: a post with `enforce_nonce` whose nonce the channel saw
   * in the last few minutes is answered with the earlier message instead (as Discord does).
   */
  messages: { id: string; channelId: string; nonce?: string; body: Record<string, unknown> }[];
  /**
   * Channels' past messages (raw, as messageCreate builds them) for a backfill: GET /channels/{id}/messages
   * answers from here, newest first, with `before` / `after` and `limit` (1-100, default 50) as Discord does.
   */
  history: Map<string, Record<string, unknown>[]>;
  /**
   * What GET /gateway/bot answers: the gateway's URL (a fake gateway's, test/helpers/fake-gateway.ts) and the
   * number of shards Discord recommends.
   */
  gateway: { url: string; shards: number };
  clear(): void;
  close(): Promise<void>;
}

export interface FakeGuild {
  id: string;
  roles: { id: string; name: string }[];
  channels: { id: string; name: string }[];
  /** user id → role ids */
  members: Map<string, string[]>;
}

let seq = 1_300_000_000_000_000_000n;
export const snowflake = () => String(++seq);

function messageFrom(channelId: string, body: Record<string, unknown>, applicationId = "1000"): Record<string, unknown> {
  return {
    id: snowflake(),
    channel_id: channelId,
    type: 0,
    content: (body.content as string | undefined) ?? "",
    embeds: body.embeds ?? [],
    components: body.components ?? [],
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: body.flags ?? 0,
    author: { id: applicationId, username: "steward", discriminator: "0", global_name: null, avatar: null, bot: true },
    webhook_id: applicationId,
  };
}

async function readBody(req: IncomingMessage): Promise<{ body: unknown; files: RecordedRequest["files"] }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers["content-type"] ?? "";
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": type } }).formData();
    const files: RecordedRequest["files"] = [];
    let body: unknown;
    for (const [key, value] of form.entries()) {
      if (key === "payload_json") body = JSON.parse(value as string);
      else if (typeof value !== "string") files.push({ name: value.name, content: await value.text(), contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
    }
    return { body, files };
  }
  if (type.startsWith("application/x-www-form-urlencoded")) return { body: Object.fromEntries(new URLSearchParams(raw.toString("utf8"))), files: [] };
  return { body: JSON.parse(raw.toString("utf8")), files: [] };
}

/**
 * Discord's OAuth2 side, for Linked Roles: codes handed out by `authorize`
 * are exchanged once at POST /oauth2/token (client id and secret checked),
 * refresh tokens rotate on use, GET /users/@me and the role-connection PUT
 * need a live Bearer token. `roleConnections` holds what each user's
 * profile shows now.
 */
export interface FakeOAuth {
  clientSecret: string;
  /** Seconds the next tokens live (Discord: a week). */
  expiresIn: number;
  /** A code Discord would send back to the redirect URI once `user` allowed the app. */
  authorize(user: RawUser): string;
  /** An access token for `user`, as if they had authorised the app earlier. */
  issue(user: RawUser): string;
  /** Every token issued so far, so tests can look for them where they must not be. */
  issued: string[];
  roleConnections: Map<string, { platform_name: string; platform_username: string; metadata: Record<string, string> }>;
}

function fakeOAuth(applicationId: string): FakeOAuth & { route(method: string, path: string, body: Record<string, unknown>, auth: string | undefined): [number, unknown?] | undefined } {
  let n = 0;
  const codes = new Map<string, RawUser>();
  const access = new Map<string, RawUser>();
  const refresh = new Map<string, RawUser>();
  const oauth = {
    clientSecret: "fake-client-secret",
    expiresIn: 604_800,
    issued: [] as string[],
    roleConnections: new Map(),
    issue: (user: RawUser) => {
      const at = `access-${++n}-${Math.random().toString(36).slice(2)}`;
      access.set(at, user);
      oauth.issued.push(at);
      return at;
    },
    authorize: (user: RawUser) => {
      const code = `code-${++n}-${user.id}`;
      codes.set(code, user);
      return code;
    },
    route: (method: string, path: string, body: Record<string, unknown>, auth: string | undefined): [number, unknown?] | undefined => {
      const bearer = auth?.startsWith("Bearer ") ? access.get(auth.slice(7)) : undefined;
      if (method === "POST" && path === "/oauth2/token") {
        if (body.client_id !== applicationId || body.client_secret !== oauth.clientSecret) return [401, { error: "invalid_client" }];
        let user: RawUser | undefined;
        if (body.grant_type === "authorization_code") {
          user = codes.get(String(body.code));
          codes.delete(String(body.code));
        } else if (body.grant_type === "refresh_token") {
          user = refresh.get(String(body.refresh_token));
          refresh.delete(String(body.refresh_token));
        }
        if (!user) return [400, { error: "invalid_grant", error_description: "Invalid \"code\" in request." }];
        const at = `access-${++n}-${Math.random().toString(36).slice(2)}`;
        const rt = `refresh-${++n}-${Math.random().toString(36).slice(2)}`;
        access.set(at, user);
        refresh.set(rt, user);
        oauth.issued.push(at, rt);
        return [200, { access_token: at, token_type: "Bearer", expires_in: oauth.expiresIn, refresh_token: rt, scope: "identify role_connections.write" }];
      }
      if (path === "/users/@me" || /^\/users\/@me\/applications\/\d+\/role-connection$/.test(path)) {
        if (!bearer) return [401, { message: "401: Unauthorized", code: 0 }];
        if (method === "GET" && path === "/users/@me") return [200, { ...bearer, discriminator: "0", avatar: null, global_name: null }];
        if (method === "PUT") {
          oauth.roleConnections.set(bearer.id, body as never);
          return [200, body];
        }
      }
      return undefined;
    },
  };
  return oauth;
}

export async function startFakeDiscord(guild: FakeGuild, applicationId = "1000"): Promise<FakeDiscord> {
  const requests: RecordedRequest[] = [];
  const scripted: Scripted[] = [];
  const oauth = fakeOAuth(applicationId);
  const messages: FakeDiscord["messages"] = [];
  const nonces = new Map<string, { at: number; message: Record<string, unknown> }>();
  const NONCE_WINDOW_MS = 5 * 60_000;
  const postMessage = (channelId: string, body: Record<string, unknown>): Record<string, unknown> => {
    const nonce = typeof body.nonce === "string" || typeof body.nonce === "number" ? String(body.nonce) : undefined;
    const key = `${channelId}:${nonce}`;
    const seen = nonce !== undefined && body.enforce_nonce === true ? nonces.get(key) : undefined;
    if (seen && Date.now() - seen.at < NONCE_WINDOW_MS) return seen.message;
    const message: Record<string, unknown> = { ...messageFrom(channelId, body, applicationId), ...(nonce !== undefined ? { nonce } : {}) };
    messages.push({ id: String(message.id), channelId, ...(nonce !== undefined ? { nonce } : {}), body });
    if (nonce !== undefined) nonces.set(key, { at: Date.now(), message });
    return message;
  };

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  };

  const history = new Map<string, Record<string, unknown>[]>();
  const gateway = { url: "ws://127.0.0.1:1", shards: 1 };
  const botUser = { id: applicationId, username: "steward", discriminator: "0", global_name: null, avatar: null, bot: true, flags: 0 };
  const route = (method: string, path: string, body: Record<string, unknown>, query: URLSearchParams = new URLSearchParams()): [number, unknown?] => {
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/gateway/bot")
      return [200, { url: gateway.url, shards: gateway.shards, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }];
    if (method === "GET" && path === "/applications/@me") return [200, { id: applicationId, name: "Steward", icon: null, description: "", bot_public: false, bot_require_code_grant: false, verify_key: "0", flags: 0, bot: botUser }];
    if (method === "GET" && path === `/guilds/${guild.id}`) {
      const { channels: _channels, ...rest } = rawGuild(guild);
      return [200, rest];
    }
    if (method === "GET" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const limit = Number(query.get("limit") ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return [400, { message: "Invalid Form Body", code: 50035 }];
      const before = query.get("before");
      const after = query.get("after");
      const all = [...(history.get(m[1] as string) ?? [])].sort((x, y) => (BigInt(String(y.id)) > BigInt(String(x.id)) ? 1 : -1));
      if (after) return [200, all.filter((x) => BigInt(String(x.id)) > BigInt(after)).slice(-limit)];
      return [200, all.filter((x) => !before || BigInt(String(x.id)) < BigInt(before)).slice(0, limit)];
    }
    if (method === "POST" && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path)) return [204];
    if ((m = /^\/webhooks\/\d+\/[^/]+\/messages\/(@original|\d+)$/.exec(path))) {
      if (method === "DELETE") return [204];
      return [200, messageFrom("2000", body, applicationId)];
    }
    if (method === "POST" && /^\/webhooks\/\d+\/[^/]+$/.test(path)) return [200, messageFrom("2000", body, applicationId)];
    if (method === "POST" && path === "/users/@me/channels") return [200, { id: `9${String(body.recipient_id)}`, type: 1, recipients: [{ id: body.recipient_id, username: "x", discriminator: "0" }] }];
    if (method === "POST" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) return [200, postMessage(m[1] as string, body)];
    if ((m = /^\/guilds\/(\d+)\/members\/(\d+)\/roles\/(\d+)$/.exec(path))) {
      const held = guild.members.get(m[2] as string) ?? [];
      guild.members.set(m[2] as string, method === "PUT" ? [...new Set([...held, m[3] as string])] : held.filter((r) => r !== m?.[3]));
      return [204];
    }
    if (method === "GET" && (m = /^\/guilds\/(\d+)\/members\/(\d+)$/.exec(path))) {
      const roles = guild.members.get(m[2] as string);
      if (!roles) return [404, { message: "Unknown Member", code: 10007 }];
      return [200, { user: { id: m[2], username: "member", discriminator: "0" }, roles, joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 }];
    }
    if (method === "GET" && /^\/guilds\/\d+\/roles$/.test(path)) return [200, guild.roles.map((r, i) => ({ ...r, position: i + 1, color: 0, hoist: false, managed: false, mentionable: false, permissions: "0", flags: 0 }))];
    if (method === "GET" && /^\/guilds\/\d+\/channels$/.test(path)) return [200, guild.channels.map((c) => ({ ...c, type: 0, guild_id: guild.id, position: 0 }))];
    if (method === "PUT" && /^\/applications\/\d+\/(guilds\/\d+\/)?commands$/.test(path)) return [200, body];
    if (method === "PUT" && /^\/applications\/\d+\/role-connections\/metadata$/.test(path)) return [200, body];
    if (method === "PUT" && /^\/users\/@me\/applications\/\d+\/role-connection$/.test(path)) return [200, body];
    return [404, { message: `fake-discord has no route ${method} ${path}`, code: 0 }];
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = decodeURIComponent(url.pathname.replace(/^\/api\/v\d+/, ""));
      const { body, files } = await readBody(req);
      const method = req.method ?? "GET";
      requests.push({ method, path, query: url.searchParams, body, files, headers: req.headers });
      const i = scripted.findIndex((s) => s.method === method && s.path.test(path));
      if (i >= 0) {
        const [s] = scripted.splice(i, 1);
        if (s) return send(res, s.status, s.body, s.headers);
      }
      // The bot's own account (discord.js asks for it when it resumes a session it did not start); a Bearer token is OAuth2's.
      if (method === "GET" && path === "/users/@me" && req.headers.authorization?.startsWith("Bot ")) return send(res, 200, { id: applicationId, username: "steward", discriminator: "0", global_name: null, avatar: null, bot: true, flags: 0 });
      const [status, out] = oauth.route(method, path, (body ?? {}) as Record<string, unknown>, req.headers.authorization) ?? route(method, path, (body ?? {}) as Record<string, unknown>, url.searchParams);
      send(res, status, out);
    })().catch((err: unknown) => send(res, 500, { message: String(err), code: 0 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    oauth,
    requests,
    failNext: (method, path, status, body, headers) => scripted.push({ method, path, status, body, ...(headers ? { headers } : {}) }),
    rateLimitNext: (method, path, retryAfterSeconds) =>
      scripted.push({
        method,
        path,
        status: 429,
        body: { message: "You are being rate limited.", retry_after: retryAfterSeconds, global: false },
        headers: { "retry-after": String(retryAfterSeconds), "x-ratelimit-scope": "user" },
      }),
    find: (method, path) => requests.filter((r) => r.method === method && path.test(r.path)),
    messages,
    history,
    gateway,
    clear: () => {
      requests.length = 0;
      messages.length = 0;
      nonces.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// --- raw gateway payloads --------------------------------------------------------

export interface RawUser {
  id: string;
  username: string;
}

export interface InteractionBase {
  applicationId: string;
  guildId: string;
  channelId: string;
  user: RawUser;
  roles?: string[];
}

function base(b: InteractionBase, type: number, data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: snowflake(),
    application_id: b.applicationId,
    type,
    token: `tok-${snowflake()}`,
    version: 1,
    guild_id: b.guildId,
    channel_id: b.channelId,
    channel: { id: b.channelId, type: 0, guild_id: b.guildId, name: "general" },
    member: {
      user: { ...b.user, discriminator: "0", global_name: null, avatar: null },
      roles: b.roles ?? [],
      permissions: "0",
      joined_at: "2026-01-01T00:00:00.000Z",
      deaf: false,
      mute: false,
      flags: 0,
    },
    app_permissions: "0",
    locale: "en-US",
    guild_locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: { "0": b.guildId },
    context: 0,
    attachment_size_limit: 10_000_000,
    data,
    ...extra,
  };
}

export type RawOption = { name: string; type: number; value?: string | number | boolean; options?: RawOption[]; focused?: boolean };

export function slashCommand(b: InteractionBase, name: string, options: RawOption[] = [], resolvedUsers: RawUser[] = []): Record<string, unknown> {
  const users = Object.fromEntries(resolvedUsers.map((u) => [u.id, { ...u, discriminator: "0", global_name: null, avatar: null }]));
  return base(b, 2, { id: snowflake(), name, type: 1, options, ...(resolvedUsers.length ? { resolved: { users } } : {}) });
}

export function autocomplete(b: InteractionBase, name: string, options: RawOption[]): Record<string, unknown> {
  return base(b, 4, { id: snowflake(), name, type: 1, options });
}

export function buttonClick(b: InteractionBase, customId: string, message: Record<string, unknown>): Record<string, unknown> {
  return base(b, 3, { custom_id: customId, component_type: 2 }, { message });
}

export function modalSubmit(b: InteractionBase, customId: string, answers: Record<string, string>, message?: Record<string, unknown>): Record<string, unknown> {
  const components = Object.entries(answers).map(([key, value]) => ({ type: 1, components: [{ type: 4, custom_id: key, value }] }));
  return base(b, 5, { custom_id: customId, components }, message ? { message } : {});
}

/** A message as Discord would send it back in a component interaction. */
export function botMessage(channelId: string, body: { embeds?: unknown[]; components?: unknown[]; content?: string }, applicationId = "1000"): Record<string, unknown> {
  return messageFrom(channelId, body as Record<string, unknown>, applicationId);
}

/** A snowflake for an instant, as Discord's ids carry their creation time (discord.js reads `createdAt` from the id). */
export function snowflakeAt(iso: string): string {
  return String(((BigInt(Date.parse(iso)) - 1_420_070_400_000n) << 22n) + (++seq % 4096n));
}

export function messageCreate(guildId: string, channelId: string, author: RawUser & { bot?: boolean }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const timestamp = typeof extra.timestamp === "string" ? extra.timestamp : "2026-11-25T12:00:00.000Z";
  return {
    id: snowflakeAt(timestamp),
    channel_id: channelId,
    guild_id: guildId,
    type: 0,
    content: "",
    embeds: [],
    components: [],
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp,
    edited_timestamp: null,
    flags: 0,
    author: { ...author, discriminator: "0", global_name: null, avatar: null, bot: author.bot ?? false },
    member: { roles: [], joined_at: "2026-01-01T00:00:00.000Z", deaf: false, mute: false, flags: 0 },
    ...extra,
  };
}

/** The guild as GUILD_CREATE would put it in the client's cache (the Guilds intent does this in production). */
export function rawGuild(g: FakeGuild): Record<string, unknown> {
  return {
    id: g.id,
    name: "Steward test server",
    owner_id: "1",
    unavailable: false,
    member_count: 3,
    roles: g.roles.map((r, i) => ({ ...r, position: i + 1, color: 0, hoist: false, managed: false, mentionable: false, permissions: "0", flags: 0 })),
    channels: g.channels.map((c) => ({ ...c, type: 0, guild_id: g.id, position: 0, permission_overwrites: [] })),
    members: [],
    emojis: [],
    stickers: [],
    features: [],
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

// --- a Steward runtime wired to a real discord.js Client that talks to the fake --------


export interface DiscordHarness {
  runtime: TestRuntime;
  fake: FakeDiscord;
  guild: FakeGuild;
  client: Client;
  attached: AttachedDiscord;
  base(user: RawUser, roles?: string[]): InteractionBase;
  /** Feeds a raw INTERACTION_CREATE through discord.js and waits until Steward answered. */
  interact(raw: Record<string, unknown>): Promise<void>;
  /** Feeds a raw MESSAGE_CREATE through discord.js and waits until it was recorded. */
  message(raw: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export const GUILD_ID = "1100000000000000001";
export const APP_ID = "1000";
export const ROLE = { moderator: "1200000000000000001", partner: "1200000000000000002", leaders: "1200000000000000003", pioneer: "1200000000000000004", creator: "1200000000000000005" };
export const CHANNEL = { general: "1300000000000000001", community: "1300000000000000002", moderators: "1300000000000000003", announcements: "1300000000000000004" };

export async function discordHarness(kind: StoreKind, registry: Registry, env: Record<string, string> = {}, deferAfterMs?: number): Promise<DiscordHarness> {
  const guild: FakeGuild = {
    id: GUILD_ID,
    roles: [
      { id: ROLE.moderator, name: "Moderators" },
      { id: ROLE.partner, name: "Partner" },
      { id: ROLE.leaders, name: "Community Leaders" },
      { id: ROLE.pioneer, name: "Pioneer" },
      { id: ROLE.creator, name: "Creator" },
    ],
    channels: Object.entries(CHANNEL).map(([name, id]) => ({ id, name })),
    members: new Map(),
  };
  const fake = await startFakeDiscord(guild, APP_ID);
  const runtime = await testRuntime(kind, {
    DISCORD_TOKEN: "test-token",
    DISCORD_APPLICATION_ID: APP_ID,
    DISCORD_GUILD_ID: GUILD_ID,
    DISCORD_API_URL: fake.url,
    DISCORD_MODERATOR_ROLE: "Moderators",
    ...env,
  });
  const client = createDiscordClient(runtime.app.config);
  client.token = "test-token";
  client.rest.setToken("test-token");
  (client.guilds as unknown as { _add(data: unknown): unknown })._add(rawGuild(guild));
  const attached = attachDiscord(client, runtime.app, registry, deferAfterMs !== undefined ? { deferAfterMs } : {});
  // As a running Steward does at start: the first picture does not wait for the fonts to load.
  await warmPictures();
  const actions = (client as unknown as { actions: Record<string, { handle(data: unknown): unknown }> }).actions;
  return {
    runtime,
    fake,
    guild,
    client,
    attached,
    base: (user, roles = []) => ({ applicationId: APP_ID, guildId: GUILD_ID, channelId: CHANNEL.general, user, roles }),
    interact: async (raw) => {
      // As discord.js's WebSocketManager passes on a gateway dispatch (Steward reads the raw payload, as the HTTP endpoint does).
      client.ws.emit("INTERACTION_CREATE", raw, 0);
      await attached.idle();
    },
    message: async (raw) => {
      actions.MessageCreate?.handle(raw);
      await attached.idle();
    },
    close: async () => {
      attached.detach();
      await client.destroy();
      await fake.close();
      await runtime.close();
    },
  };
}
