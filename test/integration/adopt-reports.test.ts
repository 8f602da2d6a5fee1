// After an adoption (members imported, history backfilled): /report shows the
// real statuses of past weeks, catch-up posts no week from before the first
// schedule run, and the first weekly report says how far the history goes
// (only the first).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importMembersCsv } from "../../src/adapters/partner-dashboard/members-import.ts";
import { catchUp } from "../../src/jobs/run.ts";
import { scheduleTable } from "../../src/jobs/schedules.ts";
import { backfill, sinceWeeks, type HistoryMessage, type HistorySource } from "../../src/services/backfill.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const PROGRAM = "community-leaders-velo";
const CSV = `program,member,slack_id,discord_id,forum_user,dashboard_id,joined,left\n${PROGRAM},dana,U0DANA01,,,,2026-09-01,\n${PROGRAM},eli,U0ELI002,,,,2026-09-01,\n`;

/** History as a platform adapter hands it over, two pages: dana wrote every week of W40-W47, eli only in W46. */
function source(): HistorySource {
  const week = (n: number) => Date.parse("2026-09-28T10:00:00Z") + n * 7 * 86_400_000;
  const msgs: HistoryMessage[] = [
    ...Array.from({ length: 8 }, (_, n) => ({ channel: "community", externalUserId: "U0DANA01", messageId: `d${n}`, at: new Date(week(n)) })),
    { channel: "community", externalUserId: "U0ELI002", messageId: "e6", at: new Date(week(6)) },
  ].reverse();
  return {
    key: "slack:CCOM",
    platform: "slack",
    label: "Slack #community",
    page: async (cursor) => (cursor ? { messages: msgs.slice(5) } : { messages: msgs.slice(0, 5), next: "p2" }),
  };
}

describe.each(storeKinds)("reports after an adoption on %s", (kind) => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  const reportPosts = () => rt.app.db.outboxMessage.findMany({ where: { dedupeKey: { startsWith: `report:${PROGRAM}:` }, kind: "post" }, orderBy: { id: "asc" } });

  beforeEach(async () => {
    rt = await testRuntime(kind, { SLACK_CHANNELS: "community=CCOM" });
    rt.clock.set("2026-11-25T12:00:00Z");
    chat = new ChatDriver(rt);
    await importMembersCsv(rt.app, CSV);
    const since = sinceWeeks(rt.app, 8);
    const result = await backfill(rt.app, [source()], { since });
    expect(result.sources[0]?.counted).toBe(9);
  });
  afterEach(async () => {
    await rt.close();
  });

  it("/report for a past week shows the statuses the history gives", async () => {
    // The weekly-contribution cell of a member's row (columns are two spaces or more apart).
    const cell = (text: string, handle: string) => text.split("\n").find((l) => l.startsWith(`@${handle} `))?.split(/\s{2,}/)[2];
    const w46 = await chat.ok("mod", `/report ${PROGRAM} week:2026-W46`);
    expect(cell(w46, "dana")).toBe("met 1/1");
    expect(cell(w46, "eli")).toBe("met 1/1");
    const w45 = await chat.ok("mod", `/report ${PROGRAM} week:2026-W45`);
    expect(cell(w45, "dana")).toBe("met 1/1");
    expect(cell(w45, "eli")).toBe("missed 0/1");
  });

  it("catch-up posts no week from before the first schedule run; the first report names the import date, the next does not", async () => {
    const defs = scheduleTable(rt.app.pack, rt.app.config);
    const first = await catchUp(rt.app, defs);
    expect(first.filter((r) => r.status === "ran")).toEqual([]);
    expect(await reportPosts()).toEqual([]);

    rt.clock.set("2026-12-01T12:00:00Z"); // Tuesday of 2026-W49: last week's report is due
    await catchUp(rt.app, defs);
    const [report] = await reportPosts();
    expect(report?.dedupeKey).toBe(`report:${PROGRAM}:2026-W48:post`);
    expect(JSON.stringify(report?.payload)).toContain("Community history was imported from the platforms up to 2026-11-25");

    rt.clock.set("2026-12-08T12:00:00Z");
    await catchUp(rt.app, defs);
    const posts = await reportPosts();
    expect(posts.map((p) => p.dedupeKey)).toEqual([`report:${PROGRAM}:2026-W48:post`, `report:${PROGRAM}:2026-W49:post`]);
    expect(JSON.stringify(posts[1]?.payload)).not.toContain("Community history was imported");
  });
});
