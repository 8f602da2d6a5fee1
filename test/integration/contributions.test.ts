// The one-statement message count (services/contributions.ts) against the
// rules recordMessage keeps: a member's message in a community channel counts
// once, for the channel's program; never a non-member's, a former member's or
// elsewhere; a redelivered event id counts nothing. PGlite always, Postgres
// when DATABASE_URL is set.
import { DateTime } from "luxon";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordMessage } from "../../src/services/activities.ts";
import { ContributionBatcher, recordContribution, recordContributions, type Contribution } from "../../src/services/contributions.ts";
import { ensureMember } from "../../src/services/members.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const VELO = "community-leaders-velo";
const EDITORX = "community-leaders-editorx";
const AT = new Date("2026-11-25T12:00:00Z");

describe.each(storeKinds)("message contributions in one statement on %s", (kind) => {
  let rt: TestRuntime;

  const member = async (externalId: string, programs: string[], state = "active") => {
    const m = await ensureMember(rt.app, "slack", externalId, externalId);
    for (const programId of programs) await rt.app.db.membership.create({ data: { memberId: m.id, programId, state, joinedAt: new Date("2026-01-01T00:00:00Z") } });
    return m.id;
  };
  const count = (c: Partial<Contribution> & Pick<Contribution, "externalUserId" | "messageId">) =>
    recordContribution(rt.app, { platform: "slack", channel: "community", at: AT, ...c });
  const claimed = async (key: string) => (await rt.app.db.processedEvent.findUnique({ where: { key } })) !== null;

  beforeEach(async () => {
    rt = await testRuntime(kind);
  });
  afterEach(async () => {
    await rt.close();
  });

  it("counts a member's message once, for the channel's program, with recordMessage's row", async () => {
    const id = await member("UA", [VELO]);
    const outcome = await count({ externalUserId: "UA", messageId: "m1", eventKey: "slack:Ev1" });
    expect(outcome).toMatchObject({ status: "counted", programs: [{ id: VELO }] });
    expect(await count({ externalUserId: "UA", messageId: "m1", eventKey: "slack:Ev2" })).toEqual({ status: "ignored" });
    const [row] = await rt.app.db.activity.findMany({ where: { memberId: id } });
    expect(row).toMatchObject({ kind: "message", programId: VELO, occurredAt: AT, source: "message:slack", dedupeKey: "msg:slack:m1", createdAt: rt.app.now() });

    // The same message through recordMessage is a duplicate of this row: same dedupe key.
    expect(await recordMessage(rt.app, { platform: "slack", channel: "community", externalUserId: "UA", displayName: "UA", messageId: "m1", at: AT, isBot: false })).toBe("ignored");
    expect(await rt.app.db.activity.count()).toBe(1);
  });

  it("a redelivered event id counts nothing, even when its activity is gone", async () => {
    await member("UA", [VELO]);
    expect((await count({ externalUserId: "UA", messageId: "m1", eventKey: "slack:Ev1" })).status).toBe("counted");
    await rt.app.db.activity.deleteMany();
    expect(await count({ externalUserId: "UA", messageId: "m1", eventKey: "slack:Ev1" })).toEqual({ status: "duplicate event" });
    expect(await rt.app.db.activity.count()).toBe(0);
    // Without an event id only the message id dedupes.
    expect((await count({ externalUserId: "UA", messageId: "m1" })).status).toBe("counted");
  });

  it("ignores non-members, former members, unknown authors and other programs' channels", async () => {
    await member("UNONE", []);
    await member("UOLD", [VELO], "ended");
    await member("UX", [EDITORX]);
    expect(await count({ externalUserId: "UNONE", messageId: "m1", eventKey: "slack:Ev1" })).toEqual({ status: "ignored" });
    expect(await count({ externalUserId: "UOLD", messageId: "m2", eventKey: "slack:Ev2" })).toEqual({ status: "ignored" });
    expect(await count({ externalUserId: "UNKNOWN", messageId: "m3", eventKey: "slack:Ev3" })).toEqual({ status: "ignored" });
    expect(await count({ externalUserId: "UX", messageId: "m4", eventKey: "slack:Ev4" })).toEqual({ status: "ignored" });
    // A channel no program counts costs no write at all, not even the claim.
    expect(await count({ externalUserId: "UX", messageId: "m5", channel: "general", eventKey: "slack:Ev5" })).toEqual({ status: "ignored" });
    expect(await claimed("slack:Ev5")).toBe(false);
    expect(await claimed("slack:Ev4")).toBe(true);
    expect(await rt.app.db.activity.count()).toBe(0);
    // The Editor X member's message counts in their program's channel.
    expect(await count({ externalUserId: "UX", messageId: "m6", channel: "editorx-community" })).toMatchObject({ status: "counted", programs: [{ id: EDITORX }] });
  });

  it("a channel shared on purpose by two programs counts the message for every program of the member (no program on the row)", async () => {
    const message = rt.app.pack.activityKinds.find((k) => k.automatic);
    if (!message) throw new Error("no automatic kind");
    message.sharedAcrossPrograms = true;
    const editorx = rt.app.pack.programs.find((p) => p.id === EDITORX);
    if (!editorx) throw new Error("no Editor X program");
    editorx.communityChannels = [...editorx.communityChannels, "community"];
    const both = await member("UB", [VELO, EDITORX]);
    const one = await member("UV", [VELO]);
    expect(await count({ externalUserId: "UB", messageId: "m1" })).toMatchObject({ status: "counted", programs: [{ id: VELO }, { id: EDITORX }] });
    expect(await count({ externalUserId: "UV", messageId: "m2" })).toMatchObject({ status: "counted", programs: [{ id: VELO }] });
    expect((await rt.app.db.activity.findFirstOrThrow({ where: { memberId: both } })).programId).toBeNull();
    expect((await rt.app.db.activity.findFirstOrThrow({ where: { memberId: one } })).programId).toBeNull();
  });

  it("the backdating bound moves at midnight in the organisation's zone, also for batches read a moment before", async () => {
    await member("UA", [VELO]);
    const days = rt.app.pack.backdateDays;
    const tz = rt.app.config.STEWARD_TIMEZONE;
    // The first hour of the oldest day that still counts late on 25 November, local time.
    const oldestDay = DateTime.fromISO("2026-11-25T00:30:00", { zone: tz }).minus({ days });
    rt.clock.set(DateTime.fromISO("2026-11-25T23:59:59", { zone: tz }).toJSDate());
    expect((await count({ externalUserId: "UA", messageId: "m1", at: oldestDay.toJSDate() })).status).toBe("counted");
    // Two seconds later it is the 26th there: that day no longer counts.
    rt.clock.advance(2_000);
    expect(await count({ externalUserId: "UA", messageId: "m2", at: oldestDay.toJSDate() })).toEqual({ status: "ignored" });
    expect((await count({ externalUserId: "UA", messageId: "m3", at: oldestDay.plus({ days: 1 }).toJSDate() })).status).toBe("counted");
  });

  it("the batcher spreads what waits over its free statements; one event in two batches at once still counts once", async () => {
    const id = await member("UA", [VELO]);
    const statements: number[] = [];
    const original = rt.app.sql.query;
    const query = original.bind(rt.app.sql);
    rt.app.sql.query = (async (sql: string, params?: unknown[], prepared?: string) => {
      if (prepared === "record_contributions") statements.push((params?.[0] as unknown[]).length);
      return query(sql, params, prepared);
    }) as typeof rt.app.sql.query;
    try {
      const c = (messageId: string, eventKey: string): Contribution => ({ platform: "slack", channel: "community", at: AT, externalUserId: "UA", messageId, eventKey });

      // Six messages arriving together, four statements free, at least two messages a statement: three statements of two.
      const spread = new ContributionBatcher(rt.app, { batch: 200, inFlight: 4, spreadTo: 2 });
      const six = await Promise.all(["1", "2", "3", "4", "5", "6"].map((n) => spread.add(c(`m${n}`, `slack:Ev${n}`))));
      expect(six.map((r) => r.outcome.status)).toEqual(Array(6).fill("counted"));
      expect(statements).toEqual([2, 2, 2]);

      // The same event twice, in two statements side by side: the claim lets one count.
      statements.length = 0;
      const apart = new ContributionBatcher(rt.app, { batch: 200, inFlight: 4, spreadTo: 1 });
      const twice = await Promise.all([apart.add(c("m7", "slack:Ev7")), apart.add(c("m7", "slack:Ev7"))]);
      expect(statements).toEqual([1, 1]);
      expect(twice.map((r) => r.outcome.status).sort()).toEqual(["counted", "duplicate event"]);
      expect(await rt.app.db.activity.count({ where: { memberId: id } })).toBe(7);
    } finally {
      // The store is lent to the next test's runtime.
      rt.app.sql.query = original;
    }
  });

  it("a batch is one statement with each message's own outcome: an event twice counts once, a message id twice once", async () => {
    const id = await member("UA", [VELO]);
    const c = (messageId: string, eventKey: string, externalUserId = "UA"): Contribution => ({ platform: "slack", channel: "community", at: AT, externalUserId, messageId, eventKey });
    const before = await count({ externalUserId: "UA", messageId: "m0", eventKey: "slack:Ev0" });
    expect(before.status).toBe("counted");
    const recorded = await recordContributions(rt.app, [c("m1", "slack:Ev1"), c("m1", "slack:Ev1"), c("m1", "slack:Ev2"), c("m2", "slack:Ev0"), c("m3", "slack:Ev3", "USTRANGER"), c("m4", "slack:Ev4")]);
    expect(recorded.map((r) => r.outcome.status)).toEqual(["counted", "duplicate event", "ignored", "duplicate event", "ignored", "counted"]);
    // What the statement saw of each author, for the adapter that meets new people.
    expect(recorded.map((r) => r.author)).toEqual(["no zone", "unchecked", "no zone", "no zone", "unknown", "no zone"]);
    expect((await rt.app.db.activity.findMany({ where: { memberId: id }, orderBy: { dedupeKey: "asc" } })).map((a) => a.dedupeKey)).toEqual(["msg:slack:m0", "msg:slack:m1", "msg:slack:m4"]);
    expect(await claimed("slack:Ev3")).toBe(true);
  });
});
