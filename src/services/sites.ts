// A partner's sites through their lifecycle (the states and which moves each
// allows are the domain's, src/domain/sites.ts): this loads and stores the
// rows, pays and takes back their points, and tells the partners. A site is named by its canonical spelling (src/domain/sites.ts): a partner
// has one row per site, so one payment whatever the spelling or role, and the
// owner's live row holds `ownerUrl`, unique, so a site has one owner.
// Each submission pays under its own idempotency key, and each payment is
// reversed at most once, so retries and replays never pay twice.
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { sitePaysNow, sitePoints } from "../domain/partner.ts";
import { fillTemplate } from "../domain/templates.ts";
import { awaitsVerification, claimedUrl, SITE_STATES, siteAllows, siteIdentity, siteStateClaims, siteStatePays, siteTransition, stateAfter, statesAllowing, type SiteRefusal, type SiteState } from "../domain/sites.ts";
import type { RefusalText, SiteRole } from "../domain/pack.ts";
import type { Tx } from "../store/client.ts";
import { transaction } from "../store/transaction.ts";
import { audit } from "./audit.ts";
import { postEntry, reverseEntry } from "./ledger.ts";
import { enqueue } from "./outbox.ts";
import { siteEntries, takeBack } from "./site-consequences.ts";

type SiteRow = Awaited<ReturnType<Tx["site"]["findFirstOrThrow"]>>;

const awardKey = (site: { id: string; submission: number }) => `site:${site.id}:${site.submission}:award`;

async function award(app: App, tx: Tx, site: SiteRow, actor: string) {
  const kind = app.pack.partner.sites[site.kind];
  return postEntry(app, tx, {
    memberId: site.memberId,
    delta: sitePoints(app.pack.partner, site.kind, site.role as SiteRole),
    kind: "site",
    reason: fillTemplate(app.pack.partner.templates.siteLedgerReasons.award, { kind: kind?.label ?? site.kind, site: site.url, role: site.role }),
    actor,
    reference: `site:${site.id}`,
    idempotencyKey: awardKey(site),
  });
}

const paysNow = (app: App, site: { state: string; verifiedAt: Date | null }) => siteStatePays(site.state) && sitePaysNow(app.pack.partner, site.verifiedAt !== null);

/** A pack's refusal text as the error the person hears, its placeholders filled in. */
function refusal(text: RefusalText, values: Record<string, string>, code: string): UserError {
  return new UserError(fillTemplate(text.message, values), text.hint === undefined ? undefined : fillTemplate(text.hint, values), code);
}

/** The canonical spelling of the site an address names; an address that names no site is the user's to fix. */
function siteUrl(app: App, raw: string): string {
  const site = siteIdentity(raw, app.pack.partner.pathSiteHosts);
  if (!site.ok) throw refusal(app.pack.partner.templates.siteProblems.invalidUrl, { problem: site.problem }, "site.invalid-url");
  return site.url;
}

async function refuseOtherOwner(app: App, tx: Tx, url: string, memberId: string, kind: string) {
  const owner = await tx.site.findUnique({ where: { ownerUrl: url } });
  if (owner && owner.memberId !== memberId) throw refusal(app.pack.partner.templates.siteProblems.owned, { site: url, kind }, "site.owned");
}

/** What the partner or moderator hears when the lifecycle does not allow what they asked. */
function refused(app: App, reason: SiteRefusal, url: string): UserError {
  return refusal(app.pack.partner.templates.siteRefusals[reason], { site: url }, `site.${reason}`);
}

export interface SubmitResult {
  site: SiteRow;
  points: number;
  awarded: number;
  resubmitted: boolean;
}

