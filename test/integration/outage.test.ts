// The database goes away and comes back (issue 9, finding 7), on a PostgreSQL server of the
// test's own that it stops and starts: the terminal chat answers "the database is unavailable;
// nothing was recorded" and recovers by itself, `steward run` ends with exit code 4 and one line,
// delivery and the scheduler back off (a bounded number of log lines) and resume by themselves.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession } from "../../src/adapters/console/session.ts";
import { UNAVAILABLE_TEXT } from "../../src/kit/failure.ts";
import { startJobs } from "../../src/jobs/index.ts";
import { startInProcessDelivery, startInProcessScheduler } from "../../src/jobs/in-process.ts";
import type { DeliveryTarget } from "../../src/jobs/target.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { consoleMessageHandler } from "../../src/adapters/console/messages.ts";
import { enqueue } from "../../src/services/outbox.ts";
import { startSteward, steward } from "../helpers/cli.ts";
import { startPrivatePostgres, type PrivatePostgres } from "../helpers/private-postgres.ts";
import { testConfig } from "../helpers/runtime.ts";

const haveServer = ["15", "16", "17", "14", "13"].some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

/** Log lines as objects, to count them. */
function capturedLogger() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: "info", base: undefined }, stream), lines };
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!haveServer)("database outage (needs PostgreSQL server binaries in /usr/lib/postgresql/*/bin)", () => {
  let pg: PrivatePostgres;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
  }, 60_000);
  afterAll(() => pg?.destroy());
  // A test that failed half-way leaves the server stopped: the next one starts from a running server.
  beforeEach(() => pg.start());

  /** On the real clock, which advance() moves on (no waiting for a row to fall due). */
  async function runtimeOnPrivateServer(log = capturedLogger()): Promise<Runtime & { lines: ReturnType<typeof capturedLogger>["lines"]; advance(ms: number): void }> {
    let ahead = 0;
    const runtime = await createRuntime(testConfig({ DATABASE_URL: pg.url }), { log: log.log, now: () => new Date(Date.now() + ahead) });
    return { ...runtime, lines: log.lines, advance: (ms) => void (ahead += ms) };
  }

  it("the terminal session answers that nothing was recorded while the database is down, and works again when it is back", async () => {
    const runtime = await runtimeOnPrivateServer();
    try {
      const session = new ConsoleSession(runtime.app, registry, "alice", consoleMessageHandler);
      expect((await session.handleLine("/site submit https://before.example.com kind:classic")).status).toBe("ok");
      pg.stop();
      for (const line of ["/site submit https://during.example.com kind:classic", "/tier", "/as bob", "hello from the community channel"]) {
        const r = await session.handleLine(line);
        expect(r.status).toBe("unavailable");
        expect(r.output).toBe(UNAVAILABLE_TEXT);
      }
      expect(runtime.lines.filter((l) => l.level >= 50)).toEqual([]);
      pg.start();
      const after = await session.handleLine("/site submit https://after.example.com kind:classic");
      expect(after.status).toBe("ok");
      const sites = await runtime.app.db.site.findMany({ orderBy: { url: "asc" }, select: { url: true } });
      expect(sites.map((s) => s.url)).toEqual(["https://after.example.com", "https://before.example.com"]);
    } finally {
      await runtime.close();
    }
  }, 120_000);

  it("delivery backs off while the database is down (a bounded number of log lines) and delivers when it is back", async () => {
    const runtime = await runtimeOnPrivateServer();
    const delivered: string[] = [];
    const target: DeliveryTarget = {
      name: "console",
      deliver: async (_m, ctx) => {
        delivered.push(ctx.dedupeKey);
        return "delivered";
      },
    };
    pg.stop();
    const delivery = startInProcessDelivery(runtime, [target], 200);
    try {
      // Unbounded retries would log a line per poll; backoff from 200 ms waits twice as long after each failed try
      // (± a fifth), so an outage of any length logs a handful. Four tries show it, in about 1.4 s.
      const failures = await until("four failed tries", () => {
        const lines = runtime.lines.filter((l) => l.msg === "outbox delivery failed");
        return lines.length >= 4 ? lines.slice(0, 4) : undefined;
      });
      expect(failures.every((l) => l.databaseUnavailable === true)).toBe(true);
      failures.forEach((l, i) => {
        expect(l.retryInMs).toBeGreaterThanOrEqual(0.8 * 200 * 2 ** i);
        expect(l.retryInMs).toBeLessThanOrEqual(1.2 * 200 * 2 ** i);
      });
      // And it waits that long before the next try (a timer never fires early; pino's time is in whole ms).
      for (let i = 1; i < failures.length; i++)
        expect((failures[i]?.time as number) - (failures[i - 1]?.time as number)).toBeGreaterThanOrEqual((failures[i - 1]?.retryInMs as number) - 1);
      pg.start();
      await runtime.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel: "announcements", reply: { text: "back", blocks: [], visibility: "public", status: "ok" } }, { dedupeKey: "outage-back", now: runtime.app.now() }));
      runtime.events.emit("outbox");
      await until("the row to be delivered", () => delivered.includes("outage-back"));
      // Logged when the run that delivered it ends, a moment after the target got it.
      await until("the recovery line", () => runtime.lines.some((l) => l.msg === "outbox delivery works again"));
    } finally {
      await delivery.stop();
      await runtime.close();
    }
  }, 120_000);

  it.skipIf(!process.env.REDIS_URL)("BullMQ (needs REDIS_URL): a delivery job waits out an outage longer than BullMQ's own retries, and delivers when the database is back", async () => {
    const runtime = await runtimeOnPrivateServer();
    const delivered: string[] = [];
    const target: DeliveryTarget = {
      name: "console",
      deliver: async (_m, ctx) => {
        delivered.push(ctx.dedupeKey);
        return "delivered";
      },
    };
    // BullMQ's retries and the outage backoff start at 20 ms instead of a second: the same doublings, fifty times sooner.
    const jobs = await startJobs(runtime, [target], { redisUrl: process.env.REDIS_URL, prefix: `steward-outage-${randomUUID()}`, catchUp: false, retryDelayMs: 20 });
    try {
      // Due an hour from now, so no sweep sends it before the server is stopped; then the clock moves on an hour.
      const availableAt = new Date(runtime.app.now().getTime() + 3_600_000);
      await runtime.app.db.$transaction((tx) =>
        enqueue(tx, { kind: "post", channel: "announcements", reply: { text: "after", blocks: [], visibility: "public", status: "ok" } }, { dedupeKey: "bull-outage", now: runtime.app.now(), availableAt }),
      );
      const row = await runtime.app.db.outboxMessage.findFirstOrThrow({ where: { dedupeKey: "bull-outage" } });
      pg.stop();
      runtime.advance(3_600_000);
      await jobs.bull?.deliveryQueue.add("deliver", { outboxId: row.id }, { jobId: `outbox-${row.id}-${row.attempts}` });
      // More tries than BullMQ's own five attempts: a job that failed for good would keep the row from ever going out.
      // The warning is logged at the 1st, 2nd, 4th and 8th failure in a row.
      await until("the eighth failed try", () => runtime.lines.some((l) => l.msg === "database unavailable; jobs wait and try again" && (l.failures as number) >= 8));
      const warnings = runtime.lines.filter((l) => l.msg === "database unavailable; jobs wait and try again");
      expect(warnings.length).toBeLessThanOrEqual(8);
      pg.start();
      await until("the row to be delivered", () => delivered.includes("bull-outage"), 120_000);
      expect(delivered).toEqual(["bull-outage"]);
    } finally {
      await jobs.stop();
      await runtime.close();
    }
  }, 240_000);

  it("a scheduled run that fails while the database is down is tried again with backoff and runs once it is back", async () => {
    const runtime = await runtimeOnPrivateServer();
    // A cron (with seconds) that fires once, two seconds from now, while the server is stopped.
    const at = new Date(Date.now() + 2000);
    const cron = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
    const def = { id: "daily-sweep", kind: "daily-sweep" as const, description: "test", cron, tz: "UTC" };
    pg.stop();
    const scheduler = startInProcessScheduler(runtime, [def], 200);
    try {
      // Tried again with backoff from 200 ms: the third failed try comes after about 0.6 s.
      await until("three failed runs", () => runtime.lines.filter((l) => l.msg === "scheduled job failed").length >= 3);
      pg.start();
      await until("the run after the outage", () => runtime.lines.some((l) => l.schedule === "daily-sweep" && l.status !== undefined));
      const failures = runtime.lines.filter((l) => l.msg === "scheduled job failed");
      expect(failures.length).toBeLessThanOrEqual(6);
    } finally {
      await scheduler.stop();
      await runtime.close();
    }
  }, 120_000);

  it("`steward run` with the database down exits 4 with one line, no stack; `steward chat` keeps answering through an outage", async () => {
    const env = { DATABASE_URL: pg.url };
    expect((await steward(["run", "--as", "alice", "/tier"], env)).code).toBe(0);
    pg.stop();
    const down = await steward(["run", "--as", "alice", "/tier"], env);
    expect(down.code).toBe(4);
    expect(down.stdout).toBe("");
    expect(down.stderr).toMatch(/^Steward stopped: the database is unavailable \(.*\); nothing was recorded, try again\.\n$/);
    pg.start();

    const chat = startSteward(["chat", "--as", "alice"], env);
    try {
      await chat.waitFor(/terminal chat/);
      chat.process.stdin.write("/site submit https://chat-before.example.com kind:classic\n");
      await chat.waitFor(/Submitted https:\/\/chat-before\.example\.com/);
      pg.stop();
      chat.process.stdin.write("/site submit https://chat-during.example.com kind:classic\n");
      await chat.waitFor(/the database is unavailable; nothing was recorded, try again/);
      pg.start();
      chat.process.stdin.write("/site submit https://chat-after.example.com kind:classic\n");
      await chat.waitFor(/Submitted https:\/\/chat-after\.example\.com/);
      chat.process.stdin.end("/quit\n");
      const result = await chat.done;
      expect(result.code).toBe(0);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      chat.process.kill();
    }
  }, 240_000);
});
