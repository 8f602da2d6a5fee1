// POST /webhooks/partner: the partner dashboard's events, signed the Standard
// Webhooks way (webhook-id, webhook-timestamp, webhook-signature `v1,<base64>`
// over "{id}.{timestamp}.{body}"). The `standardwebhooks` package is the
// spec's reference implementation: it accepts any of several space-separated
// signatures, compares in constant time, and refuses timestamps more than
// five minutes off either way.
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { App } from "../../app.ts";
import { checkPartnerEvent } from "../../domain/partner-dashboard.ts";
import type { Route, RouteRequest } from "../../http/server.ts";
import { receivePartnerEvent } from "../../services/partner-events.ts";

const header = (req: RouteRequest, name: string): string => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
};

/** `whsec_<base64>` is the standard's form of a secret; anything else is taken as the raw secret. */
export function partnerVerifier(secret: string): Webhook {
  return secret.startsWith("whsec_") ? new Webhook(secret) : new Webhook(secret, { format: "raw" });
}

export function partnerWebhook(app: App): Route {
  const secret = app.config.PARTNER_WEBHOOK_SECRET;
  const verifier = secret ? partnerVerifier(secret) : undefined;
  return {
    method: "POST",
    path: "/webhooks/partner",
    async handle(req) {
      if (!verifier) return { status: 404, body: { error: "partner dashboard webhooks are not configured here (PARTNER_WEBHOOK_SECRET)" } };
      const id = header(req, "webhook-id");
      const timestamp = header(req, "webhook-timestamp");
      const text = req.body.toString("utf8");
      // The package reads "12abc" as 12: only whole Unix seconds are a timestamp here.
      if (!/^\S{1,200}$/.test(id) || !/^\d{1,12}$/.test(timestamp))
        return { status: 401, body: { error: "webhook-id and webhook-timestamp (Unix seconds) are required" } };
      try {
        verifier.verify(text, { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": header(req, "webhook-signature") }, { jsonParse: false });
      } catch (err) {
        if (!(err instanceof WebhookVerificationError)) throw err;
        return { status: 401, body: { error: `${err.message}: sign "{webhook-id}.{webhook-timestamp}.{body}" with HMAC-SHA256 and send webhook-signature: v1,<base64>; timestamps must be within 5 minutes` } };
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return { status: 400, body: { error: "the body is not JSON" } };
      }
      const checked = checkPartnerEvent(app.pack, raw);
      if ("problems" in checked) return { status: 400, body: { error: checked.problems.join("; ") } };
      const outcome = await receivePartnerEvent(app, "partner", `partner:${id}`, checked.event);
      // Another request is applying this id now: "duplicate" would stop the sender before it is finished.
      if (outcome.status === "busy")
        return { status: 503, headers: { "retry-after": String(outcome.retryAfterSeconds) }, body: { status: outcome.status, result: outcome.result } };
      return { status: 200, body: { status: outcome.status, result: outcome.result } };
    },
  };
}
