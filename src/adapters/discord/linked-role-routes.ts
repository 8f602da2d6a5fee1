// Discord Linked Roles over HTTP, mounted on the dashboard's Hono app (same
// request log, security headers and error page):
//   GET /discord/linked-role     the Verification URL set in the Developer
//                                Portal: a signed state, bound to a cookie,
//                                and a redirect to Discord's authorize page;
//   GET /discord/oauth-callback  Discord's redirect back: the state must be
//                                ours, fresh and this browser's, then the code
//                                is exchanged and the member's values pushed.
// Neither the code nor any token is logged: the request log has the path only.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { App } from "../../app.ts";
import { messagePage } from "../web/pages.tsx";
import { authorizeUrl, GrantRefusedError, linkDiscordAccount, type LinkedRolesConfig } from "./linked-roles.ts";

const COOKIE = "steward_linked_role";
const STATE_TTL_MS = 10 * 60 * 1000;
const NONCE = /^[A-Za-z0-9_-]{22}$/;

type Env = { Variables: { reqId: string } };

function sign(secret: string, nonce: string, issuedAt: number): string {
  return createHmac("sha256", secret).update(`linked-role-state:${nonce}.${issuedAt}`).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The state Discord hands back must carry our signature, be at most 10 minutes old, and name the nonce in this browser's cookie. */
export function stateMatches(secret: string, state: string, cookieNonce: string | undefined, nowMs: number): boolean {
  const [nonce, issued, signature] = state.split(".");
  const issuedAt = Number(issued);
  if (!nonce || !NONCE.test(nonce) || !signature || !Number.isSafeInteger(issuedAt)) return false;
  if (!sameText(signature, sign(secret, nonce, issuedAt))) return false;
  if (issuedAt > nowMs || nowMs - issuedAt > STATE_TTL_MS) return false;
  return cookieNonce !== undefined && sameText(cookieNonce, nonce);
}

export function linkedRoleRoutes(app: App, cfg: LinkedRolesConfig, secret: string): Hono<Env> {
  const routes = new Hono<Env>();
  const secure = cfg.redirectUri.startsWith("https:");
  const tz = app.config.STEWARD_TIMEZONE;
  const page = (c: Context<Env>, status: 200 | 400 | 403 | 502, title: string, message: string) => {
    app.metrics?.webhooks.inc({ source: "discord-oauth", status: String(status) });
    return c.html(messagePage({ tz }, title, message), status);
  };

  routes.get("/linked-role", (c) => {
    const nonce = randomBytes(16).toString("base64url");
    const issuedAt = app.now().getTime();
    // Lax: the cookie comes back on Discord's top-level redirect to the callback, and on nothing cross-site else.
    setCookie(c, COOKIE, nonce, { path: "/discord", httpOnly: true, sameSite: "Lax", secure, maxAge: STATE_TTL_MS / 1000 });
    return c.redirect(authorizeUrl(cfg, `${nonce}.${issuedAt}.${sign(secret, nonce, issuedAt)}`), 302);
  });

  routes.get("/oauth-callback", async (c) => {
    const cookie = getCookie(c, COOKIE);
    deleteCookie(c, COOKIE, { path: "/discord" });
    const state = c.req.query("state")?.slice(0, 200) ?? "";
    if (!stateMatches(secret, state, cookie, app.now().getTime()))
      return page(c, 403, "This link did not come from here", "Steward could not match this sign-in to one it started in this browser, or it is older than 10 minutes. Start again from the server's Linked Roles menu in Discord.");
    if (c.req.query("error"))
      return page(c, 400, "Not linked", "You did not allow Steward to update your linked role. Start again from the server's Linked Roles menu in Discord if you change your mind.");
    const code = c.req.query("code")?.slice(0, 200);
    if (!code) return page(c, 400, "Not linked", "Discord sent no authorization code. Start again from the server's Linked Roles menu in Discord.");
    try {
      const linked = await linkDiscordAccount(app, cfg, code);
      app.log.info({ reqId: c.get("reqId"), member: linked.memberId }, "Discord account linked for Linked Roles");
      return page(c, 200, "Linked", `Your ${app.pack.partner.name} points and tier are now on your Discord profile as @${linked.handle}; roles that ask for them update by themselves. You can close this page.`);
    } catch (err) {
      if (err instanceof GrantRefusedError) return page(c, 400, "Not linked", "Discord did not accept that authorization (it may have been used already). Start again from the server's Linked Roles menu in Discord.");
      app.log.warn({ reqId: c.get("reqId"), err: (err as Error).message }, "Linked Roles callback failed");
      return page(c, 502, "Try again", `Steward could not reach Discord just now (ref ${c.get("reqId")}). Please start again in a minute.`);
    }
  });
  return routes;
}
