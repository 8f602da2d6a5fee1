// A replayed Slack slash command through the real Bolt: the same signed body
// (same trigger_id) delivered three times — twice at once — has one effect
// and one audit row, and every delivery is answered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ensureMember } from "../../src/services/members.ts";
import { FORM, sendSigned, slashPayload } from "../helpers/fake-slack.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { startSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";

const SECRET = "replay-signing-secret";

describe.each(storeKinds)("Slack replays (%s)", (kind) => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness(kind, SECRET, registry);
  });
  afterAll(() => h?.stop());

  it("/adjust delivered three times writes one entry and one audit row", async () => {
    await ensureMember(h.rt.app, "slack", "U1", "alice");
    const body = slashPayload({ command: "/steward", text: "adjust <@U1> 50 Helped at the meetup", user: "UMOD", name: "mod", triggerId: "trigger-replayed", responseUrl: h.fake.responseUrl("replayed") });
    const deliver = () => sendSigned(h.url, body, FORM, { secret: SECRET });
    expect((await deliver()).status).toBe(200);
    await h.fake.waitFor("respond", 1);
    expect((await Promise.all([deliver(), deliver()])).map((r) => r.status)).toEqual([200, 200]);
    const answers = (await h.fake.waitFor("respond", 3)).map((c) => c.body.text);
    expect(answers[0]).toBe("+50 points for @alice (Helped at the meetup). Balance: 50.");
    for (const text of answers) expect(text).toMatch(/Balance: 50\.$/);

    const db = h.rt.app.db;
    expect(await db.ledgerEntry.count({ where: { kind: "adjustment" } })).toBe(1);
    expect(await db.auditLog.findMany({ where: { action: "adjust" } })).toEqual([expect.objectContaining({ outcome: "ok", invocationId: "slack:trigger-replayed" })]);
    expect((await db.balance.findMany()).map((b) => b.points).sort()).toEqual([0, 50]);
  });
});