export async function submitSite(app: App, actor: Actor, input: { url: string; kind: string; role: SiteRole }): Promise<SubmitResult> {
  const url = siteUrl(app, input.url);
  const ownerUrl = claimedUrl(url, input.role, "active");
  // A lost race (the same submission twice at once, or two owners claiming one site) retries and answers like a repeat.
  const result = await transaction(app, async (tx) => {
    const existing = await tx.site.findUnique({ where: { memberId_url: { memberId: actor.memberId, url } } });
    const step = siteTransition(existing?.state ?? null, "submit");
    if (!step.ok) throw refused(app, step.refusal, url);
    if (ownerUrl) await refuseOtherOwner(app, tx, url, actor.memberId, input.kind);
    const resubmitted = existing !== null;
    const site = existing
      ? await tx.site.update({
          where: { id: existing.id },
          data: { state: step.to, ownerUrl, kind: input.kind, role: input.role, submission: existing.submission + 1, verifiedAt: null, verifiedBy: null, submittedAt: app.now(), stateChangedAt: app.now() },
        })
      : await tx.site.create({ data: { memberId: actor.memberId, url, ownerUrl, kind: input.kind, role: input.role, state: step.to, submittedAt: app.now(), stateChangedAt: app.now() } });
    const posted = paysNow(app, site) ? await award(app, tx, site, actor.memberId) : null;
    return { site, points: posted?.points ?? 0, awarded: posted?.entryId ? sitePoints(app.pack.partner, site.kind, site.role as SiteRole) : 0, resubmitted };
  });
  if (!paysNow(app, result.site)) {
    const balance = await app.db.balance.findUnique({ where: { memberId: actor.memberId } });
    result.points = balance?.points ?? 0;
  }
  return result;
}

export async function listSites(app: App, memberId: string) {
  return app.db.site.findMany({ where: { memberId }, orderBy: { submittedAt: "asc" } });
}

/** The partner takes a site off their list; its points go with it. */
export async function withdrawSite(app: App, actor: Actor, rawUrl: string): Promise<SiteRow> {
  const url = siteUrl(app, rawUrl);
  const site = await transaction(app, async (tx) => {
    const site = await tx.site.findUnique({ where: { memberId_url: { memberId: actor.memberId, url } } });
    const step = siteTransition(site?.state ?? null, "withdraw");
    if (!site || !step.ok) throw refused(app, "unknown", url);
    const found = await siteEntries(tx, site.id);
    const updated = await tx.site.update({ where: { id: site.id }, data: { state: step.to, ownerUrl: null, stateChangedAt: app.now() } });
    await takeBack(app, tx, found, fillTemplate(app.pack.partner.templates.siteLedgerReasons.withdrawn, { site: url }), actor.memberId);
    return updated;
  });
  return site;
}

async function sitesAt(app: App, tx: Tx, url: string, memberId?: string): Promise<SiteRow[]> {
  const sites = await tx.site.findMany({ where: { url, ...(memberId ? { memberId } : {}) }, orderBy: { submittedAt: "asc" } });
  const problems = app.pack.partner.templates.siteProblems;
  if (sites.length === 0) throw refusal(memberId ? problems.notSubmittedByMember : problems.notSubmitted, { site: url }, "site.unknown");
  return sites;
}

/** A moderator confirms a submitted site; under `sitePointsOn: verify` it pays only now. */
export async function verifySite(app: App, actor: Actor, rawUrl: string, memberId?: string): Promise<number> {
  const url = siteUrl(app, rawUrl);
  const count = await transaction(app, async (tx) => {
    const pending = (await sitesAt(app, tx, url, memberId)).filter(awaitsVerification);
    if (pending.length === 0) throw refused(app, "not-pending", url);
    for (const s of pending) {
      const site = await tx.site.update({ where: { id: s.id }, data: { verifiedAt: app.now(), verifiedBy: actor.memberId } });
      // Under `sitePointsOn: submit` it paid at submission already; the idempotency key keeps it at once.
      if (!sitePaysNow(app.pack.partner, false)) await award(app, tx, site, actor.memberId);
    }
    await audit(tx, actor, "site verify", url, { members: pending.map((s) => s.memberId) });
    return pending.length;
  });
  return count;
}

