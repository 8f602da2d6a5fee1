import { tierCard, tierCardAlt } from "../src/chat/pictures/tier-card.ts";
import { reply, type ImageBlock, type Reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, memberAbout, sub } from "../src/dispatch/types.ts";
import type { Pack } from "../src/domain/pack.ts";
import { localDay } from "../src/domain/periods.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import type { MemberRef } from "../src/services/members.ts";
import { tierStatus, type TierStatus } from "../src/services/partner.ts";

/** The tier card of a member, as the picture block of a reply. */
export function tierCardBlock(pack: Pack, member: MemberRef, s: TierStatus): ImageBlock {
  const card = tierCard(pack.partner, pack.badges, member, s.points, s.progress.tier.id, s.badges);
  return { type: "image", picture: { kind: "tier-card", card }, alt: tierCardAlt(card), filename: `tier-${member.handle}.png` };
}

/** `picture: false` leaves the tier card out: the text alone (the pictures benchmark's baseline). */
/** `tz`: the organisation's zone, in which the at-risk day is shown. */
export function tierReply(member: MemberRef, s: TierStatus, pack: Pack, { picture = true, tz = "UTC" } = {}): Reply {
  const t = pack.texts;
  const { tier, next, toNext } = s.progress;
  const values = { name: member.displayName, tier: tier.name, points: s.points, next: next?.name ?? "", toNext, threshold: next?.threshold ?? "" };
  const unlocked = s.unlocked.map((b) => b.name).join(", ");
  const coming = s.nextBenefits.map((b) => b.name).join(", ");
  return reply(fillTemplate(next ? t.tierHeadline : t.tierHeadlineTop, values), [
    { type: "header", text: fillTemplate(t.tierTitle, values) },
    { type: "fields", fields: [
      { label: t.tierFieldPoints, value: String(s.points) },
      { label: t.tierFieldTier, value: tier.name },
      { label: t.tierFieldNext, value: next ? fillTemplate(t.tierNextValue, values) : "—" },
    ] },
    ...(next
      ? [{
          type: "progress" as const,
          label: `${tier.name} → ${next.name}`,
          value: s.points - tier.threshold,
          max: next.threshold - tier.threshold,
          caption: fillTemplate(t.tierProgressCaption, { ...values, done: s.points - tier.threshold, band: next.threshold - tier.threshold, from: tier.threshold }),
        }]
      : []),
    ...(s.atRiskSince ? [{ type: "text" as const, text: fillTemplate(t.tierAtRisk, { tier: tier.name, threshold: tier.threshold, date: localDay(s.atRiskSince, tz) }) }] : []),
    { type: "text", text: unlocked ? fillTemplate(t.tierBenefitsUnlocked, { benefits: unlocked }) : t.tierBenefitsNone },
    ...(next ? [{ type: "text" as const, text: fillTemplate(coming ? t.tierNextBenefits : t.tierNextBenefitsNone, { next: next.name, benefits: coming }) }] : []),
    ...(picture ? [tierCardBlock(pack, member, s)] : []),
  ]);
}

export default command({
  name: "tier",
  description: "Your partner tier, points, progress to the next tier and benefits",
  subcommands: [
    sub({
      name: "",
      description: "Show your tier (or another member's)",
      access: "anyone",
      options: { member: opt.optionalMember("Whose tier to show (default: yours)", { positional: true }) },
      about: { option: "member" },
      handler: async (_args, ctx) => {
        const { app } = ctx;
        const who = memberAbout(ctx);
        return tierReply(who, await tierStatus(app, who.id), app.pack, { tz: app.config.STEWARD_TIMEZONE });
      },
    }),
  ],
});
