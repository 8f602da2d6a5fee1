// `steward backfill` end to end: the fakes of Slack and Discord serve eight
// weeks of a community's messages across pages (Slack threads too), with a
// 429 + Retry-After in the middle and an interruption, all on a virtual
// clock. The run resumes at its checkpoint, counts each member's message once
// for the right program in the right week, and the same messages sent again
// as live events (through Bolt and discord.js) count nothing more. A second
// community built live, event by event as the weeks went, gives the same
// weekly reports cell by cell.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Client } from "discord.js";
import { registry } from "../../commands/index.ts";
import { importMembersCsv } from "../../src/adapters/partner-dashboard/members-import.ts";
import { attachDiscord, createDiscordClient, type AttachedDiscord } from "../../src/adapters/discord/client.ts";
import { discordHistorySources } from "../../src/adapters/discord/history.ts";
import { startSlack, SLACK_EVENTS_PATH, type RunningSlack } from "../../src/adapters/slack/app.ts";
import { SLOW_INTERVAL_MS, SLOW_LIMIT, slackHistorySources, slowDownOnLongWaits } from "../../src/adapters/slack/history.ts";
import type { Block } from "../../src/chat/reply.ts";
import { periodOf } from "../../src/domain/periods.ts";
import { backfill, historyImportedUpTo, Pacer, sinceWeeks, type HistorySource } from "../../src/services/backfill.ts";
import { buildReport } from "../../src/services/reports.ts";
import { eventually } from "../helpers/eventually.ts";
import { messageDateCounts } from "../../src/domain/activities.ts";
import { GUILD_ID, messageCreate, rawGuild, startFakeDiscord, type FakeDiscord, type FakeGuild } from "../helpers/fake-discord.ts";
import { JSON_TYPE, sendSigned, startFakeSlack, type ArchivedMessage, type FakeSlack } from "../helpers/fake-slack.ts";
import { storeKinds, testRuntime, type StoreKind, type TestRuntime } from "../helpers/runtime.ts";
import { runOn, virtualClock } from "../helpers/virtual-clock.ts";

const SECRET = "backfill-signing-secret";
const NOW = "2026-11-25T12:00:00Z"; // a Wednesday in 2026-W48
const CCOM = "CCOM";
const EDX = "1300000000000000009";
const DANA = { slack: "U0DANA01" };
const ELI = { slack: "U0ELI002", discord: "1300000000000001002" };
const GIL = { discord: "1300000000000001004" };
const NOBODY = { slack: "U0NOBODY", discord: "1300000000000001999" };
const MEMBERS_CSV = [
  "program,member,slack_id,discord_id,forum_user,dashboard_id,joined,left",
  `community-leaders-velo,dana,${DANA.slack},,,,2026-09-01,`,
  `community-leaders-velo,eli,${ELI.slack},${ELI.discord},,,2026-09-01,2026-10-26`,
  `community-leaders-editorx,gil,,${GIL.discord},,,2026-10-12,`,
].join("\n");
const JOINS = [
  { handle: "dana", program: "community-leaders-velo", at: "2026-09-01T00:00:00Z" },
  { handle: "eli", program: "community-leaders-velo", at: "2026-09-01T00:00:00Z" },
  { handle: "gil", program: "community-leaders-editorx", at: "2026-10-12T00:00:00Z" },
];
const ELI_LEFT = "2026-10-26T00:00:00Z";

