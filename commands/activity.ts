import { reply, type Reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, memberAbout, sub, type AboutMember, type CommandContext } from "../src/dispatch/types.ts";
import { localDay } from "../src/domain/periods.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { recentActivities, rejectActivity, shortId } from "../src/services/activities.ts";

/** Anyone's activities are for moderators; a member sees their own. */
const about: AboutMember<"member"> = { option: "member", private: { what: "activities", own: "/activity" } };

async function list(_args: { member?: string | undefined }, ctx: CommandContext): Promise<Reply> {
  const { app } = ctx;
  const who = memberAbout(ctx);
  const rows = await recentActivities(app, who.id);
  const label = (kind: string) => app.pack.activityKinds.find((k) => k.id === kind)?.label ?? kind;
  const t = app.pack.texts;
  return reply(fillTemplate(t.activityListSummary, { count: rows.length, handle: who.handle }), [
    { type: "header", text: fillTemplate(t.activityListTitle, { handle: who.handle }) },
    {
      type: "table",
      columns: ["id", "date", "what", "details", "state"],
      rows: rows.map((a) => [
        shortId(a.id),
        localDay(a.occurredAt, app.config.STEWARD_TIMEZONE),
        label(a.kind),
        [a.hours !== null ? fillTemplate(t.hours, { hours: a.hours }) : "", a.url ?? "", a.note ?? ""].filter(Boolean).join(" · "),
        a.rejectedAt ? fillTemplate(t.activityListRejected, { reason: a.rejectReason ?? "" }) : t.activityListCounts,
      ]),
    },
  ]);
}

export default command({
  name: "activity",
  description: "Logged and counted activities; moderators may reject one",
  subcommands: [
    sub({
      name: "",
      description: "Your recent activities (moderators: anyone's)",
      access: "anyone",
      options: { member: opt.optionalMember("Whose (moderators only; default: yours)", { positional: true }) },
      about,
      handler: list,
    }),
    sub({
      name: "list",
      description: "Same as /activity: recent activities",
      access: "anyone",
      options: { member: opt.optionalMember("Whose (moderators only; default: yours)", { positional: true }) },
      about,
      handler: list,
    }),
    sub({
      name: "reject",
      description: "Reject a logged activity: it stops counting and the member is told why (moderators)",
      access: "moderator",
      options: {
        id: opt.string("The activity id from /activity <member>", { positional: true }),
        reason: opt.text("Why (sent to the member)", { positional: true, rest: true }),
      },
      handler: async ({ id, reason }, { app, actor }) => {
        const a = await rejectActivity(app, actor, id, reason);
        return reply(fillTemplate(app.pack.texts.activityRejected, { id: shortId(a.id), handle: a.memberHandle }));
      },
    }),
  ],
});
