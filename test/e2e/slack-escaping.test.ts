// Member text on Slack pings nobody: a member named `<!channel>` (or any other
// of Slack's mention markups) reaching Pioneer is announced with the name
// escaped in the message's top-level `text` (what notifications and fallbacks
// show) as well as in its blocks; answers through response_url are escaped the
// same way. And Bolt's receiver is made to refuse a signed request from more
// than five minutes in the future, as it refuses one from the past.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../../commands/index.ts";
import { reply } from "../../src/chat/reply.ts";
import { renderMessage } from "../../src/adapters/slack/render.ts";
import { buildRegistry } from "../../src/dispatch/dispatch.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { ensureMember } from "../../src/services/members.ts";
import { FORM, sendSigned, slashPayload, type FakeSlack, type RecordedCall } from "../helpers/fake-slack.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { startSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";
import { eventually } from "../helpers/eventually.ts";

const SECRET = "test-signing-secret";

/** Every way a Slack message can mention people, as a member could type it. */
const HOSTILE = ["<!channel>", "<!here> <!everyone>", "<@U0TARGET> <#C0GENERAL> <!subteam^S0ADMINS|@admins>", "<https://evil.example|click me>", "@channel @here @everyone & co"];
const RAW_MARKUP = /<[!@#]|<https?:/;


/** Every text Slack would parse in a message body or view: top-level text and each mrkdwn text object in its blocks. */
function parsedTexts(body: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof body.text === "string") out.push(body.text);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.type === "mrkdwn" && typeof o.text === "string") out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(body.blocks);
  walk(body.view);
  return out;
}

describe.each(storeKinds)("member text on Slack (%s)", (kind) => {
  let h: SlackHarness;
  let fake: FakeSlack;
  let n = 0;
  beforeAll(async () => {
    h = await startSlackHarness(kind, SECRET, buildRegistry(commands));
    fake = h.fake;
  });
  afterAll(() => h?.stop());
  afterEach(() => fake.reset());

  const slash = async (text: string, user = "UMOD", name = "mod"): Promise<RecordedCall> => {
    const id = ++n;
    const body = slashPayload({ command: "/steward", text, user, name, triggerId: `trigger-${id}`, responseUrl: fake.responseUrl(id) });
    expect((await sendSigned(h.url, body, FORM, { secret: SECRET })).status).toBe(200);
    return eventually(() => fake.callsTo("respond").find((c) => c.path === `/respond/${id}`));
  };

  it.each(HOSTILE)("announces a member named %j reaching Pioneer with the name escaped in text and blocks", async (name) => {
    const userId = `UEVIL${++n}`;
    await ensureMember(h.rt.app, "slack", userId, name);
    const answer = await slash(`adjust <@${userId}> 400 welcome bonus`);
    expect(answer.body.text).toMatch(/^\+400 points for @/);
    while ((await deliverDue(h.rt.app, [h.slack.target])) > 0) {
      /* until nothing is due */
    }
    const announcement = fake.callsTo("chat.postMessage").find((c) => c.body.channel === "CANN");
    expect(announcement, "the public tier-up announcement").toBeDefined();
    const texts = parsedTexts(announcement!.body);
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const t of texts) expect(t).not.toMatch(RAW_MARKUP);
    // Shown as written: the escaped name is there, so Slack displays it literally.
    expect(announcement!.body.text).toContain(name.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    // The DM to the member goes through the same renderer.
    // (A DM with a picture, the tier card, goes to the DM's channel, where its upload can follow it.)
    const dm = fake.callsTo("chat.postMessage").find((c) => c.body.channel === userId || c.body.channel === `D${userId.slice(1)}`);
    expect(dm).toBeDefined();
    for (const t of parsedTexts(dm!.body)) expect(t).not.toMatch(RAW_MARKUP);
    // So does the member's App Home, redrawn after the DM.
    const home = fake.callsTo("views.publish").find((c) => c.body.user_id === userId);
    expect(home).toBeDefined();
    for (const t of parsedTexts(home!.body)) expect(t).not.toMatch(RAW_MARKUP);
    // Plain @channel / @here only become mentions when a message asks Slack to parse names; Steward never does.
    for (const post of fake.callsTo("chat.postMessage")) {
      expect(post.body.link_names).toBeUndefined();
      expect(post.body.parse).toBeUndefined();
    }
  });

  it("escapes member text echoed in an answer's top-level text (response_url)", async () => {
    const answer = await slash("tier <!channel>", "U2", "bob");
    expect(answer.body.response_type).toBe("ephemeral");
    for (const t of parsedTexts(answer.body)) expect(t).not.toMatch(RAW_MARKUP);
  });

  it("refuses a correctly signed request from more than five minutes in the future with 401, and does nothing", async () => {
    const members = await h.rt.app.db.member.count();
    const request = { command: "/tier", user: "UFUTURE", name: "marty", channel: "C1", triggerId: "t" };
    const body = slashPayload({ ...request, responseUrl: fake.responseUrl(990) });
    const future = await sendSigned(h.url, body, FORM, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) + 400 });
    expect(future.status).toBe(401);
    // A little under the window ahead is a clock a bit fast, and passes: the 401 above is the timestamp.
    const soon = await sendSigned(h.url, slashPayload({ ...request, responseUrl: fake.responseUrl(991) }), FORM, {
      secret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) + 200,
    });
    expect(soon.status).toBe(200);
    await eventually(() => fake.callsTo("respond").find((c) => c.path === "/respond/991"));
    expect(fake.callsTo("respond").filter((c) => c.path === "/respond/990")).toHaveLength(0);
    expect(await h.rt.app.db.member.count()).toBe(members + 1);
  });
});

describe("Slack renderer: Steward's own mentions are structured, everything else is text", () => {
  it("puts the reply's Slack mentions first, as markup, and escapes the text beside them", () => {
    const r = reply("<!channel> wants a word", [{ type: "text", text: "Hi <!here>" }], {
      mentions: [{ platform: "slack", userId: "U0ALICE" }, { platform: "discord", userId: "1400000000000000001" }, { platform: "slack", userId: "<!channel>" }],
    });
    const m = renderMessage(r);
    expect(m.text).toBe("<@U0ALICE> &lt;!channel&gt; wants a word");
    expect(m.blocks).toEqual([
      { type: "section", text: { type: "mrkdwn", text: "<@U0ALICE>" } },
      { type: "section", text: { type: "mrkdwn", text: "Hi &lt;!here&gt;" } },
    ]);
  });
});
