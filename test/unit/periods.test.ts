import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { DateTime } from "luxon";
import {
  PeriodError,
  PeriodSeries,
  elapsedFraction,
  firstFullPeriodFrom,
  formatDeadline,
  localDay,
  nextPeriod,
  parsePeriodKey,
  periodOf,
  periodsBetween,
  previousPeriod,
  tryParsePeriodKey,
  UNIT_ORDER,
  type Period,
  type PeriodUnit,
} from "../../src/domain/periods.ts";
import { periodSchema } from "../../src/domain/pack.ts";

const BERLIN = "Europe/Berlin";
const NEW_YORK = "America/New_York";
const HOUR = 3_600_000;

/** A local wall-clock time in a zone, as an instant. */
const at = (iso: string, zone: string) => {
  const d = DateTime.fromISO(iso, { zone });
  if (!d.isValid) throw new Error(`bad test date ${iso}`);
  return d.toJSDate();
};
const utc = (iso: string) => new Date(iso);
const hours = (p: Period) => (p.end.getTime() - p.start.getTime()) / HOUR;

describe("periodOf: ISO weeks", () => {
  it("cuts a UTC week from Monday 00:00 to the next Monday", () => {
    const p = periodOf("week", utc("2026-11-25T15:00:00Z"), "UTC");
    expect(p).toEqual({
      unit: "week",
      key: "2026-W48",
      start: utc("2026-11-23T00:00:00Z"),
      end: utc("2026-11-30T00:00:00Z"),
      tz: "UTC",
    });
  });

  it("cuts weeks at local midnight, not UTC midnight", () => {
    // Sunday 23:30 UTC is already Monday 00:30 in Berlin (CET, +1).
    const t = utc("2026-11-29T23:30:00Z");
    expect(periodOf("week", t, "UTC").key).toBe("2026-W48");
    expect(periodOf("week", t, BERLIN).key).toBe("2026-W49");
    expect(periodOf("week", utc("2026-11-29T22:59:59.999Z"), BERLIN).key).toBe("2026-W48");
    expect(periodOf("week", utc("2026-11-29T23:00:00Z"), BERLIN).start).toEqual(utc("2026-11-29T23:00:00Z"));
    // New York is behind: Monday 03:00 UTC is still Sunday evening there.
    expect(periodOf("week", utc("2026-11-30T03:00:00Z"), NEW_YORK).key).toBe("2026-W48");
  });

  it("makes the week of the autumn DST change in Berlin 169 hours long", () => {
    // Clocks go back on Sunday 25 October 2026, 03:00 CEST -> 02:00 CET.
    const p = periodOf("week", at("2026-10-22T12:00", BERLIN), BERLIN);
    expect(p.key).toBe("2026-W43");
    expect(p.start).toEqual(utc("2026-10-18T22:00:00Z")); // Monday 00:00 CEST
    expect(p.end).toEqual(utc("2026-10-25T23:00:00Z")); // Monday 00:00 CET
    expect(hours(p)).toBe(169);
  });

  it("makes the week of the spring DST change in Berlin 167 hours long", () => {
    const p = periodOf("week", at("2026-03-29T12:00", BERLIN), BERLIN);
    expect(p.key).toBe("2026-W13");
    expect(p.start).toEqual(utc("2026-03-22T23:00:00Z"));
    expect(p.end).toEqual(utc("2026-03-29T22:00:00Z"));
    expect(hours(p)).toBe(167);
  });

  it("handles New York's DST start (a different Sunday from Europe's)", () => {
    const p = periodOf("week", at("2026-03-08T12:00", NEW_YORK), NEW_YORK);
    expect(p.key).toBe("2026-W10");
    expect(p.start).toEqual(utc("2026-03-02T05:00:00Z"));
    expect(p.end).toEqual(utc("2026-03-09T04:00:00Z"));
  });

  it("uses the ISO week-year across New Year: 2026 has 53 weeks", () => {
    expect(periodOf("week", at("2026-12-31T12:00", BERLIN), BERLIN).key).toBe("2026-W53");
    expect(periodOf("week", at("2027-01-03T23:59", BERLIN), BERLIN).key).toBe("2026-W53");
    const w1 = periodOf("week", at("2027-01-04T00:00", BERLIN), BERLIN);
    expect(w1.key).toBe("2027-W01");
    expect(w1.start).toEqual(at("2027-01-04T00:00", BERLIN));
    // ...and the other way round: 30 December 2024 belongs to 2025-W01.
    expect(periodOf("week", utc("2024-12-30T12:00:00Z"), "UTC").key).toBe("2025-W01");
    expect(periodOf("week", utc("2021-01-01T12:00:00Z"), "UTC").key).toBe("2020-W53");
  });

  it("starts at 01:00 where local midnight does not exist, and stays contiguous", () => {
    // Tehran moved its clocks from 00:00 to 01:00 on Monday 2010-03-22.
    const tz = "Asia/Tehran";
    const p = periodOf("week", utc("2010-03-24T12:00:00Z"), tz);
    expect(p.key).toBe("2010-W12");
    expect(p.start).toEqual(utc("2010-03-21T20:30:00Z")); // 01:00 +04:30
    expect(previousPeriod(p).end).toEqual(p.start);
    expect(nextPeriod(p).start).toEqual(p.end);
    expect(parsePeriodKey("2010-W12", tz)).toEqual(p);
    // Havana did the same on 1 April 2001, the first day of a month and a quarter.
    const april = parsePeriodKey("2001-04", "America/Havana");
    expect(previousPeriod(april).end).toEqual(april.start);
    expect(parsePeriodKey("2001-Q2", "America/Havana").start).toEqual(april.start);
  });
});

