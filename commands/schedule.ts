import { DateTime } from "luxon";
import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { listSchedules, runSchedulesNow } from "../src/jobs/index.ts";
import { findSchedules, scheduleTable } from "../src/jobs/schedules.ts";
import type { Pack } from "../src/domain/pack.ts";
import { fillTemplate } from "../src/domain/templates.ts";
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
        const t = app.pack.texts;
        return reply(fillTemplate(t.scheduleListSummary, { count: schedules.length, tz }), [
          { type: "header", text: t.scheduleListTitle },
          {
            type: "table",
            columns: ["id", "when", "next run", "last period", "what"],
            rows: schedules.map((s) => [s.id, s.when, s.kind === "outbox" ? t.scheduleContinuous : when(s.nextRun, tz), last.get(s.id) ?? "—", s.description]),
          },
          { type: "context", text: fillTemplate(t.scheduleListHint, { tz }) },
        ]);
      },
    }),
    sub({
      name: "run",
      description: "Run a schedule now (an id from /schedule, or a kind such as weekly-report for every program)",
      access: "moderator",
      options: { id: opt.string("The schedule id or kind, e.g. weekly-report or reminder/community-leaders-velo", { positional: true }) },
      handler: async ({ id }, { app, actor }) => {
        const t = app.pack.texts;
        const defs = scheduleTable(app.pack, app.config);
        if (findSchedules(defs, id).length === 0) {
          const kinds = [...new Set(defs.map((d) => d.kind))];
          throw new UserError(fillTemplate(t.scheduleUnknown, { id, choices: [...kinds, ...defs.map((d) => d.id)].join(", ") }));
        }
        const lines = await runSchedulesNow(app, id);
        await auditScheduleRun(app, actor, id, lines);
        const ran = fillTemplate(t.scheduleRan, { id });
        return reply(ran, [{ type: "header", text: ran }, { type: "text", text: lines.map((l) => `• ${l}`).join("\n") }]);
      },
    }),
    sub({
      name: "subscribe",
      description: "Get the weekly compliance report as a DM too (one program, or all)",
      access: "moderator",
      options: { program: opt.optionalFromPack("program", "Which program's report (default: every program)", communityPrograms, { positional: true }) },
      handler: async ({ program }, { app, actor }) => {
        const now = await setReportDm(app, actor, program, true);
        const t = app.pack.texts;
        return reply(now === "*" ? t.scheduleSubscribedAll : fillTemplate(t.scheduleSubscribed, { programs: now.join(", ") }));
      },
    }),
    sub({
      name: "unsubscribe",
      description: "Stop the weekly report DMs (one program, or all)",
      access: "moderator",
      options: { program: opt.optionalFromPack("program", "Which program's report (default: every program)", communityPrograms, { positional: true }) },
      handler: async ({ program }, { app, actor }) => {
        const now = await setReportDm(app, actor, program, false);
        const t = app.pack.texts;
        if (now === "*") return reply(t.scheduleUnsubscribedAll);
        return reply(now.length ? fillTemplate(t.scheduleUnsubscribedSome, { programs: now.join(", ") }) : t.scheduleUnsubscribedNone);
      },
    }),
  ],
});
