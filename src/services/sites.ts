// A partner's sites through their lifecycle:
//   submitted (active, pays) → lapsed (premium ended: points reversed)
//   → reactivated (premium back, still no points) → submitted again (pays again)
//   active → removed (no longer a contributor: points reversed) | withdrawn (by the partner)
// Each submission pays under its own idempotency key, and each payment is
// reversed at most once, so retries and replays never pay twice.
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { UserError } from "../command/errors.ts";
import type { Actor } from "../command/types.ts";
import { fillTemplate, sitePaysNow, sitePoints } from "../domain/partner.ts";
import { normalizeSiteUrl } from "../domain/urls.ts";
import type { SiteRole } from "../domain/pack.ts";
import type { Tx } from "../store/client.ts";
import { audit } from "./audit.ts";
import { postEntry } from "./ledger.ts";
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
    reason: `${kind?.label ?? site.kind} ${site.url} (${site.role})`,
    actor,
    reference: `site:${site.id}`,
    idempotencyKey: awardKey(site),
  });
}

const paysNow = (app: App, site: { verifiedAt: Date | null }) => sitePaysNow(app.pack.partner, site.verifiedAt !== null);

export interface SubmitResult {
  site: SiteRow;
  points: number;
  awarded: number;
  resubmitted: boolean;
}

export async function submitSite(app: App, actor: Actor, input: { url: string; kind: string; role: SiteRole }): Promise<SubmitResult> {
  const url = normalizeSiteUrl(input.url);
  const result = await app.db.$transaction(async (tx) => {
    const existing = await tx.site.findUnique({ where: { memberId_url: { memberId: actor.memberId, url } } });
    let site: SiteRow;
    let resubmitted = false;
    if (!existing) {
      site = await tx.site.create({ data: { memberId: actor.memberId, url, kind: input.kind, role: input.role, state: "active", submittedAt: app.now(), stateChangedAt: app.now() } });
    } else if (existing.state === "reactivated" || existing.state === "withdrawn") {
      resubmitted = true;
      site = await tx.site.update({
        where: { id: existing.id },
        data: { state: "active", kind: input.kind, role: input.role, submission: existing.submission + 1, verifiedAt: null, verifiedBy: null, submittedAt: app.now(), stateChangedAt: app.now() },
      });
    } else if (existing.state === "active") {
      throw new UserError(`You already submitted ${url}; it counts for your points.`, "See your sites with /site list.", "site.duplicate");
    } else if (existing.state === "lapsed") {
      throw new UserError(`${url} has no active premium plan, so it cannot earn points now.`, "Once its premium plan is re-activated (a moderator records that), submit it again.", "site.lapsed");
    } else {
      throw new UserError(`You were removed as a contributor of ${url}, so it cannot earn you points.`, "If you were added back, ask a moderator to check the site.", "site.removed");
    }
    const posted = paysNow(app, site) ? await award(app, tx, site, actor.memberId) : null;
    return { site, points: posted?.points ?? 0, awarded: posted?.entryId ? sitePoints(app.pack.partner, site.kind, site.role as SiteRole) : 0, resubmitted };
  });
  app.outboxWritten();
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
  const url = normalizeSiteUrl(rawUrl);
  const site = await app.db.$transaction(async (tx) => {
    const site = await tx.site.findUnique({ where: { memberId_url: { memberId: actor.memberId, url } } });
    if (!site || site.state === "withdrawn") throw new UserError(`${url} is not on your list of sites.`, "See your sites with /site list.", "site.unknown");
    const found = await siteEntries(tx, site.id);
    const updated = await tx.site.update({ where: { id: site.id }, data: { state: "withdrawn", stateChangedAt: app.now() } });
    await takeBack(app, tx, found, `withdrawn: ${url}`, actor.memberId);
    return updated;
  });
  app.outboxWritten();
  return site;
}

async function sitesAt(tx: Tx, url: string, memberId?: string): Promise<SiteRow[]> {
  const sites = await tx.site.findMany({ where: { url, ...(memberId ? { memberId } : {}) }, orderBy: { submittedAt: "asc" } });
  if (sites.length === 0)
    throw new UserError(`No partner has submitted ${url}${memberId ? " under that member" : ""}.`, "Moderator commands name a site by the URL the partner submitted.", "site.unknown");
  return sites;
}

/** A moderator confirms a submitted site; under `sitePointsOn: verify` it pays only now. */
export async function verifySite(app: App, actor: Actor, rawUrl: string, memberId?: string): Promise<number> {
  const url = normalizeSiteUrl(rawUrl);
  const count = await app.db.$transaction(async (tx) => {
    const pending = (await sitesAt(tx, url, memberId)).filter((s) => s.state === "active" && s.verifiedAt === null);
    if (pending.length === 0) throw new UserError(`${url} has no submission waiting for verification.`, undefined, "site.not-pending");
    for (const s of pending) {
      const site = await tx.site.update({ where: { id: s.id }, data: { verifiedAt: app.now(), verifiedBy: actor.memberId } });
      // Under `sitePointsOn: submit` it paid at submission already; the idempotency key keeps it at once.
      if (!sitePaysNow(app.pack.partner, false)) await award(app, tx, site, actor.memberId);
    }
    await audit(tx, actor, "site verify", url, { members: pending.map((s) => s.memberId) });
    return pending.length;
  });
  app.outboxWritten();
  return count;
}

