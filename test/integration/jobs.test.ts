// Schedules and delivery against real databases (PGlite always, Postgres when
// DATABASE_URL is set): the schedule table, catch-up that runs a period once,
// reminders that reach nobody twice, quiet hours, batching, rate limits and
// permanent failures. The BullMQ side is in bullmq.test.ts.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { reply } from "../../src/chat/reply.ts";
import { dispatch } from "../../src/dispatch/dispatch.ts";
import type { Actor } from "../../src/core/actor.ts";
import { deliverDue, deliverOne } from "../../src/jobs/deliver.ts";
import { listSchedules, startJobs } from "../../src/jobs/index.ts";
import { memoryGate } from "../../src/jobs/rate.ts";
import { BOOKED_GRACE_MS } from "../../src/jobs/slots.ts";
import { catchUp, runDue } from "../../src/jobs/run.ts";
import { dueRun, scheduleTable } from "../../src/jobs/schedules.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryTarget } from "../../src/jobs/target.ts";
import { ensureMember } from "../../src/services/members.ts";
import { enqueue, type OutboxMessage } from "../../src/services/outbox.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { runOn, virtualClock } from "../helpers/virtual-clock.ts";

interface Received {
  message: OutboxMessage;
  dedupeKey: string;
  handle?: string;
}

function recorder(name: DeliveryTarget["name"] = "console") {
  const received: Received[] = [];
  const target: DeliveryTarget = {
    name,
    deliver: async (message, ctx) => {
      received.push({ message, dedupeKey: ctx.dedupeKey, ...(ctx.member ? { handle: ctx.member.handle } : {}) });
      return "delivered";
    },
  };
  return { target, received };
}

const PROGRAM = "community-leaders-velo";

