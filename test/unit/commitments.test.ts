import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { DateTime } from "luxon";
import { parse as parseYaml } from "yaml";
import { packSchema, type Commitment } from "../../src/domain/pack.ts";
import {
  compareForReport,
  earliestShownStart,
  evaluateMember,
  evaluateProgram,
  groupByMember,
  reminderDue,
  sortForReport,
  STATUS_SEVERITY,
  summarize,
  worstStatus,
  type ActivityInput,
  type CommitmentEvaluation,
  type CommitmentStatus,
  type EvaluationOptions,
  type MemberEvaluation,
  type MemberInput,
} from "../../src/domain/commitments.ts";
import { contains, parsePeriodKey } from "../../src/domain/periods.ts";

const tz = "Europe/Berlin";
/** Berlin wall-clock time as an instant. */
const b = (iso: string) => {
  const d = DateTime.fromISO(iso, { zone: tz });
  if (!d.isValid) throw new Error(`bad test date ${iso}`);
  return d.toJSDate();
};

const pack = packSchema.parse(parseYaml(readFileSync(new URL("../../src/programs/wix.yaml", import.meta.url), "utf8"), { merge: true }));
const program = (id: string) => {
  const p = pack.programs.find((x) => x.id === id);
  if (!p) throw new Error(`no program ${id} in the seed pack`);
  return p;
};
const leaders = program("community-leaders-velo").commitments;
const veloMasters = program("velo-masters").commitments;

const msg = (iso: string, extra: Partial<ActivityInput> = {}): ActivityInput => ({ kind: "message", occurredAt: b(iso), ...extra });
const hrs = (iso: string, hours: number | null, extra: Partial<ActivityInput> = {}): ActivityInput => ({
  kind: "hours",
  occurredAt: b(iso),
  hours,
  ...extra,
});
const act = (kind: string, iso: string): ActivityInput => ({ kind, occurredAt: b(iso) });

const veteran = { joinedAt: b("2026-01-05T00:00") }; // a Monday, long before the weeks under test

function evaluate(member: Partial<MemberInput>, now: string, opts: Partial<EvaluationOptions> = {}, rules: readonly Commitment[] = leaders) {
  return evaluateMember(rules, { membership: veteran, activities: [], ...member }, { now: b(now), tz, ...opts });
}
function one(e: MemberEvaluation, id: string): CommitmentEvaluation {
  const c = e.commitments.find((x) => x.id === id);
  if (!c) throw new Error(`no commitment ${id}`);
  return c;
}
const weekly = (e: MemberEvaluation) => one(e, "weekly-contribution");

describe("a weekly commitment within its week", () => {
  it("is on track early in the week and at risk from Thursday 00:00", () => {
    expect(weekly(evaluate({}, "2026-11-23T00:00")).status).toBe("on-track");
    expect(weekly(evaluate({}, "2026-11-25T23:59:59.999")).status).toBe("on-track");
    expect(weekly(evaluate({}, "2026-11-26T00:00")).status).toBe("at-risk");
    expect(weekly(evaluate({}, "2026-11-29T23:59")).status).toBe("at-risk");
  });

  it("is met by one message, with the deadline at the end of Sunday in Berlin", () => {
    const e = weekly(evaluate({ activities: [msg("2026-11-24T09:00")] }, "2026-11-26T12:00"));
    expect(e).toMatchObject({ status: "met", done: 1, atLeast: 1, left: 0, final: false, notJudgedReason: null });
    expect(e.period.key).toBe("2026-W48");
    expect(e.deadline).toEqual(new Date("2026-11-29T23:00:00Z"));
  });

  it("shows what is left while not met", () => {
    const e = weekly(evaluate({}, "2026-11-24T12:00"));
    expect(e).toMatchObject({ done: 0, left: 1 });
  });

  it("is missed once the week is over", () => {
    const e = evaluate({ activities: [msg("2026-11-30T09:00")] }, "2026-11-30T10:00", { period: parsePeriodKey("2026-W48", tz) });
    expect(weekly(e)).toMatchObject({ status: "missed", final: true, done: 0 });
    expect(weekly(e).period.key).toBe("2026-W48");
  });

  it("takes the at-risk threshold as a parameter", () => {
    const opts = { atRiskAfter: { week: 5 / 7 } };
    expect(weekly(evaluate({}, "2026-11-26T12:00", opts)).status).toBe("on-track");
    expect(weekly(evaluate({}, "2026-11-28T00:00", opts)).status).toBe("at-risk");
    expect(weekly(evaluate({}, "2026-11-24T00:00", { atRiskAfter: 0 })).status).toBe("at-risk");
    expect(() => evaluate({}, "2026-11-24T00:00", { atRiskAfter: 2 })).toThrow(RangeError);
  });

  it("ignores activities of other kinds and rejected ones", () => {
    const activities = [act("content", "2026-11-24T09:00"), msg("2026-11-24T10:00", { rejected: true }), msg("2026-11-24T11:00", { rejectedAt: b("2026-11-25T00:00") })];
    expect(weekly(evaluate({ activities }, "2026-11-25T12:00"))).toMatchObject({ status: "on-track", done: 0 });
  });

  it("counts several kinds toward one commitment", () => {
    const e = evaluate({ activities: [act("answer", "2026-11-24T09:00"), act("moderation", "2026-11-25T09:00")] }, "2026-11-26T12:00");
    expect(one(e, "answers")).toMatchObject({ status: "met", done: 2 });
  });
});

