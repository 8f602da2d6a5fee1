// Operations endpoints: /health (the database answers) and /metrics
// (Prometheus text from prom-client: process metrics and the outbox backlog).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { App } from "../app.ts";

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(app: App, port: number, host = "0.0.0.0"): Promise<OpsServer> {
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
    res.writeHead(404, { "content-type": "text/plain" }).end("Steward: /health and /metrics live here.\n");
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
