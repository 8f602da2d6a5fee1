import { DateTime } from "luxon";
import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
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
        const t = app.pack.texts;
        if (timezone !== undefined) {
          const zone = await setTimezone(app, actor, timezone);
          const local = DateTime.fromJSDate(app.now(), { zone }).toFormat("ccc d LLL, HH:mm");
          return reply(fillTemplate(t.settingsZoneSet, { zone, local }));
        }
        const s = await memberSettings(app, actor.memberId);
        const zone = s.source === "yours" ? s.timezone : fillTemplate(t.settingsZoneOrganisation, { zone: s.timezone });
        return reply(fillTemplate(t.settingsZone, { zone: s.timezone }), [
          { type: "fields", fields: [{ label: t.settingsZoneLabel, value: zone }] },
          { type: "context", text: fillTemplate(t.settingsHint, { zone: app.config.STEWARD_TIMEZONE }) },
        ]);
      },
    }),
  ],
});