/** A fixed-seed generator, so the history (and a failure) is the same every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Msg {
  platform: "slack" | "discord";
  user?: string;
  bot?: boolean;
  at: number;
  id: string;
  thread?: string;
}

/** Eight weeks (2026-W40 to W47) of messages: dana silent in W43, eli until he left, gil before and after joining, a non-member and bots. */
function history(): Msg[] {
  const random = rng(20261207);
  const start = Date.parse("2026-09-28T00:00:00Z");
  const span = Date.parse("2026-11-23T00:00:00Z") - start;
  const out: Msg[] = [];
  const w43 = [Date.parse("2026-10-19T00:00:00Z"), Date.parse("2026-10-26T00:00:00Z")];
  for (let i = 0; i < 200; i++) {
    const at = start + Math.floor(random() * span);
    const who = random();
    const user = who < 0.4 ? DANA.slack : who < 0.75 ? ELI.slack : who < 0.9 ? NOBODY.slack : undefined;
    if (user === DANA.slack && at >= w43[0]! && at < w43[1]!) continue;
    const ts = `${Math.floor(at / 1000)}.${String(i).padStart(6, "0")}`;
    out.push({ platform: "slack", ...(user ? { user } : { bot: true }), at: Math.round(Number(ts) * 1000), id: ts });
  }
  // Threads: replies to a few parents, a little later.
  const parents = out.filter((m) => m.user).slice(0, 12);
  parents.forEach((p, i) => {
    for (let r = 0; r < 3; r++) {
      const at = p.at + (r + 1) * 60_000;
      const ts = `${Math.floor(at / 1000)}.${String(900_000 + i * 10 + r).padStart(6, "0")}`;
      out.push({ platform: "slack", user: r === 2 ? NOBODY.slack : DANA.slack, at: Math.round(Number(ts) * 1000), id: ts, thread: p.id });
    }
  });
  for (let i = 0; i < 140; i++) {
    const at = start + Math.floor(random() * span);
    const who = random();
    const user = who < 0.6 ? GIL.discord : who < 0.8 ? ELI.discord : who < 0.95 ? NOBODY.discord : undefined;
    // A snowflake's top bits are milliseconds since Discord's epoch, so ids sort as the messages' times do.
    const id = String(((BigInt(at) - 1_420_070_400_000n) << 22n) + BigInt(i));
    out.push({ platform: "discord", ...(user ? { user } : { bot: true }), at, id });
  }
  return out.sort((x, y) => x.at - y.at);
}

const slackArchived = (m: Msg): ArchivedMessage => ({
  type: "message",
  ts: m.id,
  ...(m.user ? { user: m.user, client_msg_id: `c-${m.id}` } : { subtype: "bot_message", bot_id: "B1" }),
  ...(m.thread ? { thread_ts: m.thread } : {}),
});
const discordRaw = (m: Msg) =>
  messageCreate(GUILD_ID, EDX, m.user ? { id: m.user, username: `u${m.user.slice(-4)}` } : { id: "1300000000000009999", username: "bot", bot: true }, {
    id: m.id,
    timestamp: new Date(m.at).toISOString(),
  });

interface Community {
  rt: TestRuntime;
  slack: RunningSlack;
  fakeSlack: FakeSlack;
  fakeDiscord: FakeDiscord;
  client: Client;
  attached: AttachedDiscord;
  close(): Promise<void>;
}

async function community(kind: StoreKind): Promise<Community> {
  const fakeSlack = await startFakeSlack();
  const guild: FakeGuild = { id: GUILD_ID, roles: [], channels: [{ id: EDX, name: "editorx-community" }], members: new Map() };
  const fakeDiscord = await startFakeDiscord(guild);
  const rt = await testRuntime(kind, {
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fakeSlack.apiUrl,
    SLACK_CHANNELS: `community=${CCOM}`,
    DISCORD_TOKEN: "test-token",
    DISCORD_APPLICATION_ID: "1000",
    DISCORD_GUILD_ID: GUILD_ID,
    DISCORD_API_URL: fakeDiscord.url,
    DISCORD_CHANNELS: `editorx-community=${EDX}`,
  });
  rt.clock.set(NOW);
  const slack = await startSlack(rt, registry, { port: 0, host: "127.0.0.1" });
  const client = createDiscordClient(rt.app.config);
  client.token = "test-token";
  client.rest.setToken("test-token");
  (client.guilds as unknown as { _add(data: unknown): unknown })._add(rawGuild(guild));
  const attached = attachDiscord(client, rt.app, registry);
  return {
    rt,
    slack,
    fakeSlack,
    fakeDiscord,
    client,
    attached,
    close: async () => {
      attached.detach();
      await client.destroy();
      await slack.stop();
      await rt.close();
      await fakeSlack.stop();
      await fakeDiscord.close();
    },
  };
}

