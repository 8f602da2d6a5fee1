// The delivery policy alone: quiet hours in the member's timezone, the one
// batching window both job modes use, and when a failing row is given up.
import { describe, expect, it } from "vitest";
import { afterFailure, batchRange, deliveryPolicy, groupDms, holdUntil, MAX_ATTEMPTS, quietUntil, retryDelayMs, type Batchable } from "../../src/domain/delivery.ts";

const at = (iso: string) => new Date(iso);

describe("quiet hours", () => {
  const night = { start: "22:00", end: "08:00" };

  it("holds until the end of quiet hours that span midnight, in the member's timezone", () => {
    // 23:30 in Berlin (CET, UTC+1) is inside; they end at 08:00 Berlin the next morning.
    expect(quietUntil(night, at("2026-11-25T22:30:00Z"), "Europe/Berlin")?.toISOString()).toBe("2026-11-26T07:00:00.000Z");
    // 03:00 in Berlin: the same night, ending that morning.
    expect(quietUntil(night, at("2026-11-26T02:00:00Z"), "Europe/Berlin")?.toISOString()).toBe("2026-11-26T07:00:00.000Z");
    // The same instant is 17:30 in New York: not quiet there.
    expect(quietUntil(night, at("2026-11-25T22:30:00Z"), "America/New_York")).toBeNull();
  });

  it("ends exactly at the end minute and starts exactly at the start minute", () => {
    expect(quietUntil(night, at("2026-11-26T07:00:00Z"), "Europe/Berlin")).toBeNull();
    expect(quietUntil(night, at("2026-11-25T21:00:00Z"), "Europe/Berlin")?.toISOString()).toBe("2026-11-26T07:00:00.000Z");
    expect(quietUntil(night, at("2026-11-25T20:59:00Z"), "Europe/Berlin")).toBeNull();
  });

  it("handles quiet hours within one day, none at all, and equal ends as none", () => {
    const lunch = { start: "12:00", end: "13:30" };
    expect(quietUntil(lunch, at("2026-06-01T10:15:00Z"), "UTC")).toBeNull();
    expect(quietUntil(lunch, at("2026-06-01T12:15:00Z"), "UTC")?.toISOString()).toBe("2026-06-01T13:30:00.000Z");
    expect(quietUntil(undefined, at("2026-06-01T12:15:00Z"), "UTC")).toBeNull();
    expect(quietUntil({ start: "09:00", end: "09:00" }, at("2026-06-01T09:00:00Z"), "UTC")).toBeNull();
  });

  it("ends at a real instant on the night the clocks go forward", () => {
    // Berlin, 29 March 2026: 02:00 becomes 03:00. Quiet hours ending at 02:30 end at 03:30 CEST.
    const until = quietUntil({ start: "22:00", end: "02:30" }, at("2026-03-28T23:30:00Z"), "Europe/Berlin");
    expect(until?.toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });

  it("holds only DMs, and only where they wake someone", () => {
    const policy = deliveryPolicy({ quietHours: night, batchMinutes: 5 });
    const late = at("2026-11-25T22:30:00Z");
    expect(holdUntil(policy, "dm", true, late, "Europe/Berlin")?.toISOString()).toBe("2026-11-26T07:00:00.000Z");
    expect(holdUntil(policy, "post", true, late, "Europe/Berlin")).toBeNull();
    expect(holdUntil(policy, "dm", false, late, "Europe/Berlin")).toBeNull();
  });
});

describe("DM batching: one window, from the batch's first DM", () => {
  const policy = deliveryPolicy({ quietHours: undefined, batchMinutes: 5 });
  let id = 0;
  const row = (kind: string, memberId: string | null, minute: number): Batchable & { id: number } => ({ id: ++id, kind, memberId, createdAt: new Date(Date.UTC(2026, 10, 25, 12, minute)) });
  const ids = (groups: { id: number }[][]) => groups.map((g) => g.map((r) => r.id));

  it("reads the window from the pack's batchMinutes", () => {
    expect(policy.batchWindowMs).toBe(5 * 60_000);
    expect(deliveryPolicy({ quietHours: undefined, batchMinutes: 0 }).batchWindowMs).toBe(0);
  });

  it("puts a member's DMs within the window of the first together, and starts a new batch after it", () => {
    id = 0;
    const rows = [row("dm", "a", 0), row("dm", "b", 1), row("dm", "a", 3), row("dm", "a", 5), row("dm", "a", 6), row("dm", "a", 9)];
    // a's batch spans minutes 0–5 (5 is still within); 6 starts the next, which takes 9 too.
    expect(ids(groupDms(policy, rows))).toEqual([[1, 3, 4], [2], [5, 6]]);
  });

  it("never batches posts, badges or DMs without a member, nor anything with a window of 0", () => {
    id = 0;
    const rows = [row("post", null, 0), row("post", null, 0), row("badge-grant", "a", 0), row("dm", "a", 0), row("dm", "a", 1)];
    expect(ids(groupDms(policy, rows))).toEqual([[1], [2], [3], [4, 5]]);
    expect(ids(groupDms(deliveryPolicy({ quietHours: undefined, batchMinutes: 0 }), rows))).toEqual([[1], [2], [3], [4], [5]]);
  });

  it("gives the BullMQ claim the same window: the first DM's time to the window's end", () => {
    const first = row("dm", "a", 10);
    const range = batchRange(policy, first);
    expect(range.from).toEqual(first.createdAt);
    expect(range.to.getTime() - range.from.getTime()).toBe(5 * 60_000);
  });
});

describe("retries", () => {
  const now = at("2026-11-25T12:00:00Z");

  it("doubles the wait from 2 s up to an hour", () => {
    expect([1, 2, 3, 10, 20].map(retryDelayMs)).toEqual([2_000, 4_000, 8_000, 1_024_000, 3_600_000]);
  });

  it("tries again until the last attempt, and never after a permanent failure", () => {
    expect(afterFailure(1, false, now)).toEqual({ giveUp: false, retryAt: new Date(now.getTime() + 2_000) });
    expect(afterFailure(MAX_ATTEMPTS - 1, false, now).giveUp).toBe(false);
    expect(afterFailure(MAX_ATTEMPTS, false, now)).toEqual({ giveUp: true });
    expect(afterFailure(1, true, now)).toEqual({ giveUp: true });
  });
});
