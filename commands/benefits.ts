import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { benefitsFor } from "../src/domain/partner.ts";
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
        const status = await tierStatus(app, actor.memberId);
        const delivered = new Map(status.unlocked.map((b) => [b.id, b.deliveredAt]));
        const tiers = tier ? partner.tiers.filter((t) => t.id === tier) : partner.tiers;
        // Which tier has which benefit is the domain's rule (cumulative); the table only shows it.
        const has = new Map(tiers.map((t) => [t.id, new Set(benefitsFor(partner, t.id).map((b) => b.id))]));
        const rows = (tier ? benefitsFor(partner, tier) : partner.benefits).map((b) => {
          const mine = delivered.has(b.id);
          const state = !mine ? "" : !b.needsFulfilment ? "✓ unlocked" : delivered.get(b.id) ? "✓ delivered" : "✓ unlocked, awaiting delivery";
          return [b.name, partner.tiers.find((t) => t.id === b.fromTier)?.name ?? b.fromTier, ...tiers.map((t) => (has.get(t.id)?.has(b.id) ? "●" : "")), state];
        });
        const title = tier ? `Benefits at ${tiers[0]?.name}: ${benefitsFor(partner, tier).length}` : "Partner benefits by tier";
        return reply(title, [
          { type: "header", text: title },
          { type: "table", columns: ["benefit", "from", ...tiers.map((t) => t.name), `you (${status.progress.tier.name})`], rows },
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
        if (!name) throw new UserError(`@${who.handle} has not unlocked ${benefit}.`, "A benefit counts once the member's tier (or program) unlocks it.");
        return reply(`${name} marked as delivered to @${who.handle}.`);
      },
    }),
  ],
});
