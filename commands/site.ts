import { reply } from "../src/chat/reply.ts";
import { sitePaysNow } from "../src/domain/partner.ts";
import { isSiteState } from "../src/domain/sites.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, memberAbout, sub } from "../src/dispatch/types.ts";
import { resolveMember } from "../src/services/members.ts";
import { lapseSite, listSites, reactivateSite, removeContributor, submitSite, transferSite, verifySite, withdrawSite } from "../src/services/sites.ts";

const siteKinds = (pack: { partner: { sites: Record<string, unknown> } }) => Object.keys(pack.partner.sites);

export default command({
  name: "site",
  description: "Submit your premium sites for points, list them, and (moderators) manage their lifecycle",
  subcommands: [
    sub({
      name: "submit",
      description: "Submit a premium site you built or collaborate on",
      access: "anyone",
      options: {
        url: opt.url("The site's address, e.g. https://studio.example.com", { positional: true }),
        kind: opt.fromPack("string", "Which editor the site is built with", siteKinds),
        role: opt.choice("Are you the owner or a collaborator?", ["owner", "collaborator"], { default: "owner" }),
      },
      handler: async ({ url, kind, role }, { app, actor }) => {
        const r = await submitSite(app, actor, { url, kind, role });
        const t = app.pack.partner.templates.siteReplies;
        const label = app.pack.partner.sites[kind]?.label ?? kind;
        const paid = r.awarded > 0 ? fillTemplate(t.paidPoints, { points: r.awarded }) : !sitePaysNow(app.pack.partner, r.site.verifiedAt !== null) ? t.paidOnVerify : t.paidNothing;
        return reply(fillTemplate(r.resubmitted ? t.resubmitted : t.submitted, { site: r.site.url, kind: label, role, paid, points: r.points }));
      },
    }),
    sub({
      name: "list",
      description: "Your sites and whether they count (moderators may name a member)",
      access: "anyone",
      options: { member: opt.optionalMember("Whose sites (moderators only)", { positional: true }) },
      about: { option: "member", private: { what: "sites", own: "/site list" } },
      handler: async (_args, ctx) => {
        const { app } = ctx;
        const who = memberAbout(ctx);
        const sites = await listSites(app, who.id);
        const t = app.pack.partner.templates.siteReplies;
        const c = t.listColumns;
        return reply(fillTemplate(t.listSummary, { count: sites.length, handle: who.handle }), [
          { type: "header", text: fillTemplate(t.listHeader, { handle: who.handle }) },
          {
            type: "table",
            columns: [c.site, c.kind, c.role, c.state, c.verified],
            rows: sites.map((s) => [s.url, app.pack.partner.sites[s.kind]?.label ?? s.kind, s.role, (isSiteState(s.state) ? app.pack.partner.templates.siteStates[s.state] : s.state), s.verifiedAt ? t.listVerified : t.listUnverified]),
          },
          ...(sites.length === 0 ? [{ type: "context" as const, text: t.listEmpty }] : []),
        ]);
      },
    }),
    sub({
      name: "remove",
      description: "Take one of your sites off your list (its points go with it)",
      access: "anyone",
      options: { url: opt.url("The site's address", { positional: true }) },
      handler: async ({ url }, { app, actor }) => {
        const site = await withdrawSite(app, actor, url);
        return reply(fillTemplate(app.pack.partner.templates.siteReplies.withdrawn, { site: site.url }));
      },
    }),
    sub({
      name: "verify",
      description: "Confirm a submitted site",
      access: "moderator",
      options: { url: opt.url("The site's address as submitted", { positional: true }), member: opt.optionalMember("Only this partner's submission", { positional: true }) },
      handler: async ({ url, member }, { app, actor }) => {
        const who = member ? await resolveMember(app, member) : undefined;
        const n = await verifySite(app, actor, url, who?.id);
        return reply(fillTemplate(app.pack.partner.templates.siteReplies.verified, { site: url, count: n }));
      },
    }),
    sub({
      name: "lapse",
      description: "Record that a site's premium plan ended (today, or on a date to come)",
      access: "moderator",
      options: { url: opt.url("The site's address as submitted", { positional: true }), on: opt.optionalDate("The day the plan ends, if not today (YYYY-MM-DD)") },
      handler: async ({ url, on }, { app, actor }) => {
        const r = await lapseSite(app, actor, url, on ? new Date(`${on}T00:00:00Z`) : undefined);
        const t = app.pack.partner.templates.siteReplies;
        return reply(r.scheduled ? fillTemplate(t.lapseScheduled, { site: url, day: on ?? "", count: r.scheduled }) : fillTemplate(t.lapsed, { site: url, count: r.lapsed }));
      },
    }),
    sub({
      name: "reactivate",
      description: "Record that a lapsed site's premium plan is active again (its partners must submit it again)",
      access: "moderator",
      options: { url: opt.url("The site's address as submitted", { positional: true }) },
      handler: async ({ url }, { app, actor }) => {
        const n = await reactivateSite(app, actor, url);
        return reply(fillTemplate(app.pack.partner.templates.siteReplies.reactivated, { site: url, count: n }));
      },
    }),
    sub({
      name: "remove-contributor",
      description: "Remove a partner as a site's contributor (they lose its points)",
      access: "moderator",
      options: { url: opt.url("The site's address as submitted", { positional: true }), member: opt.member("The partner removed", { positional: true }) },
      handler: async ({ url, member }, { app, actor }) => {
        const who = await resolveMember(app, member);
        const lost = await removeContributor(app, actor, url, who.id);
        const t = app.pack.partner.templates.siteReplies;
        return reply(fillTemplate(lost ? t.contributorRemovedLost : t.contributorRemoved, { handle: who.handle, site: url, lost }));
      },
    }),
    sub({
      name: "transfer",
      description: "Make another partner the site's owner (the old owner loses its points, the new one is paid once)",
      access: "moderator",
      options: { url: opt.url("The site's address", { positional: true }), member: opt.member("The partner who owns it", { positional: true }) },
      handler: async ({ url, member }, { app, actor }) => {
        const who = await resolveMember(app, member);
        const r = await transferSite(app, actor, url, who);
        const t = app.pack.partner.templates.siteReplies;
        const signed = (n: number) => (n ? fillTemplate(t.pointsChange, { points: `${n > 0 ? "+" : ""}${n}` }) : "");
        const values = { site: r.url, handle: who.handle, gained: signed(r.gained) };
        return reply(r.from ? fillTemplate(t.transferredFrom, { ...values, from: r.from.handle, lost: signed(-r.from.lost) }) : fillTemplate(t.transferred, values));
      },
    }),
  ],
});
