import { DateTime } from "luxon";
import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
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
        const last = DateTime.fromMillis(p.endsAt.getTime() - 1, { zone: app.config.STEWARD_TIMEZONE }).toISODate();
        return reply(`You are on leave until ${last} (inclusive). No reminders until then; the weeks show as paused, not missed.`, [], {});
      },
    }),
    sub({
      name: "end",
      description: "End your leave now",
      access: "anyone",
      options: {},
      handler: async (_args, { app, actor }) =>
        (await endPause(app, actor)) ? reply("Welcome back: your leave has ended and your commitments count again from now.") : reply("You are not on leave."),
    }),
    sub({
      name: "status",
      description: "Whether you are on leave",
      access: "anyone",
      options: {},
      handler: async (_args, { app, actor }) => {
        const p = await currentPause(app, actor.memberId);
        if (!p) return reply("You are not on leave.");
        const last = DateTime.fromMillis(p.endsAt.getTime() - 1, { zone: app.config.STEWARD_TIMEZONE }).toISODate();
        return reply(`You are on leave until ${last}${p.reason ? ` (${p.reason})` : ""}. End it early with /pause end.`);
      },
    }),
  ],
});
