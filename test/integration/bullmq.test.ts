// Delivery and schedules on a real Redis with BullMQ, and the faults that must
// not lose or duplicate anything: two workers competing for one outbox, a
// worker killed in the middle of a delivery, a platform answering 429 then
// 200, shutdown while a delivery runs. Every test uses its own key prefix.
//
// Restarting Redis while the bot runs is in bullmq-restart.test.ts: the Redis
// server here is shared with other suites, so that suite starts its own.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { reply } from "../../src/chat/reply.ts";
import { startJobs, type Jobs } from "../../src/jobs/index.ts";
import { nextRun, scheduleTable } from "../../src/jobs/schedules.ts";
import { RateLimitedError, type DeliveryTarget } from "../../src/jobs/target.ts";
import { enqueue } from "../../src/services/outbox.ts";
import { storeKinds, testRuntime, type TestClock, type TestRuntime } from "../helpers/runtime.ts";

const REDIS_URL = process.env.REDIS_URL;

/** Real time plus an offset the test can move: BullMQ waits in real time, locks expire on the app's clock. */
function movingClock(): TestClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    set: (iso) => {
      offset = new Date(iso).getTime() - Date.now();
    },
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** The platform's side: every message it received, and the dedupe keys it accepted once. */
function fakePlatform() {
  const receipts: string[] = [];
  const accepted = new Set<string>();
  return {
    receipts,
    accepted,
    receive(key: string) {
      receipts.push(key);
      accepted.add(key);
    },
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

// These suites need a Redis server: CI and this machine set REDIS_URL; without it they cannot run.
describe.skipIf(!REDIS_URL).each(storeKinds)("BullMQ jobs on %s", (kind) => {
  let rt: TestRuntime;
  let prefix: string;
  const started: Jobs[] = [];
  const start = async (targets: DeliveryTarget[], extra: { stopTimeoutMs?: number; concurrency?: number } = {}) => {
    const jobs = await startJobs(rt, targets, { redisUrl: REDIS_URL as string, prefix, catchUp: false, ...extra });
    started.push(jobs);
    return jobs;
  };
  const post = (channel: string, key: string) =>
    rt.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel, reply: reply(`to ${channel}`) }, { dedupeKey: key, now: rt.app.now() }));
  const delivered = async () => rt.app.db.outboxMessage.count({ where: { status: "delivered" } });

  beforeEach(async () => {
    rt = await testRuntime(kind, { STEWARD_TIMEZONE: "Europe/Berlin" }, movingClock());
    prefix = `steward-test-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const j of started.splice(0)) await j.stop();
    await rt.close();
    const admin = new Redis(REDIS_URL as string);
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it("registers one job scheduler per schedule, with the organisation's timezone, however often it starts", async () => {
    const a = await start([]);
    await start([]);
    const schedulers = await a.bull?.scheduleQueue.getJobSchedulers();
    const defs = scheduleTable(rt.app.pack, rt.app.config);
    expect(schedulers?.map((s) => s.key).sort()).toEqual(defs.map((d) => (d.kind === "outbox" ? "outbox" : d.id)).sort());
    const report = schedulers?.find((s) => s.key === "weekly-report/community-leaders-velo");
    expect(report?.tz).toBe("Europe/Berlin");
    expect(report?.pattern).toBe("0 9 * * 1");
    const def = defs.find((d) => d.id === "weekly-report/community-leaders-velo");
    expect(report?.next).toBe(def ? nextRun(def, rt.app.now(), rt.app.pack)?.getTime() : -1);
  });

  it("runs a schedule's job through the worker once per period", async () => {
    const jobs = await start([]);
    const id = "weekly-report/community-leaders-velo";
    await jobs.bull?.scheduleQueue.add(id, {});
    await jobs.bull?.scheduleQueue.add(id, {});
    await until(async () => (await jobs.bull?.scheduleQueue.getCompletedCount()) === 2);
    expect(await rt.app.db.scheduleRun.count({ where: { scheduleId: id } })).toBe(1);
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "post" } })).toBe(1);
  });

  it("delivers each row once with two workers competing for the same outbox", async () => {
    const platform = fakePlatform();
    const target = (): DeliveryTarget => ({
      name: "console",
      deliver: async (_m, ctx) => {
        await new Promise((r) => setTimeout(r, 5));
        platform.receive(ctx.dedupeKey);
        return "delivered";
      },
    });
    const a = await start([target()]);
    const b = await start([target()]);
    for (let i = 0; i < 30; i++) await post(`c${i}`, `row-${i}`);
    // Both processes queue every row; the database claim lets one of them deliver it.
    await Promise.all([a.drain(), b.drain(), a.drain()]);
    await until(async () => (await delivered()) === 30);
    expect(platform.receipts).toHaveLength(30);
    expect(platform.accepted.size).toBe(30);
  });

  it("delivers a row again after its worker died mid-delivery, and the receiver sees it once", async () => {
    const platform = fakePlatform();
    let hang = true;
    const dying: DeliveryTarget = {
      name: "console",
      deliver: async (_m, ctx) => {
        platform.receive(ctx.dedupeKey);
        // The platform got it, but the worker dies before it can record that.
        if (hang) await new Promise(() => {});
        return "delivered";
      },
    };
    const a = await start([dying], { stopTimeoutMs: 300 });
    await post("moderators", "report:x");
    await a.drain();
    await until(() => platform.receipts.length === 1);
    hang = false;
    await a.stop();
    const b = await start([{ name: "console", deliver: async (_m, ctx) => (platform.receive(ctx.dedupeKey), "delivered") }]);
    await b.drain();
    // b's job for the row (queued by the sweep under the row's attempt count) ran and is gone: it found the row claimed.
    const row = await rt.app.db.outboxMessage.findFirstOrThrow();
    await until(async () => (await b.bull?.deliveryQueue.getJobState(`outbox-${row.id}-${row.attempts}`)) === "unknown");
    expect(await delivered()).toBe(0); // still claimed by the dead worker
    expect(platform.receipts).toEqual(["report:x"]);
    rt.clock.advance(61_000); // its claim expires
    await b.drain();
    await until(async () => (await delivered()) === 1);
    expect(platform.receipts).toEqual(["report:x", "report:x"]);
    expect([...platform.accepted]).toEqual(["report:x"]);
  });

  it("runs a booked row's job at its slot ahead of a swept backlog, so the row keeps its slot", async () => {
    const order: string[] = [];
    const spaced: DeliveryTarget = {
      name: "console",
      limits: { perChannelMs: 3000 },
      deliver: async (_m, ctx) => {
        if (!ctx.dedupeKey.startsWith("busy")) await new Promise((r) => setTimeout(r, 100));
        order.push(ctx.dedupeKey);
        return "delivered";
      },
    };
    // One job at a time: the booked row's job must not wait behind the whole backlog for a worker.
    const jobs = await start([spaced], { concurrency: 1 });
    await post("busy", "busy-1");
    await post("busy", "busy-2");
    await jobs.drain();
    // busy-1 went out; busy-2 booked the channel's next slot, 3 s on, and its job comes back shortly before it.
    await until(() => order.length === 1);
    // Meanwhile a backlog over other channels is swept: 60 rows, 100 ms each, one at a time, about 6 s.
    for (let i = 0; i < 60; i++) await post(`c${i}`, `other-${i}`);
    await jobs.drain();
    await until(async () => (await delivered()) === 62, 30_000);
    // Behind the backlog it would have come seconds after its slot, lost it and booked again at the back.
    expect(order.indexOf("busy-2")).toBeGreaterThan(0);
    expect(order.indexOf("busy-2")).toBeLessThan(order.length - 10);
  });

  it("waits out a 429 and then delivers once", async () => {
    const platform = fakePlatform();
    // Observed, not replaced: the worker really pauses the queue in Redis.
    const pauses = vi.spyOn(Worker.prototype, "rateLimit");
    const perSecond = 50;
    /** The queue's pause left when each call came in: 0 unless the limiter's count is at its max, as a pause sets it. */
    const limitLeft: number[] = [];
    const limited: DeliveryTarget = {
      name: "discord",
      limits: { perSecond },
      deliver: async (_m, ctx) => {
        // Called only once `jobs` below is running.
        limitLeft.push((await jobs.bull?.deliveryQueue.getRateLimitTtl(perSecond)) ?? -1);
        if (limitLeft.length === 1) throw new RateLimitedError(700);
        platform.receive(ctx.dedupeKey);
        return "delivered";
      },
    };
    const jobs = await start([limited]);
    await post("announcements", "tier-up:1");
    await jobs.drain();
    await until(async () => (await delivered()) === 1);
    expect(platform.receipts).toEqual(["tier-up:1"]);
    // The 429's Retry-After paused the whole queue in Redis, and the retry came only once that pause was over.
    expect(pauses.mock.calls).toEqual([[700]]);
    expect(limitLeft).toEqual([0, 0]);
    const row = await rt.app.db.outboxMessage.findFirstOrThrow();
    expect(row.attempts).toBe(1); // the 429 did not count as a failed attempt
  });

  it("holds back only its channel when a platform whose limit is per channel answers 429", async () => {
    const platform = fakePlatform();
    const pauses = vi.spyOn(Worker.prototype, "rateLimit");
    let refused = false;
    const perChannel: DeliveryTarget = {
      name: "console",
      limits: { perChannelMs: 100 },
      deliver: async (_m, ctx) => {
        if (ctx.dedupeKey === "a" && !refused) {
          refused = true;
          // The channel's own limit (Slack's chat.postMessage).
          throw new RateLimitedError(1000, true);
        }
        platform.receive(ctx.dedupeKey);
        return "delivered";
      },
    };
    const jobs = await start([perChannel]);
    await post("a", "a");
    await post("b", "b");
    await jobs.drain();
    await until(async () => (await delivered()) === 2);
    expect(refused).toBe(true);
    expect(platform.receipts.sort()).toEqual(["a", "b"]);
    // Slack's 429 for one channel did not pause the queue (every channel's booked slots) in Redis.
    expect(pauses).not.toHaveBeenCalled();
  });

  it("pauses the whole queue when a per-channel platform's 429 is for a workspace-wide method", async () => {
    const platform = fakePlatform();
    const pauses = vi.spyOn(Worker.prototype, "rateLimit");
    let refused = false;
    const perChannel: DeliveryTarget = {
      name: "console",
      limits: { perChannelMs: 100 },
      deliver: async (_m, ctx) => {
        if (!refused) {
          refused = true;
          // e.g. conversations.open or usergroups.users.update: every other row would meet the same limit.
          throw new RateLimitedError(700);
        }
        platform.receive(ctx.dedupeKey);
        return "delivered";
      },
    };
    const jobs = await start([perChannel]);
    await post("a", "a");
    await jobs.drain();
    await until(async () => (await delivered()) === 1);
    expect(platform.receipts).toEqual(["a"]);
    expect(pauses.mock.calls).toEqual([[700]]);
  });

  it("finishes the delivery in progress when stopped", async () => {
    const platform = fakePlatform();
    let started = false;
    const slow: DeliveryTarget = {
      name: "console",
      deliver: async (_m, ctx) => {
        started = true;
        await new Promise((r) => setTimeout(r, 500));
        platform.receive(ctx.dedupeKey);
        return "delivered";
      },
    };
    const jobs = await start([slow]);
    await post("moderators", "slow:1");
    await jobs.drain();
    await until(() => started);
    await jobs.stop();
    started = false;
    expect(platform.receipts).toEqual(["slow:1"]);
    expect(await delivered()).toBe(1);
  });
});
