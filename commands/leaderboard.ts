import { DateTime } from "luxon";
import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { periodOf } from "../src/domain/periods.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { leaderboard } from "../src/services/partner.ts";

export default command({
  name: "leaderboard",
  description: "The partners with the most points: this week, this month or overall",
  subcommands: [
    sub({
      name: "",
      description: "Show the leaderboard",
      access: "anyone",
      options: { period: opt.choice("Which points count", ["week", "month", "all"], { default: "all", positional: true }) },
      handler: async ({ period }, { app }) => {
        const tz = app.config.STEWARD_TIMEZONE;
        const since = period === "all" ? null : periodOf(period, app.now(), tz).start;
        const rows = await leaderboard(app, since);
        const t = app.pack.texts;
        const title = period === "all" ? t.leaderboardTitle : fillTemplate(t.leaderboardPeriodTitle, { period });
        return reply(title, [
          { type: "header", text: title },
          {
            type: "table",
            columns: ["#", "partner", "points", "tier"],
            rows: rows.map((r, i) => [String(i + 1), `${r.displayName} (@${r.handle})`, String(r.points), r.graceUntil ? fillTemplate(t.leaderboardGrace, { tier: r.tier, date: String(DateTime.fromJSDate(r.graceUntil, { zone: tz }).toISODate()) }) : r.tier]),
          },
          ...(rows.some((r) => r.graceUntil)
            ? [{ type: "context" as const, text: t.leaderboardGraceNote }]
            : []),
        ]);
      },
    }),
  ],
});
