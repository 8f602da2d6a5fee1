// The BullMQ board (bull-board, its Hono adapter) under /admin/queues: the
// dashboard's session check runs before it, so only a signed-in moderator
// sees the queues. Its jobs only name outbox rows and schedule ids (the
// database decides what is delivered), so retrying or removing one here
// never sends a message twice; every change made through the board is
// audited as the signed-in moderator.
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import { Hono } from "hono";
import { BOARD_NAMES_FILE, BOARD_NAMES_SCRIPT } from "./queue-board-names.ts";

export const QUEUE_BOARD_PATH = "/admin/queues";

/**
 * bull-board's page runs its own scripts and styles, which the dashboard's stricter policy forbids, and
 * loads them relative to its `<base href="/admin/queues/">`: base-uri 'self' lets that base count
 * (with 'none' the scripts resolve to /admin/static/… and the page stays on "Loading").
 */
export const QUEUE_BOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * The board's write calls (pause, resume, retry, clean…) are fetches with a JSON body, which no form
 * can send and which cannot carry the dashboard's CSRF token; they must come from the dashboard's own
 * origin, as the dashboard's forms must. A browser always sends Origin on such a request.
 */
export function sameOrigin(origin: string | undefined, secFetchSite: string | undefined, publicOrigin: string): boolean {
  if (origin !== undefined) return origin === publicOrigin;
  return secFetchSite === "same-origin";
}

/**
 * What the board's own options can fix of what axe-core finds on its page (bull-board 9.10): the Docs
 * link leaves for the internet, and the Redis-details button has no name (nor its picture a text);
 * /readyz and /metrics report Redis already. The search's shortcut hint is grey on grey below 4.5:1
 * at its size: a darker (lighter, in dark mode) muted text fixes it. Its Fullscreen and Settings
 * buttons and its "more actions" menus have no name either, and no option gives them one: the board's
 * page loads a script of ours that names them (queue-board-names.ts).
 */
const BOARD_UI = {
  boardTitle: "Steward queues",
  hideDocsLink: true,
  hideRedisDetails: true,
  theme: { light: { "muted-foreground": "#47515b" }, dark: { "muted-foreground": "#a9b3bf" } },
};

export function queueBoard(queues: Queue[]): Hono {
  const adapter = new HonoAdapter(serveStatic);
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter, options: { uiConfig: BOARD_UI } });
  const board = new Hono();
  board.get(`/${BOARD_NAMES_FILE}`, (c) => c.body(BOARD_NAMES_SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  // bull-board renders its page from its own template, with no option for a script of ours: add the tag
  // to what it renders. Deferred, it runs after the board's own deferred scripts.
  board.use("*", async (c, next) => {
    await next();
    if (c.req.method !== "GET" || !c.res.headers.get("content-type")?.startsWith("text/html")) return;
    const html = await c.res.text();
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(html.replace("</body>", `<script defer src="${BOARD_NAMES_FILE}"></script></body>`), { status: c.res.status, headers });
  });
  board.route("/", adapter.registerPlugin());
  return board;
}
