import { reply } from "../src/chat/reply.ts";
import { ID_RANGE, opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { memberOrSelf } from "../src/services/members.ts";
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
      handler: async ({ member }, { app, actor }) => {
        const who = await memberOrSelf({ app, actor }, member, { private: { what: "ledger", own: "/points" } });
        const [entries, status, merges] = await Promise.all([ledgerOf(app, who.id), tierStatus(app, who.id), mergesInto(app, who.id)]);
        return reply(`@${who.handle}: ${status.points} points (${status.progress.tier.name})`, [
          { type: "header", text: `Points of @${who.handle}: ${status.points}` },
          {
            type: "table",
            columns: ["#", "date", "points", "reason"],
            rows: entries.map((e) => [String(e.id), e.createdAt.toISOString().slice(0, 10), `${e.delta > 0 ? "+" : ""}${e.delta}`, e.reason]),
          },
          { type: "context", text: entries.length ? "Something wrong? /points dispute <#> <reason>" : "No entries yet: submit a premium site with /site submit." },
          ...merges.map((m) => ({ type: "context" as const, text: `@${m.handle} was joined into @${who.handle} on ${m.at.toISOString().slice(0, 10)} (/link code): ${m.moved.entries ?? 0} entries, ${m.moved.sites ?? 0} sites, ${m.moved.activities ?? 0} activities moved.` })),
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
        return reply(`Dispute #${dispute.id} of entry #${entry} sent to the moderators. You will get a DM with their answer.`);
      },
    }),
  ],
});
