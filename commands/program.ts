import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { activePrograms, findProgram, programMembers, removeFromProgram } from "../src/services/programs.ts";

const programChoices = (pack: { programs: { id: string }[] }) => pack.programs.map((p) => p.id);

export default command({
  name: "program",
  description: "Community programs: which there are, who is in them, removing a member",
  subcommands: [
    sub({
      name: "",
      description: "The programs, and the ones you are in",
      access: "anyone",
      options: {},
      handler: async (_args, { app, actor }) => {
        const mine = new Set((await activePrograms(app, actor.memberId)).map((p) => p.program.id));
        return reply("Programs", [
          { type: "header", text: "Programs" },
          {
            type: "table",
            columns: ["program", "name", "you"],
            rows: app.pack.programs.map((p) => [p.id, p.name, mine.has(p.id) ? "member" : ""]),
          },
          { type: "context", text: "Apply with /apply <program>." },
        ]);
      },
    }),
    sub({
      name: "members",
      description: "Who is in a program (moderators)",
      access: "moderator",
      options: { program: opt.fromPack("program", "The program", programChoices, { positional: true }) },
      handler: async ({ program }, { app }) => {
        const p = findProgram(app, program);
        const members = await programMembers(app, p.id);
        return reply(`${p.name}: ${members.length} member(s)`, [
          { type: "header", text: `${p.name}: ${members.length} member${members.length === 1 ? "" : "s"}` },
          { type: "table", columns: ["member", "name", "since"], rows: members.map((m) => [`@${m.handle}`, m.displayName, m.joinedAt.toISOString().slice(0, 10)]) },
        ]);
      },
    }),
    sub({
      name: "remove",
      description: "Remove a member from a program; the badge is revoked and they are told why (moderators)",
      access: "moderator",
      options: {
        member: opt.member("Who", { positional: true }),
        program: opt.fromPack("program", "From which program", programChoices, { positional: true }),
        reason: opt.text("Why (sent to the member)", { positional: true, rest: true }),
      },
      handler: async ({ member, program, reason }, { app, actor }) => {
        const who = await removeFromProgram(app, actor, member, program, reason);
        return reply(`@${who.handle} was removed from ${findProgram(app, program).name}.`);
      },
    }),
  ],
});
