import { reply, type Form, type FormField } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { localDay } from "../src/domain/periods.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { logActivity, loggableKinds, programsCounting } from "../src/services/activities.ts";

const NUMBER = /^\d+(\.\d+)?$/;

/** `/log hours 3` and `/log content https://…`: one positional word that is a number of hours or a link. */
function splitDetail(detail: string | undefined): { hours?: number; url?: string } {
  if (detail === undefined) return {};
  return NUMBER.test(detail.trim()) ? { hours: Number.parseFloat(detail) } : { url: detail.trim() };
}

export default command({
  name: "log",
  description: "Log something you did for the community: a meetup, talk, content, hours…",
  subcommands: [
    sub({
      name: "",
      description: "Log an activity; links count once, dates up to the backdating limit",
      access: "anyone",
      options: {
        kind: opt.fromPack("activity-kind", "What you did", (pack) => pack.activityKinds.filter((k) => !k.automatic).map((k) => k.id), { positional: true }),
        detail: opt.optionalString("A link, or the number of hours for hours", { positional: true }),
        url: opt.optionalUrl("Link to it (event page, recording, post, answer)"),
        hours: opt.optionalNumber("How many hours"),
        date: opt.optionalDate("When, YYYY-MM-DD (default today)"),
        note: opt.optionalText("A few words about it"),
        program: opt.optionalFromPack("program", "Which program it was for (when you are in several that count it)", (pack) => pack.programs.map((p) => p.id)),
      },
      form: async (ctx, args): Promise<Form | undefined> => {
        const kind = loggableKinds(ctx.app).find((k) => k.id === args.kind?.trim().toLowerCase());
        if (!kind) return undefined;
        const t = ctx.app.pack.texts;
        const fromDetail = splitDetail(args.detail);
        const fields: FormField[] = [];
        if (kind.needs.includes("url") && fromDetail.url === undefined) fields.push({ key: "url", label: t.logFormLink, required: true, kind: "url" });
        if (kind.needs.includes("hours") && fromDetail.hours === undefined) fields.push({ key: "hours", label: t.logFormHours, required: true, kind: "number" });
        if (kind.needs.includes("date")) fields.push({ key: "date", label: t.logFormDate, required: false, kind: "date" });
        if (kind.needs.includes("note")) fields.push({ key: "note", label: t.logFormNote, required: false, kind: "long-text" });
        if (args.program === undefined && !kind.sharedAcrossPrograms) {
          const counting = await programsCounting(ctx.app, ctx.actor.memberId, kind);
          if (counting.length > 1) fields.unshift({ key: "program", label: fillTemplate(t.logFormProgram, { programs: counting.map((p) => p.id).join(" or ") }), required: true, kind: "text" });
        }
        return fields.length ? { title: fillTemplate(t.logFormTitle, { kind: kind.label }).slice(0, 45), submit: `/log ${kind.id}`, fields } : undefined;
      },
      handler: async ({ kind, detail, url, hours, date, note, program }, { app, actor, invocationId }) => {
        const fromDetail = splitDetail(detail);
        const logged = await logActivity(app, actor, { kind, url: url ?? fromDetail.url, hours: hours ?? fromDetail.hours, date, note, program }, invocationId);
        const t = app.pack.texts;
        const hoursText = logged.hours !== null ? fillTemplate(t.hours, { hours: logged.hours }) : "";
        const what = [logged.kind.label, hoursText, logged.url ?? ""].filter(Boolean).join(", ");
        const text = fillTemplate(t.logged, { what, date: localDay(logged.occurredAt, app.config.STEWARD_TIMEZONE) });
        const id = logged.id.slice(0, 8);
        const counts = logged.countsToward.length
          ? fillTemplate(t.loggedCountsToward, { commitments: logged.countsToward.join("; "), id })
          : fillTemplate(t.loggedCountsNothing, { id });
        return reply(text, [
          { type: "text", text },
          { type: "context", text: counts },
        ]);
      },
    }),
  ],
});