/** Sends messages as the platforms deliver them live: Slack's signed Events API, Discord's MESSAGE_CREATE. */
async function sendLive(c: Community, messages: Msg[]): Promise<void> {
  const url = `http://127.0.0.1:${c.slack.port}${SLACK_EVENTS_PATH}`;
  const actions = (c.client as unknown as { actions: Record<string, { handle(data: unknown): unknown }> }).actions;
  // A message older than the backdating limit is ignored before its event id is claimed (a live event that late
  // is a replay); the others claim theirs.
  const { app } = c.rt;
  const slackClaims = messages.filter((m) => m.platform === "slack" && m.user && messageDateCounts(new Date(m.at), app.now(), app.config.STEWARD_TIMEZONE, app.pack.backdateDays));
  const before = await c.rt.app.db.processedEvent.count();
  for (const m of messages) {
    if (m.platform === "discord") {
      actions.MessageCreate?.handle(discordRaw(m));
      continue;
    }
    const event = { ...slackArchived(m), channel: CCOM, channel_type: "channel", text: "hi" };
    const body = JSON.stringify({ token: "x", team_id: "T1", api_app_id: "A1", type: "event_callback", event_id: `Ev${m.id.replace(".", "")}`, event_time: Math.floor(m.at / 1000), event });
    const res = await sendSigned(url, body, JSON_TYPE, { secret: SECRET });
    expect(res.status).toBe(200);
  }
  await c.attached.idle();
  // Bolt answers before it records: every person's Slack message has claimed its event id once recorded.
  await eventually(async () => (await c.rt.app.db.processedEvent.count()) >= before + slackClaims.length, 60_000);
}

function sources(c: Community, clock: ReturnType<typeof virtualClock>, since: Date): { list: HistorySource[]; slackPacer: Pacer } {
  const slackPacer: Pacer = new Pacer(clock, 0, slowDownOnLongWaits(() => slackPacer));
  const discordPacer = new Pacer(clock);
  const list = [
    ...slackHistorySources({ token: "xoxb-test", apiUrl: c.fakeSlack.apiUrl, channels: [{ name: "community", id: CCOM }], since, pacer: slackPacer, limit: 50 }),
    ...discordHistorySources({ token: "test-token", apiUrl: c.fakeDiscord.url, channels: [{ name: "editorx-community", id: EDX }], since, pacer: discordPacer }),
  ];
  return { list, slackPacer };
}

const tableOf = (blocks: Block[]) => JSON.stringify(blocks.filter((b) => b.type === "table" || b.type === "fields"));
const WEEKS = ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47"];

