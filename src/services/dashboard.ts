// Signing in to the dashboard through chat, without passwords: /dashboard
// hands a moderator a one-time link; the link, once used, becomes a session
// kept in the database so it can expire and be revoked. Only keyed hashes
// (HMAC with STEWARD_SECRET) of link tokens and session ids are stored, so a
// copy of the database signs nobody in.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { App } from "../app.ts";
import { UserError } from "../core/errors.ts";
import type { Actor, Platform } from "../core/actor.ts";
import { transaction } from "../store/transaction.ts";
import { audit, auditDenied } from "./audit.ts";

export const LINK_TTL_MS = 10 * 60 * 1000;
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Used-up links and ended sessions are kept this long (for looking into an incident), then swept when new ones are made. */
const KEEP_ENDED_MS = 7 * 24 * 60 * 60 * 1000;

/** 32 random bytes in base64url: exactly this shape, so anything else is refused before the database is asked. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface DashboardConfig {
  publicUrl: string;
  secret: string;
}

/** The dashboard is on when STEWARD_PUBLIC_URL is set (config.ts then requires STEWARD_SECRET). */
export function dashboardConfig(app: App): DashboardConfig | undefined {
  const { STEWARD_PUBLIC_URL: publicUrl, STEWARD_SECRET: secret } = app.config;
  return publicUrl && secret ? { publicUrl: publicUrl.replace(/\/+$/, ""), secret } : undefined;
}

function keyed(secret: string, purpose: string, value: string): string {
  return createHmac("sha256", secret).update(`${purpose}:${value}`).digest("hex");
}

function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export interface SignInLink {
  url: string;
  expiresAt: Date;
}

/** A one-time sign-in link for the moderator running /dashboard. */
export async function createSignInLink(app: App, actor: Actor): Promise<SignInLink> {
  const dash = dashboardConfig(app);
  if (!dash) throw new UserError(app.pack.texts.dashboardOff, app.pack.texts.dashboardOffHint, "dashboard.off");
  const token = newToken();
  const expiresAt = new Date(app.now().getTime() + LINK_TTL_MS);
  await transaction(app, async (tx) => {
    await tx.dashboardLink.deleteMany({ where: { expiresAt: { lt: new Date(expiresAt.getTime() - KEEP_ENDED_MS) } } });
    await tx.dashboardLink.create({
      data: { tokenHash: keyed(dash.secret, "link", token), memberId: actor.memberId, platform: actor.platform, externalId: actor.externalId, expiresAt },
    });
    await audit(tx, actor, "dashboard link", actor.memberId, { expiresAt: expiresAt.toISOString() });
  });
  return { url: `${dash.publicUrl}/admin/login?token=${token}`, expiresAt };
}

export interface LinkHolder {
  memberId: string;
  platform: Platform;
  externalId: string;
}

/** Whether a link would still sign in (read only: showing the sign-in page must not use it up). */
export async function peekSignInLink(app: App, token: string): Promise<LinkHolder | undefined> {
  const dash = dashboardConfig(app);
  if (!dash || !TOKEN.test(token)) return undefined;
  const link = await app.db.dashboardLink.findUnique({ where: { tokenHash: keyed(dash.secret, "link", token) } });
  if (!link || link.usedAt || link.expiresAt <= app.now()) return undefined;
  return { memberId: link.memberId, platform: link.platform as Platform, externalId: link.externalId };
}

export interface NewSession extends LinkHolder {
  /** The raw session id, for the cookie only. */
  id: string;
  expiresAt: Date;
}

/**
 * Uses a link up and opens a session, in one transaction. The link is marked
 * used by a conditional UPDATE, so of two requests racing with the same link
 * exactly one gets a session.
 */
export async function signIn(app: App, token: string): Promise<NewSession | undefined> {
  const dash = dashboardConfig(app);
  if (!dash || !TOKEN.test(token)) return undefined;
  const now = app.now();
  const tokenHash = keyed(dash.secret, "link", token);
  return transaction(app, async (tx) => {
    const used = await tx.dashboardLink.updateMany({ where: { tokenHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (used.count !== 1) return undefined;
    const link = await tx.dashboardLink.findUniqueOrThrow({ where: { tokenHash } });
    const id = newToken();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await tx.dashboardSession.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - KEEP_ENDED_MS) } } });
    await tx.dashboardSession.create({
      data: { idHash: keyed(dash.secret, "session", id), memberId: link.memberId, platform: link.platform, externalId: link.externalId, expiresAt },
    });
    await audit(tx, { memberId: link.memberId }, "dashboard sign-in", link.memberId, { platform: link.platform });
    return { id, memberId: link.memberId, platform: link.platform as Platform, externalId: link.externalId, expiresAt };
  });
}

export interface Session extends LinkHolder {
  idHash: string;
  handle: string;
  displayName: string;
  expiresAt: Date;
}

/** The live session behind a cookie: not expired, not revoked, its member still there. */
export async function findSession(app: App, id: string | undefined): Promise<Session | undefined> {
  const dash = dashboardConfig(app);
  if (!dash || !id || !TOKEN.test(id)) return undefined;
  const idHash = keyed(dash.secret, "session", id);
  const s = await app.db.dashboardSession.findUnique({ where: { idHash } });
  if (!s || s.revokedAt || s.expiresAt <= app.now()) return undefined;
  const member = await app.db.member.findUnique({ where: { id: s.memberId }, select: { handle: true, displayName: true } });
  if (!member) return undefined;
  return { idHash, memberId: s.memberId, platform: s.platform as Platform, externalId: s.externalId, expiresAt: s.expiresAt, ...member };
}

/** Ends one live session (signing out), or every live session of a member; returns how many ended. */
export async function revokeSessions(app: App, where: { idHash: string } | { memberId: string }): Promise<number> {
  const now = app.now();
  const r = await app.db.dashboardSession.updateMany({ where: { ...where, revokedAt: null, expiresAt: { gt: now } }, data: { revokedAt: now } });
  return r.count;
}

/** A session whose holder is no longer a moderator ends here, audited like any refused moderator action. */
export async function refuseFormerModerator(app: App, session: Session): Promise<void> {
  await revokeSessions(app, { idHash: session.idHash });
  await auditDenied(app.db, session, "dashboard", { reason: "no longer a moderator", platform: session.platform });
}

/** The form token of a session: bound to it, so a form from another session (or site) is refused. */
export function csrfToken(app: App, session: Pick<Session, "idHash">): string {
  const dash = dashboardConfig(app);
  if (!dash) throw new Error("the dashboard is off");
  return keyed(dash.secret, "csrf", session.idHash);
}

export function csrfTokenMatches(app: App, session: Pick<Session, "idHash">, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const want = Buffer.from(csrfToken(app, session));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}
