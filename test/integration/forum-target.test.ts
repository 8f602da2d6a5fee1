// Forum out: the Velo Masters Badge granted and revoked on a local fake
// Discourse through the outbox, as the delivery job runs it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discourseTarget } from "../../src/adapters/forum/target.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import type { DeliveryTarget } from "../../src/jobs/target.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { FakeDiscourse } from "../helpers/fake-discourse.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const VELO_MASTERS_BADGE = 100; // the id src/programs/wix.yaml maps the badge to

describe("the forum as a delivery target", () => {
  let rt: TestRuntime;
  let forum: FakeDiscourse;
  let target: DeliveryTarget;
  let chat: ChatDriver;

  const drain = async () => {
    while ((await deliverDue(rt.app, [target])) > 0) {
      /* until nothing is due */
    }
  };
  const badgeRows = () => rt.app.db.outboxMessage.findMany({ where: { kind: { in: ["badge-grant", "badge-revoke"] } }, orderBy: { id: "asc" } });
  const approve = async (handle: string) => {
    await chat.ok(handle, `/apply velo-masters profiles:https://stackoverflow.com/u/${handle} experience:years`);
    await chat.ok("mod", `/review approve ${handle} velo-masters`);
  };

  beforeEach(async () => {
    forum = new FakeDiscourse();
    await forum.start();
    forum.users.add("alice_f");
    forum.badges.set(VELO_MASTERS_BADGE, "Velo Master");
    rt = await testRuntime("pglite");
    target = discourseTarget(rt.app, { url: forum.url, apiKey: forum.apiKey, apiUsername: "system" });
    chat = new ChatDriver(rt);
  });
  afterEach(async () => {
    await rt.close();
    await forum.stop();
  });

  it("grants the badge to a linked member with the API key, never twice, and revokes it", async () => {
    await chat.ok("alice", "/tier");
    await chat.ok("mod", "/link forum:alice_f alice");
    await approve("alice");
    await drain();
    expect(forum.held("alice_f", VELO_MASTERS_BADGE)).toBe(1);
    const post = forum.calls.find((c) => c.method === "POST");
    expect(post).toMatchObject({ path: "/user_badges.json", body: { username: "alice_f", badge_id: VELO_MASTERS_BADGE }, apiKey: forum.apiKey });

    // The same row again (a crash after Discourse granted it, before the row was marked): it reads first and grants nothing.
    const [row] = await badgeRows();
    await rt.app.db.outboxMessage.update({ where: { id: row?.id }, data: { status: "pending" } });
    await rt.app.db.outboxDelivery.deleteMany({});
    await drain();
    expect(forum.held("alice_f", VELO_MASTERS_BADGE)).toBe(1);
    expect(forum.calls.filter((c) => c.method === "POST")).toHaveLength(1);

    await chat.ok("mod", "/program remove alice velo-masters inactive for a year");
    await drain();
    expect(forum.held("alice_f", VELO_MASTERS_BADGE)).toBe(0);
    expect(forum.calls.some((c) => c.method === "DELETE" && /^\/user_badges\/\d+\.json$/.test(c.path))).toBe(true);
  });

  it("a member without a forum link is skipped, and gets the badge when they link", async () => {
    await approve("alice");
    await drain();
    expect(forum.calls).toHaveLength(0);
    await chat.ok("mod", "/link forum:alice_f alice");
    await drain();
    expect(forum.held("alice_f", VELO_MASTERS_BADGE)).toBe(1);
  });

  it("waits out a 429 and retries a 500 without counting the wait; a refusal is audited and not retried", async () => {
    await chat.ok("alice", "/tier");
    await chat.ok("mod", "/link forum:alice_f alice");
    await approve("alice");
    forum.answerNext(429, { "retry-after": "30" });
    await deliverDue(rt.app, [target]);
    let [row] = await badgeRows();
    expect(row).toMatchObject({ status: "pending", attempts: 0 });
    rt.clock.advance(31_000);
    forum.answerNext(500);
    await deliverDue(rt.app, [target]);
    [row] = await badgeRows();
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    rt.clock.advance(60_000);
    await drain();
    expect(forum.held("alice_f", VELO_MASTERS_BADGE)).toBe(1);

    // A forum account that does not exist (linked with a typo): failed for good, and audited.
    await chat.ok("bob", "/tier");
    await chat.ok("mod", "/link forum:bob_typo bob");
    await approve("bob");
    await drain();
    const failed = await rt.app.db.outboxMessage.findFirst({ where: { kind: "badge-grant", status: "failed" } });
    expect(failed?.lastError).toContain("404");
    expect(await rt.app.db.auditLog.count({ where: { action: "forum.badge-grant", outcome: "failed" } })).toBe(1);
  });
});
