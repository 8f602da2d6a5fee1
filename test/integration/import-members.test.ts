// `steward import members` and `/program add`: an existing community's members
// with their accounts and join/leave dates, against a real database; the
// sample file under docs/ applied by the CLI as an operator runs it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importMembersCsv } from "../../src/adapters/partner-dashboard/members-import.ts";
import { ImportError, type LineResult } from "../../src/adapters/partner-dashboard/import.ts";
import { receivePartnerEvent } from "../../src/services/partner-events.ts";
import { buildReport } from "../../src/services/reports.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { steward } from "../helpers/cli.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { preparedDataFolder } from "../helpers/test-databases.ts";

const HEADER = "program,member,slack_id,discord_id,forum_user,dashboard_id,joined,left";
const CSV = [
  HEADER,
  "community-leaders-velo,dana,U0DANA01,,Dana.Codes,,2026-09-07,", // 2 applied
  "community-leaders-velo,farah,U0FARAH3,,,,2026-09-07,2026-10-19", // 3 applied, left
  "community-leaders-velo,@Dana,U0DANA01,,dana.codes,,2026-09-07,", // 4 duplicate of 2
  "community-leaders-velo,gil,U0DANA01,,,,2026-09-07,", // 5 slack id taken by dana
  "community-leaders-velo,hana,,,,,2027-01-04,", // 6 future
  "community-leaders-velo,ido,,,,,2026-10-05,2026-09-01", // 7 left before joined
  "no-such-program,jo,,,,,2026-10-05,", // 8 unknown program
  "community-leaders-velo,kai,not-a-slack-id,,,,2026-10-05,", // 9 bad slack id
  "community-leaders-velo,lee,,,,", // 10 six fields
  "community-leaders-editorx,dana,,,,,2026-10-05,", // 11 applied: second program, same person
  "community-leaders-velo,dana,,,,,2026-10-12,", // 12 overlaps her active membership
].join("\n");

const byLine = (results: LineResult[]) => Object.fromEntries(results.map((r) => [r.line, `${r.status}: ${r.message}`]));

