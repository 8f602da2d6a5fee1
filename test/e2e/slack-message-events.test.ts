// Message events over HTTP take the lean path (src/adapters/slack/message-events.ts):
// signed requests to the real receiver's port, checked as Bolt's
// verifySlackRequest checks them, stored in a batch and acknowledged only once stored. So
// the table is read right after each answer, with no waiting: a 200 means the
// row is there, a 500 means nothing is and Slack will send it again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ensureMember } from "../../src/services/members.ts";
import { JSON_TYPE, sendSigned } from "../helpers/fake-slack.ts";
import { storeKinds } from "../helpers/runtime.ts";
import { startSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";
import { channelMessage, slackEventBody } from "../helpers/slack-events.ts";

const SECRET = "message-events-secret";
const VELO = "community-leaders-velo";

describe.each(storeKinds)("Slack message events, stored before they are acknowledged (%s)", (kind) => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness(kind, SECRET, registry);
  });
  afterAll(() => h?.stop());

  const envelope = (eventId: string, user: string, ts: string, extra: Record<string, unknown> = {}) =>
    slackEventBody(eventId, channelMessage(user, ts, { client_msg_id: `m-${eventId}`, ...extra }));
  const send = (body: string, headers: Record<string, string> = {}) => sendSigned(h.url, body, JSON_TYPE, { secret: SECRET, headers });
  const leader = async (user: string) => {
    const m = await ensureMember(h.rt.app, "slack", user, user.toLowerCase());
    await h.rt.app.db.member.update({ where: { id: m.id }, data: { timezone: "Europe/Berlin" } });
    await h.rt.app.db.membership.create({ data: { memberId: m.id, programId: VELO, state: "active", joinedAt: new Date("2026-01-01T00:00:00Z") } });
    return m.id;
  };
  const activitiesOf = (memberId: string) => h.rt.app.db.activity.findMany({ where: { memberId }, orderBy: { dedupeKey: "asc" } });

  it("counts the same event once whether it comes twice at once or as a retry, and meets a new author before answering", async () => {
    const carol = await leader("UCAROL");
    const body = envelope("EvTwice", "UCAROL", "1795608000.000100");
    expect((await Promise.all([send(body), send(body)])).map((r) => r.status)).toEqual([200, 200]);
    // Answered, so stored: no waiting.
    expect((await activitiesOf(carol)).map((a) => a.dedupeKey)).toEqual(["msg:slack:m-EvTwice"]);
    await h.rt.app.db.activity.deleteMany({ where: { memberId: carol } });
    // With its activity gone, only the event id claim stops the retry from counting it again.
    expect((await send(body, { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" })).status).toBe(200);
    expect(await activitiesOf(carol)).toEqual([]);

    // Someone Steward has not met: their message counts nothing (no membership), and they are a member once answered.
    expect((await send(envelope("EvNew", "UNEWCOMER", "1795608100.000100"))).status).toBe(200);
    expect(await h.rt.app.db.identity.findUnique({ where: { platform_externalId: { platform: "slack", externalId: "UNEWCOMER" } } })).not.toBeNull();
    expect(await h.rt.app.db.activity.count({ where: { dedupeKey: "msg:slack:m-EvNew" } })).toBe(0);
  });

  it("refuses a forged signature and a stale timestamp with 401 and stores nothing; url_verification still reaches Bolt", async () => {
    const dave = await leader("UDAVE");
    const body = envelope("EvForged", "UDAVE", "1795608200.000100");
    expect((await sendSigned(h.url, body, JSON_TYPE, { secret: SECRET, signature: "v0=" + "0".repeat(64) })).status).toBe(401);
    expect((await sendSigned(h.url, body, JSON_TYPE, { secret: "not-the-secret" })).status).toBe(401);
    expect((await sendSigned(h.url, body, JSON_TYPE, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect(await h.rt.app.db.processedEvent.findUnique({ where: { key: "slack:EvForged" } })).toBeNull();
    expect(await activitiesOf(dave)).toEqual([]);
    // The same body, signed and 4 minutes old, is within the window: the 401s above were the signature and the age.
    expect((await sendSigned(h.url, body, JSON_TYPE, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 4 * 60 })).status).toBe(200);
    expect((await activitiesOf(dave)).map((a) => a.dedupeKey)).toEqual(["msg:slack:m-EvForged"]);

    const challenge = await send(JSON.stringify({ token: "x", challenge: "c-123", type: "url_verification" }));
    expect(challenge.status).toBe(200);
    expect(challenge.text).toContain("c-123");
  });

  it("does not acknowledge a message the database refused (Slack retries it, then it counts once), and stores the batch's others", async () => {
    const erin = await leader("UERIN");
    const sql = h.rt.app.sql;
    // The database itself refuses this one message's row, as a constraint or a full disk would.
    await sql.exec(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.dedupe_key = 'msg:slack:m-EvPoison' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON activities FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    try {
      const [poison, fine] = await Promise.all([send(envelope("EvPoison", "UERIN", "1795608300.000100")), send(envelope("EvFine", "UERIN", "1795608400.000100"))]);
      expect([poison.status, fine.status]).toEqual([500, 200]);
      // The refused message's claim went with its row: nothing says it was processed.
      expect(await h.rt.app.db.processedEvent.findUnique({ where: { key: "slack:EvPoison" } })).toBeNull();
      expect((await activitiesOf(erin)).map((a) => a.dedupeKey)).toEqual(["msg:slack:m-EvFine"]);
    } finally {
      await sql.exec(`DROP TRIGGER refuse_poison ON activities; DROP FUNCTION refuse_poison();`);
    }
    const retry = { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_error" };
    expect((await send(envelope("EvPoison", "UERIN", "1795608300.000100"), retry)).status).toBe(200);
    expect((await send(envelope("EvPoison", "UERIN", "1795608300.000100"), { ...retry, "x-slack-retry-num": "2" })).status).toBe(200);
    expect((await activitiesOf(erin)).map((a) => a.dedupeKey)).toEqual(["msg:slack:m-EvFine", "msg:slack:m-EvPoison"]);
  });
});
