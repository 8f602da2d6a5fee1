// Issue 21's smaller findings, each as a program manager met it: the terminal chat typed without a
// prompt (what `steward run` does), message events, and the dashboard's partner page.
// PGlite always, Postgres when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession, type LineResult } from "../../src/adapters/console/session.ts";
import { recordMessage } from "../../src/services/activities.ts";
import { recordContribution } from "../../src/services/contributions.ts";
import { partnerOverview } from "../../src/services/overview.ts";
import { partnerHealth } from "../../src/services/partner-health.ts";
import { catchUp, runDue } from "../../src/jobs/run.ts";
import { scheduleTable } from "../../src/jobs/schedules.ts";
import { parsePeriodKey } from "../../src/domain/periods.ts";
import { storeKinds, testClock, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const LEADERS = "community-leaders-velo";
const APPLY = `/apply ${LEADERS} profiles:https://forum.example.com/u/me experience:"5 years" contribution:meetups`;

describe.each(storeKinds)("issue 21's findings (%s)", (kind) => {
  let rt: TestRuntime;
  let session: ConsoleSession;
  const say = async (handle: string, line: string): Promise<LineResult> => {
    session.handle = handle;
    return session.handleLine(line);
  };

  beforeEach(async () => {
    rt = await testRuntime(kind);
    session = new ConsoleSession(rt.app, registry, "nobody");
  });
  afterEach(async () => {
    await rt.close();
  });

  it("/apply without answers tells a member they are already a member, before asking for answers (finding 4)", async () => {
    expect((await say("alice", APPLY)).status).toBe("ok");
    expect((await say("mod", `/review approve alice ${LEADERS}`)).status).toBe("ok");
    const again = await say("alice", `/apply ${LEADERS}`);
    expect(again.output).toContain("You are already a member of Velo Community Leaders.");
    expect(again.output).not.toContain("incomplete");
  });

  it("counts a message event only within the /log backdating limit (finding 8)", async () => {
    expect((await say("alice", APPLY)).status).toBe("ok");
    expect((await say("mod", `/review approve alice ${LEADERS}`)).status).toBe("ok");
    const event = (id: string, at: string) => ({ platform: "console" as const, channel: "community", externalUserId: "alice", displayName: "alice", messageId: id, at: new Date(at), isBot: false });
    // The clock: Wednesday 2026-11-25; the pack lets /log go back backdateDays days.
    const days = rt.app.pack.backdateDays;
    const oldest = new Date(Date.parse("2026-11-25T00:00:00Z") - days * 86_400_000);
    expect(await recordMessage(rt.app, event("old", "2020-03-01T10:00:00Z"))).toBe("ignored");
    expect(await recordMessage(rt.app, event("just-too-old", new Date(oldest.getTime() - 60_000).toISOString()))).toBe("ignored");
    expect((await recordContribution(rt.app, { ...event("old-hot", "2020-03-01T10:00:00Z"), eventKey: "ev-old" })).status).toBe("ignored");
    expect(await recordMessage(rt.app, event("recent", "2026-11-24T10:00:00Z"))).toBe("counted");
    expect((await recordContribution(rt.app, { ...event("recent-hot", "2026-11-24T11:00:00Z"), eventKey: "ev-new" })).status).toBe("counted");
    const dates = (await rt.app.db.activity.findMany({ where: { kind: "message" } })).map((a) => a.occurredAt.toISOString().slice(0, 4));
    expect(dates).toEqual(["2026", "2026"]);
  });

  it("counts partners only in the partner page's members per tier (finding 9)", async () => {
    const db = rt.app.db;
    const lowest = rt.app.pack.partner.tiers[0]?.id ?? "";
    const partnerProgram = rt.app.pack.programs.find((p) => p.type === "partner-verification")?.id ?? "";
    const ids = ["site", "cert", "ledger", "member", "leader", "lurker"];
    await db.member.createMany({ data: ids.map((id) => ({ id, handle: id, displayName: id })) });
    // A balance row exists for anyone the ledger ever looked at: it does not make a partner.
    await db.balance.createMany({ data: ids.map((memberId) => ({ memberId, tier: lowest })) });
    await db.site.create({ data: { memberId: "site", url: "https://site.example.com", kind: "classic", role: "owner", state: "pending" } });
    await db.certification.create({ data: { memberId: "cert", kind: "velo", actor: "mod" } });
    await db.ledgerEntry.create({ data: { memberId: "ledger", delta: 0, kind: "adjustment", reason: "welcome", actor: "mod", idempotencyKey: "t:ledger" } });
    await db.membership.create({ data: { memberId: "member", programId: partnerProgram, state: "active", joinedAt: new Date("2026-11-01T00:00:00Z") } });
    await db.membership.create({ data: { memberId: "leader", programId: LEADERS, state: "active", joinedAt: new Date("2026-11-01T00:00:00Z") } });
    const overview = await partnerOverview(rt.app);
    expect(overview.tiers.reduce((n, t) => n + t.members, 0)).toBe(4);
    expect(overview.tiers[0]?.members).toBe(4);
  });

  it("shows an activity's day in the organisation's zone, the day it counts in (finding 6)", async () => {
    await rt.close();
    rt = await testRuntime(kind, { STEWARD_TIMEZONE: "America/Havana" }, testClock("2026-10-20T15:00:00Z"));
    session = new ConsoleSession(rt.app, registry, "nobody");
    expect((await say("alice", APPLY)).status).toBe("ok");
    expect((await say("mod", `/review approve alice ${LEADERS}`)).status).toBe("ok");
    // 03:20 UTC on 1 November is 23:20 on 31 October in Havana: October's hours.
    rt.clock.set("2026-11-01T03:20:00Z");
    const logged = await say("alice", "/log hours 2");
    expect(logged.output).toContain("2026-10-31");
    expect(logged.output).not.toContain("2026-11-01");
    const listed = await say("alice", "/activity");
    expect(listed.output).toContain("2026-10-31");
    expect(listed.output).not.toContain("2026-11-01");
  });

  it("lists a lapse in 'lapsed this week' even when the plan came back the same week (finding 7)", async () => {
    const ok = async (handle: string, line: string) => {
      const r = await say(handle, line);
      if (r.status !== "ok") throw new Error(`${line} → ${r.status}: ${r.output}`);
    };
    await ok("alice", "/site submit https://bakery.example.com kind:classic");
    await ok("mod", "/site verify https://bakery.example.com");
    await ok("mod", "/site lapse https://bakery.example.com");
    rt.clock.set("2026-11-26T10:00:00Z");
    await ok("mod", "/site reactivate https://bakery.example.com");
    const week = await partnerHealth(rt.app, parsePeriodKey("2026-W48", "UTC"));
    expect(week.lapses.map((l) => [l.handle, l.url])).toEqual([["alice", expect.stringContaining("bakery.example.com")]]);
  });

  it("catches up every missed partner-health week like the compliance reports, and a firing scheduler posts the missed weeks first (finding 5)", async () => {
    // Down since the reports for 2026-W44; now Wednesday of W48: W45, W46 and W47 are missed.
    const defs = scheduleTable(rt.app.pack, rt.app.config);
    for (const def of defs) if (def.id === "partner-health" || def.kind === "weekly-report") await rt.app.db.scheduleRun.create({ data: { scheduleId: def.id, period: "2026-W44" } });
    await catchUp(rt.app, defs.filter((d) => d.id === "partner-health"));
    const posts = async (prefix: string) =>
      (await rt.app.db.outboxMessage.findMany({ where: { dedupeKey: { startsWith: prefix } }, orderBy: { id: "asc" } })).map((r) => r.dedupeKey);
    expect(await posts("partner-health:")).toEqual(["partner-health:2026-W45:post", "partner-health:2026-W46:post", "partner-health:2026-W47:post"]);
    // The scheduler fires for W47 before catch-up got to the Editor X report: the missed weeks still come first, in order.
    const editorx = defs.find((d) => d.id === "weekly-report/community-leaders-editorx");
    if (!editorx) throw new Error("no Editor X report schedule");
    expect((await runDue(rt.app, editorx)).period).toBe("2026-W47");
    await catchUp(rt.app, [editorx]);
    expect(await posts("report:community-leaders-editorx:")).toEqual([
      "report:community-leaders-editorx:2026-W45:post",
      "report:community-leaders-editorx:2026-W46:post",
      "report:community-leaders-editorx:2026-W47:post",
    ]);
  });
});
