// Signed webhook requests, built the way the senders build them: Discourse's
// X-Discourse-Event-Signature and the partner dashboard's Standard Webhooks
// headers. Sent over real HTTP to the server under test.
import { createHmac } from "node:crypto";

export async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function discourseHeaders(secret: string | undefined, body: string, event: string, eventId: number | string): Record<string, string> {
  return {
    "X-Discourse-Event": event,
    "X-Discourse-Event-Type": event.startsWith("post_") ? "post" : "solved",
    "X-Discourse-Event-Id": String(eventId),
    "X-Discourse-Instance": "https://forum.example.com",
    ...(secret ? { "X-Discourse-Event-Signature": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` } : {}),
  };
}

/** `secret` as the partner dashboard holds it: whsec_<base64> (its bytes are the key) or a raw string. */
export function partnerHeaders(secret: string, body: string, id: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const key = secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret, "utf8");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${signature}` };
}

export interface PostFields {
  id: number;
  username: string;
  topic_id?: number;
  post_number?: number;
  created_at?: string;
  category_id?: number | null;
  topic_slug?: string;
  post_type?: number;
}

/** A post as Discourse's WebHookPostSerializer sends it (the fields Steward reads, and a few it ignores). */
export function forumPost(p: PostFields): Record<string, unknown> {
  return {
    id: p.id,
    username: p.username,
    name: p.username,
    user_id: 100 + p.id,
    topic_id: p.topic_id ?? 7,
    post_number: p.post_number ?? 2,
    created_at: p.created_at ?? "2026-11-25T11:00:00.000Z",
    category_id: p.category_id === undefined ? 5 : p.category_id,
    topic_slug: p.topic_slug ?? "how-to-query-a-collection",
    topic_title: "How to query a collection",
    post_type: p.post_type ?? 1,
    raw: "Use wixData.query()",
    cooked: "<p>Use wixData.query()</p>",
  };
}
