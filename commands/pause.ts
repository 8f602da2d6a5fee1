import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { leaveLastDay } from "../src/domain/leaves.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { currentPause, endPause, startPause } from "../src/services/pauses.ts";

export default command({
  name: "pause",
  description: "Take a leave of absence from your program commitments",
  subcommands: [
    sub({
      name: "",
      description: "Pause from now until a day: no reminders, weeks shown as paused",
      access: "anyone",
      options: {
        until: opt.date("The last day of your leave, YYYY-MM-DD"),
        reason: opt.optionalText("Why (seen by moderators)", { positional: true, rest: true }),
      },
      handler: async ({ until, reason }, { app, actor, invocationId }) => {
        const p = await startPause(app, actor, until, reason, invocationId);
        return reply(fillTemplate(app.pack.texts.pauseStarted, { until: leaveLastDay(p, app.config.STEWARD_TIMEZONE) }), [], {});
      },
    }),
    sub({
      name: "end",
      description: "End your leave now",
      access: "anyone",
      options: {},
      handler: async (_args, { app, actor }) => reply((await endPause(app, actor)) ? app.pack.texts.pauseEnded : app.pack.texts.pauseNone),
    }),
    sub({
      name: "status",
      description: "Whether you are on leave",
      access: "anyone",
      options: {},
      handler: async (_args, { app, actor }) => {
        const p = await currentPause(app, actor.memberId);
        if (!p) return reply(app.pack.texts.pauseNone);
        const values = { until: leaveLastDay(p, app.config.STEWARD_TIMEZONE), reason: p.reason ?? "" };
        return reply(fillTemplate(p.reason ? app.pack.texts.pauseStatusWithReason : app.pack.texts.pauseStatus, values));
      },
    }),
  ],
});