describe.each(storeKinds)("steward backfill on %s", (kind) => {
  let c: Community;
  const all = history();

  beforeEach(async () => {
    c = await community(kind);
    c.fakeSlack.archive.set(CCOM, all.filter((m) => m.platform === "slack").map(slackArchived));
    c.fakeDiscord.history.set(EDX, all.filter((m) => m.platform === "discord").map(discordRaw));
  });
  afterEach(async () => {
    await c.close();
  });

  it("reads 8 weeks across pages through a 429 and an interruption, counts each member's message once, and live redeliveries count nothing", async () => {
    const { rt } = c;
    expect((await importMembersCsv(rt.app, MEMBERS_CSV)).map((r) => r.status)).toEqual(["applied", "applied", "applied"]);
    const since = sinceWeeks(rt.app, 8);
    expect(since.toISOString()).toBe("2026-09-28T00:00:00.000Z");
    const clock = virtualClock(Date.parse(NOW));
    // Slack asks for a pause on its third history page; Discord on its second.
    let historyCalls = 0;
    c.fakeSlack.on("conversations.history", () => (++historyCalls === 3 ? { status: 429, headers: { "retry-after": "7" }, body: { ok: false, error: "ratelimited" } } : undefined));
    c.fakeDiscord.rateLimitNext("GET", /^\/channels\/\d+\/messages$/, 2);
    c.fakeDiscord.requests.length = 0;

    // Stopped after 2 pages (the operator's Ctrl-C), then run again.
    const { list } = sources(c, clock, since);
    let pages = 0;
    const first = await runOn(clock, backfill(rt.app, list, { since, clock, stop: () => ++pages > 2 }));
    expect(first.interrupted).toBe(true);
    const saved = await rt.app.db.backfillCheckpoint.findUniqueOrThrow({ where: { source: `slack:${CCOM}` } });
    expect(saved.done).toBe(false);
    expect(saved.cursor).toBeTruthy();
    const callsBefore = c.fakeSlack.callsTo("conversations.history").length;

    const progress: number[] = [];
    const second = await runOn(clock, backfill(rt.app, sources(c, clock, since).list, { since, clock, onProgress: (p) => progress.push(p.covered) }));
    expect(second.interrupted).toBe(false);
    expect(second.sources.map((s) => s.status)).toEqual(["done", "done"]);
    // It resumed at the checkpoint: the first history call of the second run carried the saved cursor.
    expect(c.fakeSlack.callsTo("conversations.history")[callsBefore]?.body.cursor).toBe(saved.cursor);
    // The 429s were waited out on the clock (7 s and 2 s) and the same page asked again, never skipped.
    expect(c.fakeSlack.callsTo("conversations.history").filter((x) => x.body.cursor === saved.cursor)).toHaveLength(2);
    expect(clock.now() - Date.parse(NOW)).toBeGreaterThanOrEqual(9_000);
    expect(c.fakeDiscord.find("GET", /^\/channels\/\d+\/messages$/).length).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(1);
    expect(c.fakeSlack.callsTo("conversations.replies").length).toBeGreaterThanOrEqual(12);

    // What should count: a member's message, dated while they were a member; never a bot's or a non-member's.
    const member = (m: Msg) =>
      (m.user === DANA.slack && m.at >= Date.parse(JOINS[0]!.at)) ||
      (m.user === ELI.slack && m.at >= Date.parse(JOINS[1]!.at) && m.at < Date.parse(ELI_LEFT)) ||
      (m.user === GIL.discord && m.at >= Date.parse(JOINS[2]!.at));
    const expected = all.filter(member);
    const rows = await rt.app.db.activity.findMany({ include: { member: true } });
    expect(rows).toHaveLength(expected.length);
    const byKey = new Map(rows.map((r) => [r.dedupeKey, r]));
    for (const m of expected) {
      const key = m.platform === "slack" ? `msg:slack:c-${m.id}` : `msg:discord:${m.id}`;
      const row = byKey.get(key);
      expect(row, key).toBeDefined();
      expect(row?.programId).toBe(m.platform === "slack" ? "community-leaders-velo" : "community-leaders-editorx");
      expect(row?.occurredAt.getTime()).toBe(m.at);
    }
    // The summary per program and week adds up to what was counted.
    const summed = [...second.perProgramWeek.values(), ...first.perProgramWeek.values()].flatMap((w) => [...w.values()]).reduce((a, b) => a + b, 0);
    expect(summed).toBe(expected.length);
    expect([...(second.perProgramWeek.get("community-leaders-velo")?.keys() ?? [])].every((w) => WEEKS.includes(w))).toBe(true);

    // A third run has nothing left to read.
    const third = await runOn(clock, backfill(rt.app, sources(c, clock, since).list, { since, clock }));
    expect(third.sources.map((s) => s.status)).toEqual(["already done", "already done"]);
    expect(await historyImportedUpTo(rt.app)).toBeInstanceOf(Date);

    // The same messages delivered live now (as a retry or a late event would be) count nothing more. gil's
    // messages from before he joined are left out: live, they were delivered when he was not a member.
    await sendLive(c, all.filter((m) => !(m.user === GIL.discord && m.at < Date.parse(JOINS[2]!.at))));
    expect(await rt.app.db.activity.count()).toBe(expected.length);
  }, 300_000);

  it("gives the same weekly reports, cell by cell, as the same weeks lived event by event", async () => {
    // The live community: members joining and leaving on their days, each message delivered when it was posted.
    const live = await community(kind);
    try {
      for (const [handle, ids] of [["dana", DANA], ["eli", ELI], ["gil", GIL]] as const) {
        const m = await live.rt.app.db.member.create({ data: { handle, displayName: handle } });
        await live.rt.app.db.balance.create({ data: { memberId: m.id, points: 0, tier: "explorer" } });
        for (const [platform, id] of Object.entries(ids)) await live.rt.app.db.identity.create({ data: { platform, externalId: id, memberId: m.id } });
      }
      const changes = [
        ...JOINS.map((j) => ({ at: Date.parse(j.at), apply: async () => {
          const m = await live.rt.app.db.member.findUniqueOrThrow({ where: { handle: j.handle } });
          await live.rt.app.db.membership.create({ data: { memberId: m.id, programId: j.program, state: "active", joinedAt: new Date(j.at) } });
        } })),
        { at: Date.parse(ELI_LEFT), apply: async () => {
          await live.rt.app.db.membership.updateMany({ where: { member: { handle: "eli" } }, data: { state: "removed", endedAt: new Date(ELI_LEFT) } });
        } },
      ].sort((x, y) => x.at - y.at);
      // Each message is delivered in the week it was posted: the live runtime's clock follows the messages an ISO
      // week at a time, standing at the week's last message (a live event older than the backdating limit would be
      // a replay and is ignored; one recorded after its week ended would be a correction of that week).
      const liveWeekly = async (batch: Msg[]) => {
        for (let i = 0; i < batch.length; ) {
          const key = periodOf("week", batch[i]!.at, "UTC").key;
          const week = batch.filter((m, j) => j >= i && periodOf("week", m.at, "UTC").key === key);
          live.rt.clock.set(new Date(week[week.length - 1]!.at));
          await sendLive(live, week);
          i += week.length;
        }
        live.rt.clock.set(NOW);
      };
      const byTime = [...all].sort((x, y) => x.at - y.at);
      let from = 0;
      for (const change of changes) {
        await liveWeekly(byTime.filter((m) => m.at >= from && m.at < change.at));
        await change.apply();
        from = change.at;
      }
      await liveWeekly(byTime.filter((m) => m.at >= from));

      // The adopted community: members imported, the same weeks backfilled.
      await importMembersCsv(c.rt.app, MEMBERS_CSV);
      const since = sinceWeeks(c.rt.app, 8);
      const clock = virtualClock(Date.parse(NOW));
      await runOn(clock, backfill(c.rt.app, sources(c, clock, since).list, { since, clock }));

      expect(await c.rt.app.db.activity.count()).toBe(await live.rt.app.db.activity.count());
      for (const program of ["community-leaders-velo", "community-leaders-editorx"])
        for (const week of WEEKS) {
          const [a, b] = await Promise.all([buildReport(live.rt.app, program, week), buildReport(c.rt.app, program, week)]);
          expect(tableOf(b.blocks), `${program} ${week}`).toBe(tableOf(a.blocks));
        }
      // Not a vacuous comparison: dana missed W43 (she was silent) and met W44.
      const w43 = tableOf((await buildReport(c.rt.app, "community-leaders-velo", "2026-W43")).blocks);
      expect(w43).toMatch(/"@dana","missed"/);
      expect(periodOf("week", Date.parse("2026-10-19T00:00:00Z"), "UTC").key).toBe("2026-W43");
    } finally {
      await live.close();
    }
  }, 300_000);

  it("Slack's one-request-a-minute mode: 15 messages a page, a minute between requests, on the injected clock", async () => {
    const { rt } = c;
    await importMembersCsv(rt.app, MEMBERS_CSV);
    const since = new Date("2026-11-09T00:00:00Z");
    const clock = virtualClock(Date.parse(NOW));
    const instants: number[] = [];
    c.fakeSlack.on("conversations.history", () => (instants.push(clock.now()), undefined));
    c.fakeSlack.on("conversations.replies", () => (instants.push(clock.now()), undefined));
    const pacer: Pacer = new Pacer(clock, 0, slowDownOnLongWaits(() => pacer));
    // Slack tells a non-Marketplace app to wait a minute: from then on the backfill paces itself.
    c.fakeSlack.rateLimit("conversations.history", 60);
    const [source] = slackHistorySources({ token: "xoxb-test", apiUrl: c.fakeSlack.apiUrl, channels: [{ name: "community", id: CCOM }], since, pacer });
    const result = await runOn(clock, backfill(rt.app, [source!], { since, clock }));
    expect(result.sources[0]?.status).toBe("done");
    const calls = c.fakeSlack.calls.filter((x) => x.method.startsWith("conversations."));
    expect(calls.slice(1).every((x) => Number(x.body.limit) === SLOW_LIMIT)).toBe(true);
    expect(calls.length).toBeGreaterThan(3);
    for (let i = 1; i < instants.length; i++) expect(instants[i]! - instants[i - 1]!).toBeGreaterThanOrEqual(SLOW_INTERVAL_MS);
    const inWindow = all.filter((m) => m.platform === "slack" && m.at >= since.getTime() && (m.user === DANA.slack || (m.user === ELI.slack && m.at < Date.parse(ELI_LEFT))));
    expect(await rt.app.db.activity.count()).toBe(inWindow.length);
  }, 300_000);
});