describe.each(storeKinds)("steward import members on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;

  beforeEach(async () => {
    rt = await testRuntime(kind, {}, undefined);
    rt.clock.set("2026-11-25T12:00:00Z");
    chat = new ChatDriver(rt);
  });
  afterEach(async () => {
    await rt.close();
  });

  it("a rerun applies the dashboard events a run that died after linking left held", async () => {
    const held = await receivePartnerEvent(rt.app, "partner", "wh-1", { type: "site.published", partner: "P-77", url: "https://held.example.com", kind: "classic", role: "owner", at: new Date("2026-11-20T12:00:00Z") });
    expect(held.status).toBe("held");
    const line = [HEADER, "community-leaders-velo,mira,,,,P-77,2026-09-07,"].join("\n");
    // The first run's transaction committed (account linked, membership added), then the process died before the
    // held events were applied: the same state, written directly.
    const m = await rt.app.db.member.create({ data: { handle: "mira", displayName: "mira" } });
    await rt.app.db.balance.create({ data: { memberId: m.id, points: 0, tier: "explorer" } });
    await rt.app.db.identity.create({ data: { platform: "dashboard", externalId: "P-77", memberId: m.id } });
    await rt.app.db.membership.create({ data: { memberId: m.id, programId: "community-leaders-velo", state: "active", joinedAt: new Date("2026-09-07T00:00:00Z") } });
    const [result] = await importMembersCsv(rt.app, line);
    expect(result?.status).toBe("skipped");
    expect(await rt.app.db.inboundEvent.count({ where: { status: "held" } })).toBe(0);
    expect(await rt.app.db.site.count({ where: { memberId: m.id } })).toBe(1);
  });

  it("reports each line: applied, skipped as a duplicate, refused with the reason; a refused line writes nothing", async () => {
    const lines = byLine(await importMembersCsv(rt.app, CSV));
    expect(lines[2]).toBe("applied: @dana: new member @dana, slack id U0DANA01, linked forum user dana.codes, member of community-leaders-velo from 2026-09-07");
    expect(lines[3]).toMatch(/^applied: @farah: .*from 2026-09-07 to 2026-10-19$/);
    expect(lines[4]).toBe("skipped: duplicate of line 2");
    expect(lines[5]).toBe("refused: slack id U0DANA01 belongs to @dana, not to @gil");
    expect(lines[6]).toBe("refused: joined 2027-01-04 is in the future");
    expect(lines[7]).toBe("refused: left 2026-09-01 is not after joined 2026-10-05");
    expect(lines[8]).toMatch(/^refused: program "no-such-program" is not one of partner, community-leaders-velo/);
    expect(lines[9]).toMatch(/^refused: slack_id "not-a-slack-id" is not a Slack user id/);
    expect(lines[10]).toMatch(/^refused: expected 8 fields/);
    expect(lines[11]).toBe("applied: @dana: member of community-leaders-editorx from 2026-10-05");
    expect(lines[12]).toBe("refused: @dana already a member of community-leaders-velo since 2026-09-07");
    // Refused lines created no member: gil's line failed after nothing, whole.
    expect(await rt.app.db.member.findUnique({ where: { handle: "gil" } })).toBeNull();
    const dana = await rt.app.db.member.findUniqueOrThrow({ where: { handle: "dana" }, include: { identities: true, memberships: true, badges: true } });
    expect(dana.identities.map((i) => `${i.platform}:${i.externalId}`).sort()).toEqual(["forum:dana.codes", "slack:U0DANA01"]);
    expect(dana.memberships.map((m) => `${m.programId}:${m.state}`).sort()).toEqual(["community-leaders-editorx:active", "community-leaders-velo:active"]);
    expect(dana.badges.map((b) => b.badge)).toEqual(["community-leaders"]);
    const farah = await rt.app.db.membership.findFirstOrThrow({ where: { member: { handle: "farah" } } });
    expect(farah.state).toBe("removed");
    // No welcome or badge DM: an imported member was a member already.
    expect((await chat.deliver()).filter((l) => /DM/i.test(l) || /badge.*granted to you/i.test(l))).toEqual([]);
  });

  it("a second run changes nothing; --dry-run predicts the real run and writes nothing", async () => {
    const tables = async () => [await rt.app.db.member.count(), await rt.app.db.identity.count(), await rt.app.db.membership.count(), await rt.app.db.badge.count(), await rt.app.db.outboxMessage.count(), await rt.app.db.auditLog.count()];
    const empty = await tables();
    const dry = await importMembersCsv(rt.app, CSV, { dryRun: true });
    expect(await tables()).toEqual(empty);
    const real = await importMembersCsv(rt.app, CSV);
    // Each line of a dry run is judged against the database as it is, alone: lines 5 and 12 clash with line 2 only once it is applied.
    const independent = (rs: LineResult[]) => rs.filter((r) => ![5, 12].includes(r.line)).map((r) => `${r.line} ${r.status}`);
    expect(independent(dry)).toEqual(independent(real));
    const after = await tables();
    const second = await importMembersCsv(rt.app, CSV);
    expect(second.filter((r) => r.status === "applied")).toEqual([]);
    expect(byLine(second)[2]).toBe("skipped: duplicate: @dana is already recorded as a member of community-leaders-velo from 2026-09-07");
    expect(await tables()).toEqual(after);
  });

  it("an account Steward met already is that member: it keeps its history and takes the file's handle", async () => {
    await rt.app.db.$transaction(async (tx) => {
      const m = await tx.member.create({ data: { handle: "user-u0dana01", displayName: "Dana" } });
      await tx.identity.create({ data: { platform: "slack", externalId: "U0DANA01", memberId: m.id } });
      await tx.balance.create({ data: { memberId: m.id, points: 0, tier: "explorer" } });
    });
    const [line] = await importMembersCsv(rt.app, `${HEADER}\ncommunity-leaders-velo,dana,U0DANA01,,,,2026-09-07,`);
    expect(line?.message).toBe("@dana: @user-u0dana01 is now @dana, member of community-leaders-velo from 2026-09-07");
    expect(await rt.app.db.member.count()).toBe(1);
  });

  it("a past week's report lists who was a member then: someone who left since, not someone who joined later", async () => {
    await importMembersCsv(rt.app, CSV);
    const text = (await buildReport(rt.app, "community-leaders-velo", "2026-W40")).blocks.map((b) => JSON.stringify(b)).join("\n");
    expect(text).toContain("farah");
    expect(text).toContain("dana");
    const later = (await buildReport(rt.app, "community-leaders-velo", "2026-W47")).blocks.map((b) => JSON.stringify(b)).join("\n");
    expect(later).not.toContain("farah");
  });

  it("a header that is not the members header is refused whole", async () => {
    await expect(importMembersCsv(rt.app, "event,partner,url,kind,role,date\n")).rejects.toThrow(ImportError);
  });

  it("/program add: a moderator records a member since a past day, audited; others are refused and audited; bad days refused", async () => {
    await chat.ok("alice", "/tier");
    expect(await chat.ok("mod", "/program add alice community-leaders-velo since:2026-08-03")).toBe("@alice is a member of Velo Community Leaders since 2026-08-03.");
    const m = await rt.app.db.membership.findFirstOrThrow({ where: { member: { handle: "alice" } } });
    expect(m.joinedAt.toISOString()).toBe("2026-08-03T00:00:00.000Z");
    expect(await rt.app.db.auditLog.count({ where: { action: "program add", outcome: "ok" } })).toBe(1);
    expect((await chat.deliver()).join("\n")).toContain("A moderator recorded you as a member of Velo Community Leaders since 2026-08-03.");

    const denied = await chat.say("bob", "/program add bob community-leaders-velo since:2026-08-03");
    expect(denied.status).toBe("user-error");
    expect(await rt.app.db.auditLog.count({ where: { outcome: "denied" } })).toBe(1);

    const again = await chat.say("mod", "/program add alice community-leaders-velo since:2026-09-01");
    expect(again.output).toContain("@alice cannot be added: already a member of community-leaders-velo since 2026-08-03.");
    const future = await chat.say("mod", "/program add alice community-leaders-editorx since:2027-02-01");
    expect(future.output).toContain("since: 2027-02-01 is in the future");
    expect(await rt.app.db.membership.count()).toBe(1);
  });
});

describe("steward import members (the CLI)", () => {
  // A first start's initdb and migrations are operator.test.ts's and data-folder.test.ts's: here the run's migrated folder.
  it("applies the sample file shipped under docs/ to an embedded data folder, and a second run skips every line", async () => {
    const sample = fileURLToPath(new URL("../../docs/adopt-members.csv", import.meta.url));
    const lines = readFileSync(sample, "utf8").trim().split("\n").length - 1;
    const env = { STEWARD_DATA_DIR: await preparedDataFolder("steward-adopt-") };
    const first = await steward(["import", "members", sample], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`${lines} line(s): ${lines} applied, 0 skipped, 0 refused.`);
    const second = await steward(["import", "members", sample], env);
    expect(second.stdout).toContain(`${lines} line(s): 0 applied, ${lines} skipped, 0 refused.`);
  }, 120_000);
});