describe("periodOf: months and quarters", () => {
  it("cuts a Berlin month at local midnight across the spring change", () => {
    const p = periodOf("month", at("2026-03-15T12:00", BERLIN), BERLIN);
    expect(p.key).toBe("2026-03");
    expect(p.start).toEqual(utc("2026-02-28T23:00:00Z"));
    expect(p.end).toEqual(utc("2026-03-31T22:00:00Z"));
    expect(hours(p)).toBe(31 * 24 - 1);
  });

  it("cuts quarters, and New Year in Berlin is still the old year in UTC", () => {
    const q4 = periodOf("quarter", at("2026-11-15T12:00", BERLIN), BERLIN);
    expect(q4.key).toBe("2026-Q4");
    expect(q4.start).toEqual(utc("2026-09-30T22:00:00Z"));
    expect(q4.end).toEqual(utc("2026-12-31T23:00:00Z"));
    const t = utc("2026-12-31T23:30:00Z"); // 00:30 on 1 January 2027 in Berlin
    expect(periodOf("quarter", t, BERLIN).key).toBe("2027-Q1");
    expect(periodOf("quarter", t, "UTC").key).toBe("2026-Q4");
    expect(periodOf("month", t, BERLIN).key).toBe("2027-01");
    expect(periodOf("week", t, BERLIN).key).toBe("2026-W53");
  });
});

describe("neighbours and ranges", () => {
  it("steps over year boundaries", () => {
    expect(previousPeriod(parsePeriodKey("2027-W01", BERLIN)).key).toBe("2026-W53");
    expect(nextPeriod(parsePeriodKey("2026-W53", BERLIN)).key).toBe("2027-W01");
    expect(nextPeriod(parsePeriodKey("2026-12", BERLIN)).key).toBe("2027-01");
    expect(previousPeriod(parsePeriodKey("2027-Q1", BERLIN)).key).toBe("2026-Q4");
    expect(nextPeriod(parsePeriodKey("2027-W52", BERLIN)).key).toBe("2028-W01");
  });

  it("lists the periods overlapping a half-open range", () => {
    const from = at("2026-11-15T12:00", BERLIN);
    const to = at("2027-02-01T00:00", BERLIN);
    expect(periodsBetween("month", from, to, BERLIN).map((p) => p.key)).toEqual(["2026-11", "2026-12", "2027-01"]);
    expect(periodsBetween("month", from, new Date(to.getTime() + 1), BERLIN).map((p) => p.key)).toEqual([
      "2026-11",
      "2026-12",
      "2027-01",
      "2027-02",
    ]);
    expect(periodsBetween("week", to, from, BERLIN)).toEqual([]);
    expect(periodsBetween("week", at("2026-12-20T00:00", BERLIN), at("2027-01-05T00:00", BERLIN), BERLIN).map((p) => p.key)).toEqual([
      "2026-W51",
      "2026-W52",
      "2026-W53",
      "2027-W01",
    ]);
  });

  it("finds the first full period after joining", () => {
    expect(firstFullPeriodFrom("week", at("2026-11-25T10:00", BERLIN), BERLIN).key).toBe("2026-W49");
    expect(firstFullPeriodFrom("week", at("2026-11-23T00:00", BERLIN), BERLIN).key).toBe("2026-W48");
    expect(firstFullPeriodFrom("week", at("2026-11-23T00:00:00.001", BERLIN), BERLIN).key).toBe("2026-W49");
    expect(firstFullPeriodFrom("month", at("2026-12-15T10:00", BERLIN), BERLIN).key).toBe("2027-01");
    expect(firstFullPeriodFrom("quarter", at("2026-12-31T23:59", BERLIN), BERLIN).key).toBe("2027-Q1");
  });
});

