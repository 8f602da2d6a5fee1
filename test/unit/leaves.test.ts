import { describe, expect, it } from "vitest";
import { leaveLastDay, leaveRunning, leaveSpan } from "../../src/domain/leaves.ts";

const TZ = "Europe/Berlin";
// 2027-03-10 15:00 in Berlin.
const now = new Date("2027-03-10T14:00:00Z");

describe("leaves of absence", () => {
  it("run from now through the whole of the last day, to the next local midnight", () => {
    const r = leaveSpan("2027-03-12", now, TZ, 366);
    expect(r).toEqual({ ok: true, span: { startsAt: now, endsAt: new Date("2027-03-12T23:00:00Z") } });
    if (r.ok) expect(leaveLastDay(r.span, TZ)).toBe("2027-03-12");
  });

  it("may end today, never on a day already past", () => {
    expect(leaveSpan("2027-03-10", now, TZ, 366).ok).toBe(true);
    expect(leaveSpan("2027-03-09", now, TZ, 366)).toEqual({ ok: false, reason: "past" });
  });

  it("last at most the pack's longest leave, and say the furthest day", () => {
    expect(leaveSpan("2027-03-17", now, TZ, 7).ok).toBe(true);
    expect(leaveSpan("2027-03-18", now, TZ, 7)).toEqual({ ok: false, reason: "long", maxDays: 7, longest: "2027-03-17" });
  });

  it("refuse what is not a calendar day", () => {
    expect(leaveSpan("2027-02-30", now, TZ, 366)).toEqual({ ok: false, reason: "date" });
    expect(leaveSpan("soon", now, TZ, 366)).toEqual({ ok: false, reason: "date" });
  });

  it("end across a DST change at the local midnight after the last day", () => {
    // Berlin moves to summer time on 2027-03-28: that midnight is 22:00 UTC.
    const r = leaveSpan("2027-03-28", now, TZ, 366);
    expect(r.ok && r.span.endsAt.toISOString()).toBe("2027-03-28T22:00:00.000Z");
  });

  it("run from their start until (not including) their end", () => {
    const leave = { startsAt: now, endsAt: new Date("2027-03-12T23:00:00Z") };
    expect(leaveRunning(leave, now)).toBe(true);
    expect(leaveRunning(leave, new Date("2027-03-12T22:59:59Z"))).toBe(true);
    expect(leaveRunning(leave, leave.endsAt)).toBe(false);
    expect(leaveRunning(leave, new Date("2027-03-10T13:59:59Z"))).toBe(false);
  });
});