describe("DST in Berlin", () => {
  it("judges the 169-hour week of the autumn change on the local calendar", () => {
    // Wednesday 23:59 and Thursday 00:00 local, in the week the clocks go back.
    expect(weekly(evaluate({}, "2026-10-21T23:59")).status).toBe("on-track");
    expect(weekly(evaluate({}, "2026-10-22T00:00")).status).toBe("at-risk");
  });

  it("puts a message just after local midnight into the next week, though it is still Sunday in UTC", () => {
    // 2026-10-25T23:30Z is Monday 26 October 00:30 CET.
    const activities: ActivityInput[] = [{ kind: "message", occurredAt: new Date("2026-10-25T23:30:00Z") }];
    const w43 = evaluate({ activities }, "2026-10-27T12:00", { period: parsePeriodKey("2026-W43", tz) });
    expect(weekly(w43)).toMatchObject({ status: "missed", done: 0 });
    expect(weekly(evaluate({ activities }, "2026-10-27T12:00"))).toMatchObject({ status: "met", done: 1 });
    // The last local minute of the long Sunday still counts for W43.
    const late: ActivityInput[] = [{ kind: "message", occurredAt: new Date("2026-10-25T22:59:00Z") }];
    expect(weekly(evaluate({ activities: late }, "2026-10-27T12:00", { period: parsePeriodKey("2026-W43", tz) })).status).toBe("met");
  });

  it("does the same at the spring change", () => {
    // 2026-03-29T22:30Z is Monday 30 March 00:30 CEST, the first minutes of W14.
    const activities: ActivityInput[] = [{ kind: "message", occurredAt: new Date("2026-03-29T22:30:00Z") }];
    const w13 = evaluate({ activities }, "2026-03-31T12:00", { period: parsePeriodKey("2026-W13", tz) });
    expect(weekly(w13).status).toBe("missed");
    expect(weekly(evaluate({ activities }, "2026-03-31T12:00")).period.key).toBe("2026-W14");
    expect(weekly(evaluate({ activities }, "2026-03-31T12:00")).status).toBe("met");
  });
});

describe("monthly hours", () => {
  const hours = (e: MemberEvaluation) => one(e, "monthly-hours");

  it("sums hours up to the end of the month in Berlin", () => {
    const activities = [hrs("2026-11-03T18:00", 1.5), hrs("2026-11-30T23:30", 1.5), hrs("2026-12-01T00:15", 2)];
    const nov = hours(evaluate({ activities }, "2026-12-01T10:00", { period: parsePeriodKey("2026-11", tz) }));
    expect(nov).toMatchObject({ status: "met", done: 3, left: 0, final: true, measure: "hours" });
    const dec = hours(evaluate({ activities }, "2026-12-01T10:00"));
    expect(dec).toMatchObject({ status: "on-track", done: 2, left: 1, final: false });
    expect(dec.period.key).toBe("2026-12");
  });

  it("is missed when the hours fall short, and rejected hours do not count", () => {
    const activities = [hrs("2026-11-03T18:00", 2), hrs("2026-11-10T18:00", 4, { rejected: true }), hrs("2026-11-12T18:00", null)];
    const nov = hours(evaluate({ activities }, "2026-12-02T10:00", { period: parsePeriodKey("2026-11", tz) }));
    expect(nov).toMatchObject({ status: "missed", done: 2, left: 1 });
  });

  it("adds fractions of hours without floating-point surprises", () => {
    const activities = [hrs("2026-11-03T18:00", 0.1), hrs("2026-11-04T18:00", 0.2), hrs("2026-11-05T18:00", 2.7)];
    expect(hours(evaluate({ activities }, "2026-11-06T10:00"))).toMatchObject({ status: "met", done: 3, left: 0 });
    const short = [hrs("2026-11-03T18:00", 0.1), hrs("2026-11-04T18:00", 0.2)];
    expect(hours(evaluate({ activities: short }, "2026-11-06T10:00")).left).toBe(2.7);
  });

  it("is at risk from 3/7 of the month by default", () => {
    // November has 30 days: 3/7 of it is 12.86 days, so the 13th is still on track.
    expect(hours(evaluate({}, "2026-11-13T12:00")).status).toBe("on-track");
    expect(hours(evaluate({}, "2026-11-14T00:00")).status).toBe("at-risk");
  });
});