describe("parsePeriodKey", () => {
  it("reads weeks, months and quarters into the same periods periodOf gives", () => {
    expect(parsePeriodKey("2026-W48", BERLIN)).toEqual(periodOf("week", at("2026-11-26T12:00", BERLIN), BERLIN));
    expect(parsePeriodKey("2026-11", BERLIN)).toEqual(periodOf("month", at("2026-11-26T12:00", BERLIN), BERLIN));
    expect(parsePeriodKey("2026-Q4", BERLIN)).toEqual(periodOf("quarter", at("2026-11-26T12:00", BERLIN), BERLIN));
    expect(parsePeriodKey(" 2026-w48 ", BERLIN).key).toBe("2026-W48");
    expect(parsePeriodKey("2026-q1", BERLIN).key).toBe("2026-Q1");
    expect(parsePeriodKey("2026-W53", BERLIN).start).toEqual(at("2026-12-28T00:00", BERLIN));
    expect(parsePeriodKey("2027-W01", "UTC").start).toEqual(utc("2027-01-04T00:00:00Z"));
    expect(parsePeriodKey("2025-W01", "UTC").start).toEqual(utc("2024-12-30T00:00:00Z"));
  });

  it("refuses bad keys with a message a person can act on", () => {
    const bad = ["2027-W53", "2026-W54", "2026-W00", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "last week", "", "26-W48"];
    for (const key of bad) {
      const r = tryParsePeriodKey(key, BERLIN);
      expect(r.ok, key).toBe(false);
      expect(() => parsePeriodKey(key, BERLIN)).toThrow(PeriodError);
    }
    const r = tryParsePeriodKey("2027-W53", BERLIN);
    expect(r.ok === false && r.error).toContain("2027 has ISO weeks 1 to 52");
    expect(() => parsePeriodKey("2026-13", BERLIN)).toThrow(/2026-W48.*2026-11.*2026-Q4/);
  });

  it("refuses an unknown timezone", () => {
    expect(tryParsePeriodKey("2026-W48", "Mars/Olympus").ok).toBe(false);
    expect(() => periodOf("week", new Date(), "Mars/Olympus")).toThrow(PeriodError);
  });
});

describe("deadlines and elapsed time", () => {
  it("shows the last minute of the period in the reader's timezone", () => {
    const w48 = parsePeriodKey("2026-W48", BERLIN);
    expect(formatDeadline(w48, BERLIN)).toBe("Sun 29 Nov 2026, 23:59 CET");
    // The zone's short name depends on the locale's ICU data ("EST" or "GMT-5").
    expect(formatDeadline(w48.end, NEW_YORK)).toMatch(/^Sun 29 Nov 2026, 17:59 (EST|GMT-5)$/);
    expect(formatDeadline(parsePeriodKey("2026-W43", BERLIN), "UTC")).toBe("Sun 25 Oct 2026, 22:59 UTC");
  });

  it("measures elapsed time on the wall clock, so Thursday 00:00 is 3/7 even in a 169-hour week", () => {
    const w43 = parsePeriodKey("2026-W43", BERLIN);
    const thursday = at("2026-10-22T00:00", BERLIN);
    expect(elapsedFraction(w43, thursday)).toBe(3 / 7);
    // The naive ratio of milliseconds would say it is not yet 3/7.
    expect((thursday.getTime() - w43.start.getTime()) / (w43.end.getTime() - w43.start.getTime())).toBeLessThan(3 / 7);
    expect(elapsedFraction(w43, w43.start)).toBe(0);
    expect(elapsedFraction(w43, new Date(w43.start.getTime() - 1))).toBe(0);
    expect(elapsedFraction(w43, w43.end)).toBe(1);
    expect(elapsedFraction(parsePeriodKey("2026-11", BERLIN), at("2026-11-16T00:00", BERLIN))).toBe(0.5);
  });
});

