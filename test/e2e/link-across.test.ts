// One person on Slack and on Discord becomes one member: /link on Slack
// (a signed slash command into the real Bolt), /link code: on Discord (a raw
// interaction into the real discord.js), both adapters on one runtime, and
// /tier on either platform shows the sum of both ledgers.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { startSlack, SLACK_EVENTS_PATH, type RunningSlack } from "../../src/adapters/slack/app.ts";
import { defaultSubName } from "../../src/adapters/discord/registration.ts";
import { discordHarness, slashCommand, type DiscordHarness, type RawOption } from "../helpers/fake-discord.ts";
import { FORM, sendSigned, slashPayload, startFakeSlack, type FakeSlack } from "../helpers/fake-slack.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { eventually } from "../helpers/eventually.ts";

const SECRET = "test-signing-secret";
const discordAlice = { id: "1400000000000000001", username: "alice" };


describe.each(storeKinds)("/link across Slack and Discord on %s", (kind) => {
  let fake: FakeSlack;
  let h: DiscordHarness;
  let slack: RunningSlack;
  let responses = 0;

  beforeEach(async () => {
    fake = await startFakeSlack();
    h = await discordHarness(kind, registry, { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl });
    slack = await startSlack(h.runtime, registry, { port: 0, host: "127.0.0.1" });
  });
  afterEach(async () => {
    await slack.stop();
    await h.close();
    await fake.stop();
  });

  /** A signed Slack slash command by U1 (alice); returns the text of the answer posted to response_url. */
  const onSlack = async (cmd: string, text: string): Promise<string> => {
    const id = ++responses;
    const body = slashPayload({ command: cmd, text, triggerId: `t-${id}`, responseUrl: fake.responseUrl(id) });
    const ack = await sendSigned(`http://127.0.0.1:${slack.port}${SLACK_EVENTS_PATH}`, body, FORM, { secret: SECRET });
    expect(`${ack.status} ${ack.text}`).toBe("200 ");
    const answer = await eventually(async () => fake.callsTo("respond").find((c) => c.path === `/respond/${id}`));
    return JSON.stringify(answer.body);
  };
  /** A Discord slash command by alice's Discord account; returns what Steward sent Discord for it (an answer, or a deferred answer's edit) once it matches. */
  const onDiscord = async (name: string, options: RawOption[], answer: RegExp): Promise<string> => {
    const before = h.fake.requests.length;
    await h.interact(slashCommand(h.base(discordAlice), name, options));
    const sent = () => h.fake.requests.slice(before).map((r) => JSON.stringify(r.body));
    return eventually(async () => sent().find((body) => answer.test(body))).catch(() => {
      throw new Error(`no answer to /${name} matched ${answer}: ${sent().join("\n")}`);
    });
  };

  it("a Slack and a Discord identity joined into one member: /tier on Slack and the ledger on Discord show the sum", async () => {
    expect(await onSlack("/steward", "site submit https://studio.example.com kind:editorx role:owner")).toContain("Balance: 300");
    await onDiscord("site", [{ name: "submit", type: 1, options: [{ name: "url", type: 3, value: "https://bakery.example.com" }, { name: "kind", type: 3, value: "classic" }] }], /Balance: 100/);
    const db = h.runtime.app.db;
    expect(await db.member.count()).toBe(2);

    const issued = await onSlack("/steward", "link");
    const code = /link code: ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(issued)?.[1];
    expect(code).toBeDefined();
    const linkSub = defaultSubName(registry.get("link")!);
    await onDiscord("link", [{ name: linkSub!, type: 1, options: [{ name: "code", type: 3, value: code! }] }], /@alice2 joined @alice.*400 points/);

    expect(await db.member.count()).toBe(1);
    expect(await onSlack("/tier", "")).toMatch(/alice: Pioneer, 400 points/);
    // On Discord /tier too: its answer uploads the tier card beside Bolt in the same process.
    const tier = await onDiscord("tier", [], /"title":"alice — Pioneer"/);
    // Answered at once ({ type, data }), or deferred and edited (the message itself) when the drawing takes long.
    const sent = JSON.parse(tier) as { data?: unknown };
    expect(sent.data ?? sent).toMatchObject({ embeds: [{ fields: expect.arrayContaining([{ name: "Points", value: "400", inline: true }]) }] });
    expect(h.fake.requests.filter((r) => r.files.some((f) => f.name === "tier-alice.png" && f.contentType === "image/png"))).toHaveLength(1);
    await onDiscord("points", [{ name: defaultSubName(registry.get("points")!)!, type: 1, options: [] }], /Points of @alice: 400/);
  });
});
