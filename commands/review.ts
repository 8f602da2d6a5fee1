import { reply, type Block } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
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
        if (pending.length === 0) return reply("No applications are waiting for review.");
        const blocks: Block[] = [{ type: "header", text: `${pending.length} application${pending.length === 1 ? "" : "s"} waiting for review` }];
        for (const a of pending) blocks.push({ type: "divider" }, ...applicationCard(a.program, a.member, a.answers, a.createdAt));
        return reply(`${pending.length} application(s) waiting for review`, blocks);
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
        return reply(`Approved: @${r.member.handle} is now a member of ${r.program.name}.`);
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
        return reply(`Rejected @${r.member.handle}'s application to ${r.program.name}; they were told why.`);
      },
    }),
  ],
});
