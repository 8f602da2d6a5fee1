// The dashboard's receiver: HTTP requests in, pages out, on Hono (mounted on
// the ops server through @hono/node-server's request listener). Every /admin
// page but the sign-in needs a live session whose holder is a moderator now,
// asked again on each request the way the chat adapters ask; forms need the
// session's CSRF token and a same-origin request. Moderator actions run the
// chat command through the same dispatcher, as the signed-in moderator.
import { randomUUID } from "node:crypto";
import { getRequestListener } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { Queue } from "bullmq";
import type { App } from "../../app.ts";
import { linkedRoleRoutes } from "../discord/linked-role-routes.ts";
import { linkedRolesConfig } from "../discord/linked-roles.ts";
import { renderText } from "../../chat/plain-text.ts";
import { UserError } from "../../core/errors.ts";
import { invoke, type Registry } from "../../kit/invoke.ts";
import type { Actor, Platform } from "../../core/actor.ts";
import type { Mounted } from "../../http/server.ts";
import { applicationQueue } from "../../services/applications.ts";
import { audit } from "../../services/audit.ts";
import {
  csrfToken,
  csrfTokenMatches,
  dashboardConfig,
  findSession,
  peekSignInLink,
  refuseFormerModerator,
  revokeSessions,
  SESSION_TTL_MS,
  signIn,
  type Session,
} from "../../services/dashboard.ts";
import { GRID_SORTS, auditActions, auditEntries, complianceGrid, gridPrograms, memberProfile, partnerOverview, type AuditEntry, type AuditFilter } from "../../services/overview.ts";
import { leaderboard } from "../../services/partner.ts";
import { buildReport } from "../../services/reports.ts";
import { toCsv } from "../../chat/csv.ts";
import { periodOf, tryParsePeriodKey } from "../../domain/periods.ts";
import { SITE_FILTERS, SITE_SORTS, siteList, type SiteQuery } from "../../services/sites.ts";
import { LEADERBOARD_PERIODS, SITE_ACTIONS, STATUSES, applicationsPage, auditPage, gridPage, leaderboardPage, memberPage, partnersPage, refusedPage, signInPage, type Shell } from "./pages.tsx";
import { BadParam, choiceParam, dayParam, intParam, textParam } from "./params.ts";
import { QUEUE_BOARD_CSP, QUEUE_BOARD_PATH, queueBoard, sameOrigin } from "./queues.ts";
import { STYLESHEET } from "./style.ts";

/** Whether the account a session was opened from is a moderator right now; each platform answers its own way. */
export type ModeratorCheck = (platform: Platform, externalId: string) => Promise<boolean>;

export interface WebDeps {
  app: App;
  registry: Registry;
  isModerator: ModeratorCheck;
  /** BullMQ's queues (REDIS_URL): shown by the board at /admin/queues. */
  queues?: Queue[];
}

const COOKIE = "steward_session";
const MAX_FIELD = 1000;
/** Audit log ids are an Int column. */
const AUDIT_IDS = [1, 2_147_483_647] as const;
/** Audit entries read per query while the export streams. */
const AUDIT_EXPORT_CHUNK = 1_000;

type Env = { Variables: { reqId: string; session: Session; actor: Actor } };

