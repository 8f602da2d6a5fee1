import { DateTime } from "luxon";
import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { memberSettings, setTimezone } from "../src/services/settings.ts";

export default command({
  name: "settings",
  description: "Your settings: the time zone your reminders and quiet hours follow",
  subcommands: [
    sub({
      name: "",
      description: "Show your settings, or set your time zone (an IANA name such as Europe/Berlin)",
      access: "anyone",
      options: { timezone: opt.optionalString("Your time zone, an IANA name such as Europe/Berlin or America/New_York") },
      handler: async ({ timezone }, { app, actor }) => {
        if (timezone !== undefined) {
          const zone = await setTimezone(app, actor, timezone);
          const local = DateTime.fromJSDate(app.now(), { zone }).toFormat("ccc d LLL, HH:mm");
          return reply(`Your time zone is now ${zone} (it is ${local} there). Reminders and quiet hours follow it.`);
        }
        const s = await memberSettings(app, actor.memberId);
        return reply(`Your time zone: ${s.timezone}`, [
          { type: "fields", fields: [{ label: "Time zone", value: s.source === "yours" ? s.timezone : `${s.timezone} (the organisation's; set yours)` }] },
          {
            type: "context",
            text: `Reminders reach you at their time of day in your zone, and never in quiet hours there. Weeks and reports follow the organisation's zone (${app.config.STEWARD_TIMEZONE}). Change it with /settings timezone:Europe/Berlin.`,
          },
        ]);
      },
    }),
  ],
});
