// Outbox claims are short and renewed (src/jobs/claims.ts, src/store/outbox.ts):
// a renewal pushes the lock of the claim it names, never one that another
// process took over once the lock ran out, and the process that takes a row
// over learns when the dead claim began, however often it was renewed: the
// exactly-once check reads the platform's history from then, on every attempt
// until one has an outcome (a taker that only booked a rate slot and gave the
// row back must not let the attempt at that slot forget it).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCK_MS } from "../../src/jobs/claims.ts";
import { claimDue, claimOne, dueRows, recordDelivered, release, renewClaims, type Runs } from "../../src/store/outbox.ts";
import { reply } from "../../src/chat/reply.ts";
import { ensureMember } from "../../src/services/members.ts";
import { enqueue } from "../../src/services/outbox.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const runs: Runs = { targets: ["slack"], origin: null };

describe.each(storeKinds)("outbox claims renewed while held (%s)", (kind) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await testRuntime(kind);
  });
  afterEach(() => rt.close());

  it("a renewal keeps a claim alive past its first lock; once it lapses, the taker sees when it began and the old holder can renew nothing", async () => {
    const m = await ensureMember(rt.app, "slack", "U1", "alice");
    await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "dm", memberId: m.id, reply: reply("hello") }, { dedupeKey: "claims:1", now: rt.app.now() }));
    const lockFrom = (at: Date) => new Date(at.getTime() + LOCK_MS);

    const firstAt = rt.app.now();
    const [first] = await claimDue(rt.app, runs, firstAt, lockFrom(firstAt), 10);
    expect(first).toMatchObject({ claimedAt: firstAt, abandonedClaimAt: null });

    // Two beats later the first lock has run out, but the renewal moved it: nobody else may claim the row.
    rt.clock.advance(LOCK_MS - 1000);
    expect(await renewClaims(rt.app, [{ id: first!.id, claimedAt: first!.claimedAt }], lockFrom(rt.app.now()))).toEqual(new Set([first!.id]));
    rt.clock.advance(LOCK_MS - 1000);
    expect(await claimDue(rt.app, runs, rt.app.now(), lockFrom(rt.app.now()), 10)).toEqual([]);

    // The holder stops renewing (killed): after a lock's length the row is taken over, and the taker is told
    // when the dead claim began, not when its last renewal ran.
    rt.clock.advance(LOCK_MS + 1);
    const takenAt = rt.app.now();
    const [taken] = await claimDue(rt.app, runs, takenAt, lockFrom(takenAt), 10);
    expect(taken).toMatchObject({ id: first!.id, claimedAt: takenAt, abandonedClaimAt: firstAt, attempts: 2 });

    // The old holder, back from a stall, renews nothing: the row's claim is not its own any more.
    expect(await renewClaims(rt.app, [{ id: first!.id, claimedAt: first!.claimedAt }], lockFrom(rt.app.now()))).toEqual(new Set());
    const row = await rt.app.db.outboxMessage.findUniqueOrThrow({ where: { id: first!.id } });
    expect(row).toMatchObject({ claimedAt: takenAt, lockedUntil: lockFrom(takenAt) });
  });

  it("a row taken over from a dead claim and given back to wait for a rate slot still reads history when it is claimed at that slot", async () => {
    const m = await ensureMember(rt.app, "slack", "U1", "alice");
    await rt.app.db.$transaction((tx) => enqueue(tx, { kind: "dm", memberId: m.id, reply: reply("hello") }, { dedupeKey: "claims:2", now: rt.app.now() }));
    const lockFrom = (at: Date) => new Date(at.getTime() + LOCK_MS);

    const deadAt = rt.app.now();
    const [dead] = await claimDue(rt.app, runs, deadAt, lockFrom(deadAt), 10);
    // Its process posted the DM and was killed before recording it; the lock runs out and another takes the row.
    rt.clock.advance(LOCK_MS + 1);
    const takenAt = rt.app.now();
    const [taken] = await claimDue(rt.app, runs, takenAt, lockFrom(takenAt), 10);
    expect(taken).toMatchObject({ id: dead!.id, abandonedClaimAt: deadAt });

    // The channel's next free slot is a minute off: the taker books it and gives the row back until then, no attempt counted.
    const slotAt = new Date(takenAt.getTime() + 60_000);
    await release(rt.app, [taken!.id], { availableAt: slotAt, refund: true });
    rt.clock.advance(60_000);
    const again = await claimOne(rt.app, runs, dead!.id, rt.app.now(), lockFrom(rt.app.now()));
    expect(again).toMatchObject({ id: dead!.id, abandonedClaimAt: deadAt });

    // Once an attempt has an outcome, the row is done and nobody claims it again.
    await recordDelivered(rt.app, [again!.id], "slack", rt.app.now());
    rt.clock.advance(LOCK_MS + 1);
    expect(await claimDue(rt.app, runs, rt.app.now(), lockFrom(rt.app.now()), 10)).toEqual([]);
  });

  it("the sweep lists due rows channel by channel in turn, each channel's oldest first", async () => {
    const alice = await ensureMember(rt.app, "slack", "U1", "alice");
    const bob = await ensureMember(rt.app, "slack", "U2", "bob");
    const write = (key: string, message: Parameters<typeof enqueue>[1]) => rt.app.db.$transaction((tx) => enqueue(tx, message, { dedupeKey: key, now: rt.app.now() }));
    for (const i of [1, 2, 3]) await write(`a${i}`, { kind: "dm", memberId: alice.id, reply: reply(`a${i}`) });
    for (const i of [1, 2]) await write(`b${i}`, { kind: "dm", memberId: bob.id, reply: reply(`b${i}`) });
    await write("g1", { kind: "post", channel: "general", reply: reply("g1") });
    const keyOf = new Map((await rt.app.db.outboxMessage.findMany()).map((r) => [r.id, r.dedupeKey]));
    const listed = await dueRows(rt.app, runs, rt.app.now(), 10);
    expect(listed.map((r) => keyOf.get(r.id))).toEqual(["a1", "b1", "g1", "a2", "b2", "a3"]);
  });
});
