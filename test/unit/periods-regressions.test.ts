// Counterexamples property tests found, kept as tests (issue 10, finding 11).
import { describe, expect, it } from "vitest";
import { PeriodSeries, parsePeriodKey, periodOf } from "../../src/domain/periods.ts";

describe("where local midnight happens twice", () => {
  // Cuba left daylight saving time at 01:00 on 1 Nov 2020: 00:00-00:59 came twice, at 04:00Z and at 05:00Z.
  const tz = "America/Havana";
  const firstMidnight = new Date("2020-11-01T04:00:00Z");
  const secondMidnight = new Date("2020-11-01T05:00:00Z");

  it("gives every instant of November 2020 the same month, starting at the first midnight", () => {
    for (const t of [firstMidnight, new Date("2020-11-01T04:30:00Z"), secondMidnight, new Date("2020-11-15T12:00:00Z"), new Date("2020-12-01T04:59:59Z")]) {
      const p = periodOf("month", t, tz);
      expect(p.key).toBe("2020-11");
      expect(p.start).toEqual(firstMidnight);
    }
    expect(periodOf("month", new Date(firstMidnight.getTime() - 1), tz).end).toEqual(firstMidnight);
    expect(parsePeriodKey("2020-11", tz).start).toEqual(firstMidnight);
    expect(parsePeriodKey("2020-Q4", tz).end).toEqual(parsePeriodKey("2021-Q1", tz).start);
  });

  it("places both midnights in one month of a series", () => {
    const series = new PeriodSeries("month", new Date("2020-09-15T00:00:00Z"), new Date("2020-12-15T00:00:00Z"), tz);
    expect(series.indexOf(firstMidnight)).toBe(series.indexOf(secondMidnight));
    expect(series.periods.map((p) => p.key)).toEqual(["2020-09", "2020-10", "2020-11", "2020-12"]);
  });
});
