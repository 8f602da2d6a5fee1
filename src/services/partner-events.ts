// Partner dashboard events (webhooks and `steward import` lines) become the
// same service calls the moderator commands make: submit, lapse, reactivate,
// remove contributor, certify. Each is claimed under its key first (the
// webhook-id, or a hash of an import line's content) with a lease
// (services/inbound.ts). The site services run their own transactions, so
// the claim is a row of its own: a crash between claim and outcome leaves it
// "received", and a retry, the sweep or a rerun takes it up once its lease
// ran out (the services refuse what was already done, so that cannot pay
// twice either).
import { createHash } from "node:crypto";
import type { App } from "../app.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { canonicalPartnerEvent, type PartnerEvent } from "../domain/partner-dashboard.ts";
import type { InboundOutcome } from "./forum.ts";
import { claimInbound, claimRow, unfinishedInbound, type Claim, type InboundLease } from "./inbound.ts";
import { certify } from "./points.ts";
import { lapseSite, reactivateSite, removeContributor, submitSite } from "./sites.ts";

/** Who the ledger and audit log name for events the dashboard reported. */
const dashboardActor = (partner: string): Actor => ({
  memberId: "partner-dashboard",
  handle: "partner-dashboard",
  displayName: "Partner dashboard",
  platform: "dashboard",
  externalId: partner,
  isModerator: false,
});

export const importKey = (e: PartnerEvent) => `import:${createHash("sha256").update(canonicalPartnerEvent(e)).digest("hex")}`;

interface Stored {
  type: string;
  partner: string;
  url?: string;
  kind?: string;
  role?: string;
  at?: string;
}

function store({ at, ...rest }: PartnerEvent): Stored {
  return { ...rest, ...(at ? { at: at.toISOString() } : {}) };
}
const load = (s: Stored): PartnerEvent => ({ ...(s as Omit<PartnerEvent, "at">), ...(s.at ? { at: new Date(s.at) } : {}) }) as PartnerEvent;

/** How a duplicate names the entry it repeats. */
export function describeEarlier(row: { id: number; createdAt: Date; status: string; result: string | null }): string {
  return `already received on ${row.createdAt.toISOString().slice(0, 10)} (entry #${row.id}, ${row.status}${row.result ? `: ${row.result}` : ""})`;
}

export type PartnerOutcome = (InboundOutcome & { entryId: number }) | { status: "busy"; result: string; retryAfterSeconds: number; entryId: number };

/** Claims `key` and applies the event once; a finished key answers "duplicate" with what became of it, a claimed one "busy". */
export async function receivePartnerEvent(app: App, source: "partner" | "import", key: string, event: PartnerEvent): Promise<PartnerOutcome> {
  const claim = await claimInbound(app, { source, key, type: event.type, subject: event.partner, payload: store(event) as object, occurredAt: event.at ?? null });
  return applyClaim(app, claim, event);
}

async function applyClaim(app: App, claim: Claim, event: PartnerEvent): Promise<PartnerOutcome> {
  const entryId = claim.row.id;
  switch (claim.kind) {
    case "finished":
      return { status: "duplicate", result: describeEarlier(claim.row), entryId };
    case "busy":
      return { status: "busy", result: `event ${claim.row.key} is being applied right now; send it again in ${claim.retryAfterSeconds} s`, retryAfterSeconds: claim.retryAfterSeconds, entryId };
    case "claimed":
      return { ...(await applyPartnerRow(app, claim.lease, event)), entryId };
  }
}

/** Applies a claimed event; an unexpected failure leaves it unfinished (the sender retries, or it waits held) and rethrows. */
async function applyPartnerRow(app: App, lease: InboundLease, event: PartnerEvent): Promise<InboundOutcome> {
  const finish = async (outcome: InboundOutcome & { memberId?: string }) => {
    await lease.finish(outcome);
    return { status: outcome.status, result: outcome.result };
  };
  const identity = await app.db.identity.findUnique({ where: { platform_externalId: { platform: "dashboard", externalId: event.partner } }, include: { member: true } });
  if (!identity) return finish({ status: "held", result: `dashboard id ${event.partner} is not linked to a member yet; a moderator sees it in /link pending` });
  const member = identity.member;
  try {
    const result = await apply(app, event, { memberId: member.id, handle: member.handle, displayName: member.displayName, platform: "dashboard", externalId: event.partner, isModerator: false });
    return finish({ status: "applied", result, memberId: member.id });
  } catch (err) {
    if (err instanceof UserError) return finish({ status: "refused", result: err.message, memberId: member.id });
    await lease.abandon((err as Error).message);
    throw err;
  }
}

async function apply(app: App, e: PartnerEvent, partner: Actor): Promise<string> {
  const system = dashboardActor(e.partner);
  const url = e.url as string;
  switch (e.type) {
    case "site.published": {
      const r = await submitSite(app, partner, { url, kind: e.kind as string, role: e.role ?? "owner" });
      return `@${partner.handle} ${r.resubmitted ? "resubmitted" : "submitted"} ${r.site.url}: +${r.awarded} points`;
    }
    case "site.premium_expired": {
      const r = await lapseSite(app, system, url, e.at && e.at > app.now() ? e.at : undefined);
      return r.scheduled ? `${url} lapses on ${e.at?.toISOString().slice(0, 10)}` : `${url} lapsed for ${r.lapsed} partner(s)`;
    }
    case "site.premium_reactivated":
      return `${url} re-activated for ${await reactivateSite(app, system, url)} partner(s)`;
    case "site.contributor_removed": {
      const lost = await removeContributor(app, system, url, partner.memberId);
      return `@${partner.handle} removed as contributor of ${url} (-${lost} points)`;
    }
    case "certification.earned": {
      const kind = e.kind ?? Object.keys(app.pack.partner.certifications)[0] ?? "";
      const posted = await certify(app, system, partner.memberId, kind);
      return `@${partner.handle} certified ${kind} (balance ${posted.points})`;
    }
  }
}

/**
 * Applies, in the order they came, the events held for a dashboard id that a
 * member just linked. One that fails unexpectedly stays held, and linking
 * the same id again applies it.
 */
export async function applyHeldPartnerEvents(app: App, partner: string): Promise<InboundOutcome[]> {
  const held = await app.db.inboundEvent.findMany({ where: { source: { in: ["partner", "import"] }, subject: partner, status: "held" }, orderBy: { id: "asc" } });
  const outcomes: InboundOutcome[] = [];
  for (const row of held) {
    const claim = await claimRow(app, row.key, "held");
    if (claim.kind === "claimed") outcomes.push(await applyPartnerRow(app, claim.lease, load(row.payload as unknown as Stored)));
  }
  return outcomes;
}

/**
 * Takes up partner and import events left unfinished by a process that died
 * while applying them, as the sender's retry would. Returns how many were
 * applied; one that fails again stays unfinished for the next sweep.
 */
export async function sweepUnfinishedPartnerEvents(app: App): Promise<number> {
  let done = 0;
  for (const row of await unfinishedInbound(app, ["partner", "import"])) {
    try {
      const outcome = await applyClaim(app, await claimRow(app, row.key), load(row.payload as unknown as Stored));
      if (outcome.status !== "busy" && outcome.status !== "duplicate") done++;
    } catch (err) {
      app.log.warn({ err: (err as Error).message, entry: row.id }, "an unfinished inbound event failed again; the next sweep retries it");
    }
  }
  return done;
}
