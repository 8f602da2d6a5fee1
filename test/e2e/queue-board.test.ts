// The BullMQ board at /admin/queues over real HTTP, on a real Redis with a key
// prefix of its own: refused without a dashboard session, and with one its
// API lists Steward's queues with what they hold; a change made through the
// board is audited as the signed-in moderator.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startJobs, type Jobs } from "../../src/jobs/index.ts";
import { startDashboard, get, type DashboardHarness } from "../helpers/dashboard.ts";

const REDIS_URL = process.env.REDIS_URL;

// Needs a Redis server: CI and this machine set REDIS_URL; without it the board has nothing to show.
describe.skipIf(!REDIS_URL)("the queue board", () => {
  let h: DashboardHarness;
  let jobs: Jobs;
  const prefix = `steward-test-board-${randomUUID()}`;

  beforeAll(async () => {
    h = await startDashboard("pglite", { REDIS_URL: REDIS_URL as string }, async (runtime) => {
      jobs = await startJobs(runtime, [], { prefix, catchUp: false });
      const bull = jobs.bull;
      if (!bull) throw new Error("expected BullMQ jobs");
      return { queues: [bull.scheduleQueue, bull.deliveryQueue] };
    });
  });
  afterAll(async () => {
    await jobs?.stop();
    await h?.close();
  });

  it("refuses the board and its API without a session", async () => {
    for (const path of ["/admin/queues", "/admin/queues/api/queues"]) {
      const res = await get(h.base, path);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain("delivery");
    }
    const forged = await get(h.base, "/admin/queues/api/queues", "steward_session=forged");
    expect(forged.status).toBe(401);
  });

  it("lists Steward's queues and their jobs to a signed-in moderator", async () => {
    const cookie = await h.signIn();
    await jobs.bull?.deliveryQueue.add("deliver", { outboxId: 999_999 }, { jobId: "board-test", delay: 60 * 60_000 });
    const res = await get(h.base, "/admin/queues/api/queues?activeQueue=delivery&status=delayed&page=1", cookie);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string; counts: Record<string, number>; jobs: { id: string }[] }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["delivery", "schedules"]);
    const delivery = body.queues.find((q) => q.name === "delivery");
    expect(delivery?.counts.delayed).toBe(1);
    expect(delivery?.jobs.map((j) => j.id)).toContain("board-test");

    const page = await get(h.base, "/admin/queues", cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    // The script that names bull-board's icon buttons comes from the board's own origin, as its policy requires.
    expect(await page.text()).toContain('<script defer src="steward-board-names.js"></script></body>');
    const names = await get(h.base, "/admin/queues/steward-board-names.js", cookie);
    expect(names.status).toBe(200);
    expect(names.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await names.text()).toContain("MutationObserver");
  });

  it("audits a change made through the board", async () => {
    const cookie = await h.signIn();
    const res = await fetch(`${h.base}/admin/queues/api/queues/delivery/pause`, { method: "PUT", headers: { cookie, origin: h.publicUrl } });
    expect(res.status).toBe(200);
    expect(await jobs.bull?.deliveryQueue.isPaused()).toBe(true);
    await jobs.bull?.deliveryQueue.resume();
    const audited = await h.runtime.app.db.auditLog.findMany({ where: { action: "queue board" } });
    expect(audited.map((a) => [a.target, (a.details as { method: string }).method])).toEqual([["/api/queues/delivery/pause", "PUT"]]);
  });

  it("refuses a write call from another origin or with no origin, as the dashboard's forms are refused", async () => {
    const cookie = await h.signIn();
    const calls: Array<[string, Record<string, string>]> = [
      ["/api/queues/delivery/pause", { origin: "https://evil.example" }],
      ["/api/queues/delivery/pause", {}],
      ["/api/queues/delivery/pause", { "sec-fetch-site": "cross-site" }],
      ["/api/queues/delivery/retry/failed", { origin: "https://evil.example" }],
      ["/api/queues/pause", { origin: "null" }],
    ];
    for (const [path, headers] of calls) {
      const res = await fetch(`${h.base}/admin/queues${path}`, { method: "PUT", headers: { cookie, ...headers } });
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
    }
    expect(await jobs.bull?.deliveryQueue.isPaused()).toBe(false);
    const audited = await h.runtime.app.db.auditLog.findMany({ where: { action: "queue board", target: { not: "/api/queues/delivery/pause" } } });
    expect(audited).toEqual([]);
    // A same-origin fetch without Origin (Sec-Fetch-Site says so) is the board's own.
    const own = await fetch(`${h.base}/admin/queues/api/queues/delivery/resume`, { method: "PUT", headers: { cookie, "sec-fetch-site": "same-origin" } });
    expect(own.status).toBe(200);
  });

  it("is not served at all without Redis", async () => {
    const plain = await startDashboard("pglite");
    try {
      const cookie = await plain.signIn();
      expect((await get(plain.base, "/admin/queues/api/queues", cookie)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