async function lapseInTx(app: App, tx: Tx, site: SiteRow, actor: string): Promise<number> {
  const found = await siteEntries(tx, site.id);
  await tx.site.update({ where: { id: site.id }, data: { state: stateAfter("lapse"), stateChangedAt: app.now(), lapsedAt: app.now(), premiumEndsAt: site.premiumEndsAt ?? app.now() } });
  const lost = found.points;
  // The partner hears why before hearing what it does to their tier.
  await enqueue(
    tx,
    { kind: "dm", memberId: site.memberId, reply: reply(fillTemplate(app.pack.partner.templates.siteLapsedDm, { site: site.url, lost, kind: site.kind, role: site.role })) },
    { now: app.now(), dedupeKey: `site:${site.id}:${site.submission}:lapsed` },
  );
  await takeBack(app, tx, found, fillTemplate(app.pack.partner.templates.siteLedgerReasons.lapsed, { site: site.url }), actor);
  return lost;
}

/**
 * A site's premium plan ended (today, or on a date still to come: then the
 * daily sweep lapses it when the date passes). Every partner holding the
 * site loses its points.
 */
export async function lapseSite(app: App, actor: Actor, rawUrl: string, endsOn?: Date): Promise<{ lapsed: number; scheduled: number }> {
  const url = siteUrl(app, rawUrl);
  const result = await transaction(app, async (tx) => {
    const active = (await sitesAt(app, tx, url)).filter((s) => siteAllows(s.state, "lapse"));
    if (active.length === 0) throw refused(app, "not-active", url);
    if (endsOn && endsOn > app.now()) {
      await tx.site.updateMany({ where: { id: { in: active.map((s) => s.id) } }, data: { premiumEndsAt: endsOn } });
      await audit(tx, actor, "site lapse", url, { endsOn: endsOn.toISOString(), scheduled: true });
      return { lapsed: 0, scheduled: active.length };
    }
    for (const site of active) await lapseInTx(app, tx, site, actor.memberId);
    await audit(tx, actor, "site lapse", url, { members: active.map((s) => s.memberId) });
    return { lapsed: active.length, scheduled: 0 };
  });
  return result;
}

/** Premium is back. Points do not return by themselves: the partner must submit the site again. */
export async function reactivateSite(app: App, actor: Actor, rawUrl: string): Promise<number> {
  const url = siteUrl(app, rawUrl);
  const count = await transaction(app, async (tx) => {
    const lapsed = (await sitesAt(app, tx, url)).filter((s) => siteAllows(s.state, "reactivate"));
    if (lapsed.length === 0) throw refused(app, "not-lapsed", url);
    for (const site of lapsed) {
      await tx.site.update({ where: { id: site.id }, data: { state: stateAfter("reactivate"), premiumEndsAt: null, stateChangedAt: app.now() } });
      await enqueue(
        tx,
        { kind: "dm", memberId: site.memberId, reply: reply(fillTemplate(app.pack.partner.templates.siteReactivatedDm, { site: url, kind: site.kind, role: site.role })) },
        { now: app.now(), dedupeKey: `site:${site.id}:${site.submission}:reactivated` },
      );
    }
    await audit(tx, actor, "site reactivate", url, { members: lapsed.map((s) => s.memberId) });
    return lapsed.length;
  });
  return count;
}

export async function removeContributor(app: App, actor: Actor, rawUrl: string, memberId: string): Promise<number> {
  const url = siteUrl(app, rawUrl);
  const lost = await transaction(app, async (tx) => {
    const [site] = await sitesAt(app, tx, url, memberId);
    if (!site || !siteAllows(site.state, "remove")) throw refused(app, "not-contributor", url);
    const found = await siteEntries(tx, site.id);
    await tx.site.update({ where: { id: site.id }, data: { state: stateAfter("remove"), ownerUrl: null, stateChangedAt: app.now() } });
    const lost = found.points;
    // The partner hears why before hearing what it does to their tier.
    await enqueue(tx, { kind: "dm", memberId, reply: reply(fillTemplate(app.pack.partner.templates.siteRemovedDm, { site: url, lost })) }, { now: app.now(), dedupeKey: `site:${site.id}:${site.submission}:removed` });
    await takeBack(app, tx, found, fillTemplate(app.pack.partner.templates.siteLedgerReasons.removed, { site: url }), actor.memberId);
    await audit(tx, actor, "site remove-contributor", url, { member: memberId, lost });
    return lost;
  });
  return lost;
}

export interface TransferResult {
  url: string;
  from: { memberId: string; handle: string; lost: number } | null;
  gained: number;
}

