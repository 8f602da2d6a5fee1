import { describe, expect, it } from "vitest";
import { activityTime, hoursAllowed } from "../../src/domain/activities.ts";
import { fillTemplate } from "../../src/domain/templates.ts";
import { loadPack } from "../../src/programs/load.ts";

const TZ = "Europe/Berlin";
const now = new Date("2027-03-10T14:00:00Z");

describe("activity limits", () => {
  it("one entry records more than 0 and at most the pack's hours (24 in the seed)", () => {
    const max = loadPack().maxHoursPerEntry;
    expect(max).toBe(24);
    expect(hoursAllowed(0.5, max)).toBe(true);
    expect(hoursAllowed(24, max)).toBe(true);
    expect(hoursAllowed(24.5, max)).toBe(false);
    expect(hoursAllowed(0, max)).toBe(false);
    expect(hoursAllowed(-1, max)).toBe(false);
    expect(hoursAllowed(Number.NaN, max)).toBe(false);
    expect(hoursAllowed(10, 8)).toBe(false);
  });

  it("an activity without a date, or dated today, happened now", () => {
    expect(activityTime(undefined, now, TZ, 14)).toEqual({ ok: true, at: now });
    expect(activityTime("2027-03-10", now, TZ, 14)).toEqual({ ok: true, at: now });
  });

  it("an earlier day counts at its local noon, back to the backdating limit", () => {
    expect(activityTime("2027-03-01", now, TZ, 14)).toEqual({ ok: true, at: new Date("2027-03-01T11:00:00Z") });
    expect(activityTime("2027-02-24", now, TZ, 14)).toEqual({ ok: true, at: new Date("2027-02-24T11:00:00Z") });
    expect(activityTime("2027-02-23", now, TZ, 14)).toEqual({ ok: false, reason: "too-old", oldest: "2027-02-24" });
  });

  it("refuses a day to come and what is not a day", () => {
    expect(activityTime("2027-03-11", now, TZ, 14)).toEqual({ ok: false, reason: "future" });
    expect(activityTime("2027-13-01", now, TZ, 14)).toEqual({ ok: false, reason: "date", today: "2027-03-10" });
  });
});

describe("templates", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(fillTemplate("{name} reached {tier} {oops}", { name: "Ann", tier: "Icon" })).toBe("Ann reached Icon {oops}");
  });

  it("fills each placeholder once, taking values literally", () => {
    expect(fillTemplate("{a} and {b}", { a: "{b}", b: "$&" })).toBe("{b} and $&");
  });
});
