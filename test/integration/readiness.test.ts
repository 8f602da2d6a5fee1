// /readyz and /metrics as a load balancer and a scraper meet them (issue 27,
// finding 7): many probes at once right after a start, a dependency that is
// down, and a metrics endpoint that can ask for a bearer token. The real
// HTTP server on an ephemeral port; Redis when REDIS_URL is set.
import { afterEach, describe, expect, it } from "vitest";
import { startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

describe("readiness and metrics", () => {
  let rt: TestRuntime | undefined;
  let ops: OpsServer | undefined;
  afterEach(async () => {
    await ops?.close();
    await rt?.close().catch(() => undefined);
    rt = undefined;
    ops = undefined;
  });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${ops?.port}${path}`, { headers });

  it.runIf(process.env.REDIS_URL)("50 probes at once right after each of 3 starts are all ready while Redis and the database answer", async () => {
    rt = await testRuntime("pglite", { REDIS_URL: process.env.REDIS_URL as string });
    for (let start = 0; start < 3; start++) {
      ops = await startOpsServer(rt.app, 0, { host: "127.0.0.1" });
      const answers = await Promise.all(Array.from({ length: 50 }, async () => {
        const res = await get("/readyz");
        return `${res.status} ${await res.text()}`;
      }));
      expect(answers.filter((a) => !a.startsWith("200"))).toEqual([]);
      await ops.close();
      ops = undefined;
    }
  });

  it("names what is down without connection details (hosts, ports, driver errors)", async () => {
    rt = await testRuntime("pglite", { REDIS_URL: "redis://127.0.0.1:1" });
    ops = await startOpsServer(rt.app, 0, { host: "127.0.0.1" });
    const res = await get("/readyz");
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: "not ready: redis", checks: { database: "ok", redis: "unavailable" } });
    await rt.store.close();
    const down = await get("/readyz");
    expect(down.status).toBe(503);
    const body = await down.text();
    expect(JSON.parse(body)).toEqual({ status: "not ready: database, redis", checks: { database: "unavailable", redis: "unavailable" } });
    expect(text + body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:1\b|closed/i);
  });

  it("/metrics asks for STEWARD_METRICS_TOKEN as a bearer token when it is set, and for nothing when not", async () => {
    const token = "metrics-token-of-some-length";
    rt = await testRuntime("pglite", { STEWARD_METRICS_TOKEN: token });
    ops = await startOpsServer(rt.app, 0, { host: "127.0.0.1" });
    for (const headers of <Record<string, string>[]>[{}, { authorization: "Bearer wrong-token-of-some-length" }, { authorization: token }, { authorization: `Basic ${token}` }]) {
      const res = await get("/metrics", headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await res.text()).not.toContain("process_");
    }
    const ok = await get("/metrics", { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("steward_outbox_rows");
    // Health and readiness stay open: a load balancer has no token.
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
    await ops.close();
    await rt.close();
    rt = await testRuntime("pglite");
    ops = await startOpsServer(rt.app, 0, { host: "127.0.0.1" });
    expect((await get("/metrics")).status).toBe(200);
  });
});