/**
 * A moderator moves a site's ownership to another partner: the old owner's
 * payment is reversed with the reason and their row is disowned; the new owner
 * holds the site in its current premium state and is paid once as its owner
 * (a payment they had as a collaborator is replaced, not added to).
 */
export async function transferSite(app: App, actor: Actor, rawUrl: string, to: { id: string; handle: string }): Promise<TransferResult> {
  const url = siteUrl(app, rawUrl);
  const t = app.pack.partner.templates;
  const result = await transaction(app, async (tx) => {
    const sites = await sitesAt(app, tx, url);
    const owner = sites.find((s) => s.ownerUrl !== null);
    if (owner?.memberId === to.id) throw refusal(t.siteProblems.alreadyOwner, { handle: to.handle, site: url }, "site.already-owner");
    const mine = sites.find((s) => s.memberId === to.id);
    // The site's premium state carries over: a lapsed site stays lapsed for its new owner.
    const source = owner ?? (mine && siteStateClaims(mine.state) ? mine : undefined);
    const state = source?.state ?? "active";
    let from: TransferResult["from"] = null;
    if (owner) {
      const lost = siteStatePays(owner.state) ? await reversedAmount(app, tx, owner, fillTemplate(t.siteLedgerReasons.transferred, { site: url, handle: to.handle }), actor.memberId) : 0;
      await tx.site.update({ where: { id: owner.id }, data: { state: "disowned" satisfies SiteState, ownerUrl: null, stateChangedAt: app.now() } });
      await enqueue(
        tx,
        { kind: "dm", memberId: owner.memberId, reply: reply(fillTemplate(lost ? t.siteDisownedLostDm : t.siteDisownedDm, { site: url, lost })) },
        { now: app.now(), dedupeKey: `site:${owner.id}:${owner.submission}:disowned` },
      );
      const { handle } = await tx.member.findUniqueOrThrow({ where: { id: owner.memberId }, select: { handle: true } });
      from = { memberId: owner.memberId, handle, lost };
    }
    if (mine && siteStatePays(mine.state)) await reversedAmount(app, tx, mine, fillTemplate(t.siteLedgerReasons.becameOwner, { site: url }), actor.memberId);
    const data = {
      role: "owner",
      ownerUrl: claimedUrl(url, "owner", state),
      state,
      kind: (source ?? mine ?? sites[0])?.kind ?? "",
      verifiedAt: source?.verifiedAt ?? null,
      verifiedBy: source?.verifiedBy ?? null,
      premiumEndsAt: source?.premiumEndsAt ?? null,
      stateChangedAt: app.now(),
    };
    const site = mine
      ? await tx.site.update({ where: { id: mine.id }, data: { ...data, submission: mine.submission + 1 } })
      : await tx.site.create({ data: { ...data, memberId: to.id, url, submittedAt: app.now() } });
    let gained = 0;
    if (paysNow(app, site) && (await award(app, tx, site, actor.memberId)).entryId !== null) gained = sitePoints(app.pack.partner, site.kind, "owner");
    await enqueue(
      tx,
      { kind: "dm", memberId: to.id, reply: reply(fillTemplate(gained ? t.siteOwnerGainedDm : t.siteOwnerDm, { site: url, gained })) },
      { now: app.now(), dedupeKey: `site:${site.id}:${site.submission}:owner` },
    );
    await audit(tx, actor, "site transfer", url, { from: from?.memberId ?? null, to: to.id, lost: from?.lost ?? 0, gained });
    return { url, from, gained };
  });
  return result;
}

/** Reverses a row's current payment; returns how many points that took away (0 when there was none left). */
async function reversedAmount(app: App, tx: Tx, site: SiteRow, reason: string, actor: string): Promise<number> {
  const posted = await reverseEntry(app, tx, awardKey(site), reason, actor);
  if (!posted?.entryId) return 0;
  const entry = await tx.ledgerEntry.findUniqueOrThrow({ where: { id: posted.entryId } });
  return -entry.delta;
}

