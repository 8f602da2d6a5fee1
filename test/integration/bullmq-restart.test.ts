// Redis restarted while the bot runs: the connections come back by themselves,
// the job schedulers (lost with a memory-less Redis) are registered again, the
// schedules fire again and an outbox row written after the restart is delivered
// once. The shared Redis on REDIS_URL serves other suites and must not be
// restarted, so this suite starts its own redis-server on a free local port
// and kills it with SIGKILL, the way a crash or an OOM kill would.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { reply } from "../../src/chat/reply.ts";
import { startJobs, type Jobs } from "../../src/jobs/index.ts";
import type { DeliveryTarget } from "../../src/jobs/target.ts";
import type { Runtime } from "../../src/runtime.ts";
import { enqueue } from "../../src/services/outbox.ts";
import { storeKinds, testRuntime, type TestClock, type TestRuntime } from "../helpers/runtime.ts";

const HAS_REDIS_SERVER = spawnSync("redis-server", ["--version"]).status === 0;
const REPORT = "weekly-report/community-leaders-velo";
/** The outbox sweep runs every second here instead of every five (OUTBOX_SWEEP_MS): the test waits for three. */
const SWEEP_MS = 1000;

function realClock(): TestClock {
  return {
    now: () => new Date(),
    set: () => {
      throw new Error("this suite runs on real time: BullMQ fires on the wall clock");
    },
    advance: () => {
      throw new Error("this suite runs on real time: BullMQ fires on the wall clock");
    },
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A throwaway redis-server that keeps nothing on disk: a restart comes back empty. */
class RedisProcess {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"], {
      stdio: "ignore",
    });
    this.child = child;
    // Should the test worker exit without afterAll (a crash, a hard timeout), the server goes with it.
    const orphan = () => child.kill("SIGKILL");
    process.once("exit", orphan);
    child.once("exit", () => process.off("exit", orphan));
    const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on("error", () => {});
    try {
      await until(`redis-server on port ${this.port}`, async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} (port ${this.port} taken?)`);
        try {
          if (probe.status !== "ready") await probe.connect();
          return (await probe.ping()) === "PONG";
        } catch {
          probe.disconnect();
          return false;
        }
      }, 10_000);
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILL: no shutdown, no save, clients see the socket drop. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
}

/** The platform's side: every message received, by dedupe key. */
function recordingTarget() {
  const receipts: string[] = [];
  const target: DeliveryTarget = {
    name: "console",
    deliver: async (_m, ctx) => {
      receipts.push(ctx.dedupeKey);
      return "delivered";
    },
  };
  return { receipts, target };
}

// Needs Redis like bullmq.test.ts (CI and this machine set REDIS_URL), and the redis-server binary to start its own.
describe.skipIf(!process.env.REDIS_URL || !HAS_REDIS_SERVER).each(storeKinds)("BullMQ across a Redis restart on %s", (kind) => {
  let redis: RedisProcess;
  let rt: TestRuntime;
  let jobs: Jobs | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    redis = new RedisProcess(await freePort());
    await redis.start();
  });
  afterAll(async () => {
    await redis.kill();
  });
  beforeEach(async () => {
    rt = await testRuntime(kind, { STEWARD_TIMEZONE: "Europe/Berlin" }, realClock());
    process.on("unhandledRejection", onUnhandled);
    process.on("uncaughtException", onUnhandled);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    process.off("unhandledRejection", onUnhandled);
    process.off("uncaughtException", onUnhandled);
    // The server may be down if the test failed halfway: stopping must not hang on it.
    await redis.start().catch(() => {});
    await jobs?.stop();
    jobs = undefined;
    await rt.close();
  });

  it("reconnects, registers its job schedulers again, keeps firing and delivers a row written afterwards once", async () => {
    // The report fires every second here, so the test need not wait for Monday.
    const pack = structuredClone(rt.app.pack);
    for (const p of pack.programs) if (p.id === "community-leaders-velo") p.reportCron = "* * * * * *";
    const runtime: Runtime = { ...rt, app: { ...rt.app, pack } };
    const platform = recordingTarget();
    jobs = await startJobs(runtime, [platform.target], { redisUrl: redis.url, prefix: `steward-restart-${randomUUID().slice(0, 8)}`, catchUp: false, outboxSweepMs: SWEEP_MS });
    const queue = jobs.bull?.scheduleQueue;
    if (!queue) throw new Error("not on BullMQ");
    const reportRuns = async () => (await queue.getJobs(["completed"])).filter((j) => j.name === REPORT).length;
    const schedulerIds = async () => (await queue.getJobSchedulers()).map((s) => s.key).sort();
    const post = (key: string) =>
      rt.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel: "moderators", reply: reply(key) }, { dedupeKey: key, now: rt.app.now() }));
    const delivered = (key: string) => rt.app.db.outboxMessage.count({ where: { dedupeKey: key, status: "delivered" } });

    const before = await schedulerIds();
    expect(before).toContain(REPORT);
    expect(before).toContain("outbox");
    await until("the report schedule to fire", async () => (await reportRuns()) > 0);
    // Its first run posts last week's report, through the outbox and the delivery worker.
    await until("the report to be delivered", () => platform.receipts.length === 1);
    expect(platform.receipts[0]).toMatch(/^report:community-leaders-velo:\d{4}-W\d{2}:post$/);

    await redis.kill();
    // Down for a while: reconnect attempts fail, and a row written now cannot be queued yet.
    const warnings = vi.spyOn(rt.app.log, "warn");
    const failedReconnects = () => warnings.mock.calls.filter(([, msg]) => msg === "redis connection error; reconnecting").length;
    await post("during-outage");
    rt.app.outboxWritten();
    const seen = failedReconnects();
    // Every connection (queue, two workers) tried again at least once after the row was written, and failed.
    await until("reconnect attempts to fail after the row was written", () => failedReconnects() >= seen + 3);
    expect(platform.receipts).not.toContain("during-outage");
    expect(await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "during-outage" } })).toMatchObject({ status: "pending", attempts: 0 });
    await redis.start();

    // A memory-less Redis came back empty; the process registers its schedulers again.
    await until("the job schedulers to be registered again", async () => (await schedulerIds()).length === before.length);
    expect(await schedulerIds()).toEqual(before);
    await until("the report schedule to fire after the restart", async () => (await reportRuns()) > 0);

    // Written without telling the process: only the scheduled outbox sweep can find this row.
    await post("after-restart");
    await until("the row written after the restart to be delivered", async () => (await delivered("after-restart")) === 1, SWEEP_MS * 15);
    expect(await delivered("during-outage")).toBe(1);
    // Two more sweeps go by: nothing is delivered twice.
    const nextSweep = async () => (await queue.getJobScheduler("outbox"))?.next ?? 0;
    for (let i = 0; i < 2; i++) {
      const due = await nextSweep();
      expect(due).toBeGreaterThan(0);
      // The scheduler moves on when that sweep starts; completed sweeps are removed, so gone then means done.
      await until(
        `the outbox sweep due at ${new Date(due).toISOString()}`,
        async () => (await nextSweep()) > due && ["completed", "unknown"].includes(await queue.getJobState(`repeat:outbox:${due}`)),
        SWEEP_MS * 15,
      );
    }
    expect(platform.receipts.slice(1).sort()).toEqual(["after-restart", "during-outage"]);
    // The report's period already ran before the restart: firing again posts nothing new.
    expect(await rt.app.db.scheduleRun.count({ where: { scheduleId: REPORT } })).toBe(1);
    expect(unhandled).toEqual([]);
    // Waits through several sweeps and a restart on purpose; each wait above has its own bound.
  }, 120_000);
});