describe.each(storeKinds)("jobs on %s", (kind) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    // Wednesday 25 Nov 2026, 12:00 in Berlin.
    rt = await testRuntime(kind, { STEWARD_TIMEZONE: "Europe/Berlin" }, undefined);
    rt.clock.set("2026-11-25T11:00:00Z");
  });
  afterEach(async () => {
    await rt.close();
  });

  async function member(handle: string, timezone?: string) {
    const m = await ensureMember(rt.app, "console", handle, handle);
    if (timezone) await rt.app.db.member.update({ where: { id: m.id }, data: { timezone } });
    return m;
  }

  async function dm(memberId: string, text: string, key: string) {
    await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "dm", memberId, reply: reply(text) }, { dedupeKey: key, now: rt.app.now() }));
  }

  it("has a stable schedule table with next runs in the organisation's timezone", () => {
    const ids = scheduleTable(rt.app.pack, rt.app.config).map((d) => d.id);
    expect(ids).toEqual(scheduleTable(rt.app.pack, rt.app.config).map((d) => d.id));
    expect(ids).toContain(`weekly-report/${PROGRAM}`);
    expect(ids).toContain(`reminder/${PROGRAM}`);
    expect(ids).toContain(`monthly-reminder/${PROGRAM}`);
    expect(ids).toContain("daily-sweep");
    const byId = new Map(listSchedules(rt.app).map((s) => [s.id, s]));
    // Monday 30 Nov 09:00 CET is 08:00 UTC; Thursday 26 Nov 10:00 CET is 09:00 UTC.
    expect(byId.get(`weekly-report/${PROGRAM}`)?.nextRun?.toISOString()).toBe("2026-11-30T08:00:00.000Z");
    expect(byId.get(`reminder/${PROGRAM}`)?.nextRun?.toISOString()).toBe("2026-11-26T09:00:00.000Z");
    // November has 30 days; five days left counts 26 to 30: the reminder goes out on the 26th at 10:00 CET.
    expect(byId.get(`monthly-reminder/${PROGRAM}`)?.nextRun?.toISOString()).toBe("2026-11-26T09:00:00.000Z");
  });

  it("catches up a missed weekly report once, for the week before it was due", async () => {
    const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === `weekly-report/${PROGRAM}`);
    if (!def) throw new Error("no report schedule");
    // The report was due Monday 23 Nov 09:00; the bot comes up on Wednesday.
    expect(dueRun(def, rt.app.now(), rt.app.pack)?.period).toBe("2026-W47");
    const first = await runDue(rt.app, def);
    expect(first.status).toBe("ran");
    expect(first.period).toBe("2026-W47");
    expect((await runDue(rt.app, def)).status).toBe("already-ran");
    const posts = await rt.app.db.outboxMessage.findMany({ where: { kind: "post" } });
    expect(posts.map((p) => p.dedupeKey)).toEqual([`report:${PROGRAM}:2026-W47:post`]);
    expect(posts[0]?.channel).toBe("moderators");
    // Catch-up on a second start (or in a second process) finds the period recorded.
    const again = await catchUp(rt.app, [def]);
    expect(again.map((r) => r.status)).toEqual(["already-ran"]);
    expect(await rt.app.db.scheduleRun.count({ where: { scheduleId: def.id } })).toBe(1);
  });

  it("starts a fresh install from now: nothing from before it existed is caught up", async () => {
    const defs = scheduleTable(rt.app.pack, rt.app.config);
    const results = await catchUp(rt.app, defs);
    expect(results.every((r) => r.status === "already-ran")).toBe(true);
    expect(await rt.app.db.outboxMessage.count()).toBe(0);
    expect(await rt.app.db.scheduleRun.findUnique({ where: { scheduleId_period: { scheduleId: `weekly-report/${PROGRAM}`, period: "2026-W47" } } })).not.toBeNull();
    // A week later the next report is due and runs.
    rt.clock.advance(7 * 86_400_000);
    expect((await catchUp(rt.app, defs)).find((r) => r.scheduleId === `weekly-report/${PROGRAM}`)?.status).toBe("ran");
  });

  it("runs a period once when two runs race (the schedule_runs row decides)", async () => {
    const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === `weekly-report/${PROGRAM}`);
    if (!def) throw new Error("no report schedule");
    const results = await Promise.all([runDue(rt.app, def), runDue(rt.app, def), runDue(rt.app, def)]);
    expect(results.filter((r) => r.status === "ran")).toHaveLength(1);
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "post" } })).toBe(1);
  });

  it("reminds leaders short of this week's commitments once per period, in their timezone", async () => {
    const alice = await member("alice", "America/New_York");
    const bob = await member("bob");
    for (const m of [alice, bob])
      await rt.app.db.membership.create({ data: { memberId: m.id, programId: PROGRAM, state: "active", joinedAt: new Date("2026-09-01T00:00:00Z") } });
    // Thursday 26 Nov, 10:05 Berlin: the reminder fired five minutes ago.
    rt.clock.set("2026-11-26T09:05:00Z");
    const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === `reminder/${PROGRAM}`);
    if (!def) throw new Error("no reminder schedule");
    expect((await runDue(rt.app, def)).summary).toMatch(/2 reminders queued/);
    expect((await runDue(rt.app, def)).status).toBe("already-ran");
    // A moderator running it again reaches nobody twice.
    const mod = await member("mod");
    const actor: Actor = { memberId: mod.id, handle: "mod", displayName: "mod", platform: "console", externalId: "mod", isModerator: true };
    const out = await dispatch(registry, { command: "schedule", words: ["run", "reminder"] }, { app: rt.app, actor, interactive: false, invocationId: randomUUID() });
    expect(out.type === "reply" && out.reply.status).toBe("ok");
    const rows = await rt.app.db.outboxMessage.findMany({ where: { kind: "dm" }, orderBy: { memberId: "asc" } });
    expect(rows.map((r) => r.dedupeKey).sort()).toEqual([`reminder:${PROGRAM}:week:2026-W48:${alice.id}`, `reminder:${PROGRAM}:week:2026-W48:${bob.id}`].sort());
    const { target, received } = recorder();
    rt.app.pack.quietHours = undefined;
    await deliverDue(rt.app, [target]);
    expect(received.map((r) => r.handle)).toEqual(["bob"]);
    // Her reminder waits for the reminder's time of day where she lives: 10:00 in New York is 15:00 UTC.
    expect(rows.find((r) => r.memberId === alice.id)?.availableAt.toISOString()).toBe("2026-11-26T15:00:00.000Z");
    rt.clock.set("2026-11-26T15:00:00Z");
    await deliverDue(rt.app, [target]);
    const toAlice = received.find((r) => r.handle === "alice");
    expect(JSON.stringify(toAlice?.message)).toContain("Contribute in the private Slack: 1 more");
    // Alice lives in New York: the week ends Monday 00:00 Berlin, which is Sunday 18:00 there.
    expect(JSON.stringify(toAlice?.message)).toContain("Sun 29 Nov 2026, 17:59");
  });

  it("does not send a reminder for a week that is over", async () => {
    const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === `reminder/${PROGRAM}`);
    if (!def) throw new Error("no reminder schedule");
    // Monday: last Thursday's reminder is stale, this week's is not due yet.
    rt.clock.set("2026-11-30T08:00:00Z");
    expect(dueRun(def, rt.app.now(), rt.app.pack)).toBeNull();
  });

  it("holds DMs during quiet hours in the member's timezone and lets posts through", async () => {
    const alice = await member("alice", "Asia/Tokyo");
    const bob = await member("bob");
    // 14:00 UTC: 23:00 in Tokyo (quiet until 08:00), 15:00 in Berlin.
    rt.clock.set("2026-11-25T14:00:00Z");
    await dm(alice.id, "for alice", "k:alice");
    await dm(bob.id, "for bob", "k:bob");
    await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel: "announcements", reply: reply("hello all") }, { dedupeKey: "k:post", now: rt.app.now() }));
    const { target, received } = recorder();
    await deliverDue(rt.app, [target]);
    expect(received.map((r) => r.dedupeKey).sort()).toEqual(["k:bob", "k:post"]);
    const held = await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "k:alice" } });
    expect(held.status).toBe("pending");
    expect(held.attempts).toBe(0);
    expect(held.availableAt.toISOString()).toBe("2026-11-25T23:00:00.000Z"); // 08:00 in Tokyo
    rt.clock.set("2026-11-25T23:00:00Z");
    await deliverDue(rt.app, [target]);
    expect(received.map((r) => r.dedupeKey)).toContain("k:alice");
  });

  it("sends several DMs for one member written within batchMinutes as one message", async () => {
    const alice = await member("alice");
    const bob = await member("bob");
    await dm(alice.id, "You reached Pioneer", "k1");
    await dm(alice.id, "You got the Partner badge", "k2");
    await dm(bob.id, "Hi bob", "k3");
    const { target, received } = recorder();
    expect(await deliverDue(rt.app, [target])).toBe(3);
    expect(received).toHaveLength(2);
    const toAlice = received.find((r) => r.handle === "alice");
    expect(toAlice?.message.kind === "dm" && toAlice.message.reply.text).toBe("You reached Pioneer\nYou got the Partner badge");
    expect(toAlice?.dedupeKey).toMatch(/^batch:\d+,\d+$/);
    expect(await rt.app.db.outboxMessage.count({ where: { status: "delivered" } })).toBe(3);
  });

  it("honours a platform's Retry-After without counting it as a failed attempt", async () => {
    const bob = await member("bob");
    await dm(bob.id, "hi", "k:rl");
    let calls = 0;
    const seen: string[] = [];
    const flaky: DeliveryTarget = {
      name: "slack",
      deliver: async (_m, ctx) => {
        calls++;
        if (calls === 1) throw new RateLimitedError(30_000);
        seen.push(ctx.dedupeKey);
        return "delivered";
      },
    };
    expect(await deliverDue(rt.app, [flaky])).toBe(0);
    const row = await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "k:rl" } });
    expect(row.attempts).toBe(0);
    expect(row.availableAt.getTime()).toBe(rt.app.now().getTime() + 30_000);
    expect(await deliverDue(rt.app, [flaky])).toBe(0); // not before the wait
    rt.clock.advance(30_000);
    expect(await deliverDue(rt.app, [flaky])).toBe(1);
    expect(seen).toEqual(["k:rl"]);
  });

  it("tells the target a row was delivered only once the row is recorded, and a throw there changes nothing", async () => {
    const bob = await member("bob");
    await dm(bob.id, "hi", "k:after");
    const statusAtAfter: string[] = [];
    let after: Promise<void> | undefined;
    const target: DeliveryTarget = {
      name: "slack",
      deliver: async () => "delivered",
      afterDelivered: (message, ctx) => {
        after = rt.app.db.outboxMessage.findUniqueOrThrow({ where: { id: ctx.outboxId } }).then((row) => {
          statusAtAfter.push(`${message.kind}:${row.status}`);
        });
        throw new Error("a follow-up call failed");
      },
    };
    expect(await deliverDue(rt.app, [target])).toBe(1);
    await after;
    expect(statusAtAfter).toEqual(["dm:delivered"]);
    const row = await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "k:after" } });
    expect(row.status).toBe("delivered");
    expect(row.lastError).toBeNull();
  });

  it("records a permanent failure on the row and goes on with the others", async () => {
    const gone = await member("gone");
    const bob = await member("bob");
    await dm(gone.id, "hi", "k:gone");
    await dm(bob.id, "hi", "k:bob");
    const { target, received } = recorder("discord");
    const picky: DeliveryTarget = {
      name: "discord",
      deliver: async (m, ctx) => {
        if (ctx.member?.handle === "gone") throw new PermanentDeliveryError("user left the server");
        return target.deliver(m, ctx);
      },
    };
    await deliverDue(rt.app, [picky]);
    expect(received.map((r) => r.dedupeKey)).toEqual(["k:bob"]);
    const failed = await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "k:gone" } });
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toBe("user left the server");
  });

  it("spaces messages to one channel by the target's per-channel limit", async () => {
    for (let i = 0; i < 3; i++)
      await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel: "announcements", reply: reply(`n${i}`) }, { dedupeKey: `p${i}`, now: rt.app.now() }));
    const clock = virtualClock();
    const times: number[] = [];
    const slow: DeliveryTarget = {
      name: "slack",
      limits: { perChannelMs: 300 },
      deliver: async () => {
        times.push(clock.now());
        return "delivered";
      },
    };
    expect(await runOn(clock, deliverDue(rt.app, [slow], 50, { gate: memoryGate(clock), clock }))).toBe(3);
    // Each message waited for its slot, no longer: one every 300 ms from the first.
    expect(times).toEqual([0, 300, 600]);
  });

  it("does not hold back other channels' rows while one channel waits for its slot", async () => {
    const bob = await member("bob");
    const carol = await member("carol");
    // The busy channel's rows come first: delivered one at a time, they used to keep everyone waiting.
    for (let i = 0; i < 4; i++)
      await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel: "announcements", reply: reply(`n${i}`) }, { dedupeKey: `busy${i}`, now: rt.app.now() }));
    await dm(bob.id, "for bob", "k:bob");
    await dm(carol.id, "for carol", "k:carol");
    const clock = virtualClock();
    const sent: { key: string; at: number }[] = [];
    let dmsSent: () => void = () => {};
    const bothDms = new Promise<void>((resolve) => (dmsSent = resolve));
    const slack: DeliveryTarget = {
      name: "slack",
      limits: { perChannelMs: 1000 },
      deliver: async (_m, ctx) => {
        sent.push({ key: ctx.dedupeKey, at: clock.now() });
        if (sent.some((s) => s.key === "k:bob") && sent.some((s) => s.key === "k:carol")) dmsSent();
        return "delivered";
      },
    };
    const deferred: Date[] = [];
    const start = clock.now();
    // Its own gate: the module's default one remembers other tests' channels.
    const delivering = deliverDue(rt.app, [slack], 50, { gate: memoryGate(clock), clock, onDeferred: (at) => deferred.push(at) });
    // The busy channel sleeps until its second slot and the clock stands still: the DMs go out meanwhile.
    await Promise.race([Promise.all([bothDms, clock.sleeping()]), delivering]);
    const at = (key: string) => sent.find((s) => s.key === key)?.at ?? Infinity;
    expect(at("k:bob") - start).toBe(0);
    expect(at("k:carol") - start).toBe(0);
    expect(sent.filter((s) => s.key.startsWith("busy")).map((s) => s.key)).toEqual(["busy0"]);
    const delivered = await runOn(clock, delivering);
    // The busy channel still gets one message a second, and what would wait past the batch (2 s) goes back.
    const busy = sent.filter((s) => s.key.startsWith("busy"));
    expect(busy).toEqual([
      { key: "busy0", at: start },
      { key: "busy1", at: start + 1000 },
      { key: "busy2", at: start + 2000 },
    ]);
    expect(delivered).toBe(2 + busy.length);
    const waiting = await rt.app.db.outboxMessage.findMany({ where: { status: "pending" }, orderBy: { id: "asc" } });
    expect(waiting.map((w) => w.dedupeKey)).toEqual(["busy0", "busy1", "busy2", "busy3"].slice(busy.length));
    for (const w of waiting) {
      expect(w.attempts).toBe(0); // waiting for a slot is not a failed attempt
      expect(w.lockedUntil).toBeNull();
      // Due when its slot is: a second after busy2's.
      expect(w.availableAt.getTime()).toBe(rt.app.now().getTime() + 1000);
    }
    expect(deferred).toHaveLength(1);
    expect(deferred[0]?.getTime()).toBe(waiting[0]?.availableAt.getTime());
  });

  /** Three posts queued for one channel, and a Slack target that allows one message there every 3 s on a virtual clock. */
  async function busyChannel(prefix: string) {
    for (let i = 0; i < 3; i++)
      await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "post", channel: "announcements", reply: reply(`n${i}`) }, { dedupeKey: `${prefix}${i}`, now: rt.app.now() }));
    const rows = await rt.app.db.outboxMessage.findMany({ orderBy: { id: "asc" } });
    const clock = virtualClock();
    const gate = memoryGate(clock);
    const sent: { key: string; at: number }[] = [];
    const slack: DeliveryTarget = {
      name: "slack",
      limits: { perChannelMs: 3000 },
      deliver: async (_m, ctx) => {
        sent.push({ key: ctx.dedupeKey, at: clock.now() });
        return "delivered";
      },
    };
    return { rows, clock, gate, sent, slack };
  }

  it("books a busy channel's later slots, one per row, for rows delivered one by one (BullMQ)", async () => {
    const { rows, clock, gate, sent, slack } = await busyChannel("b");
    const outcomes = [];
    for (const row of rows) outcomes.push(await deliverOne(rt.app, [slack], row.id, { gate, clock }));
    expect(outcomes[0]).toEqual({ status: "delivered", ids: [rows[0]?.id] });
    // Each later row got a slot of its own, 3 s apart, instead of all coming back at the next free one.
    expect(outcomes.slice(1)).toEqual([
      { status: "rate-limited", retryAfterMs: 3000, platform: false, booking: { key: "slack:channel:announcements", at: 3000 } },
      { status: "rate-limited", retryAfterMs: 6000, platform: false, booking: { key: "slack:channel:announcements", at: 6000 } },
    ]);
    for (const row of rows.slice(1)) expect((await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { id: row.id } })).attempts).toBe(0);
    // Due to the sweep only a while after its slot: the booked job takes it, not a sweep's job that would book anew.
    const due = (await rt.app.db.outboxMessage.findMany({ where: { id: { in: rows.slice(1).map((r) => r.id) } }, orderBy: { id: "asc" } })).map((r) => r.availableAt.getTime() - rt.app.now().getTime());
    expect(due).toEqual([3000 + BOOKED_GRACE_MS, 6000 + BOOKED_GRACE_MS]);
    // The row's next job comes at its slot and sends without asking the gate again.
    rt.clock.advance(6000);
    for (const [i, row] of rows.slice(1).entries()) {
      const outcome = outcomes[i + 1];
      if (outcome?.status !== "rate-limited" || !outcome.booking) throw new Error("no booking");
      expect(await runOn(clock, deliverOne(rt.app, [slack], row.id, { gate, clock, booking: outcome.booking }))).toEqual({ status: "delivered", ids: [row.id] });
    }
    expect(sent).toEqual([
      { key: "b0", at: 0 },
      { key: "b1", at: 3000 },
      { key: "b2", at: 6000 },
    ]);
    // The slots taken stay taken: the channel's next free one is after the last booking.
    expect(await gate.reserve("slack:channel:announcements", 3000, 0)).toEqual({ reserved: false, waitMs: 3000 });
  });

  it("gives a row that comes back late for its booked slot a new slot, so late rows of one channel never go out together", async () => {
    const { rows, clock, gate, sent, slack } = await busyChannel("late");
    const outcomes = [];
    for (const row of rows) outcomes.push(await deliverOne(rt.app, [slack], row.id, { gate, clock }));
    // Slots booked at 3 s and 6 s; then the process stalls and both jobs come back at 7 s.
    await runOn(clock, clock.sleep(7000));
    rt.clock.advance(7000);
    for (const [i, row] of rows.slice(1).entries()) {
      const outcome = outcomes[i + 1];
      if (outcome?.status !== "rate-limited" || !outcome.booking) throw new Error("no booking");
      const again = await runOn(clock, deliverOne(rt.app, [slack], row.id, { gate, clock, booking: outcome.booking }));
      if (again.status === "rate-limited" && again.booking) {
        expect(again.booking.at).toBeGreaterThan(clock.now());
        const until = again.booking.at - clock.now();
        rt.clock.advance(until);
        await runOn(clock, clock.sleep(until));
        expect(await runOn(clock, deliverOne(rt.app, [slack], row.id, { gate, clock, booking: again.booking }))).toEqual({ status: "delivered", ids: [row.id] });
      } else expect(again).toEqual({ status: "delivered", ids: [row.id] });
    }
    expect(sent.map((s) => s.key)).toEqual(["late0", "late1", "late2"]);
    // However late the jobs ran, the channel saw its messages at least its spacing apart.
    for (let i = 1; i < sent.length; i++) expect((sent[i]?.at ?? 0) - (sent[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(3000);
  });

  it("lets moderators subscribe to report DMs and lists schedules for anyone", async () => {
    const mod = await member("mod");
    const bob = await member("bob");
    const actor = (m: { id: string; handle: string }, isModerator: boolean): Actor => ({ memberId: m.id, handle: m.handle, displayName: m.handle, platform: "console", externalId: m.handle, isModerator });
    const list = await dispatch(registry, { command: "schedule", words: [] }, { app: rt.app, actor: actor(bob, false), interactive: false, invocationId: randomUUID() });
    expect(list.type === "reply" && JSON.stringify(list.reply.blocks)).toContain("Mon 30 Nov 2026, 09:00");
    const denied = await dispatch(registry, { command: "schedule", words: ["run", "weekly-report"] }, { app: rt.app, actor: actor(bob, false), interactive: false, invocationId: randomUUID() });
    expect(denied.type === "reply" && denied.reply.status).toBe("user-error");
    const unknown = await dispatch(registry, { command: "schedule", words: ["run", "weekly"] }, { app: rt.app, actor: actor(mod, true), interactive: false, invocationId: randomUUID() });
    expect(unknown.type === "reply" && unknown.reply.text).toMatch(/no schedule 'weekly'.*weekly-report/);
    const sub = await dispatch(registry, { command: "schedule", words: ["subscribe", PROGRAM] }, { app: rt.app, actor: actor(mod, true), interactive: false, invocationId: randomUUID() });
    expect(sub.type === "reply" && sub.reply.status).toBe("ok");
    const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === `weekly-report/${PROGRAM}`);
    if (!def) throw new Error("no report schedule");
    await runDue(rt.app, def);
    const dms = await rt.app.db.outboxMessage.findMany({ where: { kind: "dm" } });
    expect(dms.map((d) => d.memberId)).toEqual([mod.id]);
    await dispatch(registry, { command: "schedule", words: ["unsubscribe"] }, { app: rt.app, actor: actor(mod, true), interactive: false, invocationId: randomUUID() });
    expect(await rt.app.db.preference.count()).toBe(0);
  });

  it("starts in-process without Redis, catches up, delivers and stops", async () => {
    const { target, received } = recorder();
    // The bot ran before (it reported 2026-W46), then was down over Monday's report.
    await rt.app.db.scheduleRun.create({ data: { scheduleId: `weekly-report/${PROGRAM}`, period: "2026-W46" } });
    const jobs = await startJobs(rt, [target], { redisUrl: null, pollMs: 50 });
    expect(jobs.mode).toBe("in-process");
    await jobs.drain();
    // The catch-up at start posted last week's report of every community program, and the partner health.
    expect(received.filter((r) => r.message.kind === "post").map((r) => r.dedupeKey).sort()).toEqual([
      "partner-health:2026-W47:post",
      "report:community-leaders-editorx:2026-W47:post",
      `report:${PROGRAM}:2026-W47:post`,
      "report:velo-masters:2026-W47:post",
    ]);
    expect(await jobs.runNow("weekly-report")).toMatch(/report posted/);
    await jobs.drain();
    expect(received.filter((r) => r.message.kind === "post")).toHaveLength(7);
    await jobs.stop();
  });
});
