// Message events over HTTP, without Bolt: the busiest traffic a workspace
// sends, and the only kind that needs no listener, no client and no reply.
// Bolt's request handling cost ~3 ms of CPU an event; here a message event is
// read, its signature checked as Bolt's verifySlackRequest checks it (v0 HMAC
// of the raw body, 5-minute window), stored in a batch with the messages that
// arrived with it (one statement, one commit), and only then acknowledged:
// Slack hears 200 for what is stored and 500 for what is not, and retries
// that (X-Slack-Retry-Num), which the event_id claim answers once. Everything
// else (url_verification, commands, interactions, other events, forms) goes on
// to Bolt with the body already read, which Bolt takes as it is.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { HTTPModuleFunctions, type HTTPReceiver } from "@slack/bolt";
import { handleMessage, type MessageLike } from "./events.ts";
import type { SlackContext } from "./context.ts";

interface Envelope {
  type?: unknown;
  event_id?: unknown;
  event?: { type?: unknown };
}

type Buffered = IncomingMessage & { rawBody: Buffer };

/** A message event in a JSON body; anything else is Bolt's. */
function messageEnvelope(body: unknown): (Envelope & { event: MessageLike }) | undefined {
  const e = body as Envelope | null;
  return e && typeof e === "object" && e.type === "event_callback" && e.event && typeof e.event === "object" && e.event.type === "message"
    ? (e as Envelope & { event: MessageLike })
    : undefined;
}

/** How old a request's X-Slack-Request-Timestamp may be, as Bolt allows (one from the future is refused before: app.ts). */
const WINDOW_SEC = 5 * 60;

/**
 * Slack's v0 signature over the raw body, checked as Bolt's verifySlackRequest checks it (same base string,
 * same window) with one HMAC: Bolt compares through tsscmp, which draws random bytes and computes two more
 * HMACs per request to compare two strings; timingSafeEqual compares the digests in constant time.
 */
export function signedBySlack(secret: string, headers: IncomingHttpHeaders, body: Buffer, nowMs: number): boolean {
  const timestamp = headers["x-slack-request-timestamp"];
  const signature = headers["x-slack-signature"];
  if (typeof timestamp !== "string" || typeof signature !== "string" || !/^\d{1,12}$/.test(timestamp) || !signature.startsWith("v0=")) return false;
  if (Number(timestamp) < Math.floor(nowMs / 1000) - WINDOW_SEC) return false;
  const expected = createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest();
  const given = Buffer.from(signature.slice(3), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Takes message events sent to `path` off Bolt's receiver; `nowMs` is the clock the signature's window is read on. */
export function acceptMessageEvents(receiver: HTTPReceiver, ctx: SlackContext, path: string, signingSecret: string, nowMs: () => number = Date.now): void {
  const bolt = receiver.requestListener;
  const log = ctx.app.log;

  const lean = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let req_: Buffered;
    try {
      req_ = (await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit)) as Buffered;
    } catch (err) {
      res.writeHead(HTTPModuleFunctions.isRawBodyError(err) ? 413 : 400).end();
      return;
    }
    const text = req_.rawBody.toString();
    let envelope: ReturnType<typeof messageEnvelope>;
    try {
      envelope = messageEnvelope(JSON.parse(text));
    } catch {
      envelope = undefined;
    }
    // Bolt reads the buffered body (bufferIncomingMessage keeps it) and answers as it always did.
    if (!envelope) return bolt(req_, res);
    if (!signedBySlack(signingSecret, req.headers, req_.rawBody, nowMs())) {
      log.warn({ path: req.url }, "Slack request refused: signature or timestamp");
      res.writeHead(401).end();
      return;
    }
    const eventId = typeof envelope.event_id === "string" ? envelope.event_id : undefined;
    const retryNum = HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req);
    try {
      await handleMessage(ctx, envelope.event, eventId, retryNum);
    } catch (err) {
      // Not stored, so not acknowledged: Slack sends it again.
      log.error({ err, eventId, channel: envelope.event.channel }, "could not record a Slack message; Slack will retry it");
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200).end();
  };

  receiver.requestListener = (req, res) => {
    const isJsonPost = req.method === "POST" && req.url?.split("?")[0] === path && req.headers["content-type"]?.startsWith("application/json");
    if (!isJsonPost) return bolt(req, res);
    lean(req, res).catch((err: unknown) => {
      log.error({ err }, "Slack event request failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}
