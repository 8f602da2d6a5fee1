// POST /webhooks/discourse: Discourse's own webhook format. The signature
// header is `sha256=<hex HMAC-SHA256 of the raw body>` with the webhook's
// secret; anything unsigned or wrongly signed is refused before it is read.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { App } from "../../app.ts";
import type { Route, RouteRequest } from "../../http/server.ts";
import { receiveForumEvent } from "../../services/forum.ts";

const header = (req: RouteRequest, name: string): string => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
};

export function validDiscourseSignature(secret: string, body: Buffer, signature: string): boolean {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!m) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(Buffer.from(m[1] as string, "hex"), expected);
}

export function discourseWebhook(app: App): Route {
  return {
    method: "POST",
    path: "/webhooks/discourse",
    async handle(req) {
      const secret = app.config.DISCOURSE_WEBHOOK_SECRET;
      if (!secret) return { status: 404, body: { error: "forum webhooks are not configured here (DISCOURSE_WEBHOOK_SECRET)" } };
      if (!validDiscourseSignature(secret, req.body, header(req, "x-discourse-event-signature")))
        return { status: 401, body: { error: "X-Discourse-Event-Signature is missing or does not match: sign the raw body with the webhook's secret (sha256=<hex HMAC-SHA256>)" } };
      const event = header(req, "x-discourse-event");
      if (event === "ping" || header(req, "x-discourse-event-type") === "ping") return { status: 200, body: { status: "pong" } };
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString("utf8"));
      } catch {
        return { status: 400, body: { error: "the body is not JSON; set the webhook's content type to application/json" } };
      }
      const outcome = await receiveForumEvent(app, { eventId: header(req, "x-discourse-event-id"), event, instance: header(req, "x-discourse-instance"), body });
      if ("problem" in outcome) return { status: 400, body: { error: outcome.problem } };
      return { status: 200, body: { ...outcome } };
    },
  };
}
