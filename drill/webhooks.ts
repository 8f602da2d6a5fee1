// Drill (g) hostile webhooks: validly signed bodies with hostile fields, sent to
// the forum and partner webhooks of the real HTTP server on loopback. A valid
// signature says who sent a body, not that it is usable: every one must be
// answered below 500 (a sender retries a 5xx for ever), and every refusal
// (4xx) must write no row (a trigger counts writes to every table but the
// audit log). Sent one at a time, so each write is laid at its own request.
import { createHmac } from "node:crypto";
import { discourseWebhook } from "../src/adapters/forum/webhook.ts";
import { partnerWebhook } from "../src/adapters/partner-dashboard/webhook.ts";
import { startOpsServer } from "../src/http/server.ts";
import { drillRuntime, installWriteCounter, pick, type Drill } from "./lib.ts";

const FORUM_SECRET = "drill-forum-webhook-secret";
const PARTNER_SECRET = `whsec_${Buffer.from("drill-partner-signing-key").toString("base64")}`;

/** Values that have broken parsers and databases before: NUL, half characters, huge and tiny numbers, far dates, wrong types. */
const HOSTILE: unknown[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x\uDC00y",
  "😀".slice(0, 1),
  "x".repeat(5000),
  "<!channel> @everyone",
  "-200000-01-01T00:00:00Z",
  "+275760-09-13T00:00:00Z",
  "0000-01-01",
  "9999-12-31",
  "2026-02-30",
  "1969-12-31T23:59:59Z",
  "NaN",
  0,
  -1,
  1.5,
  2 ** 53 + 2,
  // 2^53 + 1 cannot be a JS number: it is written into the body as digits below (partnerBody).
  2 ** 53,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1e308,
  true,
  null,
  [],
  ["a"],
  {},
  { $gt: "" },
  "https://\uD800.example.com",
  "https://example.com/\u0000",
  "javascript:alert(1)",
  "../../etc/passwd",
];

const FORUM_EVENTS = ["post_created", "post_edited", "post_destroyed", "post_recovered", "accepted_solution", "unaccepted_solution"];
const PARTNER_TYPES = ["site.published", "site.premium_expired", "site.premium_reactivated", "site.contributor_removed", "certification.earned"];

function forumBody(rand: () => number, n: number): { event: string; body: string } {
  const event = pick(rand, FORUM_EVENTS);
  const post: Record<string, unknown> = {
    id: 1000 + n,
    username: "drill_user",
    topic_id: 7,
    post_number: 2,
    created_at: "2026-11-25T11:00:00.000Z",
    category_id: 5,
    topic_slug: "a-topic",
    post_type: 1,
  };
  // One to three fields made hostile, sometimes one taken away.
  const fields = Object.keys(post);
  for (let i = 0, k = 1 + Math.floor(rand() * 3); i < k; i++) post[pick(rand, fields)] = pick(rand, HOSTILE);
  if (rand() < 0.1) delete post[pick(rand, fields)];
  return { event, body: JSON.stringify(event.endsWith("_solution") ? { solved: post } : { post }) };
}

function partnerBody(rand: () => number): string {
  const data: Record<string, unknown> = { partner: "P-1", url: "https://drill.example.com", kind: "classic", role: "owner", at: "2026-11-20" };
  const fields = Object.keys(data);
  for (let i = 0, k = 1 + Math.floor(rand() * 3); i < k; i++) data[pick(rand, fields)] = pick(rand, HOSTILE);
  const type = rand() < 0.15 ? pick(rand, HOSTILE) : pick(rand, PARTNER_TYPES);
  // A JSON number beyond 2^53 written as its digits, the way a sender's bigint serialiser writes it.
  return JSON.stringify({ type, data }).replace('"partner":9007199254740992', '"partner":9007199254740993');
}

export const hostileWebhooksDrill: Drill = async ({ rand, size }) => {
  const perSource = size === "full" ? 5000 : 1000;
  const runtime = await drillRuntime({ DISCOURSE_WEBHOOK_SECRET: FORUM_SECRET, PARTNER_WEBHOOK_SECRET: PARTNER_SECRET });
  const writes = await installWriteCounter(runtime.app.sql);
  const server = await startOpsServer(runtime.app, 0, { host: "127.0.0.1", routes: [discourseWebhook(runtime.app), partnerWebhook(runtime.app)] });
  const base = `http://127.0.0.1:${server.port}`;
  const problems: string[] = [];
  const tally = { "2xx": 0, "4xx": 0, "5xx": 0, refusedWrote: 0 };
  const send = async (path: string, body: string, headers: Record<string, string>) => {
    const before = await writes();
    const res = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const text = await res.text();
    const wrote = (await writes()) - before;
    if (res.status >= 500) {
      tally["5xx"]++;
      if (problems.length < 6) problems.push(`${path} ${res.status} for ${body.slice(0, 160)}: ${text.slice(0, 120)}`);
    } else if (res.status >= 400) {
      tally["4xx"]++;
      if (wrote > 0) {
        tally.refusedWrote++;
        if (problems.length < 6) problems.push(`${path} ${res.status} wrote ${wrote} row(s) for ${body.slice(0, 160)}`);
      }
    } else tally["2xx"]++;
  };
  try {
    for (let n = 0; n < perSource; n++) {
      const { event, body } = forumBody(rand, n);
      await send("/webhooks/discourse", body, {
        "x-discourse-event": event,
        "x-discourse-event-id": String(n + 1),
        "x-discourse-event-signature": `sha256=${createHmac("sha256", FORUM_SECRET).update(body).digest("hex")}`,
      });
    }
    const key = Buffer.from(PARTNER_SECRET.slice(6), "base64");
    for (let n = 0; n < perSource; n++) {
      const body = partnerBody(rand);
      const id = `drill_${n}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
      await send("/webhooks/partner", body, { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` });
    }
  } finally {
    await server.close();
    await runtime.close();
  }
  return {
    pass: tally["5xx"] === 0 && tally.refusedWrote === 0,
    figures: `${2 * perSource} validly signed hostile bodies (${perSource} forum, ${perSource} partner): ${tally["5xx"]} 5xx, ${tally["4xx"]} refused with 4xx, ${tally.refusedWrote} refusals wrote a row, ${tally["2xx"]} usable (200)`,
    problems,
  };
};
