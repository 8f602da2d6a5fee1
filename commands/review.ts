import { reply, type Block } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { applicationCard, decideApplication, pendingApplications, rejectForm } from "../src/services/applications.ts";

const programChoices = (pack: { programs: { id: string }[] }) => pack.programs.map((p) => p.id);

export default command({
  name: "review",
  description: "Review applications to programs (moderators)",
  subcommands: [
    sub({
      name: "",
      description: "List pending applications with their answers",
      access: "moderator",
      options: { program: opt.optionalFromPack("program", "Only this program's applications", programChoices, { positional: true }) },
      handler: async ({ program }, { app }) => {
        const pending = await pendingApplications(app, program);
        const t = app.pack.texts;
        if (pending.length === 0) return reply(t.reviewNoneWaiting);
        const count = { count: pending.length };
        const blocks: Block[] = [{ type: "header", text: fillTemplate(pending.length === 1 ? t.reviewWaitingOne : t.reviewWaitingMany, count) }];
        for (const a of pending) blocks.push({ type: "divider" }, ...applicationCard(a.program, a.member, a.answers, a.createdAt));
        return reply(fillTemplate(t.reviewWaitingSummary, count), blocks);
      },
    }),
    sub({
      name: "approve",
      description: "Approve an application: membership, badge and a welcome message",
      access: "moderator",
      options: {
        member: opt.member("The applicant", { positional: true }),
        program: opt.fromPack("program", "The program applied to", programChoices, { positional: true }),
      },
      handler: async ({ member, program }, { app, actor }) => {
        const r = await decideApplication(app, actor, member, program, { approve: true });
        return reply(fillTemplate(app.pack.texts.reviewApproved, { handle: r.member.handle, program: r.program.name }));
      },
    }),
    sub({
      name: "reject",
      description: "Reject an application; the reason is sent to the applicant",
      access: "moderator",
      options: {
        member: opt.member("The applicant", { positional: true }),
        program: opt.fromPack("program", "The program applied to", programChoices, { positional: true }),
        reason: opt.text("Why (sent to the applicant)", { positional: true, rest: true }),
      },
      form: (_ctx, args) => (args.member && args.program ? rejectForm(args.member, args.program) : undefined),
      handler: async ({ member, program, reason }, { app, actor }) => {
        const r = await decideApplication(app, actor, member, program, { approve: false, reason });
        return reply(fillTemplate(app.pack.texts.reviewRejected, { handle: r.member.handle, program: r.program.name }));
      },
    }),
  ],
});
