// One HTTP server for operations and the dashboard: /healthz (the process
// answers; /health is its old name), /readyz (the database, and Redis when
// configured, reachable), /metrics (Prometheus text from prom-client: process
// metrics, the outbox backlog and the runtime's counters: see src/metrics.ts), the web adapter's pages (/admin,
// /leaderboard) when the dashboard is on, and the routes main.ts hands in
// (the forum and partner dashboard webhooks). A route gets the raw body, as
// signatures are computed over the exact bytes, read up to a size limit.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { App } from "../app.ts";
import { withTimeout } from "../core/timeout.ts";
import { waitingByTarget } from "../store/outbox.ts";

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** Pages served beside the operations endpoints (the dashboard): a Node request listener and the paths it owns. */
export interface Mounted {
  owns(path: string): boolean;
  listener(req: IncomingMessage, res: ServerResponse): void;
}

const READY_TIMEOUT_MS = 2000;

const LATE: unique symbol = Symbol("late");

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  const out = await withTimeout(work, ms, LATE);
  if (out === LATE) throw new Error(`${what} did not answer within ${ms} ms`);
  return out;
}

export interface RouteRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RouteResponse {
  status: number;
  body: Record<string, unknown>;
  /** Extra headers, such as Retry-After on a 503. */
  headers?: Record<string, string>;
}

/** A webhook: it answers JSON to a POST. */
export interface Route {
  method: "POST";
  path: string;
  handle(req: RouteRequest): Promise<RouteResponse>;
}

/** Webhook bodies are a few kilobytes; anything this large is refused before it is read further. */
export const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers["content-length"] ?? 0) > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function serveRoute(app: App, route: Route, path: string, req: IncomingMessage, res: ServerResponse): void {
  const json = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    res.writeHead(status, { ...headers, "content-type": "application/json" }).end(JSON.stringify(body));
  if (req.method !== route.method) {
    res.setHeader("allow", route.method);
    json(405, { error: `${path} takes ${route.method} only` });
    return;
  }
  readBody(req, MAX_BODY_BYTES)
    .then((body) => route.handle({ headers: req.headers, body }))
    .then(
      (r) => json(r.status, r.body, r.headers),
      (err: unknown) => {
        if (err instanceof BodyTooLarge) {
          // Not read to the end: the connection closes after the answer.
          res.writeHead(413, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ error: `the body is larger than ${MAX_BODY_BYTES} bytes` }));
          return;
        }
        // The sender retries on 5xx; the reference finds the log line.
        const ref = randomUUID().slice(0, 8);
        app.log.error({ err, path, ref }, "webhook failed");
        json(500, { error: `Steward could not handle this event now (reference ${ref}); send it again later.` });
      },
    );
}

/** Without STEWARD_METRICS_TOKEN /metrics is open (a private network's scraper); with it, only its bearer reads it. */
function metricsAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer (.+)$/.exec(authorization ?? "");
  if (!m) return false;
  // Hashed first, so the comparison is constant-time whatever the lengths.
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(m[1] as string), digest(token));
}

