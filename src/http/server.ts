// The one HTTP server: /health (the database answers), /metrics (Prometheus
// text from prom-client: process metrics and the outbox backlog), and the
// routes main.ts hands in (the forum and partner dashboard webhooks). A
// route gets the raw body, as signatures are computed over the exact bytes,
// read up to a size limit.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { App } from "../app.ts";

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export interface RouteRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RouteResponse {
  status: number;
  body: Record<string, unknown>;
}

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

export async function startOpsServer(app: App, port: number, host = "0.0.0.0", routes: Route[] = []): Promise<OpsServer> {
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  new Gauge({
    name: "steward_outbox_rows",
    help: "Outbox rows by status",
    labelNames: ["status"],
    registers: [metrics],
    async collect() {
      const rows = await app.db.outboxMessage.groupBy({ by: ["status"], _count: { _all: true } });
      this.reset();
      for (const r of rows) this.set({ status: r.status }, r._count._all);
    },
  });

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") {
      app.sql.query("SELECT 1").then(
        () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" })),
        (err: Error) => res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ status: "database unavailable", error: err.message })),
      );
      return;
    }
    if (path === "/metrics") {
      metrics.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    const route = routes.find((r) => r.path === path);
    if (route) {
      const json = (status: number, body: Record<string, unknown>) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method !== route.method) {
        res.setHeader("allow", route.method);
        json(405, { error: `${path} takes ${route.method} only` });
        return;
      }
      readBody(req, MAX_BODY_BYTES)
        .then((body) => route.handle({ headers: req.headers, body }))
        .then(
          (r) => json(r.status, r.body),
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
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end(`Steward: /health and /metrics live here${routes.length ? `, and ${routes.map((r) => `${r.method} ${r.path}`).join(", ")}` : ""}.\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
