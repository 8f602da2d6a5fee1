// The Discourse forum as a delivery target: badges the pack maps to a
// Discourse badge (discourseBadgeId) are granted and revoked there through
// its API, for members who linked their forum username. It reads the user's
// badges before changing them, so a retry after a lost answer grants nothing
// twice; the outbox's delivery records keep a delivered row from going again.
import type { App } from "../../app.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryContext, type DeliveryResult, type DeliveryTarget } from "../../jobs/target.ts";
import { auditFailed } from "../../services/audit.ts";
import type { OutboxMessage } from "../../services/outbox.ts";

export interface DiscourseOptions {
  url: string;
  apiKey: string;
  apiUsername: string;
  timeoutMs?: number;
}

interface UserBadge {
  id: number;
  badge_id: number;
}

/** Discourse answers 429 past its admin API limit (60 requests a minute by default); we stay under it. */
const REQUESTS_PER_SECOND = 1;

export function discourseTarget(app: App, options: DiscourseOptions): DeliveryTarget {
  const base = options.url.replace(/\/+$/, "");

  async function call(method: string, path: string, body?: Record<string, unknown>): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { "Api-Key": options.apiKey, "Api-Username": options.apiUsername, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new Error(`Discourse ${method} ${path}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (res.status === 429) {
      const seconds = Number(res.headers.get("retry-after")) || Number((safeJson(text) as { extras?: { wait_seconds?: number } })?.extras?.wait_seconds) || 60;
      throw new RateLimitedError(Math.min(seconds, 3600) * 1000);
    }
    if (res.status >= 400 && res.status < 500 && res.status !== 408)
      throw new PermanentDeliveryError(`Discourse ${method} ${path} answered ${res.status}: ${errorText(text)}`);
    if (!res.ok) throw new Error(`Discourse ${method} ${path} answered ${res.status}`);
    return safeJson(text);
  }

  async function userBadges(username: string, badgeId: number): Promise<UserBadge[]> {
    const r = (await call("GET", `/user-badges/${encodeURIComponent(username)}.json`)) as { user_badges?: UserBadge[] } | undefined;
    return (r?.user_badges ?? []).filter((b) => b.badge_id === badgeId);
  }

  async function badge(message: Extract<OutboxMessage, { kind: "badge-grant" | "badge-revoke" }>, ctx: DeliveryContext): Promise<DeliveryResult> {
    const def = app.pack.badges.find((b) => b.id === message.badge);
    const username = ctx.member?.identities.find((i) => i.platform === "forum")?.externalId;
    if (!def?.discourseBadgeId || !username) return "skipped";
    const badgeId = def.discourseBadgeId;
    try {
      const held = await userBadges(username, badgeId);
      if (message.kind === "badge-grant") {
        if (held.length === 0) await call("POST", "/user_badges.json", { username, badge_id: badgeId });
      } else {
        for (const b of held) await call("DELETE", `/user_badges/${b.id}.json`);
      }
      return "delivered";
    } catch (err) {
      if (err instanceof PermanentDeliveryError)
        await auditFailed(app.db, `forum.${message.kind}`, ctx.member?.id ?? null, { badge: message.badge, username, badgeId, error: err.message });
      throw err;
    }
  }

  return {
    name: "forum",
    limits: { perSecond: REQUESTS_PER_SECOND },
    // A read, then a grant or a revoke.
    requests: (message) => (message.kind === "badge-grant" || message.kind === "badge-revoke" ? 2 : 0),
    deliver: async (message, ctx) => (message.kind === "badge-grant" || message.kind === "badge-revoke" ? badge(message, ctx) : "skipped"),
  };
}

function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function errorText(text: string): string {
  const j = safeJson(text) as { errors?: string[]; error?: string } | undefined;
  return (j?.errors?.join("; ") ?? j?.error ?? text).slice(0, 200);
}
