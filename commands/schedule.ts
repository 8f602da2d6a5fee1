import { DateTime } from "luxon";
import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { listSchedules, runSchedulesNow } from "../src/jobs/index.ts";
import { findSchedules, scheduleTable } from "../src/jobs/schedules.ts";
import type { Pack } from "../src/domain/pack.ts";
import { auditScheduleRun, lastPeriods, setReportDm } from "../src/services/schedules.ts";

const communityPrograms = (pack: Pack) => pack.programs.filter((p) => p.type === "community").map((p) => p.id);

function when(date: Date | null, tz: string): string {
  return date ? DateTime.fromJSDate(date, { zone: tz }).setLocale("en-GB").toFormat("ccc d LLL yyyy, HH:mm ZZZZ") : "—";
}

export default command({
  name: "schedule",
  description: "Scheduled reports, reminders and sweeps: when they run next; run one now; report DMs",
  subcommands: [
    sub({
      name: "",
      description: "List the schedules with their next run",
      access: "anyone",
      options: {},
      handler: async (_args, { app }) => {
        const tz = app.config.STEWARD_TIMEZONE;
        const schedules = listSchedules(app);
        const last = await lastPeriods(app);
        return reply(`${schedules.length} schedules, times in ${tz}`, [
          { type: "header", text: "Schedules" },
          {
            type: "table",
            columns: ["id", "when", "next run", "last period", "what"],
            rows: schedules.map((s) => [s.id, s.when, s.kind === "outbox" ? "continuous" : when(s.nextRun, tz), last.get(s.id) ?? "—", s.description]),
          },
          { type: "context", text: `Times are in ${tz}. Moderators: /schedule run <id> runs one now; /schedule subscribe [program] sends you the weekly report as a DM.` },
        ]);
      },
    }),
    sub({
      name: "run",
      description: "Run a schedule now (an id from /schedule, or a kind such as weekly-report for every program)",
      access: "moderator",
      options: { id: opt.string("The schedule id or kind, e.g. weekly-report or reminder/community-leaders-velo", { positional: true }) },
      handler: async ({ id }, { app, actor }) => {
        const defs = scheduleTable(app.pack, app.config);
        if (findSchedules(defs, id).length === 0) {
          const kinds = [...new Set(defs.map((d) => d.kind))];
          throw new UserError(`There is no schedule '${id}'. Use one of: ${[...kinds, ...defs.map((d) => d.id)].join(", ")} — e.g. /schedule run weekly-report`);
        }
        const lines = await runSchedulesNow(app, id);
        await auditScheduleRun(app, actor, id, lines);
        return reply(`Ran ${id}`, [{ type: "header", text: `Ran ${id}` }, { type: "text", text: lines.map((l) => `• ${l}`).join("\n") }]);
      },
    }),
    sub({
      name: "subscribe",
      description: "Get the weekly compliance report as a DM too (one program, or all)",
      access: "moderator",
      options: { program: opt.optionalFromPack("program", "Which program's report (default: every program)", communityPrograms, { positional: true }) },
      handler: async ({ program }, { app, actor }) => {
        const now = await setReportDm(app, actor, program, true);
        return reply(`You will get ${now === "*" ? "every program's" : `the ${now.join(", ")}`} weekly report as a DM.`);
      },
    }),
    sub({
      name: "unsubscribe",
      description: "Stop the weekly report DMs (one program, or all)",
      access: "moderator",
      options: { program: opt.optionalFromPack("program", "Which program's report (default: every program)", communityPrograms, { positional: true }) },
      handler: async ({ program }, { app, actor }) => {
        const now = await setReportDm(app, actor, program, false);
        const left = now === "*" ? "every program's report" : now.length ? `still: ${now.join(", ")}` : "no report DMs";
        return reply(`Report DMs updated: ${left}.`);
      },
    }),
  ],
});