describe("quarters and the year boundary", () => {
  it("counts a meetup just after local New Year in the new quarter", () => {
    // 2026-12-31T23:30Z is 00:30 on 1 January 2027 in Berlin.
    const activities: ActivityInput[] = [{ kind: "meetup", occurredAt: new Date("2026-12-31T23:30:00Z") }];
    const q4 = one(evaluate({ activities }, "2027-01-05T10:00", { period: parsePeriodKey("2026-Q4", tz) }), "quarterly-meetup");
    expect(q4).toMatchObject({ status: "missed", done: 0 });
    expect(q4.period.key).toBe("2026-Q4");
    const q1 = one(evaluate({ activities }, "2027-01-05T10:00"), "quarterly-meetup");
    expect(q1).toMatchObject({ status: "met", done: 1 });
    expect(q1.period.key).toBe("2027-Q1");
  });

  it("shows in a week the month and quarter holding its Monday, final in the week that holds their last day", () => {
    const e = evaluate({}, "2027-01-20T10:00", { period: parsePeriodKey("2026-W53", tz) });
    expect(weekly(e).period.key).toBe("2026-W53");
    // W53 starts on Monday 28 December 2026 and holds the last day of December and of Q4: both are final there.
    expect(one(e, "monthly-hours")).toMatchObject({ status: "missed" });
    expect(one(e, "monthly-hours").period.key).toBe("2026-12");
    expect(one(e, "quarterly-meetup").period.key).toBe("2026-Q4");
    // The next week shows January as it stood at that week's end: on track, whenever it is asked.
    const w1 = evaluate({}, "2027-03-20T10:00", { period: parsePeriodKey("2027-W01", tz) });
    expect(one(w1, "monthly-hours")).toMatchObject({ status: "on-track" });
    expect(one(w1, "monthly-hours").period.key).toBe("2027-01");
  });

  it("uses now, not the end of a running requested period, so nothing is judged in the future", () => {
    // W44 2026 runs from 26 October to 1 November; on Wednesday it is still October.
    const e = evaluate({}, "2026-10-28T10:00", { period: parsePeriodKey("2026-W44", tz) });
    expect(one(e, "monthly-hours").period.key).toBe("2026-10");
    expect(one(e, "monthly-hours").status).toBe("at-risk");
    const future = evaluate({}, "2026-10-28T10:00", { period: parsePeriodKey("2026-W50", tz) });
    expect(weekly(future)).toMatchObject({ status: "not-yet-judged", notJudgedReason: "future" });
  });
});

describe("joining mid-period", () => {
  const joinedWednesday = { joinedAt: b("2026-11-25T10:00") };

  it("is not judged in the week and month it joined, but sees its progress", () => {
    const e = evaluate({ membership: joinedWednesday, activities: [msg("2026-11-26T09:00")] }, "2026-11-27T12:00");
    expect(weekly(e)).toMatchObject({ status: "not-yet-judged", notJudgedReason: "joined-mid-period", done: 1 });
    expect(weekly(e).judgedFrom).toEqual(b("2026-11-30T00:00"));
    expect(one(e, "monthly-hours")).toMatchObject({ status: "not-yet-judged", notJudgedReason: "joined-mid-period" });
    expect(one(e, "monthly-hours").judgedFrom).toEqual(b("2026-12-01T00:00"));
    expect(one(e, "quarterly-meetup").judgedFrom).toEqual(b("2027-01-01T00:00"));
    expect(e.overall).toBe("not-yet-judged");
    expect(e.streak).toBe(0);
  });

  it("is judged from the first full week", () => {
    const e = evaluate({ membership: joinedWednesday }, "2026-12-03T12:00");
    expect(weekly(e).status).toBe("at-risk");
    expect(one(e, "monthly-hours").status).toBe("on-track");
    expect(e.overall).toBe("at-risk");
  });

  it("counts a week joined exactly at its start as full", () => {
    const e = evaluate({ membership: { joinedAt: b("2026-11-23T00:00") } }, "2026-11-26T12:00");
    expect(weekly(e).status).toBe("at-risk");
    const late = evaluate({ membership: { joinedAt: b("2026-11-23T00:00:01") } }, "2026-11-26T12:00");
    expect(weekly(late).status).toBe("not-yet-judged");
  });

  it("does not judge periods before joining", () => {
    const e = evaluate({ membership: joinedWednesday }, "2026-12-03T12:00", { period: parsePeriodKey("2026-W40", tz) });
    expect(weekly(e)).toMatchObject({ status: "not-yet-judged", notJudgedReason: "before-joining" });
  });

  it("does not judge the period a membership ended in", () => {
    const membership = { joinedAt: veteran.joinedAt, endedAt: b("2026-11-25T10:00") };
    const e = evaluate({ membership }, "2026-11-27T12:00");
    expect(weekly(e)).toMatchObject({ status: "not-yet-judged", notJudgedReason: "membership-ended" });
    const before = evaluate({ membership }, "2026-11-27T12:00", { period: parsePeriodKey("2026-W47", tz) });
    expect(weekly(before).status).toBe("missed");
  });
});

