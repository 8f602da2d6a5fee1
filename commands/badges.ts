import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, memberAbout, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { badgePlace, heldBadges } from "../src/services/badges.ts";

export default command({
  name: "badges",
  description: "Badges a member holds, and where each is shown",
  subcommands: [
    sub({
      name: "",
      description: "Your badges (or a member's), with where each is shown: chat role, user group, or the forum only",
      access: "anyone",
      options: { member: opt.optionalMember("Whose badges (default: yours)", { positional: true }) },
      about: { option: "member" },
      handler: async (_args, ctx) => {
        const who = memberAbout(ctx);
        const held = await heldBadges(ctx.app, who.id);
        const t = ctx.app.pack.texts;
        const title = fillTemplate(t.badgesTitle, { handle: who.handle });
        if (held.length === 0) {
          const none = fillTemplate(t.badgesNone, { handle: who.handle });
          return reply(none, [
            { type: "text", text: none },
            { type: "context", text: fillTemplate(t.badgesNoneHint, { badges: ctx.app.pack.badges.map((b) => b.name).join(", ") }) },
          ]);
        }
        return reply(title, [
          { type: "header", text: title },
          { type: "table", columns: ["badge", "since", "shown in"], rows: held.map((b) => [b.def.name, b.grantedAt.toISOString().slice(0, 10), badgePlace(b.def)]) },
        ]);
      },
    }),
  ],
});
