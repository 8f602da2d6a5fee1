// Community programs end to end through the terminal chat's session: apply,
// review, badge and notifications; activity logging; message counting;
// pauses; the weekly report and its CSV. PGlite always, Postgres when
// DATABASE_URL is set.
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession, type Ask, type LineResult } from "../../src/adapters/console/session.ts";
import { consoleTarget } from "../../src/adapters/console/target.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { consoleMessageHandler } from "../../src/adapters/console/messages.ts";
import { recordMessage } from "../../src/services/activities.ts";
import { membersNeedingReminder } from "../../src/services/commitments.ts";
import { buildReport } from "../../src/services/reports.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const DAY = 24 * 60 * 60 * 1000;
const LEADERS = "community-leaders-velo";
const APPLY = `/apply ${LEADERS} profiles:https://forum.example.com/u/me experience:"5 years" contribution:meetups`;

describe.each(storeKinds)("community programs on %s", (kind) => {
  let rt: TestRuntime;
  let session: ConsoleSession;
  let delivered: string[];

  const say = async (handle: string, line: string, ask?: Ask): Promise<LineResult> => {
    session.handle = handle;
    return session.handleLine(line, ask);
  };
  const ok = async (handle: string, line: string): Promise<string> => {
    const r = await say(handle, line);
    if (r.status !== "ok") throw new Error(`${line} → ${r.status}: ${r.output}`);
    return r.output;
  };
  const deliver = async (): Promise<string[]> => {
    const lines: string[] = [];
    const target = consoleTarget((t) => lines.push(t));
    while ((await deliverDue(rt.app, [target])) > 0) {
      /* until nothing is due */
    }
    delivered.push(...lines);
    return lines;
  };
  const memberId = async (handle: string) => (await rt.app.db.member.findUniqueOrThrow({ where: { handle } })).id;
  const join = async (handle: string, program = LEADERS) => {
    await ok(handle, APPLY.replace(LEADERS, program));
    await ok("mod", `/review approve ${handle} ${program}`);
  };
  const message = (handle: string, id: string, at: string, channel = "community") =>
    recordMessage(rt.app, { platform: "console", channel, externalUserId: handle, displayName: handle, messageId: id, at: new Date(at), isBot: false });

  beforeEach(async () => {
    rt = await testRuntime(kind);
    session = new ConsoleSession(rt.app, registry, "nobody", consoleMessageHandler);
    delivered = [];
  });
  afterEach(async () => {
    await rt.close();
  });

  it("apply → moderators see it with buttons → approve → membership, badge and welcome DM, audited", async () => {
    const out = await ok("alice", APPLY);
    expect(out).toContain("pending review");

    const posted = await deliver();
    expect(posted.join("\n")).toMatch(/→ #moderators: alice applied to Velo Community Leaders/);
    expect(posted.join("\n")).toContain("[Approve: /review approve alice community-leaders-velo]");
    const post = await rt.app.db.outboxMessage.findFirstOrThrow({ where: { kind: "post", channel: "moderators" } });
    const buttons = (post.payload as { reply: { blocks: { type: string; buttons?: { action: string; value: string; form?: { fields: { key: string }[] } }[] }[] } }).reply.blocks.find((b) => b.type === "buttons")?.buttons;
    expect(buttons?.map((b) => [b.action, b.value])).toEqual([
      ["approve", "alice community-leaders-velo"],
      ["reject", "alice community-leaders-velo"],
    ]);
    expect(buttons?.[1]?.form?.fields.map((f) => f.key)).toEqual(["reason"]);

    const again = await say("alice", APPLY);
    expect(again.status).toBe("user-error");
    expect(again.output).toContain("still pending review");

    const denied = await say("bob", "/review approve alice community-leaders-velo");
    expect(denied.status).toBe("user-error");
    expect(denied.output).toContain("Only moderators");
    expect(await rt.app.db.auditLog.count({ where: { action: "review approve", outcome: "denied" } })).toBe(1);

    const listed = await ok("mod", "/review");
    expect(listed).toContain("alice applied to Velo Community Leaders");
    expect(listed).toContain("5 years");

    expect(await ok("mod", "/review approve alice community-leaders-velo")).toContain("now a member");
    const alice = await memberId("alice");
    const membership = await rt.app.db.membership.findFirstOrThrow({ where: { memberId: alice, programId: LEADERS } });
    expect(membership.state).toBe("active");
    expect(membership.joinedAt.toISOString()).toBe(rt.clock.now().toISOString());
    expect(await rt.app.db.badge.count({ where: { memberId: alice, badge: "community-leaders", revokedAt: null } })).toBe(1);
    expect(await rt.app.db.auditLog.count({ where: { action: "review approve", outcome: "ok", target: alice } })).toBe(1);

    const notes = (await deliver()).join("\n");
    expect(notes).toContain("→ badge community-leaders granted to @alice");
    expect(notes).toContain("→ DM to @alice");
    expect(notes).toContain("Welcome to Velo Community Leaders");

    const twice = await say("mod", "/review approve alice community-leaders-velo");
    expect(twice.status).toBe("user-error");
    const member = await say("alice", APPLY);
    expect(member.output).toContain("already a member");
  });

  it("Velo Masters' badge is recorded and goes to the forum, never a chat role; partner verification grants the Verified Partner badge", async () => {
    await ok("dave", "/apply velo-masters profiles:https://stackoverflow.com/u/1 experience:years");
    await ok("mod", "/review approve dave velo-masters");
    const dave = await memberId("dave");
    expect(await rt.app.db.badge.count({ where: { memberId: dave, badge: "velo-masters" } })).toBe(1);
    // One row, for the forum target (the pack maps it to a Discourse badge); chat targets skip forum badges.
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "badge-grant", memberId: dave } })).toBe(1);

    await ok("erin", "/apply partner dashboard-id:P-123 site:https://client.example.com");
    await ok("mod", "/review approve erin partner");
    const erin = await memberId("erin");
    expect(await rt.app.db.badge.count({ where: { memberId: erin, badge: "verified-partner" } })).toBe(1);
    expect((await deliver()).join("\n")).toContain("→ badge verified-partner granted to @erin");
  });

  /** /apply velo-masters typed bare in the terminal, answering its questions in turn: what was asked, and the answer. */
  const applyInTerminal = async (handle: string, answers: string[]) => {
    const asked: string[] = [];
    const r = await say(handle, "/apply velo-masters", async (q) => {
      asked.push(q);
      return answers.shift();
    });
    return { asked, r };
  };

  it("a missing or wrong answer is a user error naming it; the terminal asks the questions one by one", async () => {
    const missing = await say("bob", "/apply velo-masters experience:lots");
    expect(missing.status).toBe("user-error");
    expect(missing.output).toContain("missing: profiles");
    const wrong = await say("bob", "/apply velo-masters profiles:not-a-link experience:lots");
    expect(wrong.output).toContain("profiles must be links");
    expect(await rt.app.db.application.count()).toBe(0);

    const { asked, r } = await applyInTerminal("bob", ["https://forum.example.com/u/bob", "ten years", ""]);
    expect(r.status).toBe("ok");
    // The program's terms come first, with the first question.
    expect(asked[0]).toMatch(/^Before you apply: A volunteer position/);
    expect(asked.map((q) => q.split("\n").at(-1)?.split(":")[0])).toEqual([
      "Your online JS/Velo community profiles (Velo Forum, StackOverflow, …), comma-separated",
      "Your experience as a Velo developer",
      "Velo content you have created (links) (optional, Enter to skip)",
    ]);
    const app = await rt.app.db.application.findFirstOrThrow();
    expect(app.answers).toEqual({ profiles: "https://forum.example.com/u/bob", experience: "ten years" });
  });

  it("the terminal shows a program's terms once: with the first question, not again in the answer (issue 22)", async () => {
    const terms = rt.app.pack.programs.find((p) => p.id === "velo-masters")?.terms ?? "";
    expect(terms.length).toBeGreaterThan(20);
    const { asked, r } = await applyInTerminal("bob", ["https://forum.example.com/u/bob", "ten years", ""]);
    expect(r.status).toBe("ok");
    const screen = [...asked, r.output].join("\n").replace(/\s+/g, " ");
    expect(screen.split(terms.replace(/\s+/g, " ")).length - 1).toBe(1);
    // Typed as options, nothing was asked: the answer says the terms.
    const typed = await say("carol", "/apply velo-masters profiles:https://forum.example.com/u/carol experience:lots");
    expect(typed.output.replace(/\s+/g, " ")).toContain(terms.replace(/\s+/g, " "));
  });

  it("rejection tells the reason; re-applying waits for the cool-down", async () => {
    await ok("carol", APPLY);
    const r = await say("mod", "/review reject carol community-leaders-velo reason:'no community profile yet'");
    expect(r.status).toBe("ok");
    expect((await deliver()).join("\n")).toContain("not accepted: no community profile yet");
    expect(await rt.app.db.auditLog.count({ where: { action: "review reject" } })).toBe(1);

    const early = await say("carol", APPLY);
    expect(early.status).toBe("user-error");
    expect(early.output).toMatch(/you may apply again from 2026-12-25/);
    rt.clock.advance(30 * DAY);
    expect(await ok("carol", APPLY)).toContain("pending review");
  });

  it("a pause is refused past the pack's longest leave, and changes nothing", async () => {
    await join("carol");
    const r = await say("carol", "/pause until:2028-01-01");
    expect(r.status).toBe("user-error");
    expect(r.output).toContain("A pause can last at most 366 days (until 2027-11-26)");
    expect(await rt.app.db.pause.count()).toBe(0);
  });

  it("/log checks the URL, dates and duplicates", async () => {
    await join("alice");
    const future = await say("alice", "/log meetup url:https://meetup.com/e/1 date:2026-11-26");
    expect(future.output).toContain("in the future");
    const old = await say("alice", "/log meetup url:https://meetup.com/e/1 date:2026-11-10");
    expect(old.output).toContain("more than 14 days ago");
    const noUrl = await say("alice", "/log meetup");
    expect(noUrl.status).toBe("user-error");
    expect(noUrl.output).toContain("link");
    const badUrl = await say("alice", "/log content notalink");
    expect(badUrl.output).toContain("not a link");
    const auto = await say("alice", "/log message");
    expect(auto.status).toBe("user-error");
    expect(await rt.app.db.activity.count()).toBe(0);

    expect(await ok("alice", "/log meetup url:https://meetup.com/e/1 date:2026-11-11")).toContain("Host a meetup (Velo Community Leaders)");
    const dup = await say("alice", "/log meetup https://MEETUP.com/e/1/#photos");
    expect(dup.status).toBe("user-error");
    expect(dup.output).toContain("counts once");
    const other = await say("bob", "/log content https://meetup.com/e/1");
    expect(other.output).toContain("already logged by @alice");
    expect(await ok("alice", '/log hours 2.5 note:"forum triage"')).toContain("2.5 h");
    expect(await rt.app.db.activity.count()).toBe(2);
  });

  it("recordMessage counts a member's message in a community channel once, never a bot's, never elsewhere", async () => {
    await join("alice");
    const at = "2026-11-25T12:00:00Z";
    expect(await message("alice", "m1", at)).toBe("counted");
    expect(await message("alice", "m1", at)).toBe("ignored");
    expect(await message("alice", "m2", at, "#Community")).toBe("counted");
    expect(await message("alice", "m3", at, "general")).toBe("ignored");
    expect(await message("zed", "m4", at)).toBe("ignored");
    expect(
      await recordMessage(rt.app, { platform: "slack", channel: "community", externalUserId: "B1", displayName: "bot", messageId: "m5", at: new Date(at), isBot: true }),
    ).toBe("ignored");
    expect(await rt.app.db.activity.count({ where: { kind: "message" } })).toBe(2);

    await say("alice", "/channel community");
    const note = await say("alice", "hello everyone");
    expect(note.output).toContain("counted as a community contribution to Velo Community Leaders");
    await say("alice", "/channel general");
    expect((await say("alice", "off topic")).output).toBe("");
  });

  it("a rejected activity stops counting; the member is told", async () => {
    rt.clock.set("2026-10-30T12:00:00Z");
    await join("alice");
    rt.clock.set("2026-11-10T12:00:00Z");
    await ok("alice", "/log hours 3");
    expect(await ok("alice", "/commitments")).toMatch(/Hours servicing the community\s+2026-11\s+met\s+3\/3 h/);
    const a = await rt.app.db.activity.findFirstOrThrow();
    const denied = await say("alice", `/activity reject ${a.id.slice(0, 8)} reason:nope`);
    expect(denied.output).toContain("Only moderators");
    expect(await ok("mod", `/activity reject ${a.id.slice(0, 8)} reason:"not community work"`)).toContain("no longer counts");
    expect(await ok("alice", "/commitments")).toMatch(/Hours servicing the community\s+2026-11\s+on track\s+0\/3 h/);
    expect((await deliver()).join("\n")).toContain("no longer counts toward your commitments: not community work");
    expect(await rt.app.db.auditLog.count({ where: { action: "activity reject", outcome: "ok" } })).toBe(1);
  });

  it("removing a member ends the membership and revokes a badge no other program carries", async () => {
    await join("alice");
    await join("alice", "community-leaders-editorx");
    await ok("mod", "/program remove alice community-leaders-velo reason:'inactive'");
    const alice = await memberId("alice");
    expect(await rt.app.db.badge.count({ where: { memberId: alice, revokedAt: null } })).toBe(1);
    await ok("mod", "/program remove alice community-leaders-editorx reason:'inactive'");
    expect(await rt.app.db.badge.count({ where: { memberId: alice, revokedAt: null } })).toBe(0);
    const out = (await deliver()).join("\n");
    expect(out).toContain("→ badge community-leaders revoked from @alice");
    expect(out).toContain("You were removed from Velo Community Leaders: inactive");
    expect((await ok("mod", "/program members community-leaders-velo"))).not.toContain("@alice");
  });

  it("the weekly report: flagged members first, paused weeks not missed, CSV parses back", async () => {
    // Everyone joins on Saturday of 2026-W44, so W45 and November are their first judged week and month.
    rt.clock.set("2026-10-31T12:00:00Z");
    for (const h of ["alice", "bob", "carol"]) await join(h);
    for (const [i, day] of ["2026-11-03", "2026-11-10", "2026-11-18"].entries()) await message("alice", `a${i}`, `${day}T09:00:00Z`);
    await message("bob", "b0", "2026-11-04T09:00:00Z");
    rt.clock.set("2026-11-08T12:00:00Z");
    expect(await ok("carol", "/pause until:2026-11-22 reason:'parental leave'")).toContain("until 2026-11-22");
    rt.clock.set("2026-11-20T12:00:00Z");
    await ok("alice", "/log hours 3");
    rt.clock.set("2026-11-25T12:00:00Z");

    const report = await buildReport(rt.app, LEADERS);
    expect(report.text).toContain("week 2026-W47");
    const csvFile = report.files?.[0];
    expect(csvFile?.contentType).toBe("text/csv");
    expect(csvFile?.filename).toBe("community-leaders-velo-2026-W47.csv");
    const rows = parse(csvFile?.content ?? "", { columns: true }) as Record<string, string>[];
    expect(rows[0]?.member).toBe("bob");
    expect(rows[0]).toMatchObject({ member: "bob", flagged: "yes", weeks_missed_in_a_row: "2", "weekly-contribution_status": "missed", streak: "0" });
    const alice = rows.find((r) => r.member === "alice");
    expect(alice).toMatchObject({ flagged: "no", "weekly-contribution_status": "met", streak: "3", "monthly-hours_status": "met", "monthly-hours_done": "3" });
    const carol = rows.find((r) => r.member === "carol");
    expect(carol).toMatchObject({ "weekly-contribution_status": "paused", weeks_missed_in_a_row: "1", flagged: "no" });
    expect(rows).toHaveLength(3);

    // The heatmap: the same members in the same order, one cell a week, the report's week last.
    const image = report.blocks.find((b) => b.type === "image");
    expect(image?.filename).toBe("heatmap-community-leaders-velo-2026-W47.png");
    const map = image?.picture.kind === "heatmap" ? image.picture.heatmap : undefined;
    expect(map?.weeks).toHaveLength(12);
    expect(map?.weeks.slice(-4)).toEqual(["W44", "W45", "W46", "W47"]);
    expect(map?.rows.map((r) => r.name)).toEqual(rows.map((r) => `@${r.member}`));
    // Each cell is that week's report overall: W45 sees November just begun (on track), W46 and W47 see it past 3/7 with
    // Alice's content still to do (at risk); Carol's leave covers most of W46, W47 and of November by then (paused).
    expect(Object.fromEntries(map?.rows.map((r) => [r.name, r.weeks.slice(-4)]) ?? [])).toEqual({ "@bob": "-OXX", "@alice": "-ORR", "@carol": "-XPP" });
    expect(image?.alt).toContain("@bob: 1 on track, 2 missed");
    // What an outbox row carries for it is a few hundred bytes of data, not a picture.
    expect(JSON.stringify(image).length).toBeLessThan(2000);
    expect((await buildReport(rt.app, "velo-masters")).blocks.some((b) => b.type === "image")).toBe(false);

    const fields = report.blocks.find((b) => b.type === "fields");
    expect(fields && fields.type === "fields" && fields.fields.find((f) => f.label === "Missed 2+ weeks in a row")?.value).toBe("1");
    const text = await ok("mod", "/report community-leaders-velo week:2026-W47");
    expect(text).toContain("⚠ Missed two or more weeks in a row: @bob (2)");
    expect(text).toContain("@alice: Insider swag");

    // A member's own text that a spreadsheet would run as a formula is written inert.
    await rt.app.db.member.update({ where: { handle: "carol" }, data: { displayName: "=HYPERLINK(\"http://x.example.com\")" } });
    const escaped = parse((await buildReport(rt.app, LEADERS)).files?.[0]?.content ?? "", { columns: true }) as Record<string, string>[];
    expect(escaped.find((r) => r.member === "carol")?.name).toBe("'=HYPERLINK(\"http://x.example.com\")");

    const w46 = parse((await buildReport(rt.app, LEADERS, "2026-W46")).files?.[0]?.content ?? "", { columns: true }) as Record<string, string>[];
    expect(w46.find((r) => r.member === "bob")).toMatchObject({ weeks_missed_in_a_row: "1", flagged: "no" });
    expect((await say("mod", "/report community-leaders-velo week:2026-W49")).output).toContain("has not started");
  });

  it("a program without commitments reports its members with an empty compliance section, not a crash", async () => {
    rt.clock.set("2026-11-25T12:00:00Z");
    const report = await buildReport(rt.app, "partner");
    expect(report.text).toContain("week 2026-W47");
    expect(report.files?.[0]?.filename).toBe("partner-2026-W47.csv");
  });

  it("reminders skip members on leave and those who already met the week", async () => {
    rt.clock.set("2026-10-31T12:00:00Z");
    for (const h of ["alice", "bob", "carol"]) await join(h);
    rt.clock.set("2026-11-26T10:00:00Z");
    await message("alice", "a1", "2026-11-24T09:00:00Z");
    await ok("carol", "/pause until:2026-12-06");
    const due = await membersNeedingReminder(rt.app, LEADERS, "week", rt.clock.now());
    expect(due.map((d) => d.memberId)).toEqual([await memberId("bob")]);
    expect(due[0]).toMatchObject({ periodKey: "2026-W48", deadline: new Date("2026-11-30T00:00:00Z"), missing: ["Contribute in the private Slack: 1 more"] });
    const monthly = await membersNeedingReminder(rt.app, LEADERS, "month", rt.clock.now());
    expect(monthly.map((d) => d.periodKey)).toEqual(["2026-11", "2026-11"]);
    expect(monthly[0]?.missing).toContain("Hours servicing the community: 3 more hours");
  });
});
