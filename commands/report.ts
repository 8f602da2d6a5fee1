import { reply, type Reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { periodOf } from "../src/domain/periods.ts";
import { partnerHealth, partnerHealthReply } from "../src/services/partner-health.ts";
import { findProgram } from "../src/services/programs.ts";
import { buildReport, reportWeek } from "../src/services/reports.ts";

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
      description: "Report for a program (default: every program with commitments), for a week (default: last week); partner: the partner program's health",
      access: "moderator",
      options: {
        program: opt.optionalFromPack("program", "The program", (pack) => pack.programs.map((p) => p.id), { positional: true }),
        week: opt.optionalString("The ISO week, like 2026-W48 (default: the last complete week)"),
      },
      handler: async ({ program, week }, { app }) => {
        // The partner program has no commitments: its report is its health, this week so far unless a week is named.
        if (program && findProgram(app, program).type === "partner-verification")
          return partnerHealthReply(app, await partnerHealth(app, week ? reportWeek(app, week) : periodOf("week", app.now(), app.config.STEWARD_TIMEZONE)));
        if (program) return buildReport(app, program, week);
        const ids = app.pack.programs.filter((p) => p.commitments.length > 0).map((p) => p.id);
        const replies: Reply[] = [];
        for (const id of ids) replies.push(await buildReport(app, id, week));
        return combine(replies);
      },
    }),
  ],
});
