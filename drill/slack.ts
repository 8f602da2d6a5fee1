// Drill (f): Slack delivers the same event and the same slash request three times (a retry after
// a timeout, then two at once) into the real Bolt receiver: one effect each, and every delivery
// answered. Web API calls go to the local fake Slack.
import { setTimeout as sleep } from "node:timers/promises";
import { registry } from "../commands/index.ts";
import { ensureMember } from "../src/services/members.ts";
import { FORM, JSON_TYPE, sendSigned, slashPayload } from "../test/helpers/fake-slack.ts";
import { startSlackHarness } from "../test/helpers/slack-harness.ts";
import type { Drill } from "./lib.ts";
import { channelMessage, slackEventBody } from "../test/helpers/slack-events.ts";

const SECRET = "drill-signing-secret";

export const slackDrill: Drill = async () => {
  const h = await startSlackHarness(process.env.DATABASE_URL ? "postgres" : "pglite", SECRET, registry);
  const problems: string[] = [];
  try {
    const { db } = h.rt.app;
    await ensureMember(h.rt.app, "slack", "U1", "alice");
    const slash = slashPayload({ command: "/steward", text: "adjust <@U1> 50 Helped at the drill", user: "UMOD", name: "mod", triggerId: "drill-trigger", responseUrl: h.fake.responseUrl("drill") });
    const sendSlash = (retry?: number) =>
      sendSigned(h.url, slash, FORM, { secret: SECRET, ...(retry ? { headers: { "x-slack-retry-num": String(retry), "x-slack-retry-reason": "http_timeout" } } : {}) });
    const statuses = [(await sendSlash()).status];
    await h.fake.waitFor("respond", 1);
    statuses.push(...(await Promise.all([sendSlash(1), sendSlash(2)])).map((r) => r.status));
    const answers = await Promise.race([h.fake.waitFor("respond", 3), sleep(30_000).then(() => [])]);
    const entries = await db.ledgerEntry.count({ where: { kind: "adjustment" } });
    const audits = await db.auditLog.count({ where: { action: "adjust" } });

    const carol = await ensureMember(h.rt.app, "slack", "UCL", "carol");
    await db.membership.create({ data: { memberId: carol.id, programId: "community-leaders-velo", state: "active", joinedAt: new Date("2026-01-01T00:00:00Z") } });
    const envelope = (eventId: string, ts: string) => slackEventBody(eventId, channelMessage("UCL", ts, { client_msg_id: `m-${ts}` }));
    const event = envelope("EvDrill", "1795608000.000100");
    statuses.push((await sendSigned(h.url, event, JSON_TYPE, { secret: SECRET })).status);
    const retries = await Promise.all(
      [1, 2].map((n) => sendSigned(h.url, event, JSON_TYPE, { secret: SECRET, headers: { "x-slack-retry-num": String(n), "x-slack-retry-reason": "http_timeout" } })),
    );
    statuses.push(...retries.map((r) => r.status));
    // A later message is the barrier: once it is counted, the deliveries before it were handled.
    await sendSigned(h.url, envelope("EvBarrier", "1795608500.000100"), JSON_TYPE, { secret: SECRET });
    for (let i = 0; i < 150 && (await db.activity.count({ where: { memberId: carol.id, dedupeKey: "msg:slack:m-1795608500.000100" } })) === 0; i++) await sleep(100);
    await sleep(300);
    const counted = await db.activity.count({ where: { memberId: carol.id, dedupeKey: { not: "msg:slack:m-1795608500.000100" } } });

    if (entries !== 1) problems.push(`slash command delivered 3 times wrote ${entries} ledger entries`);
    if (audits !== 1) problems.push(`slash command delivered 3 times wrote ${audits} audit rows`);
    if (answers.length !== 3) problems.push(`${answers.length} of 3 slash deliveries answered`);
    if (counted !== 1) problems.push(`message event delivered 3 times counted ${counted} times`);
    const non200 = statuses.filter((s) => s !== 200).length;
    if (non200) problems.push(`${non200} deliveries answered other than 200: ${statuses.join(",")}`);
    return {
      pass: problems.length === 0,
      figures: `slash ×3: ${entries} entry, ${audits} audit row, ${answers.length}/3 answered; event ×3: counted ${counted} time(s); ${non200} non-200`,
      problems,
    };
  } finally {
    await h.stop();
  }
};
