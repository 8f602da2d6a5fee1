import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { benefitsFor } from "../src/domain/partner.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { resolveMember } from "../src/services/members.ts";
import { tierStatus } from "../src/services/partner.ts";
import { markDelivered } from "../src/services/fulfilment.ts";

export default command({
  name: "benefits",
  description: "The partner benefits by tier (cumulative), what you have unlocked and what was delivered",
  subcommands: [
    sub({
      name: "",
      description: "Benefits by tier, with yours marked",
      access: "anyone",
      options: { tier: opt.optionalFromPack("tier", "Only this tier's benefits", (pack) => pack.partner.tiers.map((t) => t.id), { positional: true }) },
      handler: async ({ tier }, { app, actor }) => {
        const partner = app.pack.partner;
        const t = app.pack.texts;
        const status = await tierStatus(app, actor.memberId);
        const delivered = new Map(status.unlocked.map((b) => [b.id, b.deliveredAt]));
        const tiers = tier ? partner.tiers.filter((t) => t.id === tier) : partner.tiers;
        // Which tier has which benefit is the domain's rule (cumulative); the table only shows it.
        const has = new Map(tiers.map((t) => [t.id, new Set(benefitsFor(partner, t.id).map((b) => b.id))]));
        const rows = (tier ? benefitsFor(partner, tier) : partner.benefits).map((b) => {
          const mine = delivered.has(b.id);
          const state = !mine ? "" : !b.needsFulfilment ? t.benefitsStateUnlocked : delivered.get(b.id) ? t.benefitsStateDelivered : t.benefitsStateAwaiting;
          return [b.name, partner.tiers.find((t) => t.id === b.fromTier)?.name ?? b.fromTier, ...tiers.map((x) => (has.get(x.id)?.has(b.id) ? "●" : "")), state];
        });
        const title = tier ? fillTemplate(t.benefitsTierTitle, { tier: String(tiers[0]?.name), count: benefitsFor(partner, tier).length }) : t.benefitsTitle;
        return reply(title, [
          { type: "header", text: title },
          { type: "table", columns: ["benefit", "from", ...tiers.map((x) => x.name), `you (${status.progress.tier.name})`], rows },
        ]);
      },
    }),
    sub({
      name: "deliver",
      description: "Mark a benefit or program perk as delivered to a member",
      access: "moderator",
      options: {
        member: opt.member("Who received it", { positional: true }),
        benefit: opt.fromPack("string", "The benefit or perk id", (pack) => [...new Set([...pack.partner.benefits.map((b) => b.id), ...pack.programs.flatMap((p) => p.perks.map((k) => k.id))])], { positional: true }),
        note: opt.optionalText("What was done, e.g. 'account manager: Dana'", { positional: true, rest: true }),
      },
      handler: async ({ member, benefit, note }, { app, actor }) => {
        const who = await resolveMember(app, member);
        const name = await markDelivered(app, actor, who.id, benefit, note);
        const t = app.pack.texts;
        if (!name) throw new UserError(fillTemplate(t.benefitsNotUnlocked, { handle: who.handle, benefit }), t.benefitsNotUnlockedHint);
        return reply(fillTemplate(t.benefitsMarkedDelivered, { name, handle: who.handle }));
      },
    }),
  ],
});