const ZONES = ["UTC", BERLIN, NEW_YORK, "America/Santiago", "Asia/Tehran", "America/Havana", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];
const UNITS: PeriodUnit[] = ["week", "month", "quarter"];
const instant = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2040-12-31T23:59:59Z"), noInvalidDate: true });

describe("properties", () => {
  it("every instant falls in exactly one period, whose key reads back to it", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), fc.constantFrom(...UNITS), (t, tz, unit) => {
        const p = periodOf(unit, t, tz);
        expect(p.start.getTime()).toBeLessThanOrEqual(t.getTime());
        expect(t.getTime()).toBeLessThan(p.end.getTime());
        expect(periodOf(unit, p.start, tz)).toEqual(p);
        expect(periodOf(unit, p.end.getTime() - 1, tz)).toEqual(p);
        expect(parsePeriodKey(p.key, tz)).toEqual(p);
        // Neither neighbour contains t.
        const next = nextPeriod(p);
        const prev = previousPeriod(p);
        expect(next.start.getTime()).toBeGreaterThan(t.getTime());
        expect(prev.end.getTime()).toBeLessThanOrEqual(t.getTime());
      }),
      { numRuns: 400 },
    );
  });

  it("consecutive periods are contiguous and keys strictly increase", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), fc.constantFrom(...UNITS), (t, tz, unit) => {
        const p = periodOf(unit, t, tz);
        const next = nextPeriod(p);
        expect(next.start).toEqual(p.end);
        expect(previousPeriod(next)).toEqual(p);
        expect(next.key > p.key).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("a Berlin or New York week lasts 167, 168 or 169 hours and starts on a local Monday midnight", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(BERLIN, NEW_YORK), (t, tz) => {
        const p = periodOf("week", t, tz);
        expect([167, 168, 169]).toContain(hours(p));
        const start = DateTime.fromJSDate(p.start, { zone: tz });
        expect([start.weekday, start.hour, start.minute]).toEqual([1, 0, 0]);
      }),
      { numRuns: 300 },
    );
  });

  it("a period series places instants exactly as periodOf does", () => {
    const series = new PeriodSeries("week", new Date("2026-01-01T00:00:00Z"), new Date("2028-01-01T00:00:00Z"), BERLIN);
    fc.assert(
      fc.property(fc.date({ min: new Date("2025-12-01T00:00:00Z"), max: new Date("2028-02-01T00:00:00Z"), noInvalidDate: true }), (t) => {
        const i = series.indexOf(t);
        const p = periodOf("week", t, BERLIN);
        if (p.end.getTime() <= new Date("2026-01-01T00:00:00Z").getTime() || p.start.getTime() > new Date("2028-01-01T00:00:00Z").getTime())
          expect(i).toBe(-1);
        else expect(series.at(i)).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });
});

describe("one helper for days and one order of units", () => {
  it("localDay is the day in the zone asked for, not the UTC day, and refuses a date that is not one", () => {
    const lateSunday = new Date("2026-12-06T23:30:00Z");
    expect(localDay(lateSunday, "UTC")).toBe("2026-12-06");
    expect(localDay(lateSunday, "Europe/Berlin")).toBe("2026-12-07");
    expect(localDay(lateSunday, "America/Los_Angeles")).toBe("2026-12-06");
    // The hand-formatted days this replaced wrote "null" here.
    expect(() => localDay(new Date(Number.NaN), "UTC")).toThrow(/not a valid date/);
  });

  it("UNIT_ORDER lists every period unit, from shortest to longest", () => {
    expect([...UNIT_ORDER].sort()).toEqual([...periodSchema.options].sort());
    const at = new Date("2026-05-13T12:00:00Z");
    const lengths = UNIT_ORDER.map((u) => periodOf(u, at, "UTC").end.getTime() - periodOf(u, at, "UTC").start.getTime());
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
  });
});