describe("pauses", () => {
  it("marks a week paused when a pause covers at least half of it", () => {
    // Wednesday 12:00 to the end of the year covers 4.5 of the week's 7 days.
    const pauses = [{ startsAt: b("2026-11-25T12:00"), endsAt: b("2027-01-01T00:00") }];
    const e = evaluate({ pauses }, "2026-12-01T12:00", { period: parsePeriodKey("2026-W48", tz) });
    expect(weekly(e).status).toBe("paused");
    // November as it stood at that week's end: the pause covered only a sixth of it, so the monthly hours stay at risk.
    expect(one(e, "monthly-hours").status).toBe("at-risk");
    expect(e.overall).toBe("at-risk");
  });

  it("judges a running week's pause on the part of the week gone so far", () => {
    // On Thursday 12:00 a pause since Wednesday 12:00 covers a day of three and a half: not yet "most of it".
    const pauses = [{ startsAt: b("2026-11-25T12:00"), endsAt: b("2027-01-01T00:00") }];
    const thursday = evaluate({ pauses }, "2026-11-26T12:00");
    expect(weekly(thursday).status).toBe("at-risk");
    expect(thursday.onPause).toBe(true);
    expect(weekly(evaluate({ pauses }, "2026-11-28T12:00")).status).toBe("paused");
  });

  it("shows a member on a long leave as paused overall", () => {
    const pauses = [{ startsAt: b("2026-10-10T00:00"), endsAt: b("2027-01-01T00:00") }];
    const e = evaluate({ pauses }, "2026-11-26T12:00");
    expect(e.commitments.filter((c) => c.required).map((c) => c.status)).toEqual(["paused", "paused", "paused", "paused", "paused"]);
    expect(e.overall).toBe("paused");
  });

  it("does not pause a week the pause covers less than half of", () => {
    const pauses = [{ startsAt: b("2026-11-27T00:00"), endsAt: b("2027-01-01T00:00") }];
    expect(weekly(evaluate({ pauses }, "2026-11-26T12:00")).status).toBe("at-risk");
    // ...but while the pause runs the member is on leave (no reminders).
    expect(evaluate({ pauses }, "2026-11-27T12:00").onPause).toBe(true);
    expect(evaluate({ pauses }, "2026-11-26T12:00").onPause).toBe(false);
  });

  it("does not count overlapping pauses twice", () => {
    // Monday-Thursday and Tuesday-Thursday: 3 days together, 5 if added up.
    const pauses = [
      { startsAt: b("2026-11-23T00:00"), endsAt: b("2026-11-26T00:00") },
      { startsAt: b("2026-11-24T00:00"), endsAt: b("2026-11-26T00:00") },
    ];
    expect(weekly(evaluate({ pauses }, "2026-12-01T12:00", { period: parsePeriodKey("2026-W48", tz) })).status).toBe("missed");
  });

  it("adds up adjoining pauses", () => {
    const pauses = [
      { startsAt: b("2026-11-23T00:00"), endsAt: b("2026-11-25T00:00") },
      { startsAt: b("2026-11-25T00:00"), endsAt: b("2026-11-27T00:00") },
    ];
    expect(weekly(evaluate({ pauses }, "2026-12-01T12:00", { period: parsePeriodKey("2026-W48", tz) })).status).toBe("paused");
  });

  it("takes the covered fraction as a parameter", () => {
    const pauses = [{ startsAt: b("2026-11-25T12:00"), endsAt: b("2027-01-01T00:00") }];
    expect(weekly(evaluate({ pauses }, "2026-11-26T12:00", { pausedAtLeast: 1 })).status).toBe("at-risk");
  });

  it("still shows work done during a pause as met", () => {
    const pauses = [{ startsAt: b("2026-11-23T00:00"), endsAt: b("2026-11-30T00:00") }];
    expect(weekly(evaluate({ pauses, activities: [msg("2026-11-24T09:00")] }, "2026-11-26T12:00")).status).toBe("met");
  });

  it("leaves a month with a two-week pause to be judged", () => {
    const pauses = [{ startsAt: b("2026-11-09T00:00"), endsAt: b("2026-11-23T00:00") }];
    const e = evaluate({ pauses }, "2026-12-01T12:00", { period: parsePeriodKey("2026-11", tz) });
    expect(one(e, "monthly-hours").status).toBe("missed");
  });
});

