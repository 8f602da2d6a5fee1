// What deploy/ and the README promise about /metrics: request-duration histograms by route, and every
// series the alert rules, the Grafana dashboard and the README's table name is one Steward exports.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partnerWebhook } from "../../src/adapters/partner-dashboard/webhook.ts";
import { startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { partnerHeaders, post } from "../helpers/webhooks.ts";

const SECRET = `whsec_${Buffer.from("partner-dashboard-signing-key").toString("base64")}`;
const read = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), "utf8");

/** Every series name the scrape declares (a histogram's _bucket, _sum and _count included). */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(`${name}${s}`);
  }
  return names;
}

/** Series names a PromQL text or a README table uses. */
const named = (text: string) => new Set([...text.matchAll(/\b((?:steward|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1] as string));

describe("/metrics as deploy/ uses it", () => {
  let rt: TestRuntime;
  let ops: OpsServer;
  let text: string;
  beforeAll(async () => {
    rt = await testRuntime("pglite", { PARTNER_WEBHOOK_SECRET: SECRET });
    ops = await startOpsServer(rt.app, 0, { host: "127.0.0.1", routes: [partnerWebhook(rt.app)] });
    const url = `http://127.0.0.1:${ops.port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const body = JSON.stringify({ type: "site.published", data: { partner: "P-1", url: "https://studio.example.com", kind: "editorx" } });
    expect((await post(`${url}/webhooks/partner`, body, partnerHeaders(SECRET, body, "msg_1"))).status).toBe(200);
    expect((await post(`${url}/webhooks/partner`, body, partnerHeaders("whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==", body, "msg_2"))).status).toBe(401);
    expect((await fetch(`${url}/no/such/page/123`)).status).toBe(404);
    text = await (await fetch(`${url}/metrics`)).text();
  });
  afterAll(async () => {
    await ops?.close();
    await rt?.close();
  });

  it("times requests by route, method and status, with few route values", () => {
    expect(text).toMatch(/^steward_http_request_duration_seconds_count\{route="\/webhooks\/partner",method="POST",status="200"\} 1$/m);
    expect(text).toMatch(/^steward_http_request_duration_seconds_count\{route="\/webhooks\/partner",method="POST",status="401"\} 1$/m);
    expect(text).toMatch(/^steward_http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} 1$/m);
    expect(text).toMatch(/^steward_http_request_duration_seconds_count\{route="other",method="GET",status="404"\} 1$/m);
    expect(text).toMatch(/^steward_http_request_duration_seconds_bucket\{le="0.005",route="\/webhooks\/partner",method="POST",status="200"\} \d+$/m);
    expect(text).toMatch(/^steward_ready\{check="database"\} 1$/m);
  });

  it("exports every series the alert rules, the Grafana dashboard and the README's table name", () => {
    const have = exported(text);
    const sources = {
      "deploy/prometheus/alerts.yml": read("deploy/prometheus/alerts.yml"),
      "deploy/grafana/steward-dashboard.json": JSON.stringify(JSON.parse(read("deploy/grafana/steward-dashboard.json")).panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr))),
      "README.md (Metrics)": /### Metrics\n([\s\S]*?)\n## /.exec(read("README.md"))?.[1] ?? "",
    };
    for (const [where, source] of Object.entries(sources)) {
      const used = named(source);
      expect(used.size, where).toBeGreaterThan(3);
      expect([...used].filter((n) => !have.has(n)), `${where} names series /metrics does not have`).toEqual([]);
    }
    // The alerts the operator needs are there.
    for (const alert of ["StewardOutboxBacklog", "StewardScheduleFailing", "StewardWebhook5xx", "StewardNotReady", "StewardDatabaseUnreachable", "StewardRedisUnreachable"])
      expect(sources["deploy/prometheus/alerts.yml"]).toContain(`alert: ${alert}`);
  });
});
