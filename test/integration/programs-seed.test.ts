// The programs as the seed wrote them (issue 10), end to end through the
// terminal chat's session on real databases: the two Community Leaders
// programs run independently, every deadline is reminded, every missed week
// is reported, history is kept. PGlite always, Postgres when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession, type Ask, type LineResult } from "../../src/adapters/console/session.ts";
import { consoleTarget } from "../../src/adapters/console/target.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { catchUp, runDue } from "../../src/jobs/run.ts";
import { scheduleTable } from "../../src/jobs/schedules.ts";
import { consoleMessageHandler } from "../../src/adapters/console/messages.ts";
import { recordMessage } from "../../src/services/activities.ts";
import { membersNeedingReminder } from "../../src/services/commitments.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const VELO = "community-leaders-velo";
const EDITORX = "community-leaders-editorx";
const APPLY = (program: string) => `/apply ${program} profiles:https://forum.example.com/u/me experience:"5 years" contribution:meetups`;

describe.each(storeKinds)("the seed's programs on %s", (kind) => {
  let rt: TestRuntime;
  let session: ConsoleSession;

  const say = async (handle: string, line: string, ask?: Ask): Promise<LineResult> => {
    session.handle = handle;
    return session.handleLine(line, ask);
  };
  const ok = async (handle: string, line: string, ask?: Ask): Promise<string> => {
    const r = await say(handle, line, ask);
    if (r.status !== "ok") throw new Error(`${line} → ${r.status}: ${r.output}`);
    return r.output;
  };
  const deliver = async (): Promise<string[]> => {
    const lines: string[] = [];
    const target = consoleTarget((t) => lines.push(t));
    while ((await deliverDue(rt.app, [target])) > 0) {
      /* until nothing is due */
    }
    return lines;
  };
  const memberId = async (handle: string) => (await rt.app.db.member.findUniqueOrThrow({ where: { handle } })).id;
  const join = async (handle: string, program: string) => {
    await ok(handle, APPLY(program));
    await ok("mod", `/review approve ${handle} ${program}`);
  };
  const message = (handle: string, id: string, at: Date, channel: string) =>
    recordMessage(rt.app, { platform: "console", channel, externalUserId: handle, displayName: handle, messageId: id, at, isBot: false });

  beforeEach(async () => {
    rt = await testRuntime(kind);
    session = new ConsoleSession(rt.app, registry, "nobody", consoleMessageHandler);
  });
  afterEach(async () => {
    await rt.close();
  });

  describe("activity belongs to one program (finding 1)", () => {
    beforeEach(async () => {
      // Joined as the quarter starts, so this week, month and quarter are judged.
      rt.clock.set("2026-10-01T00:00:00Z");
      await join("alice", VELO);
      await join("alice", EDITORX);
      rt.clock.set("2026-11-05T12:00:00Z");
    });

    it("a message in the Velo community counts for Velo Community Leaders only", async () => {
      expect(await message("alice", "m1", rt.clock.now(), "community")).toBe("counted");
      const mine = await ok("alice", "/commitments");
      const velo = mine.slice(mine.indexOf("Velo Community Leaders"), mine.indexOf("Editor X Community Leaders"));
      const editorx = mine.slice(mine.indexOf("Editor X Community Leaders"));
      expect(velo).toMatch(/Contribute in the private Slack\s+2026-W45\s+met\s+1\/1/);
      expect(editorx).toMatch(/Contribute in the private Slack\s+2026-W45\s+at risk\s+0\/1/);
      // The Editor X reminder still names the week's contribution.
      const due = await membersNeedingReminder(rt.app, EDITORX, "week", rt.clock.now());
      expect(due.map((d) => d.missing)).toEqual([["Contribute in the private Slack: 1 more"]]);
      expect(await membersNeedingReminder(rt.app, VELO, "week", rt.clock.now())).toEqual([]);

      await say("alice", "/channel community");
      expect((await say("alice", "hello all")).output).toBe("(counted as a community contribution to Velo Community Leaders)");
      await say("alice", "/channel editorx-community");
      expect((await say("alice", "hello editor x")).output).toBe("(counted as a community contribution to Editor X Community Leaders)");
    });

    it("/log asks which program when the member is in two that count the kind; steward run refuses with the choices", async () => {
      const refused = await say("alice", "/log meetup url:https://meetup.example.com/e/1");
      expect(refused.status).toBe("user-error");
      expect(refused.output).toContain("say which one this meetup hosted was for");
      expect(refused.output).toContain("program:community-leaders-velo or program:community-leaders-editorx");
      expect(await rt.app.db.activity.count()).toBe(0);

      const asked: string[] = [];
      const out = await ok("alice", "/log meetup url:https://meetup.example.com/e/1", async (q) => {
        asked.push(q);
        return q.startsWith("For which program") ? EDITORX : "";
      });
      expect(asked[0]).toContain("For which program: community-leaders-velo or community-leaders-editorx");
      expect(out).toContain("Counts toward: Host a meetup (Editor X Community Leaders).");
      const row = await rt.app.db.activity.findFirstOrThrow();
      expect(row.programId).toBe(EDITORX);

      const mine = await ok("alice", "/commitments");
      expect(mine.slice(mine.indexOf("Velo Community Leaders"), mine.indexOf("Editor X Community Leaders"))).toMatch(/Host a meetup\s+2026-Q4\s+\S+(?: \S+)?\s+0\/1/);
      expect(mine.slice(mine.indexOf("Editor X Community Leaders"))).toMatch(/Host a meetup\s+2026-Q4\s+met\s+1\/1/);

      const named = await ok("alice", `/log hours 2 program:${VELO}`);
      expect(named).toContain("Counts toward: Hours servicing the community (Velo Community Leaders).");
      const wrong = await say("alice", "/log hours 2 program:velo-masters");
      expect(wrong.status).toBe("user-error");
      expect(wrong.output).toContain("Velo Masters is not a program of yours that counts hours servicing the community");
    });

    it("a member in one program that counts the kind is never asked", async () => {
      await join("bob", VELO);
      const out = await ok("bob", "/log meetup url:https://meetup.example.com/e/2");
      expect(out).toContain("Counts toward: Host a meetup (Velo Community Leaders).");
    });
  });

  it("a kind the pack shares on purpose counts for every program of the member", async () => {
    const meetup = rt.app.pack.activityKinds.find((k) => k.id === "meetup");
    if (!meetup) throw new Error("no meetup kind");
    meetup.sharedAcrossPrograms = true;
    rt.clock.set("2026-10-01T00:00:00Z");
    await join("alice", VELO);
    await join("alice", EDITORX);
    rt.clock.set("2026-11-05T12:00:00Z");
    const out = await ok("alice", "/log meetup url:https://meetup.example.com/e/3");
    expect(out).toContain("Counts toward: Host a meetup (Velo Community Leaders); Host a meetup (Editor X Community Leaders).");
    const mine = await ok("alice", "/commitments");
    expect(mine.match(/Host a meetup\s+2026-Q4\s+met\s+1\/1/g)).toHaveLength(2);
  });

  describe("every deadline reminded (finding 2)", () => {
    const schedule = (id: string) => {
      const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === id);
      if (!def) throw new Error(`no schedule ${id}`);
      return def;
    };

    it("reminds an open quarterly commitment 14 days before the quarter ends, never a met or paused one, at the member's local time", async () => {
      rt.clock.set("2026-10-01T00:00:00Z");
      for (const h of ["alice", "bob", "carol", "dave"]) await join(h, VELO);
      rt.clock.set("2026-12-10T12:00:00Z");
      await ok("bob", "/log meetup url:https://meetup.example.com/e/9");
      await ok("carol", "/pause until:2027-01-31 reason:travel");
      await rt.app.db.member.update({ where: { id: await memberId("dave") }, data: { timezone: "America/Los_Angeles" } });
      expect((await ok("alice", "/schedule")).match(/quarterly-reminder\/community-leaders-velo\s+14 days before the quarter ends, at 0 10 \* \* \*\s+Fri 18 Dec 2026, 10:00 UTC/)).not.toBeNull();

      const def = schedule(`quarterly-reminder/${VELO}`);
      expect((await runDue(rt.app, def)).status).toBe("not-due");
      await deliver();
      rt.clock.set("2026-12-18T10:00:00Z");
      expect((await runDue(rt.app, def)).summary).toContain("2 reminders queued");
      expect((await runDue(rt.app, def)).status).toBe("already-ran");
      const rows = await rt.app.db.outboxMessage.findMany({ where: { kind: "dm", dedupeKey: { startsWith: "reminder:" } }, orderBy: { memberId: "asc" } });
      const byMember = new Map(rows.map((r) => [r.memberId, r]));
      expect(byMember.get(await memberId("alice"))?.availableAt.toISOString()).toBe("2026-12-18T10:00:00.000Z");
      // 10:00 in Los Angeles is 18:00 UTC.
      expect(byMember.get(await memberId("dave"))?.availableAt.toISOString()).toBe("2026-12-18T18:00:00.000Z");
      const now = (await deliver()).join("\n");
      expect(now).toContain("This quarter you still have:\n• Host a meetup: 1 more");
      expect(now).toContain("DM to @alice");
      expect(now).not.toContain("DM to @dave");
      rt.clock.set("2026-12-18T18:00:00Z");
      expect((await deliver()).join("\n")).toContain("DM to @dave");
    });

    it("a reminder cron with a list of hours shows its next runs and runs the monthly reminder (finding 10)", async () => {
      const program = rt.app.pack.programs.find((p) => p.id === VELO);
      if (!program) throw new Error("no program");
      program.reminderCron = "0 10,14 * * 4";
      rt.app.pack.deadlineReminderCron = "30 9,17 * * *";
      rt.clock.set("2026-11-02T12:00:00Z");
      const out = await ok("alice", "/schedule");
      expect(out).toMatch(/reminder\/community-leaders-velo\s+0 10,14 \* \* 4\s+Thu 5 Nov 2026, 10:00 UTC/);
      expect(out).toMatch(/monthly-reminder\/community-leaders-velo\s+5 days before the month ends, at 30 9,17 \* \* \*\s+Thu 26 Nov 2026, 09:30 UTC/);
      rt.clock.set("2026-11-26T09:30:00Z");
      expect((await runDue(rt.app, schedule(`monthly-reminder/${VELO}`))).status).toBe("ran");
    });
  });

  describe("every missed report posted once (finding 3)", () => {
    const reportDef = () => {
      const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === `weekly-report/${VELO}`);
      if (!def) throw new Error("no report schedule");
      return def;
    };
    const posted = async () =>
      (await rt.app.db.outboxMessage.findMany({ where: { kind: "post", dedupeKey: { startsWith: `report:${VELO}:` } }, orderBy: { id: "asc" } })).map((r) => r.dedupeKey);

    beforeEach(async () => {
      rt.clock.set("2026-12-01T12:00:00Z");
      await join("alice", VELO);
      // The last report before the downtime: 2026-W52, posted Monday 28 Dec.
      await rt.app.db.scheduleRun.create({ data: { scheduleId: reportDef().id, period: "2026-W52", ranAt: new Date("2026-12-28T09:00:00Z") } });
    });

    it("after downtime posts each missed week's report, oldest first, once each", async () => {
      // Down from 2 Jan to 20 Jan 2027: the reports of 4, 11 and 18 Jan were due meanwhile.
      rt.clock.set("2027-01-20T08:00:00Z");
      const results = await catchUp(rt.app, [reportDef()]);
      expect(results.map((r) => [r.period, r.status])).toEqual([
        ["2026-W53", "ran"],
        ["2027-W01", "ran"],
        ["2027-W02", "ran"],
      ]);
      expect(await posted()).toEqual([`report:${VELO}:2026-W53:post`, `report:${VELO}:2027-W01:post`, `report:${VELO}:2027-W02:post`]);
      // A second start (or a second process) posts nothing again.
      expect((await catchUp(rt.app, [reportDef()])).map((r) => r.status)).toEqual(["already-ran"]);
      expect(await posted()).toHaveLength(3);
      const lines = (await deliver()).filter((l) => l.startsWith("→ #moderators: Velo Community Leaders — week"));
      expect(lines.map((l) => /week (\S+) /.exec(l)?.[1])).toEqual(["2026-W53", "2027-W01", "2027-W02"]);
    });

    it("caps the catch-up at the pack's number of weeks and says in the last report what was skipped", async () => {
      rt.app.pack.reportCatchUpWeeks = 2;
      rt.clock.set("2027-01-20T08:00:00Z");
      const results = await catchUp(rt.app, [reportDef()]);
      expect(results.map((r) => r.period)).toEqual(["2027-W01", "2027-W02"]);
      const rows = await rt.app.db.outboxMessage.findMany({ where: { kind: "post", dedupeKey: { startsWith: `report:${VELO}:` } }, orderBy: { id: "asc" } });
      expect(JSON.stringify(rows[0]?.payload)).not.toContain("were not posted");
      expect(JSON.stringify(rows[1]?.payload)).toContain("Catching up posts at most 2 weeks, so these were not posted: 2026-W53.");
    });
  });

  describe("history kept (finding 4)", () => {
    it("a report for a past week lists who was a member then, with their status then, after removal and rejoining", async () => {
      rt.clock.set("2026-10-31T12:00:00Z");
      await join("alice", VELO);
      await join("bob", VELO);
      await message("alice", "a1", new Date("2026-11-03T09:00:00Z"), "community");
      await message("alice", "a2", new Date("2026-11-10T09:00:00Z"), "community");
      rt.clock.set("2026-11-18T12:00:00Z");
      await ok("mod", `/program remove alice ${VELO} reason:inactive`);
      rt.clock.set("2026-11-25T12:00:00Z");

      const w46 = await ok("mod", `/report ${VELO} week:2026-W46`);
      // Still a member when W46 ended (removed on the 18th): November as it stood then, half gone without hours, is at risk.
      expect(w46).toMatch(/@alice\s+at risk\s+met 1\/1/);
      expect(w46).toMatch(/@bob\s+missed\s+missed 0\/1/);
      const w47 = await ok("mod", `/report ${VELO} week:2026-W47`);
      expect(w47).toMatch(/@alice\s+.*left 2026-11-18/);
      expect(await ok("mod", `/report ${VELO} week:2026-W48`)).not.toContain("@alice");

      // Joining again starts a new interval; the old one still answers for its weeks.
      await join("alice", VELO);
      expect(await rt.app.db.membership.count({ where: { memberId: await memberId("alice"), programId: VELO } })).toBe(2);
      expect(await ok("mod", `/report ${VELO} week:2026-W46`)).toMatch(/@alice\s+at risk\s+met 1\/1/);
      expect(await ok("mod", `/program members ${VELO}`)).toMatch(/@alice\s+alice\s+2026-11-25/);
    });
  });

  describe("the pack says what the seed says (findings 5 and 6)", () => {
    it("social promotion is required of Community Leaders, feedback sessions of Velo Masters; bugs can be logged", async () => {
      rt.clock.set("2026-10-01T00:00:00Z");
      await join("alice", VELO);
      await ok("dave", "/apply velo-masters profiles:https://stackoverflow.com/u/1 experience:years");
      await ok("mod", "/review approve dave velo-masters");
      rt.clock.set("2026-11-05T12:00:00Z");
      const leaders = await ok("alice", "/commitments");
      expect(leaders).toMatch(/Promote on social media\s+2026-11/);
      expect(leaders).not.toContain("Promote on social media (encouraged)");
      const masters = await ok("dave", "/commitments");
      expect(masters).toMatch(/Feedback sessions\s+2026-Q4/);
      expect(masters).not.toContain("Feedback sessions (encouraged)");
      expect(await ok("dave", "/log bug-report url:https://forum.example.com/bug/1")).toContain("Counts toward: Report bugs to Wix (Velo Masters).");
    });

    it("/program <id> shows the description, commitments, perks and terms", async () => {
      const out = await ok("bob", `/program ${VELO}`);
      expect(out).toContain("Volunteers who host, speak, create and answer for the Velo community.");
      expect(out).toMatch(/Promote on social media\s+1\s+a month\s+required/);
      expect(out).toMatch(/Speak at events\s+1\s+a quarter\s+encouraged/);
      expect(out).toContain("• Exposure on the showcase page");
      expect(out).toContain("Terms: A volunteer position, not a paid job: no extra revenue share");
      expect(out).toContain(`Apply with /apply ${VELO}.`);
      expect(await ok("bob", "/program velo-masters")).toContain("• Velo Masters Badge (forum only, never a chat role)");
    });

    it("/apply shows the terms first, and refuses a member, a pending application and the cool-down before the first question", async () => {
      const asked: string[] = [];
      const ask: Ask = async (q) => {
        asked.push(q);
        return "https://forum.example.com/u/bob";
      };
      expect((await say("bob", `/apply ${VELO}`, ask)).status).toBe("ok");
      expect(asked[0]).toMatch(/^Before you apply: A volunteer position, not a paid job[^\n]*\nLinks to your community profiles/);

      asked.length = 0;
      const pending = await say("bob", `/apply ${VELO}`, ask);
      expect(pending.output).toContain("still pending review");
      expect(asked).toEqual([]);

      await ok("mod", `/review reject bob ${VELO} reason:"not yet"`);
      const cooling = await say("bob", `/apply ${VELO}`, ask);
      expect(cooling.output).toMatch(/was declined on \S+; you may apply again from/);
      expect(asked).toEqual([]);

      await join("carol", VELO);
      const member = await say("carol", `/apply ${VELO}`, ask);
      expect(member.output).toContain("already a member");
      expect(asked).toEqual([]);
    });

    it("/badges lists a member's badges with where each is shown", async () => {
      await join("alice", VELO);
      await ok("alice", "/apply velo-masters profiles:https://stackoverflow.com/u/1 experience:years");
      await ok("mod", "/review approve alice velo-masters");
      const out = await ok("bob", "/badges alice");
      expect(out).toMatch(/Community Leaders Badge\s+\S+\s+chat \(recorded; no role or user group set in the pack\)/);
      expect(out).toMatch(/Velo Masters Badge\s+\S+\s+forum only, never a chat role/);
      expect(await ok("bob", "/badges")).toContain("@bob holds no badges.");
    });
  });

  describe("member time zones (finding 9)", () => {
    it("/settings timezone: sets the member's zone, refuses an unknown one and changes nothing", async () => {
      expect(await ok("alice", "/settings")).toContain("UTC (the organisation's; set yours)");
      const bad = await say("alice", "/settings timezone:Europe/Berln");
      expect(bad.status).toBe("user-error");
      expect(bad.output).toContain("Europe/Berln is not a time zone I know.");
      expect(bad.output).toContain("/settings timezone:Europe/Berlin");
      const nul = await say("alice", "/settings timezone:Europe/Berlin\u0000");
      expect(nul.status).toBe("user-error");
      expect((await rt.app.db.member.findUniqueOrThrow({ where: { handle: "alice" } })).timezone).toBeNull();

      expect(await ok("alice", "/settings timezone:america/new_york")).toContain("Your time zone is now America/New_York");
      expect((await rt.app.db.member.findUniqueOrThrow({ where: { handle: "alice" } })).timezone).toBe("America/New_York");
      expect(await ok("alice", "/settings")).toMatch(/Time zone:\s+America\/New_York/);
      expect(await rt.app.db.auditLog.count({ where: { action: "settings timezone" } })).toBe(1);
    });

    it("a reminder shows the organisation's week in the member's zone", async () => {
      rt.clock.set("2026-10-01T00:00:00Z");
      await join("alice", VELO);
      await ok("alice", "/settings timezone:Asia/Tokyo");
      await deliver();
      rt.clock.set("2026-11-05T14:00:00Z");
      const def = scheduleTable(rt.app.pack, rt.app.config).find((d) => d.id === `reminder/${VELO}`);
      if (!def) throw new Error("no reminder schedule");
      await runDue(rt.app, def);
      // The week is the organisation's: it ends Sunday 23:59 UTC, which is Monday 08:59 in Tokyo.
      expect((await deliver()).join("\n")).toContain("Due by: Mon 9 Nov 2026, 08:59 GMT+9");
    });
  });
});
