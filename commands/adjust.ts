import { reply } from "../src/chat/reply.ts";
import { ADJUSTMENT_RANGE, opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { resolveMember } from "../src/services/members.ts";
import { adjust } from "../src/services/points.ts";

export default command({
  name: "adjust",
  description: "Add or remove points by hand, with a reason (moderators)",
  subcommands: [
    sub({
      name: "",
      description: "Adjust a member's points",
      access: "moderator",
      options: {
        member: opt.member("Whose points", { positional: true }),
        points: opt.integer("How many points, e.g. +50 or -50", { positional: true, range: ADJUSTMENT_RANGE }),
        reason: opt.text("Why (shown in their ledger)", { positional: true, rest: true }),
      },
      handler: async ({ member, points, reason }, { app, actor, invocationId }) => {
        const who = await resolveMember(app, member);
        const posted = await adjust(app, actor, who.id, points, reason, invocationId);
        return reply(fillTemplate(app.pack.texts.adjustDone, { points: `${points > 0 ? "+" : ""}${points}`, handle: who.handle, reason, balance: posted.points }));
      },
    }),
  ],
});
