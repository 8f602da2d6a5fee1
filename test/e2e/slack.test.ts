// The Slack adapter through the real Bolt: signed HTTP requests to Bolt's own
// HTTP receiver on 127.0.0.1, the bot's Web API calls and response_url posts
// going to a fake Slack on 127.0.0.1. Asserts on the Block Kit sent, on the
// database after, and on Bolt refusing forged and stale requests.
import { PNG } from "pngjs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { commands } from "../../commands/index.ts";
import { reply } from "../../src/chat/reply.ts";
import { buildRegistry } from "../../src/dispatch/dispatch.ts";
import { UserError } from "../../src/core/errors.ts";
import { opt } from "../../src/dispatch/options.ts";
import { command, sub } from "../../src/dispatch/types.ts";
import type { RunningSlack } from "../../src/adapters/slack/app.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { ensureMember } from "../../src/services/members.ts";
import { FORM, JSON_TYPE, interactive, sendSigned, slashPayload, uploadedFile, type FakeSlack } from "../helpers/fake-slack.ts";
import { storeKinds, type TestRuntime } from "../helpers/runtime.ts";
import { startSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { slackEventBody } from "../helpers/slack-events.ts";

const SECRET = "test-signing-secret";

/** A review-shaped command for these tests only: moderator buttons, and a reject that asks for a reason in a modal. */
const decide = command({
  name: "decide",
  description: "Test-only review",
  subcommands: [
    sub({
      name: "card",
      description: "A review card with buttons",
      access: "anyone",
      options: {},
      handler: async () =>
        reply("Application from alice", [
          { type: "header", text: "Application: alice" },
          {
            type: "buttons",
            buttons: [
              { label: "Approve", command: "decide", action: "approve", value: "alice", style: "primary" },
              {
                label: "Reject",
                command: "decide",
                action: "reject",
                value: "alice",
                style: "danger",
                form: { title: "Reject alice", submit: "decide reject alice", fields: [{ key: "reason", label: "Why?", required: true, kind: "long-text" }] },
              },
            ],
          },
        ]),
    }),
    sub({
      name: "approve",
      description: "Approve",
      access: "moderator",
      options: { who: opt.string("Who", { positional: true }) },
      handler: async ({ who }, { app, actor }) => {
        await app.db.auditLog.create({ data: { actor: actor.memberId, action: "decide.approve", target: who, outcome: "ok" } });
        return reply(`Approved ${who}`);
      },
    }),
    sub({
      name: "reject",
      description: "Reject",
      access: "moderator",
      options: { who: opt.string("Who", { positional: true }), reason: opt.optionalText("Why") },
      form: (_ctx, args) => ({ title: "Reject", submit: `decide reject ${args.who ?? ""}`, fields: [{ key: "reason", label: "Why?", required: true, kind: "long-text" }] }),
      handler: async ({ who, reason }, { app, actor }) => {
        if (!reason || reason.trim().length < 5) throw new UserError("The reason is too short: say why in a few words.", "Usage: /decide reject <who> reason:<why>");
        await app.db.auditLog.create({ data: { actor: actor.memberId, action: "decide.reject", target: who, outcome: "ok", details: { reason } } });
        return reply(`Rejected ${who}: ${reason}`);
      },
    }),
  ],
});

/** A list longer than a page, for the pagination test; it records how it was run. */
const rosterRuns: { team: string; invocationId: string | undefined }[] = [];
const roster = command({
  name: "roster",
  description: "Test-only long list",
  subcommands: [
    sub({
      name: "",
      description: "Sixty rows",
      access: "anyone",
      options: { team: opt.string("Team") },
      handler: async ({ team }, { invocationId }) => {
        rosterRuns.push({ team, invocationId });
        return reply(`Team ${team}: 60 members`, [
          { type: "header", text: `Team ${team}` },
          { type: "table", columns: ["#", "member"], rows: Array.from({ length: 60 }, (_, i) => [String(i + 1), `${team}-${i + 1}`]) },
          { type: "context", text: "Sorted by number." },
        ]);
      },
    }),
  ],
});


describe.each(storeKinds)("Slack adapter through Bolt (%s)", (kind) => {
  let fake: FakeSlack;
  let rt: TestRuntime;
  let slack: RunningSlack;
  let url: string;
  let responses = 0;

  let harness: SlackHarness | undefined;
  beforeAll(async () => {
    harness = await startSlackHarness(kind, SECRET, buildRegistry([...commands, decide, roster]));
    ({ fake, rt, slack, url } = harness);
  });
  afterAll(() => harness?.stop());

  afterEach(() => {
    fake.reset();
    vi.restoreAllMocks();
  });

  const slash = (cmd: string, text: string, user = "U1", name = "alice") => {
    const id = ++responses;
    const body = slashPayload({ command: cmd, text, user, name, triggerId: `trigger-${id}`, responseUrl: fake.responseUrl(id) });
    return { id, send: () => sendSigned(url, body, FORM, { secret: SECRET }) };
  };

  const responseFor = async (id: number) => (await eventually(async () => fake.callsTo("respond").find((c) => c.path === `/respond/${id}`))).body;

  it("answers /tier with an empty acknowledgement, then Block Kit through response_url, and creates the member", async () => {
    const s = slash("/tier", "");
    const ack = await s.send();
    expect(ack.status).toBe(200);
    expect(ack.text).toBe("");
    const body = await responseFor(s.id);
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toBe("alice: Explorer, 0 points, 400 to Pioneer");
    const blocks = body.blocks as { type: string; text?: { text: string } }[];
    expect(blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "alice — Explorer", emoji: true } });
    expect(blocks.some((b) => b.type === "section" && b.text?.text.includes("`[░░░░░░░░░░░░░░░░░░░░] 0%`"))).toBe(true);
    const identity = await rt.app.db.identity.findUnique({ where: { platform_externalId: { platform: "slack", externalId: "U1" } }, include: { member: true } });
    expect(identity?.member.handle).toBe("alice");
  });

  it("uploads /tier's card with files.uploadV2 to the person's DM after answering, with the card's alt text", async () => {
    const s = slash("/tier", "", "UPIC", "pic");
    expect((await s.send()).status).toBe(200);
    const body = await responseFor(s.id);
    expect(JSON.stringify(body.blocks)).toContain("🖼 tier-pic.png");
    // Earlier tests' cards may still be arriving: pick this one by its name.
    const done = await eventually(async () => fake.callsTo("files.completeUploadExternal").find((c) => (c.body.files as { title?: string }[])[0]?.title === "tier-pic.png"), 20_000);
    const fileId = (done.body.files as { id: string }[])[0]?.id;
    // The answer first, then the upload: drawing never holds up the reply.
    const respondAt = fake.calls.findIndex((c) => c.path === `/respond/${s.id}`);
    const askedAt = fake.calls.findIndex((c) => c.method === "files.getUploadURLExternal" && c.body.filename === "tier-pic.png");
    expect(respondAt).toBeGreaterThanOrEqual(0);
    expect(askedAt).toBeGreaterThan(respondAt);
    const asked = fake.calls[askedAt]!.body;
    expect(String(asked.alt_text)).toBe(`Tier card of pic: Explorer, 0 points, 400 to Pioneer (0% of the way). Unlocked at Explorer: Team Management & Dashboard, Partner Resources. Next at Pioneer: Priority Support, Product Betas, Ascend Tools, Client Billing. Badges: none.`);
    expect(String(asked.alt_text)).toContain(String(body.text).replace(/^pic: /, ""));
    const png = PNG.sync.read(await uploadedFile(fake.calls.find((c) => c.path === `/upload/${fileId}`)!));
    expect([png.width, png.height]).toEqual([800, 320]);
    expect(done.body.channel_id).toBe("DPIC");
  });

  it("takes a member's time zone from their Slack profile (users.info tz) until they set one", async () => {
    fake.zones.set("UTZ", "Asia/Tokyo");
    const first = slash("/steward", "settings", "UTZ", "tomo");
    await first.send();
    expect((await responseFor(first.id)).text).toBe("Your time zone: Asia/Tokyo");
    const member = await rt.app.db.identity.findUniqueOrThrow({ where: { platform_externalId: { platform: "slack", externalId: "UTZ" } }, include: { member: true } });
    expect(member.member.timezone).toBe("Asia/Tokyo");
    // The member's own choice wins over the profile, and the profile is asked once per process.
    const set = slash("/steward", "settings timezone:Europe/Lisbon", "UTZ", "tomo");
    await set.send();
    await responseFor(set.id);
    fake.zones.set("UTZ", "America/Chicago");
    const again = slash("/steward", "settings", "UTZ", "tomo");
    await again.send();
    expect((await responseFor(again.id)).text).toBe("Your time zone: Europe/Lisbon");
    expect(fake.calls.filter((c) => c.method === "users.info" && String(c.body.user) === "UTZ")).toHaveLength(1);
  });

  it("runs any command as /steward <command>, and says what is wrong with an unknown one", async () => {
    const help = slash("/steward", "help");
    await help.send();
    const helpBody = await responseFor(help.id);
    expect(helpBody.text).toBe("Steward commands");
    expect(JSON.stringify(helpBody.blocks)).toContain("/tier");

    const bad = slash("/steward", "frobnicate now");
    await bad.send();
    const badBody = await responseFor(bad.id);
    expect(badBody.response_type).toBe("ephemeral");
    expect(badBody.text).toContain("There is no command /frobnicate.");
  });

  it("refuses a forged signature and a stale (6-minute-old) request with 401, and changes nothing", async () => {
    const members = await rt.app.db.member.count();
    const forged = slash("/tier", "", "UFORGED", "mallory");
    const request = { command: "/tier", user: "UFORGED", name: "mallory", channel: "C1", triggerId: "t" };
    const body = slashPayload({ ...request, responseUrl: fake.responseUrl(999) });
    const r1 = await sendSigned(url, body, FORM, { secret: SECRET, signature: "v0=" + "0".repeat(64) });
    expect(r1.status).toBe(401);
    const r2 = await sendSigned(url, body, FORM, { secret: "not-the-secret" });
    expect(r2.status).toBe(401);
    const r3 = await sendSigned(url, body, FORM, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(r3.status).toBe(401);
    // A correctly signed request a little under the window still passes, so the 401s above are the signature and the age.
    const r4 = await sendSigned(url, slashPayload({ ...request, responseUrl: fake.responseUrl(forged.id) }), FORM, {
      secret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 4 * 60,
    });
    expect(r4.status).toBe(200);
    // A 401 is Bolt's answer instead of an acknowledgement: those requests reached no handler. The accepted
    // one, sent after them, went the whole way to its response, so anything they had started would show by now.
    await responseFor(forged.id);
    expect(fake.callsTo("respond").filter((c) => c.path === "/respond/999")).toHaveLength(0);
    expect(await rt.app.db.member.count()).toBe(members + 1);
  });

  it("opens a modal for a command that needs answers, and shows a user error on the field", async () => {
    const s = slash("/steward", "decide reject alice", "UMOD", "mod");
    await s.send();
    const [open] = await fake.waitFor("views.open");
    expect(open!.body.trigger_id).toBe(`trigger-${s.id}`);
    const view = open!.body.view as { type: string; callback_id: string; private_metadata: string; blocks: { type: string; block_id: string; optional: boolean; element: { type: string; multiline?: boolean } }[] };
    expect(view.type).toBe("modal");
    expect(view.blocks).toEqual([
      { type: "input", block_id: "reason", optional: false, label: { type: "plain_text", text: "Why?", emoji: true }, element: { type: "plain_text_input", action_id: "value", multiline: true } },
    ]);

    const submit = (reason: string) =>
      sendSigned(
        url,
        interactive({
          type: "view_submission",
          team: { id: "T1", domain: "t" },
          user: { id: "UMOD", name: "mod", team_id: "T1" },
          api_app_id: "A1",
          token: "x",
          trigger_id: "trigger-submit",
          view: { ...view, id: "V1", team_id: "T1", state: { values: { reason: { value: { type: "plain_text_input", value: reason } } } } },
        }),
        FORM,
        { secret: SECRET },
      );
    const tooShort = await submit("no");
    expect(tooShort.status).toBe(200);
    expect(JSON.parse(tooShort.text)).toEqual({ response_action: "errors", errors: { reason: "The reason is too short: say why in a few words.\nUsage: /decide reject <who> reason:<why>" } });
    expect(await rt.app.db.auditLog.count({ where: { action: "decide.reject" } })).toBe(0);

    const ok = await submit("Profiles could not be verified");
    expect(ok.status).toBe(200);
    expect(ok.text).toBe("");
    const answer = await responseFor(s.id);
    expect(answer.text).toBe("Rejected alice: Profiles could not be verified");
    const row = await rt.app.db.auditLog.findFirst({ where: { action: "decide.reject" } });
    expect(row?.details).toEqual({ reason: "Profiles could not be verified" });
  });

  const click = (user: string, name: string, button: { action_id: string; value: string }, message?: { ts: string; blocks: unknown[] }) => {
    const id = ++responses;
    const body = interactive({
      type: "block_actions",
      team: { id: "T1", domain: "t" },
      user: { id: user, name, team_id: "T1" },
      api_app_id: "A1",
      token: "x",
      trigger_id: `trigger-${id}`,
      response_url: fake.responseUrl(id),
      container: message ? { type: "message", message_ts: message.ts, channel_id: "CMOD", is_ephemeral: false } : { type: "message", is_ephemeral: true },
      channel: { id: "CMOD", name: "moderators" },
      ...(message ? { message: { type: "message", ts: message.ts, text: "Application from alice", blocks: message.blocks } } : {}),
      actions: [{ type: "button", block_id: "b1", action_id: button.action_id, value: button.value, text: { type: "plain_text", text: "x" }, action_ts: "1" }],
    });
    return { id, send: () => sendSigned(url, body, FORM, { secret: SECRET }) };
  };

  it("runs a button as /<command> <action> <value> and updates the review message to show who decided", async () => {
    const card = slash("/steward", "decide card", "UMOD", "mod");
    await card.send();
    const blocks = (await responseFor(card.id)).blocks as { type: string; elements?: { action_id: string; value: string; style?: string }[] }[];
    const actions = blocks.find((b) => b.type === "actions");
    expect(actions?.elements?.map((e) => [e.action_id, e.value, e.style])).toEqual([
      ["decide:approve:0", "decide:approve:alice", "primary"],
      ["decide:reject:1", JSON.stringify({ run: "decide:reject:alice", form: { title: "Reject alice", submit: "decide reject alice", fields: [{ key: "reason", label: "Why?", required: true, kind: "long-text" }] } }), "danger"],
    ]);

    // A member who is not a moderator is refused, the message stays, the denial is audited.
    const denied = click("U1", "alice", actions!.elements![0]!, { ts: "111.1", blocks });
    await denied.send();
    expect((await responseFor(denied.id)).text).toBe("Only moderators can use /decide approve.");
    expect(fake.callsTo("chat.update")).toHaveLength(0);
    expect(await rt.app.db.auditLog.count({ where: { action: "decide approve", outcome: "denied" } })).toBe(1);

    const approved = click("UMOD", "mod", actions!.elements![0]!, { ts: "111.1", blocks });
    expect((await approved.send()).status).toBe(200);
    const [update] = await fake.waitFor("chat.update");
    expect(update!.body.channel).toBe("CMOD");
    expect(update!.body.ts).toBe("111.1");
    const updated = update!.body.blocks as { type: string; elements?: { text?: string }[] }[];
    expect(updated.map((b) => b.type)).toEqual(["header", "context"]);
    expect(updated[1]!.elements![0]!.text).toBe("Approved alice — <@UMOD>");
    expect(await rt.app.db.auditLog.count({ where: { action: "decide.approve", target: "alice" } })).toBe(1);
  });

  it("opens the button's form first (Reject -> reason), then runs it and updates the message", async () => {
    const original = [{ type: "header", text: { type: "plain_text", text: "Application: alice" } }, { type: "actions", elements: [] }];
    fake.history.set("CMOD", [{ ts: "222.2", blocks: original }]);
    const value = JSON.stringify({ run: "decide:reject:alice", form: { title: "Reject alice", submit: "decide reject alice", fields: [{ key: "reason", label: "Why?", required: true, kind: "long-text" }] } });
    const c = click("UMOD", "mod", { action_id: "decide:reject:1", value }, { ts: "222.2", blocks: original });
    await c.send();
    const [open] = await fake.waitFor("views.open");
    expect(open!.body.trigger_id).toBe(`trigger-${c.id}`);
    const view = open!.body.view as { private_metadata: string; blocks: unknown[] };
    expect(JSON.parse(view.private_metadata)).toEqual({ submit: "decide reject alice", channel: "CMOD", responseUrl: fake.responseUrl(c.id), update: { channel: "CMOD", ts: "222.2" } });
    const rejectionsBefore = await rt.app.db.auditLog.count({ where: { action: "decide.reject", target: "alice" } });

    const res = await sendSigned(
      url,
      interactive({
        type: "view_submission",
        team: { id: "T1", domain: "t" },
        user: { id: "UMOD", name: "mod" },
        api_app_id: "A1",
        token: "x",
        view: { ...view, id: "V2", type: "modal", callback_id: "steward-form", state: { values: { reason: { value: { type: "plain_text_input", value: "Not active in the forum" } } } } },
      }),
      FORM,
      { secret: SECRET },
    );
    expect(res.text).toBe("");
    const [update] = await fake.waitFor("chat.update");
    expect((update!.body.blocks as { type: string }[]).map((b) => b.type)).toEqual(["header", "context"]);
    expect(JSON.stringify(update!.body.blocks)).toContain("Rejected alice: Not active in the forum — <@UMOD>");
    expect((await responseFor(c.id)).text).toBe("Rejected alice: Not active in the forum");
    expect(await rt.app.db.auditLog.count({ where: { action: "decide.reject", target: "alice" } })).toBe(rejectionsBefore + 1);
  });

  it("counts a channel message once, even when Slack retries the event; ignores edits, joins and bots", async () => {
    const member = await ensureMember(rt.app, "slack", "UCL", "carol");
    await rt.app.db.membership.create({ data: { memberId: member.id, programId: "community-leaders-velo", state: "active", joinedAt: new Date("2026-01-01T00:00:00Z") } });
    const envelope = (eventId: string, event: Record<string, unknown>) => slackEventBody(eventId, { channel_type: "channel", ...event });
    const message = (ts: string, extra: Record<string, unknown> = {}) => ({ type: "message", channel: "CCOM", user: "UCL", text: "hello", ts, client_msg_id: `m-${ts}`, ...extra });
    const activities = () => rt.app.db.activity.findMany({ where: { memberId: member.id }, orderBy: { occurredAt: "asc" } });

    const first = await sendSigned(url, envelope("Ev1", message("1795608000.000100")), JSON_TYPE, { secret: SECRET });
    expect(first.status).toBe(200);
    const rows = await eventually(async () => ((await activities()).length === 1 ? activities() : undefined));
    expect(rows[0]).toMatchObject({ kind: "message", source: "message:slack", dedupeKey: "msg:slack:m-1795608000.000100", occurredAt: new Date("2026-11-25T12:00:00.000Z") });
    expect(await rt.app.db.processedEvent.findUnique({ where: { key: "slack:Ev1" } })).not.toBeNull();

    // Remove the activity: only the event_id dedupe can now stop the retry from counting it again.
    await rt.app.db.activity.deleteMany({ where: { memberId: member.id } });
    const debug = vi.spyOn(slack.context.app.log, "debug");
    const retryIgnored = () => debug.mock.calls.some(([fields, msg]) => msg === "Slack event already processed; retry ignored" && (fields as { eventId?: string }).eventId === "Ev1");
    const retry = await sendSigned(url, envelope("Ev1", message("1795608000.000100")), JSON_TYPE, { secret: SECRET, headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } });
    expect(retry.status).toBe(200);
    for (const [id, ev] of [
      ["Ev3", message("1795608100.000100", { subtype: "message_changed" })],
      ["Ev4", message("1795608200.000100", { subtype: "channel_join" })],
      ["Ev5", message("1795608300.000100", { bot_id: "B9", subtype: "bot_message" })],
      ["Ev6", message("1795608400.000100", { channel: "COTHER" })],
    ] as const)
      expect((await sendSigned(url, envelope(id, ev), JSON_TYPE, { secret: SECRET })).status).toBe(200);
    // A later, real message is the barrier: once it is counted, the ones before it were handled (the
    // four ignored ones return before any await); the retry says so itself once its claim found the event.
    await sendSigned(url, envelope("Ev2", message("1795608500.000100")), JSON_TYPE, { secret: SECRET });
    const after = await eventually(async () => ((await activities()).length > 0 ? activities() : undefined));
    await eventually(async () => retryIgnored());
    expect((await activities()).map((a) => a.dedupeKey)).toEqual(["msg:slack:m-1795608500.000100"]);
    expect(after).toHaveLength(1);
  });

  it("publishes the App Home with the member's tier when they open it", async () => {
    const res = await sendSigned(
      url,
      JSON.stringify({ token: "x", team_id: "T1", api_app_id: "A1", type: "event_callback", event_id: "EvHome", event_time: 1, event: { type: "app_home_opened", user: "U1", channel: "D1", tab: "home" } }),
      JSON_TYPE,
      { secret: SECRET },
    );
    expect(res.status).toBe(200);
    const [publish] = await fake.waitFor("views.publish");
    expect(publish!.body.user_id).toBe("U1");
    const view = publish!.body.view as { type: string; blocks: { type: string; text?: { text: string } }[] };
    expect(view.type).toBe("home");
    expect(view.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "alice — Explorer", emoji: true } });
    expect(view.blocks.at(-1)?.type).toBe("context");
    // /tier's answer without its tier card: a Home shows no pictures, and no upload follows a view.
    expect(JSON.stringify(view.blocks)).not.toContain("🖼");
    expect(JSON.stringify(view.blocks)).toContain("Benefits unlocked");
  });
  it("refreshes the App Home through the outbox when points change, never from the command's request", async () => {
    // /adjust changes points without a tier change, so no DM goes out: only the ledger's home-refresh row redraws the Home.
    const s = slash("/steward", "adjust <@U1> 50 Helped at the meetup", "UMOD", "mod");
    await s.send();
    expect((await responseFor(s.id)).text).toBe("+50 points for @alice (Helped at the meetup). Balance: 50.");
    const alice = await rt.app.db.identity.findUniqueOrThrow({ where: { platform_externalId: { platform: "slack", externalId: "U1" } } });
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "home-refresh", memberId: alice.memberId, status: "pending" } })).toBe(1);
    expect(fake.callsTo("views.publish")).toHaveLength(0);

    await deliverDue(rt.app, [slack.target]);
    const published = fake.callsTo("views.publish").filter((c) => c.body.user_id === "U1");
    expect(published).toHaveLength(1);
    const view = published[0]!.body.view as { type: string; blocks: { type: string; fields?: { text: string }[] }[] };
    expect(view.type).toBe("home");
    expect(view.blocks.flatMap((b) => b.fields ?? []).map((f) => f.text)).toContain("*Points*\n50");
    expect(await rt.app.db.outboxMessage.count({ where: { kind: "home-refresh", memberId: alice.memberId, status: "delivered" } })).toBe(1);

    // Delivered once: running the job again publishes nothing more.
    await deliverDue(rt.app, [slack.target]);
    expect(fake.callsTo("views.publish").filter((c) => c.body.user_id === "U1")).toHaveLength(1);
  });

  it("pages a long table with Next / Previous buttons that run the same command line again", async () => {
    // (/points, /dispute and /report cap their own lists today; a test command gives a table longer than a page.)
    type Blocks = { type: string; block_id?: string; text?: { text: string }; elements?: { action_id?: string; value?: string; text?: string }[] }[];
    const text = (blocks: Blocks) => JSON.stringify(blocks);
    const pager = (blocks: Blocks) => blocks.find((b) => b.type === "actions" && b.block_id === "steward-pages");
    rosterRuns.length = 0;

    const s = slash("/steward", "roster team:blue", "U1", "alice");
    await s.send();
    const first = await responseFor(s.id);
    const page1 = first.blocks as Blocks;
    expect(page1.length).toBeLessThanOrEqual(50);
    expect(text(page1)).toContain("Rows 1–25 of 60");
    expect(text(page1)).toContain("Page 1 of 3");
    expect(text(page1)).toContain("blue-25");
    expect(text(page1)).not.toContain("blue-26");
    // What is not the table shows on every page.
    expect(page1[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Team blue", emoji: true } });
    expect(pager(page1)?.elements?.map((e) => e.action_id)).toEqual(["steward_page_next"]);
    const next = pager(page1)!.elements![0]!;
    expect(JSON.parse(next.value!)).toEqual({ page: 1, run: ["roster", "team:blue"], inv: `slack:trigger-${s.id}` });

    const turn = (button: { action_id?: string; value?: string }, ephemeral: boolean) => {
      const id = ++responses;
      const body = interactive({
        type: "block_actions",
        team: { id: "T1", domain: "t" },
        user: { id: "U1", name: "alice", team_id: "T1" },
        api_app_id: "A1",
        token: "x",
        trigger_id: `trigger-${id}`,
        response_url: fake.responseUrl(id),
        container: { type: "message", is_ephemeral: ephemeral, ...(ephemeral ? {} : { message_ts: "333.3", channel_id: "CGEN" }) },
        channel: { id: "CGEN", name: "general" },
        actions: [{ type: "button", block_id: "steward-pages", action_id: button.action_id, value: button.value, text: { type: "plain_text", text: "page" }, action_ts: "1" }],
      });
      return { id, send: () => sendSigned(url, body, FORM, { secret: SECRET }) };
    };

    // A click on the asker's own (ephemeral) list replaces it with the next page.
    const t1 = turn(next, true);
    expect((await t1.send()).status).toBe(200);
    const second = await responseFor(t1.id);
    expect(second).toMatchObject({ replace_original: true, response_type: "ephemeral" });
    const page2 = second.blocks as Blocks;
    expect(text(page2)).toContain("Rows 26–50 of 60");
    expect(text(page2)).toContain("Page 2 of 3");
    expect(text(page2)).toContain("blue-26");
    expect(text(page2)).not.toContain("blue-25 ");
    expect(pager(page2)?.elements?.map((e) => [e.action_id, (JSON.parse(e.value!) as { page: number }).page])).toEqual([
      ["steward_page_previous", 0],
      ["steward_page_next", 2],
    ]);

    // On a list posted for everyone the page goes to the clicker alone, and the post stays.
    const last = pager(page2)!.elements![1]!;
    const t2 = turn(last, false);
    await t2.send();
    const third = await responseFor(t2.id);
    expect(third).toMatchObject({ replace_original: false, response_type: "ephemeral" });
    expect(text(third.blocks as Blocks)).toContain("Rows 51–60 of 60");
    expect(pager(third.blocks as Blocks)?.elements?.map((e) => e.action_id)).toEqual(["steward_page_previous"]);

    // Every page ran the same command line as the same invocation (a command that acts once per invocation acts once).
    expect(rosterRuns).toEqual([
      { team: "blue", invocationId: `slack:trigger-${s.id}` },
      { team: "blue", invocationId: `slack:trigger-${s.id}` },
      { team: "blue", invocationId: `slack:trigger-${s.id}` },
    ]);
  });
});