/** Dashboard paths whose later segments name a member, a program or a queue: one label each. */
const PAGE_PATTERNS: [RegExp, string][] = [
  [/^\/admin\/members\/[^/]+$/, "/admin/members/:handle"],
  [/^\/admin\/programs\/[^/]+\/report\.csv$/, "/admin/programs/:id/report.csv"],
  [/^\/admin\/programs\/[^/]+$/, "/admin/programs/:id"],
  [/^\/admin\/queues(\/|$)/, "/admin/queues"],
  [/^\/admin\/static\//, "/admin/static"],
];

/**
 * A route's label with few values (a label per path would grow without bound): the webhook's or
 * endpoint's own path; a dashboard page or its pattern; "/admin/other" for a dashboard path that is no page;
 * "other" for anything else (a 404).
 */
export function routeLabel(path: string, options: OpsOptions): string {
  if (["/healthz", "/health", "/readyz", "/metrics"].includes(path)) return path;
  if (options.routes?.some((r) => r.path === path)) return path;
  if (!options.web?.owns(path)) return "other";
  const pattern = PAGE_PATTERNS.find(([re]) => re.test(path));
  if (pattern) return pattern[1];
  // Anyone may ask for any /admin/… path: only the pages that exist get a label of their own.
  return DASHBOARD_PAGES.has(path) ? path : "/admin/other";
}

/** The dashboard's pages with fixed paths. */
const DASHBOARD_PAGES = new Set(["/admin", "/admin/login", "/admin/logout", "/admin/audit", "/admin/audit.csv", "/admin/partners", "/admin/applications", "/leaderboard", "/discord/linked-role", "/discord/oauth-callback"]);

export interface OpsOptions {
  host?: string;
  web?: Mounted;
  routes?: Route[];
}

export async function startOpsServer(app: App, port: number, options: OpsOptions = {}): Promise<OpsServer> {
  const host = options.host ?? "0.0.0.0";
  // Its own connection, failing fast: readiness must say "Redis is down", not wait for it to come back.
  const redis = app.config.REDIS_URL
    ? new Redis(app.config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: READY_TIMEOUT_MS })
    : undefined;
  redis?.on("error", () => undefined);
  // One wait for the connection, shared by every probe: a probe that pinged while another's connect was still
  // under way met "Stream isn't writeable" (no offline queue) and answered a false 503.
  let connected: Promise<void> | undefined;
  const redisConnected = (r: Redis): Promise<void> => {
    if (r.status === "ready") return Promise.resolve();
    connected ??= new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        r.off("ready", onReady);
        r.off("end", onEnd);
        connected = undefined;
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => settle();
      const onEnd = () => settle(new Error("Redis connection ended"));
      r.once("ready", onReady);
      r.once("end", onEnd);
      if (r.status === "wait" || r.status === "end") r.connect().catch((err: Error) => settle(err));
    });
    return connected;
  };
  // The body names what is down; why (hosts, ports, driver messages) goes to the log, not to whoever probes.
  const unavailable = (what: string, checks: Record<string, string>) => (err: Error) => {
    checks[what] = "unavailable";
    app.log.warn({ err: err.message, check: what }, "readiness check failed");
  };
  async function readiness(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    const database = within(app.sql.query("SELECT 1"), READY_TIMEOUT_MS, "the database").then(() => void (checks.database = "ok"), unavailable("database", checks));
    const cache = redis
      ? within(
          redisConnected(redis).then(() => redis.ping()),
          READY_TIMEOUT_MS,
          "Redis",
        ).then(() => void (checks.redis = "ok"), unavailable("redis", checks))
      : undefined;
    await Promise.all([database, cache]);
    return { ok: Object.values(checks).every((c) => c === "ok"), checks };
  }

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  new Gauge({
    name: "steward_outbox_rows",
    help: "Outbox rows by status",
    labelNames: ["status"],
    registers: [metrics],
    async collect() {
      // With the database down the scrape still answers (steward_ready says why); the last values stay.
      const rows = await app.db.outboxMessage.groupBy({ by: ["status"], _count: { _all: true } }).catch(() => undefined);
      if (!rows) return;
      this.reset();
      for (const r of rows) this.set({ status: r.status }, r._count._all);
    },
  });
  new Gauge({
    name: "steward_outbox_oldest_due_seconds",
    help: "How long the oldest pending outbox row has been due (0 when none is): the delivery backlog's age",
    registers: [metrics],
    async collect() {
      const now = app.now();
      const rows = await app.sql.query<{ at: Date | null }>("SELECT min(available_at) AS at FROM outbox WHERE status = 'pending' AND available_at <= $1", [now]).catch(() => undefined);
      if (!rows) return;
      const [oldest] = rows;
      this.set(oldest?.at ? Math.max(0, now.getTime() - new Date(oldest.at).getTime()) / 1000 : 0);
    },
  });

  new Gauge({
    name: "steward_outbox_waiting",
    help: 'Pending outbox rows per target that has not had them yet: a target no process runs keeps its rows here ("any": rows written before targets were fixed)',
    labelNames: ["target"],
    registers: [metrics],
    async collect() {
      const waiting = await waitingByTarget(app);
      this.reset();
      // The platforms always show, at 0 when nothing waits for them, so an alert can watch each one.
      for (const target of ["console", "slack", "discord", "forum"]) this.set({ target }, 0);
      for (const w of waiting) this.set({ target: w.target }, w.rows);
    },
  });
  new Gauge({
    name: "steward_ready",
    help: "1 when the check answers within 2 s (what /readyz asks), 0 when not; check: database, redis",
    labelNames: ["check"],
    registers: [metrics],
    async collect() {
      const { checks } = await readiness();
      this.reset();
      for (const [check, result] of Object.entries(checks)) this.set({ check }, result === "ok" ? 1 : 0);
    },
  });
  const duration = new Histogram({
    name: "steward_http_request_duration_seconds",
    help: "Seconds from a request's arrival to its answer's end, by route (the dashboard's pages, the webhooks, /readyz…), method and status",
    labelNames: ["route", "method", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics],
  });

  // The runtime's counters (deliveries, schedules, webhooks) beside this server's gauges.
  const served = app.metrics ? Registry.merge([metrics, app.metrics.registry]) : metrics;

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const stop = duration.startTimer();
    res.once("finish", () => stop({ route: routeLabel(path, options), method: req.method ?? "GET", status: String(res.statusCode) }));
    if (path === "/healthz" || path === "/health") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
      return;
    }
    if (path === "/readyz") {
      void readiness().then(({ ok, checks }) => {
        const failed = Object.keys(checks).filter((k) => checks[k] !== "ok");
        res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ status: ok ? "ready" : `not ready: ${failed.join(", ")}`, checks }));
      });
      return;
    }
    if (path === "/metrics") {
      if (!metricsAllowed(app.config.STEWARD_METRICS_TOKEN, req.headers.authorization)) {
        res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="steward metrics"' }).end("Send Authorization: Bearer <STEWARD_METRICS_TOKEN>.\n");
        return;
      }
      served.metrics().then(
        (text) => res.writeHead(200, { "content-type": served.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    const route = options.routes?.find((r) => r.path === path);
    if (route) return serveRoute(app, route, path, req, res);
    if (options.web?.owns(path)) return options.web.listener(req, res);
    res.writeHead(404, { "content-type": "text/plain" }).end("Steward: /healthz, /readyz and /metrics live here.\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis?.disconnect();
    },
  };
}
