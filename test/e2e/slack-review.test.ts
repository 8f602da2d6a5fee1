// The application flow on Slack with the real commands: /apply opens the
// pack's questions in a modal, a wrong answer shows on its field, the review
// card goes to the moderators' channel through the outbox, and a moderator's
// Approve (or Reject with a reason, asked in a modal) decides it and updates
// the card to show who decided.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { RunningSlack } from "../../src/adapters/slack/app.ts";
import { messageOf } from "../../src/services/outbox.ts";
import { FORM, interactive, sendSigned, slashPayload, type FakeSlack, type RecordedCall } from "../helpers/fake-slack.ts";
import { storeKinds, type TestRuntime } from "../helpers/runtime.ts";
import { startSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";

const SECRET = "review-secret";

type View = { private_metadata: string; blocks: { block_id: string; type: string; element?: { type: string } }[] };
type Button = { action_id: string; value: string };

describe.each(storeKinds)("Applications reviewed on Slack (%s)", (kind) => {
  let fake: FakeSlack;
  let rt: TestRuntime;
  let slack: RunningSlack;
  let url: string;
  let n = 0;

  let harness: SlackHarness | undefined;
  beforeAll(async () => {
    harness = await startSlackHarness(kind, SECRET, registry);
    ({ fake, rt, slack, url } = harness);
  });
  afterAll(() => harness?.stop());

  const latest = async (method: string, count: number): Promise<RecordedCall> => (await fake.waitFor(method, count)).at(-1)!;

  async function apply(user: string, name: string): Promise<{ view: View; responseId: number }> {
    const id = ++n;
    const opens = fake.callsTo("views.open").length;
    const body = slashPayload({ command: "/steward", text: "apply community-leaders-velo", user, name, triggerId: `trig-${id}`, responseUrl: fake.responseUrl(id) });
    expect((await sendSigned(url, body, FORM, { secret: SECRET })).status).toBe(200);
    const open = await latest("views.open", opens + 1);
    expect(open.body.trigger_id).toBe(`trig-${id}`);
    return { view: open.body.view as View, responseId: id };
  }

  const submit = (user: string, view: View, answers: Record<string, string>) =>
    sendSigned(
      url,
      interactive({
        type: "view_submission",
        team: { id: "T1", domain: "t" },
        user: { id: user, name: user.toLowerCase() },
        api_app_id: "A1",
        token: "x",
        view: { ...view, id: "V", type: "modal", callback_id: "steward-form", state: { values: Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, { value: { type: "plain_text_input", value: v } }])) } },
      }),
      FORM,
      { secret: SECRET },
    );

  /** Delivers the pending "post" rows to Slack, as the outbox job would. */
  async function deliverPosts(): Promise<void> {
    const rows = await rt.app.db.outboxMessage.findMany({ where: { status: "pending", kind: "post" }, orderBy: { id: "asc" } });
    for (const row of rows) {
      await slack.target.deliver(messageOf(row), { outboxId: row.id, dedupeKey: row.dedupeKey });
      await rt.app.db.outboxMessage.update({ where: { id: row.id }, data: { status: "delivered" } });
    }
  }

  const click = (user: string, button: Button, card: { ts: string; blocks: unknown[] }) => {
    const id = ++n;
    const body = interactive({
      type: "block_actions",
      team: { id: "T1", domain: "t" },
      user: { id: user, name: user.toLowerCase() },
      api_app_id: "A1",
      token: "x",
      trigger_id: `trig-${id}`,
      response_url: fake.responseUrl(id),
      container: { type: "message", message_ts: card.ts, channel_id: "CMOD", is_ephemeral: false },
      channel: { id: "CMOD", name: "moderators" },
      message: { type: "message", ts: card.ts, text: "application", blocks: card.blocks },
      actions: [{ type: "button", block_id: "b", action_id: button.action_id, value: button.value, action_ts: "1", text: { type: "plain_text", text: "x" } }],
    });
    return { id, send: () => sendSigned(url, body, FORM, { secret: SECRET }) };
  };

  async function reviewCard(posts: number): Promise<{ ts: string; blocks: { type: string; elements?: Button[] }[] }> {
    await deliverPosts();
    const post = await latest("chat.postMessage", posts);
    expect(post.body.channel).toBe("CMOD");
    const blocks = post.body.blocks as { type: string; elements?: Button[] }[];
    const ts = `${900 + posts}.0001`;
    fake.history.set("CMOD", [{ ts, blocks }]);
    return { ts, blocks };
  }

  it("/apply opens the questions, shows a bad link on its field, and posts the review card; Approve decides it", async () => {
    const { view, responseId } = await apply("UCAROL", "carol");
    // The program's terms come first, as plain text above the questions.
    expect(view.blocks[0]?.type).toBe("context");
    expect(JSON.stringify(view.blocks[0])).toContain("Before you apply: A volunteer position, not a paid job");
    expect(view.blocks.slice(1).map((b) => b.block_id)).toEqual(["profiles", "experience", "contribution"]);

    const bad = await submit("UCAROL", view, { profiles: "my-blog", experience: "Five years of Velo", contribution: "Meetups in Berlin" });
    const errors = JSON.parse(bad.text) as { response_action: string; errors: Record<string, string> };
    expect(errors.response_action).toBe("errors");
    expect(Object.keys(errors.errors)).toEqual(["profiles"]);
    expect(errors.errors.profiles).toContain("profiles must be links");
    expect(await rt.app.db.application.count()).toBe(0);

    const good = await submit("UCAROL", view, { profiles: "https://forum.example.com/u/carol", experience: "Five years of Velo", contribution: "Meetups in Berlin" });
    expect(good.text).toBe("");
    await fake.waitFor("respond");
    expect(fake.callsTo("respond").find((c) => c.path === `/respond/${responseId}`)).toBeDefined();
    const app = await rt.app.db.application.findFirstOrThrow({ include: { member: true } });
    expect(app).toMatchObject({ programId: "community-leaders-velo", state: "pending" });
    expect(app.member.handle).toBe("carol");

    const card = await reviewCard(1);
    const buttons = card.blocks.find((b) => b.type === "actions")!.elements!;
    expect(buttons.map((b) => b.value.startsWith("{") ? JSON.parse(b.value).run : b.value)).toEqual([
      "review:approve:carol community-leaders-velo",
      "review:reject:carol community-leaders-velo",
    ]);

    const approve = click("UMOD", buttons[0]!, card);
    expect((await approve.send()).status).toBe(200);
    const update = await latest("chat.update", 1);
    expect(update.body).toMatchObject({ channel: "CMOD", ts: card.ts });
    const updated = update.body.blocks as { type: string; elements?: { text?: string }[] }[];
    expect(updated.some((b) => b.type === "actions")).toBe(false);
    expect(updated.at(-1)!.elements![0]!.text).toBe("Approved: @carol is now a member of Velo Community Leaders. — <@UMOD>");
    expect(await rt.app.db.membership.findFirst({ where: { memberId: app.memberId, programId: "community-leaders-velo" } })).toMatchObject({ state: "active" });
  });

  it("Reject asks for the reason in a modal, then rejects with it and updates the card", async () => {
    const { view } = await apply("UDAN", "dan");
    await submit("UDAN", view, { profiles: "https://forum.example.com/u/dan", experience: "Some", contribution: "Answers" });
    await eventuallyPending("dan");
    const card = await reviewCard(2);
    const reject = card.blocks.find((b) => b.type === "actions")!.elements![1]!;
    const opens = fake.callsTo("views.open").length;
    const c = click("UMOD", reject, card);
    await c.send();
    const open = await latest("views.open", opens + 1);
    expect(open.body.trigger_id).toBe(`trig-${c.id}`);
    const modal = open.body.view as View;
    expect(modal.blocks.map((b) => b.block_id)).toEqual(["reason"]);
    expect(await rt.app.db.application.count({ where: { state: "rejected" } })).toBe(0);

    const updates = fake.callsTo("chat.update").length;
    expect((await submit("UMOD", modal, { reason: "Please share links to your answers first" })).text).toBe("");
    const update = await latest("chat.update", updates + 1);
    expect(JSON.stringify(update.body.blocks)).toContain("Rejected @dan's application to Velo Community Leaders; they were told why. — <@UMOD>");
    const row = await rt.app.db.application.findFirstOrThrow({ where: { member: { handle: "dan" } } });
    expect(row.state).toBe("rejected");
  });

  it("/log opens the activity's questions (a link and a date picker) and logs the answers", async () => {
    const id = ++n;
    const opens = fake.callsTo("views.open").length;
    const body = slashPayload({ command: "/log", text: "meetup", user: "UCAROL", name: "carol", triggerId: `trig-${id}`, responseUrl: fake.responseUrl(id) });
    await sendSigned(url, body, FORM, { secret: SECRET });
    const view = (await latest("views.open", opens + 1)).body.view as View;
    expect(view.blocks.map((b) => [b.block_id, b.element?.type])).toEqual([
      ["url", "url_text_input"],
      ["date", "datepicker"],
    ]);
    const respondsBefore = fake.callsTo("respond").length;
    const res = await sendSigned(
      url,
      interactive({
        type: "view_submission",
        team: { id: "T1", domain: "t" },
        user: { id: "UCAROL", name: "carol" },
        api_app_id: "A1",
        token: "x",
        view: {
          ...view,
          id: "VLOG",
          type: "modal",
          callback_id: "steward-form",
          state: { values: { url: { value: { type: "url_text_input", value: "https://meetup.example.com/velo-berlin" } }, date: { value: { type: "datepicker", selected_date: "2026-11-20" } } } },
        },
      }),
      FORM,
      { secret: SECRET },
    );
    expect(res.text).toBe("");
    const answer = (await fake.waitFor("respond", respondsBefore + 1)).at(-1)!;
    expect(answer.path).toBe(`/respond/${id}`);
    expect(String(answer.body.text)).toContain("Logged: Meetup hosted");
    const activity = await rt.app.db.activity.findFirstOrThrow({ where: { kind: "meetup" } });
    expect(activity.url).toContain("meetup.example.com/velo-berlin");
    expect(activity.occurredAt.toISOString().slice(0, 10)).toBe("2026-11-20");
  });

  async function eventuallyPending(handle: string): Promise<void> {
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      if (await rt.app.db.application.findFirst({ where: { member: { handle }, state: "pending" } })) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no pending application for ${handle}`);
  }
});
