// Forum in: Discourse webhooks through the real HTTP server on an ephemeral
// port, signed in the test the way Discourse signs them, into a real
// database. PGlite always, Postgres when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discourseWebhook } from "../../src/adapters/forum/webhook.ts";
import { MAX_BODY_BYTES, startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { discourseHeaders, forumPost, post, type PostFields } from "../helpers/webhooks.ts";

const SECRET = "discourse-webhook-secret";
const DAY = 24 * 60 * 60 * 1000;

describe.each(storeKinds)("forum webhooks on %s", (kind) => {
  let rt: TestRuntime;
  let server: OpsServer;
  let chat: ChatDriver;
  let nextEvent = 1;

  const url = () => `http://127.0.0.1:${server.port}/webhooks/discourse`;
  const send = (event: string, p: PostFields, opts: { eventId?: number; secret?: string | undefined } = {}) => {
    const body = JSON.stringify(event.endsWith("_solution") ? { solved: forumPost(p) } : { post: forumPost(p) });
    const secret = "secret" in opts ? opts.secret : SECRET;
    return post(url(), body, discourseHeaders(secret, body, event, opts.eventId ?? nextEvent++));
  };
  const activities = async (handle: string) => {
    const member = await rt.app.db.member.findUniqueOrThrow({ where: { handle } });
    return rt.app.db.activity.findMany({ where: { memberId: member.id }, orderBy: { createdAt: "asc" } });
  };
  const joinVeloMasters = async (handle: string) => {
    await chat.ok(handle, `/apply velo-masters profiles:https://stackoverflow.com/u/${handle} experience:years`);
    await chat.ok("mod", `/review approve ${handle} velo-masters`);
  };

  beforeEach(async () => {
    rt = await testRuntime(kind, { DISCOURSE_WEBHOOK_SECRET: SECRET });
    server = await startOpsServer(rt.app, 0, { host: "127.0.0.1", routes: [discourseWebhook(rt.app)] });
    chat = new ChatDriver(rt);
    await joinVeloMasters("alice");
    await chat.ok("mod", "/link forum:Alice_F alice");
  });
  afterEach(async () => {
    await server.close();
    await rt.close();
  });

  it("refuses unsigned and wrongly signed deliveries with 401 and stores nothing", async () => {
    expect((await send("post_created", { id: 1, username: "alice_f" }, { secret: undefined })).status).toBe(401);
    expect((await send("post_created", { id: 1, username: "alice_f" }, { secret: "not-the-secret" })).status).toBe(401);
    const body = JSON.stringify({ post: forumPost({ id: 1, username: "alice_f" }) });
    const headers = discourseHeaders(SECRET, body, "post_created", 99);
    // Signed, then changed on the way: the signature covers the exact bytes.
    const tampered = await post(url(), body.replace("alice_f", "mallory"), headers);
    expect(tampered.status).toBe(401);
    expect(await rt.app.db.inboundEvent.count()).toBe(0);
    expect(await activities("alice")).toHaveLength(0);
  });

  it("validly signed but unusable fields answer 400 naming the field and write nothing (issue 27, finding 5)", async () => {
    const hostile: [string, PostFields][] = [
      ["created_at", { id: 1, username: "alice_f", created_at: "-200000-01-01T00:00:00Z" }],
      ["created_at", { id: 2, username: "alice_f", created_at: "+275760-09-13T00:00:00Z" }],
      ["topic_slug", { id: 3, username: "alice_f", topic_slug: "a\u0000b" }],
      ["topic_slug", { id: 4, username: "alice_f", topic_slug: "a\ud800b" }],
    ];
    for (const [field, p] of hostile) {
      const r = await send("post_created", p);
      expect(r.status, JSON.stringify(p)).toBe(400);
      expect(String(r.body.error)).toContain(field);
    }
    expect(await rt.app.db.inboundEvent.count()).toBe(0);
    expect(await activities("alice")).toHaveLength(0);
  });

  it("a signed post_created by a linked user is an answer in /activity; the same event again adds nothing, nor does a retry with a new event id", async () => {
    const first = await send("post_created", { id: 10, username: "Alice_F" }, { eventId: 500 });
    expect(first).toMatchObject({ status: 200, body: { status: "applied" } });
    const again = await send("post_created", { id: 10, username: "Alice_F" }, { eventId: 500 });
    expect(again).toMatchObject({ status: 200, body: { status: "duplicate" } });
    // Discourse's own retry job creates a new web_hook_event, so a new X-Discourse-Event-Id.
    expect((await send("post_created", { id: 10, username: "alice_f" }, { eventId: 501 })).body.status).toBe("applied");
    const rows = await activities("alice");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: "answer", source: "forum", url: "https://forum.example.com/t/how-to-query-a-collection/7/2" });
    expect(await chat.ok("alice", "/activity")).toContain("https://forum.example.com/t/how-to-query-a-collection/7/2");
  });

  it("two deliveries of the same event at once count once", async () => {
    const results = await Promise.all([send("post_created", { id: 11, username: "alice_f" }, { eventId: 600 }), send("post_created", { id: 11, username: "alice_f" }, { eventId: 600 })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200]);
    expect(results.map((r) => r.body.status).sort()).toEqual(["applied", "duplicate"]);
    expect(await activities("alice")).toHaveLength(1);
  });

  it("an edit keeps one activity; a deletion withdraws it and a recovery restores it", async () => {
    await send("post_created", { id: 12, username: "alice_f" });
    await send("post_edited", { id: 12, username: "alice_f", topic_slug: "renamed-topic" });
    let rows = await activities("alice");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.url).toContain("/t/renamed-topic/7/2");
    expect((await send("post_destroyed", { id: 12, username: "alice_f" })).body.status).toBe("applied");
    rows = await activities("alice");
    expect(rows[0]).toMatchObject({ rejectedBy: "forum", rejectReason: "deleted on the forum" });
    await send("post_recovered", { id: 12, username: "alice_f" });
    expect((await activities("alice"))[0]?.rejectedAt).toBeNull();
  });

  it("an accepted solution counts as its own kind; unaccepting withdraws only that", async () => {
    await send("post_created", { id: 13, username: "alice_f" });
    expect((await send("accepted_solution", { id: 13, username: "alice_f" })).body.status).toBe("applied");
    let rows = await activities("alice");
    expect(rows.map((r) => r.kind).sort()).toEqual(["accepted-answer", "answer"]);
    await send("unaccepted_solution", { id: 13, username: "alice_f" });
    rows = await activities("alice");
    expect(rows.find((r) => r.kind === "accepted-answer")?.rejectReason).toBe("no longer the accepted solution on the forum");
    expect(rows.find((r) => r.kind === "answer")?.rejectedAt).toBeNull();
  });

  it("a recovered accepted answer gets its accepted-answer credit back too; one unaccepted before the deletion stays withdrawn (issue 27, finding 8)", async () => {
    await send("post_created", { id: 17, username: "alice_f" });
    await send("accepted_solution", { id: 17, username: "alice_f" });
    await send("post_destroyed", { id: 17, username: "alice_f" });
    expect((await activities("alice")).every((r) => r.rejectedAt !== null)).toBe(true);
    expect((await send("post_recovered", { id: 17, username: "alice_f" })).body.status).toBe("applied");
    const rows = await activities("alice");
    expect(rows.map((r) => [r.kind, r.rejectedAt]).sort()).toEqual([["accepted-answer", null], ["answer", null]]);

    await send("post_created", { id: 18, username: "alice_f" });
    await send("accepted_solution", { id: 18, username: "alice_f" });
    await send("unaccepted_solution", { id: 18, username: "alice_f" });
    await send("post_destroyed", { id: 18, username: "alice_f" });
    await send("post_recovered", { id: 18, username: "alice_f" });
    const later = (await activities("alice")).filter((r) => r.url?.includes("/7/2") && r.dedupeKey.endsWith(":18"));
    expect(later.find((r) => r.kind === "answer")?.rejectedAt).toBeNull();
    expect(later.find((r) => r.kind === "accepted-answer")?.rejectReason).toBe("no longer the accepted solution on the forum");
  });

  it("a topic's first post, a whisper and a private message are not answers", async () => {
    expect((await send("post_created", { id: 14, username: "alice_f", post_number: 1 })).body).toMatchObject({ status: "ignored" });
    expect((await send("post_created", { id: 15, username: "alice_f", post_type: 4 })).body).toMatchObject({ status: "ignored" });
    expect((await send("post_created", { id: 16, username: "alice_f", category_id: null })).body).toMatchObject({ status: "ignored" });
    expect(await activities("alice")).toHaveLength(0);
  });

  it("a linked user in no program counts nothing", async () => {
    await chat.ok("bob", "/tier");
    await chat.ok("mod", "/link forum:bob_f bob");
    expect((await send("post_created", { id: 17, username: "bob_f" })).body).toMatchObject({ status: "ignored" });
    expect(await activities("bob")).toHaveLength(0);
  });

  it("a post by an unlinked user is held, and credited when a moderator confirms the link; one past the backdating limit is not", async () => {
    await joinVeloMasters("carol");
    const old = new Date(rt.clock.now().getTime() - 20 * DAY).toISOString();
    expect((await send("post_created", { id: 20, username: "carol_f", created_at: old })).body.status).toBe("held");
    expect((await send("post_created", { id: 21, username: "carol_f" })).body.status).toBe("held");
    expect(await activities("carol")).toHaveLength(0);

    // Carol asks for herself: nothing is credited until a moderator confirms.
    expect(await chat.ok("carol", "/link forum:carol_f")).toContain("Asked the moderators");
    expect(await activities("carol")).toHaveLength(0);
    const pending = await chat.ok("mod", "/link pending");
    expect(pending).toContain("/link forum:carol_f carol");
    expect(pending).toContain("forum:carol_f");
    expect((await chat.deliver()).join("\n")).toContain("@carol asks to be linked to forum user carol_f");

    const linked = await chat.ok("mod", "/link forum:carol_f carol");
    expect(linked).toContain("1 held forum event(s) applied");
    expect(linked).toContain("1 too old to count");
    const rows = await activities("carol");
    expect(rows.map((r) => r.url)).toEqual(["https://forum.example.com/t/how-to-query-a-collection/7/2"]);
    expect(await rt.app.db.linkRequest.count()).toBe(0);
    expect(await rt.app.db.auditLog.count({ where: { action: "link forum", target: rows[0]?.memberId } })).toBe(1);
  });

  it("held posts past the backdating limit leave /link pending with the daily sweep", async () => {
    await send("post_created", { id: 40, username: "dave_f" });
    expect(await chat.ok("mod", "/link pending")).toContain("forum:dave_f");
    rt.clock.advance(15 * DAY);
    await chat.ok("mod", "/schedule run daily-sweep");
    expect(await chat.ok("mod", "/link pending")).not.toContain("forum:dave_f");
    expect(await rt.app.db.inboundEvent.count({ where: { status: "expired" } })).toBe(1);
  });

  it("bad bodies get 400 and a reason, a ping gets an answer, a huge body 413, and other events are ignored", async () => {
    const garbled = "{not json";
    expect((await post(url(), garbled, discourseHeaders(SECRET, garbled, "post_created", 1))).status).toBe(400);
    const noPost = JSON.stringify({ post: { id: 1 } });
    const r = await post(url(), noPost, discourseHeaders(SECRET, noPost, "post_created", 2));
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toContain("username");
    const huge = JSON.stringify({ post: forumPost({ id: 3, username: "a" }) }).padEnd(MAX_BODY_BYTES + 10, " ");
    expect((await post(url(), huge, discourseHeaders(SECRET, huge, "post_created", 3))).status).toBe(413);
    const ping = JSON.stringify({ ping: "OK" });
    expect((await post(url(), ping, discourseHeaders(SECRET, ping, "ping", 4))).body).toEqual({ status: "pong" });
    const topic = JSON.stringify({ topic: { id: 1 } });
    expect((await post(url(), topic, discourseHeaders(SECRET, topic, "topic_created", 5))).body.status).toBe("ignored");
    expect(await rt.app.db.inboundEvent.count()).toBe(0);
  });

  it("a member cannot link someone else, and /unlink holds later posts again", async () => {
    const denied = await chat.say("bob", "/link forum:alice_f alice");
    expect(denied.status).toBe("user-error");
    expect(denied.output).toContain("Only moderators");
    expect((await chat.say("mod", "/link forum:alice_f bob")).output).toContain("linked to @alice");
    await chat.ok("alice", "/unlink forum");
    expect((await send("post_created", { id: 30, username: "alice_f" })).body.status).toBe("held");
  });
});
