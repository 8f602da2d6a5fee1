import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { resolveMember } from "../src/services/members.ts";
import { certify } from "../src/services/points.ts";

export default command({
  name: "certify",
  description: "Record a partner's certification (e.g. Velo Certified), which pays once",
  subcommands: [
    sub({
      name: "",
      description: "Record a certification",
      access: "moderator",
      options: {
        member: opt.member("The certified partner", { positional: true }),
        kind: opt.optionalFromPack("string", "Which certification", (pack) => Object.keys(pack.partner.certifications), { positional: true }),
      },
      handler: async ({ member, kind }, { app, actor }) => {
        const who = await resolveMember(app, member);
        const k = kind ?? Object.keys(app.pack.partner.certifications)[0] ?? "";
        const posted = await certify(app, actor, who.id, k);
        const certification = app.pack.partner.certifications[k];
        return reply(fillTemplate(app.pack.texts.certifyDone, { handle: who.handle, certification: certification?.label ?? k, points: certification?.points ?? 0, balance: posted.points }));
      },
    }),
  ],
});