async function lapseInTx(app: App, tx: Tx, site: SiteRow, actor: string): Promise<number> {
  const found = await siteEntries(tx, site.id);
  await tx.site.update({ where: { id: site.id }, data: { state: "lapsed", stateChangedAt: app.now(), premiumEndsAt: site.premiumEndsAt ?? app.now() } });
  const lost = found.points;
  // The partner hears why before hearing what it does to their tier.
  await enqueue(
    tx,
    { kind: "dm", memberId: site.memberId, reply: reply(fillTemplate(app.pack.partner.templates.siteLapsedDm, { site: site.url, lost, kind: site.kind, role: site.role })) },
    { now: app.now(), dedupeKey: `site:${site.id}:${site.submission}:lapsed` },
  );
  await takeBack(app, tx, found, `premium plan lapsed: ${site.url}`, actor);
  return lost;
}

/**
 * A site's premium plan ended (today, or on a date still to come: then the
 * daily sweep lapses it when the date passes). Every partner holding the
 * site loses its points.
 */
export async function lapseSite(app: App, actor: Actor, rawUrl: string, endsOn?: Date): Promise<{ lapsed: number; scheduled: number }> {
  const url = normalizeSiteUrl(rawUrl);
  const result = await app.db.$transaction(async (tx) => {
    const active = (await sitesAt(tx, url)).filter((s) => s.state === "active");
    if (active.length === 0) throw new UserError(`${url} has no active submission to lapse.`, undefined, "site.not-active");
    if (endsOn && endsOn > app.now()) {
      await tx.site.updateMany({ where: { id: { in: active.map((s) => s.id) } }, data: { premiumEndsAt: endsOn } });
      await audit(tx, actor, "site lapse", url, { endsOn: endsOn.toISOString(), scheduled: true });
      return { lapsed: 0, scheduled: active.length };
    }
    for (const site of active) await lapseInTx(app, tx, site, actor.memberId);
    await audit(tx, actor, "site lapse", url, { members: active.map((s) => s.memberId) });
    return { lapsed: active.length, scheduled: 0 };
  });
  app.outboxWritten();
  return result;
}

/** Premium is back. Points do not return by themselves: the partner must submit the site again. */
export async function reactivateSite(app: App, actor: Actor, rawUrl: string): Promise<number> {
  const url = normalizeSiteUrl(rawUrl);
  const count = await app.db.$transaction(async (tx) => {
    const lapsed = (await sitesAt(tx, url)).filter((s) => s.state === "lapsed");
    if (lapsed.length === 0) throw new UserError(`${url} is not lapsed, so there is nothing to re-activate.`, undefined, "site.not-lapsed");
    for (const site of lapsed) {
      await tx.site.update({ where: { id: site.id }, data: { state: "reactivated", premiumEndsAt: null, stateChangedAt: app.now() } });
      await enqueue(
        tx,
        { kind: "dm", memberId: site.memberId, reply: reply(`The premium plan of ${url} is active again. Submit it again with /site submit ${url} kind:${site.kind} role:${site.role} to get its points back.`) },
        { now: app.now(), dedupeKey: `site:${site.id}:${site.submission}:reactivated` },
      );
    }
    await audit(tx, actor, "site reactivate", url, { members: lapsed.map((s) => s.memberId) });
    return lapsed.length;
  });
  app.outboxWritten();
  return count;
}

export async function removeContributor(app: App, actor: Actor, rawUrl: string, memberId: string): Promise<number> {
  const url = normalizeSiteUrl(rawUrl);
  const lost = await app.db.$transaction(async (tx) => {
    const [site] = await sitesAt(tx, url, memberId);
    if (!site || site.state === "removed") throw new UserError(`That member is not a contributor of ${url}.`, undefined, "site.not-contributor");
    const found = await siteEntries(tx, site.id);
    await tx.site.update({ where: { id: site.id }, data: { state: "removed", stateChangedAt: app.now() } });
    const lost = found.points;
    // The partner hears why before hearing what it does to their tier.
    await enqueue(tx, { kind: "dm", memberId, reply: reply(fillTemplate(app.pack.partner.templates.siteRemovedDm, { site: url, lost })) }, { now: app.now(), dedupeKey: `site:${site.id}:${site.submission}:removed` });
    await takeBack(app, tx, found, `removed as contributor: ${url}`, actor.memberId);
    await audit(tx, actor, "site remove-contributor", url, { member: memberId, lost });
    return lost;
  });
  app.outboxWritten();
  return lost;
}

/** Daily: sites whose known premium end date has passed lose their points. */
export async function sweepPremium(app: App): Promise<number> {
  const due = await app.db.site.findMany({ where: { state: "active", premiumEndsAt: { lte: app.now() } }, select: { id: true } });
  for (const { id } of due) {
    await app.db.$transaction(async (tx) => {
      const site = await tx.site.findUniqueOrThrow({ where: { id } });
      if (site.state === "active") await lapseInTx(app, tx, site, "system");
    });
  }
  if (due.length > 0) app.outboxWritten();
  return due.length;
}