describe("who gets a reminder", () => {
  const due = (e: MemberEvaluation, unit: "week" | "month" | "quarter") => reminderDue(e, unit).map((c) => c.id);

  it("is a member with a required commitment of that unit still open, on track or at risk", () => {
    expect(due(evaluate({}, "2026-11-24T12:00"), "week")).toEqual(["weekly-contribution"]);
    expect(due(evaluate({}, "2026-11-27T12:00"), "week")).toEqual(["weekly-contribution"]);
    // The encouraged weekly "answers" is never reminded of.
    expect(due(evaluate({ activities: [msg("2026-11-24T09:00")] }, "2026-11-24T12:00"), "week")).toEqual([]);
  });

  it("names every open commitment of the unit in the program's order, and only of that unit", () => {
    const e = evaluate({ activities: [act("content", "2026-11-03T10:00")] }, "2026-11-24T12:00");
    expect(due(e, "month")).toEqual(["monthly-hours", "social"]);
    expect(due(e, "quarter")).toEqual(["quarterly-meetup"]);
  });

  it("is nobody on leave, nor a period already missed or not yet judged", () => {
    const onLeave = [{ startsAt: b("2026-11-20T00:00"), endsAt: b("2026-12-10T00:00") }];
    expect(due(evaluate({ pauses: onLeave }, "2026-11-24T12:00"), "week")).toEqual([]);
    expect(due(evaluate({}, "2026-12-01T12:00", { period: parsePeriodKey("2026-W48", tz) }), "week")).toEqual([]);
    expect(due(evaluate({ membership: { joinedAt: b("2026-11-25T10:00") } }, "2026-11-26T12:00"), "week")).toEqual([]);
  });
});

describe("streaks and weeks missed in a row", () => {
  const joined = { joinedAt: b("2026-10-05T00:00") }; // Monday of 2026-W41
  const mondays = ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]; // W41..W48
  const messageIn = (...weeks: number[]) => weeks.map((w) => msg(`${mondays[w - 41]}T12:00`));
  const pauseW45 = [{ startsAt: b("2026-11-02T00:00"), endsAt: b("2026-11-09T00:00") }];

  it("counts consecutive met weeks, skipping a paused week and the running week", () => {
    const e = evaluate({ membership: joined, pauses: pauseW45, activities: messageIn(41, 42, 43, 44, 46, 47) }, "2026-11-24T12:00");
    expect(e.streak).toBe(6);
    expect(e.missedInARow).toBe(0);
    const done = evaluate({ membership: joined, pauses: pauseW45, activities: messageIn(41, 42, 43, 44, 46, 47, 48) }, "2026-11-24T12:00");
    expect(done.streak).toBe(7);
  });

  it("is broken by a missed week", () => {
    const e = evaluate({ membership: joined, pauses: pauseW45, activities: messageIn(41, 42, 44, 46, 47) }, "2026-11-24T12:00");
    expect(e.streak).toBe(3);
    expect(e.missedInARow).toBe(0);
  });

  it("counts the most recent completed weeks missed, across a pause, and flags two or more", () => {
    const e = evaluate({ membership: joined, pauses: pauseW45, activities: messageIn(41, 42) }, "2026-11-16T12:00");
    // W46 missed, W45 paused, W44 and W43 missed, W42 met.
    expect(e.missedInARow).toBe(3);
    expect(e.flagged).toBe(true);
    expect(e.streak).toBe(0);
    const once = evaluate({ membership: joined, activities: messageIn(41, 42, 43, 44, 45) }, "2026-11-16T12:00");
    expect(once).toMatchObject({ missedInARow: 1, flagged: false, streak: 0 });
  });

  it("does not count weeks before the first full week", () => {
    const wednesday = { joinedAt: b("2026-10-07T10:00") };
    const e = evaluate({ membership: wednesday, activities: messageIn(41, 42, 43) }, "2026-10-27T12:00");
    expect(e.streak).toBe(2);
    const none = evaluate({ membership: wednesday }, "2026-10-27T12:00");
    expect(none.missedInARow).toBe(2);
  });

  it("does not break on encouraged commitments", () => {
    const e = evaluate({ membership: joined, activities: messageIn(41, 42, 43) }, "2026-10-27T12:00");
    expect(e.streak).toBe(3);
    expect(one(e, "answers").required).toBe(false);
  });

  it("runs across the ISO year boundary", () => {
    const activities = [msg("2026-12-22T12:00"), msg("2026-12-31T12:00"), msg("2027-01-05T12:00")];
    const e = evaluate({ membership: { joinedAt: b("2026-12-21T00:00") }, activities }, "2027-01-12T12:00");
    expect(weekly(e).period.key).toBe("2027-W02");
    expect(e.streak).toBe(3);
    const gap = evaluate({ membership: { joinedAt: b("2026-12-21T00:00") }, activities: [msg("2026-12-22T12:00")] }, "2027-01-12T12:00");
    expect(gap).toMatchObject({ streak: 0, missedInARow: 2 });
  });

  it("is null for a program without weekly required commitments", () => {
    const e = evaluate({}, "2026-11-24T12:00", {}, veloMasters);
    expect(e.streak).toBeNull();
    expect(e.missedInARow).toBeNull();
    expect(e.flagged).toBe(false);
  });
});

