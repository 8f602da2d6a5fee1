// The store's unit of work: delivery is woken once after a commit that wrote
// outbox rows and never after a rollback (on PGlite). Against a real
// PostgreSQL: a deadlock and a unique violation between two live transactions
// are retried, and what is not a conflict is not. PGlite runs one transaction
// at a time, so two can never deadlock or race there; those run where
// DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reply } from "../../src/chat/reply.ts";
import { enqueue } from "../../src/services/outbox.ts";
import { transaction } from "../../src/store/transaction.ts";
import type { Tx } from "../../src/store/client.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

/** Resolves once `n` callers have arrived: lines two transactions up at the point where they collide. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return () => {
    if (++arrived === n) release();
    return all;
  };
}

describe("a unit of work wakes delivery after it commits", () => {
  let rt: TestRuntime;
  let wakes = 0;
  const wake = () => wakes++;
  beforeEach(async () => {
    rt = await testRuntime();
    wakes = 0;
    rt.events.on("outbox", wake);
  });
  afterEach(async () => {
    rt.events.off("outbox", wake);
    await rt.close();
  });

  const dm = (tx: Tx, key: string) => enqueue(tx, { kind: "post", channel: "announcements", reply: reply("hi") }, { now: rt.app.now(), dedupeKey: key });

  it("a committed unit of work that wrote outbox rows wakes delivery once, however many rows", async () => {
    await transaction(rt.app, async (tx) => {
      await dm(tx, "one");
      await dm(tx, "two");
    });
    expect(wakes).toBe(1);
    expect(await rt.app.db.outboxMessage.count()).toBe(2);
  });

  it("a rolled-back unit of work wakes nothing, and one that wrote no rows wakes nothing", async () => {
    await expect(
      transaction(rt.app, async (tx) => {
        await dm(tx, "gone");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    await transaction(rt.app, (tx) => tx.member.count());
    expect(wakes).toBe(0);
    expect(await rt.app.db.outboxMessage.count()).toBe(0);
  });

  it("rows written by an attempt that was run again count once, for the attempt that committed", async () => {
    let runs = 0;
    await transaction(rt.app, async (tx) => {
      await dm(tx, `attempt-${++runs}`);
      // What Postgres says to the loser of a race: the helper runs the unit again.
      if (runs === 1) throw Object.assign(new Error("write conflict"), { code: "P2034" });
    });
    expect(runs).toBe(2);
    expect(wakes).toBe(1);
    expect((await rt.app.db.outboxMessage.findMany({ orderBy: { id: "asc" } })).map((r) => r.dedupeKey)).toEqual(["attempt-2"]);
  });
});

describe.runIf(process.env.DATABASE_URL)("transaction retries on postgres", () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await testRuntime("postgres");
    await rt.app.db.member.createMany({ data: [{ id: "a", handle: "a", displayName: "A" }, { id: "b", handle: "b", displayName: "B" }] });
  });
  afterEach(() => rt.close());

  const touch = (tx: Tx, id: string) => tx.$executeRaw`UPDATE members SET display_name = display_name || '.' WHERE id = ${id}`;

  it("a deadlock aborts one transaction, which runs again and succeeds", async () => {
    const meet = barrier(2);
    let runs = 0;
    const crosswise = (first: string, second: string) =>
      transaction(rt.app, async (tx) => {
        runs++;
        await touch(tx, first);
        if (runs <= 2) await meet();
        await touch(tx, second);
      });
    await Promise.all([crosswise("a", "b"), crosswise("b", "a")]);
    expect(runs).toBe(3);
    const names = await rt.app.db.member.findMany({ orderBy: { id: "asc" } });
    expect(names.map((m) => m.displayName)).toEqual(["A..", "B.."]);
  });

  it("the loser of a unique race runs again and sees the winner's row", async () => {
    const meet = barrier(2);
    const seen: (string | null)[] = [];
    const claim = () =>
      transaction(rt.app, async (tx) => {
        const existing = await tx.certification.findUnique({ where: { memberId_kind: { memberId: "a", kind: "velo" } } });
        seen.push(existing?.actor ?? null);
        if (existing) return "already";
        if (seen.length <= 2) await meet();
        await tx.certification.create({ data: { memberId: "a", kind: "velo", actor: `run-${seen.length}` } });
        return "created";
      });
    expect((await Promise.all([claim(), claim()])).sort()).toEqual(["already", "created"]);
    expect(seen).toHaveLength(3);
    expect(seen[2]).toMatch(/^run-/);
  });

  it("an error that is not a conflict is not retried", async () => {
    let runs = 0;
    await expect(
      transaction(rt.app, async (tx) => {
        runs++;
        await tx.$executeRaw`SELECT 1 / 0`;
      }),
    ).rejects.toThrow(/division by zero/);
    expect(runs).toBe(1);
  });
});
