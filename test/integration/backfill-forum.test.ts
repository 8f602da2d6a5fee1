// `steward backfill --platform forum`: a fake Discourse lists linked users'
// replies over eight weeks across pages, with a 429 + Retry-After and an
// interruption; each reply by a member, dated while they were one, counts once
// as the webhook counts it, and the same posts delivered by the webhook
// afterwards (new event ids) count nothing more.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importMembersCsv } from "../../src/adapters/partner-dashboard/members-import.ts";
import { forumHistorySources, linkedForumUsers } from "../../src/adapters/forum/history.ts";
import { backfill, Pacer, sinceWeeks } from "../../src/services/backfill.ts";
import { receiveForumEvent } from "../../src/services/forum.ts";
import { FakeDiscourse } from "../helpers/fake-discourse.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { runOn, virtualClock } from "../helpers/virtual-clock.ts";

const CSV = [
  "program,member,slack_id,discord_id,forum_user,dashboard_id,joined,left",
  "velo-masters,hana,,,Hana_Dev,,2026-10-05,",
  "velo-masters,ivo,,,ivo,,2026-09-01,2026-10-19",
].join("\n");

type Action = {
  action_type: number;
  post_id: number;
  post_number: number;
  topic_id: number;
  slug: string;
  category_id: number | null;
  post_type: number;
  created_at: string;
  username: string;
};

function actions(username: string, first: number, count: number): Action[] {
  const start = Date.parse("2026-09-28T08:00:00Z");
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    return {
      action_type: i % 11 === 0 ? 4 : 5, // a new topic now and then: its first post asks, it does not answer
      post_id: n,
      post_number: i % 11 === 0 ? 1 : 2 + (i % 5),
      topic_id: 100 + (i % 9),
      slug: `topic-${i % 9}`,
      category_id: i % 13 === 0 ? null : 4, // a private message now and then
      post_type: i % 17 === 0 ? 4 : 1, // a whisper now and then
      created_at: new Date(start + i * 19 * 3_600_000).toISOString(),
      username,
    };
  });
}

const counts = (a: Action, from: string, to = "2100-01-01") =>
  a.action_type === 5 && a.post_number > 1 && a.category_id !== null && a.post_type === 1 && a.created_at >= from && a.created_at < to;

describe.each(storeKinds)("forum backfill on %s", (kind) => {
  let rt: TestRuntime;
  const fake = new FakeDiscourse();

  beforeEach(async () => {
    await fake.start();
    rt = await testRuntime(kind, { DISCOURSE_URL: fake.url, DISCOURSE_API_KEY: fake.apiKey });
    rt.clock.set("2026-11-25T12:00:00Z");
    await importMembersCsv(rt.app, CSV);
  });
  afterEach(async () => {
    await rt.close();
    await fake.stop();
  });

  it("counts each member's replies once, resumes after a stop, and the webhook's later deliveries count nothing more", async () => {
    const hana = actions("hana_dev", 1000, 70);
    const ivo = actions("ivo", 5000, 40);
    fake.actions.set("hana_dev", hana);
    fake.actions.set("ivo", ivo);
    const since = sinceWeeks(rt.app, 8);
    const clock = virtualClock(Date.parse("2026-11-25T12:00:00Z"));
    const users = await linkedForumUsers(rt.app);
    expect(users).toEqual(["hana_dev", "ivo"]);
    const make = () => forumHistorySources({ url: fake.url, apiKey: fake.apiKey, apiUsername: "system", usernames: users, since, pacer: new Pacer(clock) });

    fake.answerNext(429, { "retry-after": "3" }, { errors: ["Slow down, too many requests from this IP address."] });
    let pages = 0;
    const first = await runOn(clock, backfill(rt.app, make(), { since, clock, stop: () => ++pages > 1 }));
    expect(first.interrupted).toBe(true);
    expect(clock.now() - Date.parse("2026-11-25T12:00:00Z")).toBe(3_000);
    const saved = await rt.app.db.backfillCheckpoint.findUniqueOrThrow({ where: { source: "forum:hana_dev" } });
    expect(saved.cursor).toBe("30");

    const second = await runOn(clock, backfill(rt.app, make(), { since, clock }));
    expect(second.sources.map((s) => s.status)).toEqual(["done", "done"]);
    const offsets = fake.calls.filter((c) => c.path === "/user_actions.json").length;
    expect(offsets).toBeGreaterThanOrEqual(5);

    const expected = [...hana.filter((a) => counts(a, "2026-10-05")), ...ivo.filter((a) => counts(a, "2026-09-28", "2026-10-19"))];
    const rows = await rt.app.db.activity.findMany({ orderBy: { occurredAt: "asc" } });
    expect(rows.map((r) => r.dedupeKey).sort()).toEqual(expected.map((a) => `forum:post:${a.post_id}`).sort());
    expect(rows.every((r) => r.kind === "answer" && r.source === "history:forum")).toBe(true);
    expect(rows[0]?.url).toMatch(new RegExp(`^${fake.url}/t/topic-\\d/\\d+/\\d+$`));

    // The webhook delivers the same posts later (Discourse's retries carry new event ids): nothing more counts.
    let eventId = 90_000;
    for (const a of [...hana, ...ivo].filter((x) => x.action_type === 5)) {
      const post = { id: a.post_id, username: a.username, topic_id: a.topic_id, post_number: a.post_number, created_at: a.created_at, category_id: a.category_id, topic_slug: a.slug, post_type: a.post_type };
      await receiveForumEvent(rt.app, { eventId: String(eventId++), event: "post_created", body: { post } });
    }
    expect(await rt.app.db.activity.count()).toBe(expected.length);
  }, 120_000);
});
