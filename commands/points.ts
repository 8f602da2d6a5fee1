import { reply } from "../src/chat/reply.ts";
import { ID_RANGE, opt } from "../src/dispatch/options.ts";
import { command, memberAbout, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { mergesInto } from "../src/services/merge.ts";
import { ledgerOf, tierStatus } from "../src/services/partner.ts";
import { openDispute } from "../src/services/points.ts";

export default command({
  name: "points",
  description: "Your points ledger: every entry with its reason and date; dispute an entry",
  subcommands: [
    sub({
      name: "",
      description: "Show your ledger (moderators may name a member)",
      access: "anyone",
      options: { member: opt.optionalMember("Whose ledger (moderators only)", { positional: true }) },
      about: { option: "member", private: { what: "ledger", own: "/points" } },
      handler: async (_args, ctx) => {
        const { app } = ctx;
        const who = memberAbout(ctx);
        const [entries, status, merges] = await Promise.all([ledgerOf(app, who.id), tierStatus(app, who.id), mergesInto(app, who.id)]);
        const t = app.pack.texts;
        const values = { handle: who.handle, points: status.points, tier: status.progress.tier.name };
        return reply(fillTemplate(t.pointsLedgerSummary, values), [
          { type: "header", text: fillTemplate(t.pointsLedgerTitle, values) },
          {
            type: "table",
            columns: ["#", "date", "points", "reason"],
            rows: entries.map((e) => [String(e.id), e.createdAt.toISOString().slice(0, 10), `${e.delta > 0 ? "+" : ""}${e.delta}`, e.reason]),
          },
          { type: "context", text: entries.length ? t.pointsLedgerDisputeHint : t.pointsLedgerEmpty },
          ...merges.map((m) => ({
            type: "context" as const,
            text: fillTemplate(t.pointsLedgerMerged, {
              from: m.handle,
              handle: who.handle,
              date: m.at.toISOString().slice(0, 10),
              entries: m.moved.entries ?? 0,
              sites: m.moved.sites ?? 0,
              activities: m.moved.activities ?? 0,
            }),
          })),
        ]);
      },
    }),
    sub({
      name: "dispute",
      description: "Ask the moderators to correct an entry of your ledger (once per entry)",
      access: "anyone",
      options: {
        entry: opt.integer("The entry's number, as /points shows it", { positional: true, range: ID_RANGE }),
        reason: opt.text("What is wrong with it", { positional: true, rest: true }),
      },
      handler: async ({ entry, reason }, { app, actor }) => {
        const dispute = await openDispute(app, actor, entry, reason);
        return reply(fillTemplate(app.pack.texts.pointsDisputeSent, { dispute: dispute.id, entry }));
      },
    }),
  ],
});
