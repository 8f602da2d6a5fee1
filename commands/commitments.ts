import { reply, type Block } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { formatDeadline } from "../src/domain/periods.ts";
import { atLeastShown, memberCommitments } from "../src/services/commitments.ts";
import { memberOrSelf } from "../src/services/members.ts";
import { memberSettings } from "../src/services/settings.ts";
import { STATUS_LABEL } from "../src/services/reports.ts";

const NOT_JUDGED: Record<string, string> = {
  "joined-mid-period": "you joined during it; counted from the next one",
  "before-joining": "before you joined",
  "membership-ended": "membership ended",
  future: "not started",
};

export default command({
  name: "commitments",
  description: "Your commitments in each program you are in: this week, month and quarter",
  subcommands: [
    sub({
      name: "",
      description: "Status per commitment (met, on track, at risk, missed), what is left, deadlines and your streak",
      access: "anyone",
      options: { member: opt.optionalMember("Whose commitments (moderators only; default: yours)", { positional: true }) },
      handler: async ({ member }, { app, actor }) => {
        const who = await memberOrSelf({ app, actor }, member, { private: { what: "commitments", own: "/commitments" } });
        const tz = (await memberSettings(app, who.id)).timezone;
        const statuses = await memberCommitments(app, who.id);
        if (statuses.length === 0)
          return reply(`${member ? `@${who.handle} is` : "You are"} not in a program with commitments. Apply with /apply <program>.`);
        const blocks: Block[] = [];
        for (const s of statuses) {
          const e = s.evaluation;
          if (blocks.length) blocks.push({ type: "divider" });
          blocks.push({ type: "header", text: `${s.program.name}: ${STATUS_LABEL[e.overall]}` });
          blocks.push({
            type: "table",
            columns: ["commitment", "period", "status", "done", "left", "deadline"],
            rows: e.commitments.map((c) => [
              `${c.label}${c.required ? "" : " (encouraged)"}`,
              c.period.key,
              c.notJudgedReason ? `— (${NOT_JUDGED[c.notJudgedReason] ?? c.notJudgedReason})` : STATUS_LABEL[c.status],
              `${c.done}/${c.atLeast}${c.measure === "hours" ? " h" : ""}`,
              c.left > 0 ? `${c.left}${c.measure === "hours" ? " h" : ""}` : "—",
              formatDeadline(c.deadline, tz),
            ]),
          });
          const fields = [{ label: "Member since", value: s.joinedAt.toISOString().slice(0, 10) }];
          if (e.streak !== null) fields.push({ label: "Streak", value: `${atLeastShown(e.streak, s.member, s.windowWeeks)} week(s) met in a row` });
          if (e.missedInARow) fields.push({ label: "Weeks missed in a row", value: atLeastShown(e.missedInARow, s.member, s.windowWeeks) });
          if (e.onPause) fields.push({ label: "Leave", value: "on leave: no reminders, periods count as paused" });
          blocks.push({ type: "fields", fields });
        }
        const headline = statuses.map((s) => `${s.program.name}: ${STATUS_LABEL[s.evaluation.overall]}`).join("; ");
        return reply(headline, blocks);
      },
    }),
  ],
});
