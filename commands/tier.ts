import { tierCard, tierCardAlt } from "../src/chat/pictures/tier-card.ts";
import { reply, type ImageBlock, type Reply } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import type { Pack } from "../src/domain/pack.ts";
import { memberOrSelf, type MemberRef } from "../src/services/members.ts";
import { tierStatus, type TierStatus } from "../src/services/partner.ts";

/** The tier card of a member, as the picture block of a reply. */
export function tierCardBlock(pack: Pack, member: MemberRef, s: TierStatus): ImageBlock {
  const card = tierCard(pack.partner, pack.badges, member, s.points, s.progress.tier.id, s.badges);
  return { type: "image", picture: { kind: "tier-card", card }, alt: tierCardAlt(card), filename: `tier-${member.handle}.png` };
}

/** `pack`: with it, the reply carries the tier card picture too; without it, text only (the pictures benchmark's baseline). */
export function tierReply(member: MemberRef, s: TierStatus, pack?: Pack): Reply {
  const { tier, next, toNext } = s.progress;
  const headline = next ? `${tier.name}, ${s.points} points, ${toNext} to ${next.name}` : `${tier.name}, ${s.points} points (the top tier)`;
  return reply(`${member.displayName}: ${headline}`, [
    { type: "header", text: `${member.displayName} — ${tier.name}` },
    { type: "fields", fields: [
      { label: "Points", value: String(s.points) },
      { label: "Tier", value: tier.name },
      { label: "Next tier", value: next ? `${next.name} at ${next.threshold} (${toNext} to go)` : "—" },
    ] },
    ...(next ? [{ type: "progress" as const, label: `${tier.name} → ${next.name}`, value: s.points - tier.threshold, max: next.threshold - tier.threshold, caption: `${s.points}/${next.threshold}` }] : []),
    ...(s.atRiskSince ? [{ type: "text" as const, text: `⚠ Your balance is below ${tier.name} (${tier.threshold}) since ${s.atRiskSince.toISOString().slice(0, 10)}. Resubmit re-activated sites or add new ones to keep it.` }] : []),
    { type: "text", text: `Benefits unlocked: ${s.unlocked.map((b) => b.name).join(", ") || "none"}` },
    ...(next ? [{ type: "text" as const, text: `At ${next.name}: ${s.nextBenefits.map((b) => b.name).join(", ") || "no new benefits"}` }] : []),
    ...(pack ? [tierCardBlock(pack, member, s)] : []),
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
      handler: async ({ member }, { app, actor }) => {
        const who = await memberOrSelf({ app, actor }, member);
        return tierReply(who, await tierStatus(app, who.id), app.pack);
      },
    }),
  ],
});
