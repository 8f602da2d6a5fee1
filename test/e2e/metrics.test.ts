// /metrics over real HTTP: the outbox backlog and its age, delivery latency
// and results, schedule runs and failures, and webhook results appear as
// Prometheus series and move with what happens.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { reply } from "../../src/chat/reply.ts";
import { startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { runDue } from "../../src/jobs/run.ts";
import { scheduleTable } from "../../src/jobs/schedules.ts";
import type { DeliveryTarget } from "../../src/jobs/target.ts";
import { enqueue } from "../../src/services/outbox.ts";
import { startSlackHarness } from "../helpers/slack-harness.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

/** Every sample of the scrape as "name{labels}" → value. */
async function scrape(ops: OpsServer): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${ops.port}/metrics`);
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^(steward_\S+?)\s+(\S+)$/.exec(line);
    if (m) samples.set(m[1] as string, Number(m[2]));
  }
  return samples;
}

describe("/metrics", () => {
  let rt: TestRuntime;
  let ops: OpsServer;
  beforeAll(async () => {
    rt = await testRuntime("pglite");
    ops = await startOpsServer(rt.app, 0, { host: "127.0.0.1" });
  });
  afterAll(async () => {
    await ops?.close();
    await rt?.close();
  });

  const post = (key: string) =>
    rt.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel: "announcements", reply: reply("hello") }, { now: rt.app.now(), dedupeKey: key }));

  it("shows the backlog's size and age, then the delivery's latency once it went out", async () => {
    let m = await scrape(ops);
    expect(m.get("steward_outbox_oldest_due_seconds")).toBe(0);
    expect(m.get('steward_outbox_delivery_seconds_count{kind="post"}')).toBeUndefined();

    await post("metrics:1");
    rt.clock.advance(30_000);
    m = await scrape(ops);
    expect(m.get('steward_outbox_rows{status="pending"}')).toBe(1);
    expect(m.get("steward_outbox_oldest_due_seconds")).toBe(30);

    const delivered: string[] = [];
    const target: DeliveryTarget = { name: "console", deliver: async (_msg, ctx) => (delivered.push(ctx.dedupeKey), "delivered") };
    expect(await deliverDue(rt.app, [target])).toBe(1);
    m = await scrape(ops);
    expect(m.get('steward_outbox_rows{status="delivered"}')).toBe(1);
    expect(m.get("steward_outbox_oldest_due_seconds")).toBe(0);
    expect(m.get('steward_outbox_delivery_seconds_count{kind="post"}')).toBe(1);
    expect(m.get('steward_outbox_delivery_seconds_sum{kind="post"}')).toBe(30);
    expect(m.get('steward_outbox_delivery_seconds_bucket{le="15",kind="post"}')).toBe(0);
    expect(m.get('steward_outbox_delivery_seconds_bucket{le="60",kind="post"}')).toBe(1);
    expect(m.get('steward_outbox_deliveries_total{result="delivered"}')).toBe(1);
  });

  it("counts a failed delivery attempt as a retry", async () => {
    await post("metrics:2");
    const failing: DeliveryTarget = { name: "console", deliver: async () => Promise.reject(new Error("platform down")) };
    await deliverDue(rt.app, [failing]);
    expect((await scrape(ops)).get('steward_outbox_deliveries_total{result="retry"}')).toBe(1);
  });

  it("counts schedule runs by outcome, and the ones that failed", async () => {
    const sweep = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === "daily-sweep");
    if (!sweep) throw new Error("no daily sweep");
    await runDue(rt.app, sweep);
    await runDue(rt.app, sweep);
    await expect(runDue(rt.app, { ...sweep, id: "weekly-report:gone", kind: "weekly-report", programId: "gone", cron: "0 9 * * 1" })).rejects.toThrow(/gone/);
    const m = await scrape(ops);
    expect(m.get('steward_schedule_runs_total{schedule="daily-sweep",status="ran"}')).toBe(1);
    expect(m.get('steward_schedule_runs_total{schedule="daily-sweep",status="already-ran"}')).toBe(1);
    expect(m.get('steward_schedule_runs_total{schedule="weekly-report:gone",status="failed"}')).toBe(1);
    expect(m.get('steward_schedule_failures_total{schedule="weekly-report:gone"}')).toBe(1);
  });
});

describe("/metrics webhook results", () => {
  it("counts Slack's requests by the status they got", async () => {
    const secret = "metrics-signing-secret";
    const h = await startSlackHarness("pglite", secret, registry);
    const ops = await startOpsServer(h.rt.app, 0, { host: "127.0.0.1" });
    try {
      const body = JSON.stringify({ type: "url_verification", challenge: "c1", token: "t" });
      const ts = String(Math.floor(Date.now() / 1000));
      const signature = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
      const send = (sig: string) => fetch(h.url, { method: "POST", headers: { "content-type": "application/json", "x-slack-request-timestamp": ts, "x-slack-signature": sig }, body });
      expect((await send(signature)).status).toBe(200);
      expect((await send("v0=forged")).status).toBe(401);
      expect((await send("v0=forged")).status).toBe(401);
      const m = await scrape(ops);
      expect(m.get('steward_webhook_requests_total{source="slack",status="200"}')).toBe(1);
      expect(m.get('steward_webhook_requests_total{source="slack",status="401"}')).toBe(2);
      expect(m.get('steward_webhook_request_duration_seconds_count{source="slack",status="401"}')).toBe(2);
    } finally {
      await ops.close();
      await h.stop();
    }
  });
});
