// Discord's Interactions Endpoint URL: POST /discord/interactions. Discord signs each request
// with the application's Ed25519 key (the signature covers X-Signature-Timestamp + the raw body),
// checks when the URL is saved that a forged request gets 401, and waits 3 s for the first
// response, which is this request's response. The interaction is then answered by the same code
// as a gateway one (interactions.ts); only its first response comes back here.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { InteractionResponseType, InteractionType, Routes, type MessageFlags, type APIInteraction, type APIInteractionResponse } from "discord.js";
import type { Route, RouteResponse } from "../../http/server.ts";
import { handleInteraction, type FirstResponse, type InteractionDeps } from "./interactions.ts";

export const DISCORD_INTERACTIONS_PATH = "/discord/interactions";

/** How far X-Signature-Timestamp may be from now, either way: a captured request cannot be replayed later. */
const TIMESTAMP_WINDOW_SEC = 5 * 60;

/** The Developer Portal shows the public key as 64 hex characters: the raw Ed25519 key. */
export function ed25519Key(hex: string): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(hex, "hex").toString("base64url") }, format: "jwk" });
}

export function signatureValid(key: KeyObject, timestamp: string, body: Buffer, signatureHex: string): boolean {
  if (!/^[0-9a-f]{128}$/i.test(signatureHex)) return false;
  return verify(null, Buffer.concat([Buffer.from(timestamp, "utf8"), body]), key, Buffer.from(signatureHex, "hex"));
}

const refused = (error: string): RouteResponse => ({ status: 401, body: { error } });

/**
 * The route. `track` holds the rest of each answer (edits after a deferral), so shutdown waits for it.
 * A request Discord did not sign, or signed more than 5 minutes from now, is refused with 401 and nothing done.
 */
export function interactionsRoute(deps: InteractionDeps, publicKeyHex: string, track: (p: Promise<unknown>) => void, nowMs: () => number = Date.now): Route {
  const key = ed25519Key(publicKeyHex);
  return {
    method: "POST",
    path: DISCORD_INTERACTIONS_PATH,
    handle: async (req) => {
      const signature = req.headers["x-signature-ed25519"];
      const timestamp = req.headers["x-signature-timestamp"];
      if (typeof signature !== "string" || typeof timestamp !== "string" || !signatureValid(key, timestamp, req.body, signature)) return refused("invalid request signature");
      if (!/^\d+$/.test(timestamp) || Math.abs(Number(timestamp) - nowMs() / 1000) > TIMESTAMP_WINDOW_SEC) return refused("X-Signature-Timestamp is more than 5 minutes from now");
      let raw: APIInteraction;
      try {
        raw = JSON.parse(req.body.toString("utf8")) as APIInteraction;
      } catch {
        return { status: 400, body: { error: "the body is not JSON" } };
      }
      if (raw.type === InteractionType.Ping) return { status: 200, body: { type: InteractionResponseType.Pong } };
      if (typeof raw.id !== "string" || typeof raw.token !== "string" || typeof raw.application_id !== "string") return { status: 400, body: { error: "an interaction needs id, token and application_id" } };

      let respond: (r: APIInteractionResponse) => void = () => undefined;
      const firstResponse = new Promise<APIInteractionResponse>((resolve) => (respond = resolve));
      let sent = false;
      const first: FirstResponse = async (response, files) => {
        const data = "data" in response && response.data ? response.data : {};
        // The HTTP response is gone (a deferral for files, then its edit failed): what follows is a follow-up, so the apology still arrives.
        if (sent) return void (await deps.rest.post(Routes.webhook(raw.application_id, raw.token), { body: data, files, auth: false }));
        sent = true;
        if (files.length === 0) return respond(response);
        // Discord takes no files in this response: acknowledge, then put the message in place over REST.
        const update = response.type === InteractionResponseType.UpdateMessage;
        const flags = !update && "data" in response && response.data && "flags" in response.data ? response.data.flags : undefined;
        respond(update ? { type: InteractionResponseType.DeferredMessageUpdate } : { type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: (flags ?? 0) as MessageFlags } });
        await deps.rest.patch(Routes.webhookMessage(raw.application_id, raw.token, "@original"), { body: { ...data, flags: undefined }, files, auth: false });
      };
      const handled = handleInteraction(deps, raw, first);
      track(handled);
      const done = handled.then(() => undefined);
      const response = await Promise.race([firstResponse, done]);
      // Handled without a response: a kind of interaction Steward does not take (Discord shows it failed).
      if (!response) return { status: 400, body: { error: `interaction type ${String(raw.type)} is not handled here` } };
      return { status: 200, body: response as unknown as Record<string, unknown> };
    },
  };
}