/** Daily: sites whose known premium end date has passed lose their points. */
export async function sweepPremium(app: App): Promise<number> {
  const due = await app.db.site.findMany({ where: { state: { in: statesAllowing("lapse") }, premiumEndsAt: { lte: app.now() } }, select: { id: true } });
  for (const { id } of due) {
    await transaction(app, async (tx) => {
      const site = await tx.site.findUniqueOrThrow({ where: { id } });
      if (siteAllows(site.state, "lapse")) await lapseInTx(app, tx, site, "system");
    });
  }
  return due.length;
}

/** How the dashboard's list of sites can be ordered. */
export const SITE_SORTS = ["submitted", "partner", "site", "state"] as const;
export type SiteSort = (typeof SITE_SORTS)[number];
/** A state to filter by, or "waiting": active and not yet verified. */
export const SITE_FILTERS = ["waiting", ...SITE_STATES] as const;
export type SiteFilter = (typeof SITE_FILTERS)[number];

export interface SiteQuery {
  /** Part of the address, or of the partner's handle or name, any case. */
  q?: string | undefined;
  state?: SiteFilter | undefined;
  sort?: SiteSort | undefined;
  page?: number | undefined;
  /** Rows in one page; "all" for the CSV, which holds every matching site. */
  pageSize?: number | "all";
}

export interface SiteListRow {
  handle: string;
  displayName: string;
  url: string;
  kind: string;
  role: string;
  state: string;
  submittedAt: Date;
  verifiedAt: Date | null;
  /** What the site pays its partner now (0 when its state or a missing verification keeps it from paying). */
  points: number;
  /** Which moderator actions the site's lifecycle allows now (src/domain/sites.ts decides, not the page). */
  canVerify: boolean;
  canLapse: boolean;
  canRemove: boolean;
}

export const SITE_PAGE_SIZE = 50;

type SiteFind = NonNullable<Parameters<App["db"]["site"]["findMany"]>[0]>;

const SITE_ORDER: Record<SiteSort, SiteFind["orderBy"]> = {
  submitted: [{ submittedAt: "desc" }, { id: "asc" }],
  partner: [{ member: { handle: "asc" } }, { url: "asc" }],
  site: [{ url: "asc" }, { member: { handle: "asc" } }],
  state: [{ state: "asc" }, { url: "asc" }, { member: { handle: "asc" } }],
};

/** Every partner's sites for the dashboard: searched, filtered, ordered and paged by the database. */
export async function siteList(app: App, query: SiteQuery = {}): Promise<{ rows: SiteListRow[]; total: number; page: number; pages: number }> {
  const q = query.q?.trim().replace(/^@/, "");
  const where: SiteFind["where"] = {
    ...(q
      ? {
          OR: [
            { url: { contains: q, mode: "insensitive" } },
            { member: { handle: { contains: q, mode: "insensitive" } } },
            { member: { displayName: { contains: q, mode: "insensitive" } } },
          ],
        }
      : {}),
    ...(query.state === "waiting" ? { state: { in: statesAllowing("verify") }, verifiedAt: null } : query.state ? { state: query.state } : {}),
  };
  const total = await app.db.site.count({ where });
  const pageSize = query.pageSize === "all" ? Math.max(1, total) : (query.pageSize ?? SITE_PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.trunc(query.page ?? 1)), pages);
  const sites = await app.db.site.findMany({
    where,
    orderBy: SITE_ORDER[query.sort ?? "submitted"],
    ...(query.pageSize === "all" ? {} : { skip: (page - 1) * pageSize, take: pageSize }),
    include: { member: { select: { handle: true, displayName: true } } },
  });
  const rows = sites.map((s) => ({
    handle: s.member.handle,
    displayName: s.member.displayName,
    url: s.url,
    kind: s.kind,
    role: s.role,
    state: s.state,
    submittedAt: s.submittedAt,
    verifiedAt: s.verifiedAt,
    points: paysNow(app, s) && app.pack.partner.sites[s.kind] ? sitePoints(app.pack.partner, s.kind, s.role as SiteRole) : 0,
    canVerify: awaitsVerification(s),
    canLapse: siteAllows(s.state, "lapse"),
    canRemove: siteAllows(s.state, "remove"),
  }));
  return { rows, total, page, pages };
}