describe("overall status", () => {
  it("is the worst required commitment; encouraged ones do not count", () => {
    const allMet = [msg("2026-11-24T09:00"), hrs("2026-11-05T10:00", 3), act("content", "2026-11-06T10:00"), act("meetup", "2026-10-10T10:00"), act("social", "2026-11-06T11:00")];
    expect(evaluate({ activities: allMet }, "2026-11-26T12:00").overall).toBe("met");
    // Only the weekly contribution is missing on Thursday: at risk.
    expect(evaluate({ activities: allMet.slice(1) }, "2026-11-26T12:00").overall).toBe("at-risk");
    // On Tuesday the same gap is merely on track.
    expect(evaluate({ activities: allMet.slice(1) }, "2026-11-24T12:00").overall).toBe("on-track");
    const e = evaluate({ activities: allMet }, "2026-11-26T12:00");
    expect(one(e, "talks")).toMatchObject({ status: "at-risk", required: false });
  });

  it("ranks missed over at-risk over paused over on-track over met", () => {
    expect(worstStatus(["met", "on-track", "at-risk"])).toBe("at-risk");
    expect(worstStatus(["paused", "missed"])).toBe("missed");
    expect(worstStatus(["on-track", "paused"])).toBe("paused");
    expect(worstStatus(["not-yet-judged", "met"])).toBe("met");
    expect(worstStatus([])).toBeNull();
  });
});

