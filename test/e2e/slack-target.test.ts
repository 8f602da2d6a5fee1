// Slack as an outbox target, through the real @slack/web-api client pointed at
// the fake Slack on 127.0.0.1: what each outbox message becomes on Slack, and
// that a 429 is handed to the outbox job (RateLimitedError with Retry-After)
// after exactly one call, never retried inside the client.
import { PNG } from "pngjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reply } from "../../src/chat/reply.ts";
import { outboxClient, slackTarget } from "../../src/adapters/slack/target.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryContext, type DeliveryResult, type DeliveryTarget } from "../../src/jobs/target.ts";
import type { OutboxMessage } from "../../src/services/outbox.ts";
import { startFakeSlack, uploadedFile, type FakeSlack } from "../helpers/fake-slack.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

describe("Slack delivery target", () => {
  let fake: FakeSlack;
  let rt: TestRuntime;
  let target: DeliveryTarget;

  const onSlack: DeliveryContext = {
    outboxId: 1,
    dedupeKey: "k1",
    member: { id: "m1", handle: "alice", displayName: "Alice", identities: [{ platform: "discord", externalId: "42" }, { platform: "slack", externalId: "U1" }] },
  };
  const notOnSlack: DeliveryContext = { outboxId: 2, dedupeKey: "k2", member: { id: "m2", handle: "bob", displayName: "Bob", identities: [{ platform: "discord", externalId: "43" }] } };

  beforeAll(async () => {
    fake = await startFakeSlack();
    rt = await testRuntime("pglite", { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "s", SLACK_API_URL: fake.apiUrl, SLACK_CHANNELS: "announcements=CANN,moderators=CMOD" });
    // The default pack maps no badge to a user group; this one does.
    rt.app.pack = { ...rt.app.pack, badges: rt.app.pack.badges.map((b) => (b.id === "community-leaders" ? { ...b, slackUserGroup: "SCL" } : b)) };
    target = slackTarget(rt.app, outboxClient("xoxb-test", fake.apiUrl));
  });

  afterAll(async () => {
    await rt?.close();
    await fake?.stop();
  });

  afterEach(() => fake.reset());

  it("sends a DM to the member's Slack account as Block Kit, and skips members without one", async () => {
    const r = reply("You reached Pioneer", [{ type: "header", text: "Pioneer!" }, { type: "text", text: "400 points <3 & more" }]);
    expect(await target.deliver({ kind: "dm", memberId: "m1", reply: r }, onSlack)).toBe("delivered");
    const [post] = fake.callsTo("chat.postMessage");
    expect(post!.body.channel).toBe("U1");
    expect(post!.body.text).toBe("You reached Pioneer");
    expect(post!.body.blocks).toEqual([
      { type: "header", text: { type: "plain_text", text: "Pioneer!", emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: "400 points &lt;3 &amp; more" } },
    ]);
    expect(await target.deliver({ kind: "dm", memberId: "m2", reply: r }, notOnSlack)).toBe("skipped");
    expect(fake.callsTo("chat.postMessage")).toHaveLength(1);
  });

  it("posts to the channel a logical name maps to, takes a channel id as it is, and skips unknown names", async () => {
    expect(await target.deliver({ kind: "post", channel: "announcements", reply: reply("Alice is now a Pioneer") }, { outboxId: 3, dedupeKey: "k3" })).toBe("delivered");
    expect(await target.deliver({ kind: "post", channel: "C0123ABCD", reply: reply("Direct") }, { outboxId: 4, dedupeKey: "k4" })).toBe("delivered");
    expect(await target.deliver({ kind: "post", channel: "nowhere", reply: reply("Lost") }, { outboxId: 5, dedupeKey: "k5" })).toBe("skipped");
    expect(fake.callsTo("chat.postMessage").map((c) => c.body.channel)).toEqual(["CANN", "C0123ABCD"]);
  });

  it("uploads a report's CSV to the channel after the message", async () => {
    const csv = "member,status\nalice,met\nbob,missed\n";
    const r = reply("Weekly report", [{ type: "text", text: "2 members" }], { files: [{ filename: "report-2026-W48.csv", contentType: "text/csv", content: csv }] });
    expect(await target.deliver({ kind: "post", channel: "moderators", reply: r }, { outboxId: 6, dedupeKey: "k6" })).toBe("delivered");
    expect(fake.calls.map((c) => c.method)).toEqual(["chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]);
    expect(fake.callsTo("files.getUploadURLExternal")[0]!.body).toMatchObject({ filename: "report-2026-W48.csv", length: String(Buffer.byteLength(csv)) });
    expect(fake.callsTo("upload")[0]!.raw).toContain("alice,met");
    expect(fake.callsTo("files.completeUploadExternal")[0]!.body.channel_id).toBe("CMOD");
  });

  it("posts a tier-up announcement and uploads its card, drawn at delivery from the row's data, with the alt text", async () => {
    const card = { name: "Alice", tier: { name: "Pioneer", colour: "#60a5fa", threshold: 400 }, points: 400, next: { name: "Creator", colour: "#a78bfa", threshold: 1000 }, unlocked: ["Priority Support"], upcoming: ["Partner Badge"], badges: [], banner: "New tier!" };
    const r = reply("🎉 Alice reached Pioneer", [{ type: "text", text: "🎉 Alice reached Pioneer" }, { type: "image", picture: { kind: "tier-card", card }, alt: "Alice reached Pioneer: 400 points.", filename: "tier-up-alice.png" }], { visibility: "public" });
    // What the outbox row holds is plain JSON.
    const row = JSON.parse(JSON.stringify({ kind: "post", channel: "announcements", reply: r }));
    expect(await target.deliver(row, { outboxId: 7, dedupeKey: "k7" })).toBe("delivered");
    expect(fake.calls.map((c) => c.method)).toEqual(["chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]);
    expect(fake.callsTo("files.getUploadURLExternal")[0]!.body).toMatchObject({ filename: "tier-up-alice.png", alt_text: "Alice reached Pioneer: 400 points." });
    const png = PNG.sync.read(await uploadedFile(fake.callsTo("upload")[0]!));
    expect([png.width, png.height]).toEqual([800, 320]);
    expect(fake.callsTo("files.completeUploadExternal")[0]!.body.channel_id).toBe("CANN");
  });

  it("turns a 429 into RateLimitedError with Retry-After after one call: the outbox job retries, not the client", async () => {
    fake.rateLimit("chat.postMessage", 7, { once: false });
    const err = await target.deliver({ kind: "post", channel: "announcements", reply: reply("Hi") }, { outboxId: 7, dedupeKey: "k7" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(7000);
    // chat.postMessage's limit is the channel's: only that channel's rows wait.
    expect((err as RateLimitedError).perChannel).toBe(true);
    // The client settles a call only after its own retries, so once deliver has thrown no retry is left to come.
    expect(fake.callsTo("chat.postMessage")).toHaveLength(1);
  });

  it("marks errors no retry can fix as permanent, and leaves others to the job's backoff", async () => {
    fake.fail("chat.postMessage", "channel_not_found", { once: true });
    const gone = await target.deliver({ kind: "post", channel: "announcements", reply: reply("Hi") }, { outboxId: 8, dedupeKey: "k8" }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PermanentDeliveryError);
    expect((gone as Error).message).toBe("Slack: channel_not_found");
    fake.fail("chat.postMessage", "internal_error", { once: true });
    const flaky = await target.deliver({ kind: "post", channel: "announcements", reply: reply("Hi") }, { outboxId: 9, dedupeKey: "k9" }).catch((e: unknown) => e);
    expect(flaky).toBeInstanceOf(Error);
    expect(flaky).not.toBeInstanceOf(PermanentDeliveryError);
    expect(flaky).not.toBeInstanceOf(RateLimitedError);
  });

  it("keeps the badge's user group in step, changing only this member in the full list", async () => {
    fake.userGroups.set("SCL", ["U2", "U3"]);
    expect(await target.deliver({ kind: "badge-grant", memberId: "m1", badge: "community-leaders" }, onSlack)).toBe("delivered");
    expect(fake.callsTo("usergroups.users.update")[0]!.body).toMatchObject({ usergroup: "SCL", users: "U2,U3,U1" });
    // Granting again changes nothing on Slack.
    expect(await target.deliver({ kind: "badge-grant", memberId: "m1", badge: "community-leaders" }, onSlack)).toBe("delivered");
    expect(fake.callsTo("usergroups.users.update")).toHaveLength(1);
    expect(await target.deliver({ kind: "badge-revoke", memberId: "m1", badge: "community-leaders", reason: "inactive" }, onSlack)).toBe("delivered");
    expect(fake.userGroups.get("SCL")).toEqual(["U2", "U3"]);
    // Badges without a user group, members without Slack, and tier roles have nothing to do on Slack.
    expect(await target.deliver({ kind: "badge-grant", memberId: "m1", badge: "partner-badge" }, onSlack)).toBe("skipped");
    expect(await target.deliver({ kind: "badge-grant", memberId: "m2", badge: "community-leaders" }, notOnSlack)).toBe("skipped");
    expect(await target.deliver({ kind: "tier-role", memberId: "m1", tier: "pioneer" }, onSlack)).toBe("skipped");
  });

  it("records a user-group failure (a free workspace) without failing the row", async () => {
    fake.userGroups.set("SCL", ["U2"]);
    fake.fail("usergroups.users.update", "paid_teams_only");
    expect(await target.deliver({ kind: "badge-grant", memberId: "m1", badge: "community-leaders" }, onSlack)).toBe("skipped");
    const row = await rt.app.db.auditLog.findFirst({ where: { action: "slack.badge-grant" } });
    expect(row).toMatchObject({ actor: "system", target: "m1", outcome: "failed" });
    expect(row?.details).toMatchObject({ badge: "community-leaders", usergroup: "SCL" });
    // A 429 there is still the job's to retry.
    fake.rateLimit("usergroups.users.list", 3);
    const limited = await target.deliver({ kind: "badge-grant", memberId: "m1", badge: "community-leaders" }, onSlack).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    // A workspace-wide method's limit holds back the whole queue, not one channel.
    expect((limited as RateLimitedError).perChannel).toBe(false);
  });
  describe("App Home refresh", () => {
    const drawn: string[] = [];
    let withHome: DeliveryTarget;
    beforeAll(() => {
      withHome = slackTarget(rt.app, outboxClient("xoxb-test", fake.apiUrl), {
        homeView: async (userId) => {
          drawn.push(userId);
          return { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: `home of ${userId}` } }] };
        },
      });
    });
    afterEach(() => {
      drawn.length = 0;
    });

    it("publishes the Home of a member on Slack for a home-refresh row, and skips members without Slack", async () => {
      expect(await withHome.deliver({ kind: "home-refresh", memberId: "m1" }, onSlack)).toBe("delivered");
      const [publish] = fake.callsTo("views.publish");
      expect(publish!.body).toMatchObject({ user_id: "U1", view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "home of U1" } }] } });
      expect(await withHome.deliver({ kind: "home-refresh", memberId: "m2" }, notOnSlack)).toBe("skipped");
      // A target built without a Home (as the other tests' target) has nothing to draw.
      expect(await target.deliver({ kind: "home-refresh", memberId: "m1" }, onSlack)).toBe("skipped");
      expect(fake.callsTo("views.publish")).toHaveLength(1);
      expect(drawn).toEqual(["U1"]);
    });

    it("leaves a 429 on a home-refresh row to the outbox job, like any row", async () => {
      fake.rateLimit("views.publish", 4);
      const err = await withHome.deliver({ kind: "home-refresh", memberId: "m1" }, onSlack).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryAfterMs).toBe(4000);
    });

    /** Until the fake has had `n` views.publish calls (the redraw after a row runs on its own, after the row). */
    async function published(n: number): Promise<string[]> {
      for (let i = 0; i < 500 && fake.callsTo("views.publish").length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return fake.callsTo("views.publish").map((c) => String(c.body.user_id));
    }

    it("draws few Homes at once however many members a broadcast reached (each build reads the database)", async () => {
      let building = 0;
      let most = 0;
      const done: string[] = [];
      const slow = slackTarget(rt.app, outboxClient("xoxb-test", fake.apiUrl), {
        homeEveryMs: 0,
        homeView: async (userId) => {
          most = Math.max(most, ++building);
          await new Promise((r) => setTimeout(r, 20));
          building--;
          done.push(userId);
          return { type: "home", blocks: [] };
        },
      });
      const members = Array.from({ length: 8 }, (_, i) => `U${100 + i}`);
      for (const [i, user] of members.entries()) {
        const message: OutboxMessage = { kind: "dm", memberId: `b${i}`, reply: reply("Hi") };
        slow.afterDelivered!(message, { outboxId: 100 + i, dedupeKey: `b${i}`, member: { id: `b${i}`, handle: `b${i}`, displayName: `B ${i}`, identities: [{ platform: "slack", externalId: user }] } });
      }
      // Until every Home is published, so no call of this test lands in the next one's.
      const publishedTo = () => fake.callsTo("views.publish").filter((c) => members.includes(String(c.body.user_id)));
      for (let i = 0; i < 500 && publishedTo().length < members.length; i++) await new Promise((r) => setTimeout(r, 10));
      expect(done.sort()).toEqual(members);
      expect(most).toBeLessThanOrEqual(2);
    });

    it("redraws the Home once a DM, a badge or a tier to the member is recorded, never inside the delivery, and not after a channel post", async () => {
      const eager = slackTarget(rt.app, outboxClient("xoxb-test", fake.apiUrl), { homeView: async (userId) => ({ type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: userId } }] }), homeEveryMs: 0 });
      fake.userGroups.set("SCL", ["U2"]);
      const rows: [OutboxMessage, DeliveryContext, DeliveryResult][] = [
        [{ kind: "dm", memberId: "m1", reply: reply("You reached Pioneer") }, onSlack, "delivered"],
        [{ kind: "badge-grant", memberId: "m1", badge: "community-leaders" }, onSlack, "delivered"],
        [{ kind: "tier-role", memberId: "m1", tier: "pioneer" }, onSlack, "skipped"],
      ];
      for (const [i, [message, ctx, result]] of rows.entries()) {
        expect(await eager.deliver(message, ctx)).toBe(result);
        // The delivery is over before any redraw: a process killed here has nothing more to send.
        expect(fake.callsTo("views.publish")).toHaveLength(i);
        eager.afterDelivered!(message, ctx);
        expect(await published(i + 1)).toEqual(rows.slice(0, i + 1).map(() => "U1"));
      }
      const post: OutboxMessage = { kind: "post", channel: "announcements", reply: reply("Alice is now a Pioneer") };
      expect(await eager.deliver(post, { outboxId: 20, dedupeKey: "k20" })).toBe("delivered");
      eager.afterDelivered!(post, { outboxId: 20, dedupeKey: "k20" });
      const toBob: OutboxMessage = { kind: "dm", memberId: "m2", reply: reply("Hi") };
      expect(await eager.deliver(toBob, notOnSlack)).toBe("skipped");
      eager.afterDelivered!(toBob, notOnSlack);
      await new Promise((r) => setTimeout(r, 50));
      expect(fake.calls.map((c) => c.method)).toEqual(["chat.postMessage", "views.publish", "usergroups.users.list", "usergroups.users.update", "views.publish", "views.publish", "chat.postMessage"]);
    });

    it("coalesces a member's redraws: one at once, then one for every change in the interval after it", async () => {
      const coalescing = slackTarget(rt.app, outboxClient("xoxb-test", fake.apiUrl), {
        homeView: async (userId) => {
          drawn.push(userId);
          return { type: "home", blocks: [] };
        },
        homeEveryMs: 300,
      });
      const toAlice: OutboxMessage = { kind: "dm", memberId: "m1", reply: reply("Hi") };
      const toCarol: DeliveryContext = { outboxId: 3, dedupeKey: "k3", member: { id: "m3", handle: "carol", displayName: "Carol", identities: [{ platform: "slack", externalId: "U3" }] } };
      for (let i = 0; i < 3; i++) coalescing.afterDelivered!(toAlice, onSlack);
      coalescing.afterDelivered!(toAlice, toCarol);
      expect((await published(2)).sort()).toEqual(["U1", "U3"]);
      // Three DMs to Alice in the interval after her redraw: one more redraw, at its end.
      for (let i = 0; i < 3; i++) coalescing.afterDelivered!(toAlice, onSlack);
      expect((await published(3)).sort()).toEqual(["U1", "U1", "U3"]);
      await new Promise((r) => setTimeout(r, 400));
      expect(fake.callsTo("views.publish")).toHaveLength(3);
      expect(drawn.sort()).toEqual(["U1", "U1", "U3"]);
    });

    it("never fails nor throws for the delivered row when the Home refresh after it fails", async () => {
      const eager = slackTarget(rt.app, outboxClient("xoxb-test", fake.apiUrl), { homeView: async () => ({ type: "home", blocks: [] }), homeEveryMs: 0 });
      fake.fail("views.publish", "internal_error", { once: true });
      const hi: OutboxMessage = { kind: "dm", memberId: "m1", reply: reply("Hi") };
      expect(await eager.deliver(hi, onSlack)).toBe("delivered");
      eager.afterDelivered!(hi, onSlack);
      await published(1);
      fake.rateLimit("views.publish", 30);
      expect(await eager.deliver(hi, onSlack)).toBe("delivered");
      eager.afterDelivered!(hi, onSlack);
      await published(2);
      // One call each: the DM is not sent again, and the refresh is not retried in place.
      expect(fake.callsTo("chat.postMessage")).toHaveLength(2);
      expect(fake.callsTo("views.publish")).toHaveLength(2);
    });
  });
});
