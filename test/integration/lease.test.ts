// Leases (src/store/lease.ts): one holder at a time until the expiry, renewal
// by the holder, release, and an expired lease free for anyone. PGlite always,
// Postgres when DATABASE_URL is set, where many takers at once get one lease.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimInbound, INBOUND_LEASE_MS } from "../../src/services/inbound.ts";
import { handOverLease, keepLease, readLease, releaseLease, saveLeaseState, takeLease } from "../../src/store/lease.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const TTL = 30_000;

describe.each(storeKinds)("leases on %s", (kind) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await testRuntime(kind);
  });
  afterEach(async () => {
    await rt.close();
  });
  const take = (holder: string, name = "work") => takeLease(rt.app.sql, name, holder, TTL, rt.app.now());

  it("an inbound event keeps the first finished outcome when a holder whose lease ran out finishes after the one who took it over", async () => {
    const event = { source: "partner", key: "late-holder", type: "site.published", subject: "P-1", payload: {}, occurredAt: null };
    const slow = await claimInbound(rt.app, event);
    if (slow.kind !== "claimed") throw new Error("the first claim takes the event");
    rt.clock.advance(INBOUND_LEASE_MS + 1);
    const retry = await claimInbound(rt.app, event);
    if (retry.kind !== "claimed") throw new Error("an expired claim is taken over");
    await retry.lease.finish({ status: "applied", result: "site submitted" });
    await slow.lease.finish({ status: "refused", result: "already submitted" });
    expect(await rt.app.db.inboundEvent.findUniqueOrThrow({ where: { key: "late-holder" } })).toMatchObject({ status: "applied", result: "site submitted" });
  });

  it("one holder until the expiry; the holder renews; after the expiry or a release anyone may take it", async () => {
    const first = await take("a");
    expect(first).toEqual({ taken: true, expiresAt: new Date(rt.app.now().getTime() + TTL) });
    expect(await take("b")).toEqual({ taken: false, holder: "a", expiresAt: first.expiresAt });
    rt.clock.advance(TTL / 2);
    expect(await take("a")).toEqual({ taken: true, expiresAt: new Date(rt.app.now().getTime() + TTL) });
    rt.clock.advance(TTL - 1);
    expect((await take("b")).taken).toBe(false);
    rt.clock.advance(1);
    expect((await take("b")).taken).toBe(true);
    // Only the holder can release it.
    await releaseLease(rt.app.sql, "work", "a");
    expect(await take("c")).toMatchObject({ taken: false, holder: "b" });
    await releaseLease(rt.app.sql, "work", "b");
    expect((await take("c")).taken).toBe(true);
    expect((await take("d", "other work")).taken).toBe(true);
  });

  it("a kept lease renews on its beat and hears when another holder has it; handed over, its state waits for the next holder", async () => {
    await take("a", "shard");
    let kept: ReturnType<typeof keepLease> | undefined;
    const lost = new Promise<void>((resolve) => {
      kept = keepLease(rt.app.sql, "shard", "a", { ttlMs: TTL, renewEveryMs: 10, now: () => rt.app.now(), onLost: resolve });
    });
    expect(await saveLeaseState(rt.app.sql, "shard", "a", { sequence: 1 })).toBe(true);
    // Paused past the expiry, and another process took it meanwhile: the next beat says so, and the state stays the other's to write.
    await rt.app.sql.query(`UPDATE leases SET holder = 'b' WHERE name = 'shard'`);
    await lost;
    expect(kept?.held).toBe(false);
    expect(await saveLeaseState(rt.app.sql, "shard", "a", { sequence: 99 })).toBe(false);
    expect(await saveLeaseState(rt.app.sql, "shard", "b", { sequence: 2 })).toBe(true);
    await handOverLease(rt.app.sql, "shard", "b", rt.app.now());
    expect((await take("c", "shard")).taken).toBe(true);
    expect(await readLease(rt.app.sql, "shard")).toMatchObject({ holder: "c", state: { sequence: 2 } });
  });

  it("many takers at once: exactly one holds it", async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => take(`holder-${i}`)));
    expect(answers.filter((a) => a.taken)).toHaveLength(1);
    const holder = answers.find((a) => !a.taken);
    expect(holder && !holder.taken && holder.holder).toMatch(/^holder-/);
  });
});