describe("a whole program", () => {
  it("evaluates many members in input order with a summary", () => {
    const members = [
      { memberId: "ann", membership: veteran, activities: [msg("2026-11-24T09:00"), hrs("2026-11-05T10:00", 3), act("content", "2026-11-06T10:00"), act("meetup", "2026-10-10T10:00"), act("social", "2026-11-06T11:00")] },
      { memberId: "bob", membership: veteran, activities: [] },
      { memberId: "cy", membership: { joinedAt: b("2026-11-25T10:00") }, activities: [] },
      { memberId: "dee", membership: veteran, activities: [], pauses: [{ startsAt: b("2026-10-01T00:00"), endsAt: b("2027-01-01T00:00") }] },
    ];
    const { rows, summary } = evaluateProgram(leaders, members, { now: b("2026-11-26T12:00"), tz });
    expect(rows.map((r) => [r.member.memberId, r.overall])).toEqual([
      ["ann", "met"],
      ["bob", "at-risk"],
      ["cy", "not-yet-judged"],
      ["dee", "paused"],
    ]);
    // Dee missed every week before her leave: paused weeks do not wipe that out.
    expect(summary).toEqual({ met: 1, "on-track": 0, "at-risk": 1, missed: 0, paused: 1, "not-yet-judged": 1, total: 4, flagged: 2 });
    expect(rows.filter((r) => r.flagged).map((r) => r.member.memberId)).toEqual(["bob", "dee"]);
    expect(rows[0]?.streak).toBe(1);
  });

  it("orders a report with flagged members first, most weeks missed first", () => {
    const now = "2026-11-26T12:00";
    const members = {
      fine: evaluate(
        {
          activities: [
            ...["2026-11-24", "2026-11-17", "2026-11-10"].map((d) => msg(`${d}T09:00`)),
            hrs("2026-11-05T10:00", 3),
            act("content", "2026-11-06T10:00"),
            act("meetup", "2026-10-10T10:00"),
            act("social", "2026-11-06T11:00"),
          ],
        },
        now,
      ),
      twoMissed: evaluate({ activities: [msg("2026-11-03T09:00")] }, now),
      oneMissed: evaluate({ activities: [msg("2026-11-10T09:00")] }, now),
      threeMissed: evaluate({ activities: [msg("2026-10-27T09:00")] }, now),
    };
    const order = Object.entries(members)
      .sort(([, x], [, y]) => compareForReport(x, y))
      .map(([name]) => name);
    expect(order).toEqual(["threeMissed", "twoMissed", "oneMissed", "fine"]);
    expect(members.fine.overall).toBe("met");
    expect(summarize(Object.values(members)).flagged).toBe(2);
  });

  it("sorts a report in one pass exactly as a stable sort by compareForReport does", () => {
    const statuses = Object.keys(STATUS_SEVERITY) as CommitmentStatus[];
    const row = fc.record({
      overall: fc.constantFrom(...statuses),
      flagged: fc.boolean(),
      missed: fc.option(fc.nat(3), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (xs) => {
        // Flagged rows always have a count of weeks missed (at least the flagging number), as evaluate gives them.
        const rows = xs.map((x, id) => ({ ...x, id, missedInARow: x.flagged ? 2 + (x.missed ?? 0) : x.missed }) as unknown as MemberEvaluation & { id: number });
        expect(sortForReport(rows).map((r) => r.id)).toEqual([...rows].sort(compareForReport).map((r) => r.id));
      }),
      { numRuns: 500 },
    );
  });

  it("knows where a past week's shown periods start before judging anyone (the minimum over 100,000 members' rows overflowed the stack)", () => {
    const week = parsePeriodKey("2026-W47", tz);
    const now = b("2026-11-26T12:00");
    const [row] = evaluateProgram(leaders, [{ membership: veteran, activities: [] }], { now, tz, period: week }).rows;
    const shown = row?.commitments.map((c) => c.period.start.getTime()) ?? [];
    expect(earliestShownStart(leaders, week, now)).toEqual(new Date(Math.min(...shown)));
    expect(earliestShownStart(leaders, week, now)).toEqual(b("2026-10-01T00:00"));
    // No commitments show no periods: the week itself, a valid date to read from.
    expect(earliestShownStart([], week, now)).toEqual(week.start);
  });

  it("groups a flat activity list by member", () => {
    const grouped = groupByMember([
      { memberId: "a", kind: "message", occurredAt: b("2026-11-24T09:00") },
      { memberId: "b", kind: "message", occurredAt: b("2026-11-24T09:00") },
      { memberId: "a", kind: "hours", occurredAt: b("2026-11-24T10:00"), hours: 2 },
    ]);
    expect([...grouped.keys()]).toEqual(["a", "b"]);
    expect(grouped.get("a")?.map((x) => x.kind)).toEqual(["message", "hours"]);
  });

  it("handles 10,000 members with 20 activities each in one pass", () => {
    const kinds = ["message", "hours", "content", "meetup", "answer"];
    const base = b("2026-06-01T00:00").getTime();
    const members: MemberInput[] = [];
    // Counted instead of timed: every time the evaluation reads an activity.
    let reads = 0;
    for (let m = 0; m < 10_000; m++) {
      const activities: ActivityInput[] = [];
      for (let k = 0; k < 20; k++) {
        const a: ActivityInput = { kind: kinds[(m + k) % kinds.length] ?? "message", occurredAt: new Date(base + ((m * 7919 + k * 104_729) % 180) * 86_400_000), hours: 1 };
        activities.push(
          new Proxy(a, {
            get: (target, key, receiver) => {
              if (key === "occurredAt") reads++;
              return Reflect.get(target, key, receiver);
            },
          }),
        );
      }
      members.push({ membership: { joinedAt: new Date(base - (m % 50) * 86_400_000) }, activities });
    }
    const { summary } = evaluateProgram(leaders, members, { now: b("2026-11-26T12:00"), tz });
    expect(summary.total).toBe(10_000);
    // Linear: each activity is looked at once per rule at most (today: once); members x activities would be 10,000 times more.
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(10_000 * 20 * leaders.length);
  });
});

describe("properties", () => {
  const kinds = ["message", "hours", "content", "meetup", "answer", "moderation", "talk"];
  const from = b("2026-09-01T00:00").getTime();
  const to = b("2027-02-15T00:00").getTime();
  const instant = fc.integer({ min: from, max: to }).map((ms) => new Date(ms));
  const activity = fc.record({
    kind: fc.constantFrom(...kinds),
    occurredAt: instant,
    hours: fc.option(fc.integer({ min: 0, max: 40 }).map((x) => x / 4), { nil: null }),
    rejected: fc.boolean(),
  });
  const member = fc.record({
    membership: fc.record({ joinedAt: instant }),
    activities: fc.array(activity, { maxLength: 25 }),
    pauses: fc.array(
      fc.tuple(instant, fc.integer({ min: 1, max: 40 * 86_400_000 })).map(([s, len]) => ({ startsAt: s, endsAt: new Date(s.getTime() + len) })),
      { maxLength: 2 },
    ),
  });

  it("progress equals a naive count over the period, and the program pass agrees with one member at a time", () => {
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 6 }), instant, (members, now) => {
        const opts = { now, tz };
        const { rows } = evaluateProgram(leaders, members, opts);
        rows.forEach((row, n) => {
          const m = members[n];
          if (!m) throw new Error("row without member");
          expect({ ...evaluateMember(leaders, m, opts), member: m }).toEqual(row);
          for (const c of row.commitments) {
            const rule = leaders.find((r) => r.id === c.id);
            if (!rule) throw new Error(c.id);
            expect(contains(c.period, now)).toBe(true);
            // Nothing dated after now counts yet.
            const counted = m.activities.filter((a) => !a.rejected && rule.kinds.includes(a.kind) && contains(c.period, a.occurredAt) && a.occurredAt <= now);
            const naive = rule.measure === "hours" ? counted.reduce((s, a) => s + (a.hours ?? 0), 0) : counted.length;
            expect(c.done).toBeCloseTo(naive, 6);
            expect(c.left).toBeCloseTo(Math.max(0, rule.atLeast - naive), 6);
            if (c.status === "met") expect(naive).toBeGreaterThanOrEqual(rule.atLeast);
            if (c.status === "missed") expect(c.final).toBe(true);
            const judged = m.membership.joinedAt.getTime() <= c.period.start.getTime();
            expect(c.status === "not-yet-judged").toBe(!judged);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe("week-by-week history for the report's heatmap", () => {
  it("gives each of the last weeks its status over the weekly required commitments, oldest first", () => {
    // Weeks of 2026: W44 starts Mon 26 Oct, W48 starts Mon 23 Nov. Now is Wednesday of W48.
    const e = evaluate(
      {
        activities: [msg("2026-10-27T10:00"), msg("2026-11-10T10:00"), msg("2026-11-24T09:00")],
        pauses: [{ startsAt: b("2026-11-02T00:00"), endsAt: b("2026-11-09T00:00") }],
      },
      "2026-11-25T12:00",
      { historyWeeks: 5 },
      leaders.filter((c) => c.per === "week"),
    );
    // W44 met, W45 paused, W46 met, W47 missed, W48 (running, already met).
    expect(e.weeks).toEqual(["met", "paused", "met", "missed", "met"]);
    // The same rules as the streak: the history agrees with missed-in-a-row.
    expect(e.missedInARow).toBe(0);
  });

  it("gives each week the overall status of that week's report: a month is final in the week holding its last day", () => {
    const messages = ["2026-10-13", "2026-10-20", "2026-10-27", "2026-11-03"].map((d) => msg(`${d}T10:00`));
    const e = evaluate({ activities: messages }, "2026-11-25T12:00", { historyWeeks: 7 });
    const report = (week: string) => evaluate({ activities: messages }, "2026-11-25T12:00", { period: parsePeriodKey(week, tz) });
    // W42, W43: October still running at their end (at risk: no hours yet); W44 holds 31 October: missed; W45: November
    // has just begun (on track); W46, W47: no message; W48 runs.
    expect(e.weeks).toEqual(["at-risk", "at-risk", "missed", "on-track", "missed", "missed", "at-risk"]);
    for (const [k, week] of ["2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"].entries())
      expect(report(week).overall).toBe(e.weeks?.[k]);
    expect(e.missedInARow).toBe(2);
    expect(one(report("2026-W44"), "monthly-hours")).toMatchObject({ status: "missed" });
    expect(one(report("2026-W44"), "monthly-hours").period.key).toBe("2026-10");
  });

  it("marks weeks before joining as not judged, and the running week as on track or at risk", () => {
    const e = evaluate({ membership: { joinedAt: b("2026-11-16T00:00") } }, "2026-11-27T12:00", { historyWeeks: 4 });
    expect(e.weeks).toEqual(["not-yet-judged", "not-yet-judged", "missed", "at-risk"]);
  });

  it("is left out unless asked; a program without a weekly required commitment has cells but no weeks missed in a row", () => {
    expect(evaluate({}, "2026-11-25T12:00").weeks).toBeUndefined();
    const masters = evaluate({}, "2026-11-25T12:00", { historyWeeks: 3 }, veloMasters);
    expect(masters.weeks).toHaveLength(3);
    expect(masters.missedInARow).toBeNull();
  });
});
