import { reply, type Reply } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { buildReport } from "../src/services/reports.ts";

/** Several programs' reports as one reply: blocks one after another, one CSV each. */
function combine(replies: Reply[]): Reply {
  return reply(
    replies.map((r) => r.text).join("\n"),
    replies.flatMap((r, i) => (i === 0 ? r.blocks : [{ type: "divider" as const }, ...r.blocks])),
    { files: replies.flatMap((r) => r.files ?? []) },
  );
}

export default command({
  name: "report",
  description: "The weekly compliance report of a program, with CSV (moderators)",
  subcommands: [
    sub({
      name: "",
      description: "Report for a program (default: every program with commitments), for a week (default: last week)",
      access: "moderator",
      options: {
        program: opt.optionalFromPack("program", "The program", (pack) => pack.programs.map((p) => p.id), { positional: true }),
        week: opt.optionalString("The ISO week, like 2026-W48 (default: the last complete week)"),
      },
      handler: async ({ program, week }, { app }) => {
        if (program) return buildReport(app, program, week);
        const ids = app.pack.programs.filter((p) => p.commitments.length > 0).map((p) => p.id);
        const replies: Reply[] = [];
        for (const id of ids) replies.push(await buildReport(app, id, week));
        return combine(replies);
      },
    }),
  ],
});