export function webApp(deps: WebDeps): Hono<Env> {
  const { app } = deps;
  const dash = dashboardConfig(app);
  if (!dash) throw new Error("the dashboard needs STEWARD_PUBLIC_URL and STEWARD_SECRET");
  const publicOrigin = new URL(dash.publicUrl).origin;
  const secure = publicOrigin.startsWith("https:");
  const tz = app.config.STEWARD_TIMEZONE;
  const web = new Hono<Env>();

  const shellOf = (c: Context<Env>): Shell => {
    const session = c.get("session") as Session | undefined;
    return { tz, programs: gridPrograms(app), ...(session ? { viewer: { handle: session.handle, csrf: csrfToken(app, session) } } : {}) };
  };
  const refuse = (c: Context<Env>, status: 400 | 401 | 403 | 404 | 503, title: string, message: string) =>
    c.html(refusedPage({ tz }, title, message, status === 401 || status === 403), status);

  // A request id on every response and log line; the path only, never the query (sign-in tokens travel there).
  web.use(async (c, next) => {
    const reqId = randomUUID();
    c.set("reqId", reqId);
    const started = performance.now();
    await next();
    c.header("x-request-id", reqId);
    app.log.info({ reqId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, "web request");
  });
  web.use(
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'self'"], imgSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
      referrerPolicy: "no-referrer",
      // Pages with a policy of their own (the queue board) keep it.
      overwrite: false,
    }),
  );
  web.use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });
  // Forms come from the dashboard's own pages only (Origin / Sec-Fetch-Site), and are small.
  web.on("POST", "*", csrf({ origin: publicOrigin, secFetchSite: "same-origin" }), bodyLimit({ maxSize: 32 * 1024 }));
  web.onError((err, c) => {
    if (err instanceof BadParam) return refuse(c, 400, "This address has a bad value", `The ${err.field} in this address ${err.problem}. Nothing was looked up; fix the address or use the page's own links and forms.`);
    if (err instanceof HTTPException && err.status === 403) return refuse(c, 403, "Refused", "This form did not come from the dashboard's own page.");
    if (err instanceof HTTPException && err.status === 413) return refuse(c, 400, "Too large", "That form was too large.");
    const ref = c.get("reqId");
    app.log.error({ err, reqId: ref }, "web request failed");
    return c.html(refusedPage({ tz }, "Something went wrong", `Something went wrong on our side (ref ${ref}). Nothing was changed by this page; please try again.`), 500);
  });

  web.get("/admin/static/style.css", (c) => c.body(STYLESHEET, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }));

  const linkedRoles = linkedRolesConfig(app);
  if (linkedRoles) web.route("/discord", linkedRoleRoutes(app, linkedRoles, dash.secret));

  web.get("/leaderboard", async (c) => {
    if (!app.pack.publicLeaderboard) return refuse(c, 404, "Not found", "There is no public leaderboard here.");
    const period = choiceParam(c.req.query("period"), "period", LEADERBOARD_PERIODS) ?? "all";
    const since = period === "all" ? null : periodOf(period, app.now(), tz).start;
    return c.html(leaderboardPage({ tz }, app.pack.partner.name, await leaderboard(app, since, 50), period, app.pack.partner.tiers.map((t) => t.name)));
  });

  const linkRefused = (c: Context<Env>) =>
    refuse(c, 401, "This sign-in link does not work", "The link was already used, has expired, or is not a link Steward made.");

  // Opening the link only shows a button: link previews (chat unfurls, mail scanners) fetch it too, and must not use it up.
  web.get("/admin/login", async (c) => {
    const token = c.req.query("token") ?? "";
    const holder = await peekSignInLink(app, token);
    if (!holder) return linkRefused(c);
    const member = await app.db.member.findUnique({ where: { id: holder.memberId }, select: { handle: true } });
    return c.html(signInPage({ tz }, token, member?.handle ?? "?"));
  });

  web.post("/admin/login", async (c) => {
    const body = await c.req.parseBody();
    const token = typeof body.token === "string" ? body.token : "";
    const session = await signIn(app, token);
    if (!session) return linkRefused(c);
    setCookie(c, COOKIE, session.id, { path: "/admin", httpOnly: true, sameSite: "Lax", secure, maxAge: Math.floor(SESSION_TTL_MS / 1000) });
    return c.redirect("/admin", 303);
  });

  // Everything else under /admin: a live session of someone who is a moderator now.
  web.use("/admin/*", async (c, next) => {
    const session = await findSession(app, getCookie(c, COOKIE));
    if (!session) {
      deleteCookie(c, COOKIE, { path: "/admin" });
      return refuse(c, 401, "Not signed in", "You are not signed in, or your session has ended.");
    }
    let moderator: boolean;
    try {
      moderator = await deps.isModerator(session.platform, session.externalId);
    } catch (err) {
      app.log.warn({ err, reqId: c.get("reqId") }, "could not check moderator status for the dashboard");
      return refuse(c, 503, "Try again", `Steward could not confirm your moderator status on ${session.platform} just now.`);
    }
    if (!moderator) {
      await refuseFormerModerator(app, session);
      deleteCookie(c, COOKIE, { path: "/admin" });
      return refuse(c, 403, "Not a moderator", "The dashboard is for moderators, and you are not one now. Your session has ended.");
    }
    c.set("session", session);
    c.set("actor", { memberId: session.memberId, handle: session.handle, displayName: session.displayName, platform: session.platform, externalId: session.externalId, isModerator: true });
    if (c.req.method === "POST") {
      const body = await c.req.parseBody();
      if (!csrfTokenMatches(app, session, body.csrf)) return refuse(c, 403, "Refused", "This form is from another session or site; reload the page and try again.");
    }
    await next();
  });

  web.post("/admin/logout", async (c) => {
    await revokeSessions(app, { idHash: c.get("session").idHash });
    deleteCookie(c, COOKIE, { path: "/admin" });
    return c.html(refusedPage({ tz }, "Signed out", "You are signed out."));
  });

  if (deps.queues?.length) {
    web.use(`${QUEUE_BOARD_PATH}/*`, async (c, next) => {
      if (c.req.method !== "GET" && c.req.method !== "HEAD" && !sameOrigin(c.req.header("origin"), c.req.header("sec-fetch-site"), publicOrigin)) {
        return c.json({ error: "This request did not come from the dashboard's own page." }, 403);
      }
      await next();
      c.header("content-security-policy", QUEUE_BOARD_CSP);
      // Retry, promote, clean, pause: moderator actions, so audited like any other.
      if (c.req.method !== "GET" && c.res.ok) {
        await audit(app.db, c.get("actor"), "queue board", c.req.path.slice(QUEUE_BOARD_PATH.length), { method: c.req.method });
      }
    });
    web.route(QUEUE_BOARD_PATH, queueBoard(deps.queues));
  }

  web.get("/admin", (c) => {
    const first = gridPrograms(app)[0];
    return c.redirect(first ? `/admin/programs/${first.id}` : "/admin/partners", 303);
  });

  const programOf = (c: Context<Env>) => {
    const id = textParam(c.req.param("id"), "program");
    return gridPrograms(app).find((p) => p.id === id);
  };

  web.get("/admin/programs/:id", async (c) => {
    const program = programOf(c);
    if (!program) return refuse(c, 404, "Not found", "There is no program with commitments by that name.");
    const page = intParam(c.req.query("page"), "page", [1, 1_000_000]) ?? 1;
    const q = textParam(c.req.query("q"), "q");
    const status = choiceParam(c.req.query("status"), "status", STATUSES);
    const sort = choiceParam(c.req.query("sort"), "sort", GRID_SORTS);
    return c.html(gridPage(shellOf(c), await complianceGrid(app, program.id, { page, q, status, sort })));
  });

  web.get("/admin/programs/:id/report.csv", async (c) => {
    const program = programOf(c);
    if (!program) return refuse(c, 404, "Not found", "There is no program with commitments by that name.");
    const week = textParam(c.req.query("week"), "week", 20);
    // Read as /report reads it (a real ISO week of its year), so the page refuses what /report would.
    const asked = week === undefined ? undefined : tryParsePeriodKey(week, app.config.STEWARD_TIMEZONE);
    const year = asked?.ok ? asked.period.start.getUTCFullYear() : 0;
    if (asked && (!asked.ok || asked.period.unit !== "week" || year < 1970 || year > 2999)) throw new BadParam("week", "must be a week written like 2026-W47");
    try {
      const file = (await buildReport(app, program.id, week)).files?.[0];
      if (!file) return refuse(c, 404, "Not found", "This report has no CSV.");
      return c.body(file.content, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${file.filename}"` });
    } catch (err) {
      if (err instanceof UserError) return refuse(c, 400, "No such week", `${err.message}${err.hint ? ` ${err.hint}` : ""}`);
      throw err;
    }
  });

  web.get("/admin/members/:handle", async (c) => {
    const profile = await memberProfile(app, textParam(c.req.param("handle"), "handle") ?? "");
    if (!profile) return refuse(c, 404, "Not found", "There is no member by that handle.");
    return c.html(memberPage(shellOf(c), profile));
  });

  /** A posted form's text fields, each cut to MAX_FIELD; absent or not text is undefined. */
  const formOf = async (c: Context<Env>) => {
    const body = await c.req.parseBody();
    return (k: string) => (typeof body[k] === "string" ? (body[k] as string).slice(0, MAX_FIELD) : undefined);
  };
  /** A chat command run as the signed-in moderator through the dispatcher (its permission check and audit), its reply as a notice. */
  const runAsModerator = async (c: Context<Env>, command: string, sub: string, options: Record<string, string>) => {
    const outcome = await invoke({ app, registry: deps.registry }, { command, sub, options }, { actor: c.get("actor"), interactive: false, invocationId: `web:${c.get("reqId")}` });
    const reply = outcome.type === "reply" ? outcome.reply : undefined;
    return { ok: reply?.status === "ok", text: reply ? renderText(reply) : `That needs more answers; use /${command} ${sub} in chat.` };
  };

  const sitesQueryOf = (c: Context<Env>): SiteQuery => ({
    q: textParam(c.req.query("q"), "q"),
    state: choiceParam(c.req.query("state"), "state", SITE_FILTERS),
    sort: choiceParam(c.req.query("sort"), "sort", SITE_SORTS),
    page: intParam(c.req.query("page"), "page", [1, 1_000_000]),
  });
  const partnersHtml = async (c: Context<Env>, notice?: { ok: boolean; text: string }) => {
    const query = sitesQueryOf(c);
    const [overview, list] = await Promise.all([partnerOverview(app), siteList(app, query)]);
    const partner = app.pack.partner;
    const kindLabel = Object.fromEntries(Object.entries(partner.sites).map(([k, v]) => [k, v.label]));
    const view = { ...list, query: { q: query.q, state: query.state, sort: query.sort }, stateLabel: partner.templates.siteStates, kindLabel };
    return partnersPage(shellOf(c), overview, view, notice);
  };

  web.get("/admin/partners", async (c) => c.html(await partnersHtml(c)));

  // A site's lifecycle from the page: the chat command, run as the signed-in moderator (its permission and audit).
  web.post("/admin/partners", async (c) => {
    const field = await formOf(c);
    const action = field("action");
    const url = field("url");
    const member = field("member");
    if (!(SITE_ACTIONS as readonly string[]).includes(action ?? "") || !url || (action !== "lapse" && !member)) {
      return c.html(await partnersHtml(c, { ok: false, text: "That form was incomplete: it needs a site, a partner and one of verify, lapse or remove-contributor." }), 400);
    }
    const notice = await runAsModerator(c, "site", action as string, action === "lapse" ? { url } : { url, member: member as string });
    return c.html(await partnersHtml(c, notice), notice.ok ? 200 : 400);
  });

  // Every site the filter matches (not only the page on screen), in the page's order.
  web.get("/admin/partners/sites.csv", async (c) => {
    const { rows } = await siteList(app, { ...sitesQueryOf(c), pageSize: "all" });
    const states = app.pack.partner.templates.siteStates as Record<string, string>;
    const csv = toCsv([
      ["site", "partner", "name", "kind", "role", "state", "submitted", "verified", "points"],
      ...rows.map((s) => [s.url, s.handle, s.displayName, s.kind, s.role, states[s.state] ?? s.state, s.submittedAt.toISOString(), s.verifiedAt?.toISOString() ?? "", s.points]),
    ]);
    return c.body(csv, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="sites.csv"' });
  });

  const queueOf = (c: Context<Env>) => applicationQueue(app, { page: intParam(c.req.query("page"), "page", [1, 1_000_000]) });

  web.get("/admin/applications", async (c) => c.html(applicationsPage(shellOf(c), await queueOf(c))));

  web.post("/admin/applications", async (c) => {
    const field = await formOf(c);
    const decision = field("decision");
    const member = field("member");
    const program = field("program");
    if ((decision !== "approve" && decision !== "reject") || !member || !program) {
      return c.html(applicationsPage(shellOf(c), await queueOf(c), { ok: false, text: "That form was incomplete: it needs a member, a program and approve or reject." }), 400);
    }
    const options: Record<string, string> = { member, program };
    const reason = field("reason")?.trim();
    if (decision === "reject" && reason) options.reason = reason;
    const notice = await runAsModerator(c, "review", decision, options);
    return c.html(applicationsPage(shellOf(c), await queueOf(c), notice), notice.ok ? 200 : 400);
  });

  const auditFilterOf = (c: Context<Env>): AuditFilter => {
    const before = intParam(c.req.query("before"), "before", AUDIT_IDS);
    return {
      actor: textParam(c.req.query("actor"), "actor"),
      action: textParam(c.req.query("action"), "action"),
      from: dayParam(c.req.query("from"), "from", tz),
      to: dayParam(c.req.query("to"), "to", tz),
      ...(before ? { before } : {}),
    };
  };

  web.get("/admin/audit", async (c) => {
    const filter = auditFilterOf(c);
    const actions = auditActions(app);
    try {
      const [entries, choices] = await Promise.all([auditEntries(app, filter), actions]);
      return c.html(auditPage(shellOf(c), filter, entries, undefined, choices));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return c.html(auditPage(shellOf(c), filter, { entries: [], older: undefined }, `${err.message} ${err.hint ?? ""}`, await actions), 400);
    }
  });

  // The same entries as a spreadsheet, newest first, all of them: streamed a chunk at a time (keyset
  // paging on the id, as the page's "Older entries"), so a long log is neither cut off nor held in memory.
  web.get("/admin/audit.csv", async (c) => {
    const filter = auditFilterOf(c);
    const csvRows = (entries: AuditEntry[]) =>
      toCsv(entries.map((e) => [e.at.toISOString(), e.actor.replace(/^@/, ""), e.action, e.target?.replace(/^@/, "") ?? "", e.outcome, e.details === null || e.details === undefined ? "" : JSON.stringify(e.details)]));
    let first: Awaited<ReturnType<typeof auditEntries>>;
    try {
      // The first chunk before the answer starts: a bad filter is still a 400 page.
      first = await auditEntries(app, filter, AUDIT_EXPORT_CHUNK);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return refuse(c, 400, "No such day", `${err.message} ${err.hint ?? ""}`);
    }
    const encoder = new TextEncoder();
    let older = first.older;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(toCsv([["at", "actor", "action", "target", "outcome", "details"]]) + csvRows(first.entries)));
        if (older === undefined) controller.close();
      },
      async pull(controller) {
        if (older === undefined) return;
        try {
          const next = await auditEntries(app, { ...filter, before: older }, AUDIT_EXPORT_CHUNK);
          controller.enqueue(encoder.encode(csvRows(next.entries)));
          older = next.older;
          if (older === undefined) controller.close();
        } catch (err) {
          app.log.error({ err, reqId: c.get("reqId") }, "audit export failed part-way");
          controller.error(err);
        }
      },
    });
    return c.body(body, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="audit.csv"' });
  });

  return web;
}

/** The dashboard as the ops server mounts it. */
export function mountWeb(deps: WebDeps): Mounted {
  const web = webApp(deps);
  // Keep Node's own Request/Response globals: other code in the process (discord.js, fetch) uses them.
  const listener = getRequestListener(web.fetch, { overrideGlobalObjects: false });
  return {
    owns: (path) => path === "/admin" || path.startsWith("/admin/") || path === "/leaderboard" || path === "/discord/linked-role" || path === "/discord/oauth-callback",
    listener: (req, res) => void listener(req, res),
  };
}
