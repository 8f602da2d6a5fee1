import { reply } from "../src/chat/reply.ts";
import { ADJUSTMENT_RANGE, ID_RANGE, opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { decideDispute, openDisputes } from "../src/services/points.ts";

export default command({
  name: "dispute",
  description: "Review partners' disputes of ledger entries (moderators)",
  subcommands: [
    sub({
      name: "list",
      description: "Open disputes",
      access: "moderator",
      options: {},
      handler: async (_args, { app }) => {
        const open = await openDisputes(app);
        const t = app.pack.texts;
        return reply(fillTemplate(t.disputeListSummary, { count: open.length }), [
          { type: "header", text: t.disputeListTitle },
          { type: "table", columns: ["#", "member", "entry", "reason"], rows: open.map((d) => [String(d.id), `@${d.member.handle}`, `#${d.entry.id} ${d.entry.delta > 0 ? "+" : ""}${d.entry.delta} ${d.entry.reason}`, d.reason]) },
          { type: "context", text: t.disputeListHint },
        ]);
      },
    }),
    sub({
      name: "accept",
      description: "Accept a dispute: undo what the entry still counts, or points:<n> within the adjustment cap",
      access: "moderator",
      options: {
        id: opt.integer("The dispute's number", { positional: true, range: ID_RANGE }),
        points: opt.optionalInteger("The correction, if not the entry undone, e.g. -100", { range: ADJUSTMENT_RANGE }),
        note: opt.optionalText("A note for the partner", { positional: true, rest: true }),
      },
      handler: async ({ id, points, note }, { app, actor }) => {
        await decideDispute(app, actor, id, { accept: true, ...(points !== undefined ? { points } : {}), ...(note ? { note } : {}) });
        return reply(fillTemplate(app.pack.texts.disputeAccepted, { dispute: id }));
      },
    }),
    sub({
      name: "decline",
      description: "Decline a dispute, with a reason for the partner",
      access: "moderator",
      options: { id: opt.integer("The dispute's number", { positional: true, range: ID_RANGE }), reason: opt.text("Why it is declined", { positional: true, rest: true }) },
      handler: async ({ id, reason }, { app, actor }) => {
        await decideDispute(app, actor, id, { accept: false, reason });
        return reply(fillTemplate(app.pack.texts.disputeDeclined, { dispute: id }));
      },
    }),
  ],
});
