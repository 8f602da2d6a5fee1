import { atLeastShown, STATUS_LABEL } from "../src/chat/commitments.ts";
import { reply, type Block } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, memberAbout, sub } from "../src/dispatch/types.ts";
import type { Texts } from "../src/domain/pack.ts";
import { formatDeadline } from "../src/domain/periods.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { memberCommitments } from "../src/services/commitments.ts";
import { memberSettings } from "../src/services/settings.ts";

/** Why a period is not judged, as the pack's text that says it. */
const NOT_JUDGED: Record<string, keyof Texts> = {
  "joined-mid-period": "commitmentsNotJudgedJoinedMidPeriod",
  "before-joining": "commitmentsNotJudgedBeforeJoining",
  "membership-ended": "commitmentsNotJudgedMembershipEnded",
  future: "commitmentsNotJudgedFuture",
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
      about: { option: "member", private: { what: "commitments", own: "/commitments" } },
      handler: async ({ member }, ctx) => {
        const { app } = ctx;
        const who = memberAbout(ctx);
        const tz = (await memberSettings(app, who.id)).timezone;
        const statuses = await memberCommitments(app, who.id);
        const t = app.pack.texts;
        if (statuses.length === 0) return reply(member ? fillTemplate(t.commitmentsNoneOther, { handle: who.handle }) : t.commitmentsNone);
        const hours = (n: number, measure: string) => (measure === "hours" ? fillTemplate(t.hours, { hours: n }) : String(n));
        const notJudged = (reason: string) => {
          const key = Object.hasOwn(NOT_JUDGED, reason) ? NOT_JUDGED[reason] : undefined;
          return key ? t[key] : reason;
        };
        const blocks: Block[] = [];
        for (const s of statuses) {
          const e = s.evaluation;
          if (blocks.length) blocks.push({ type: "divider" });
          blocks.push({ type: "header", text: `${s.program.name}: ${STATUS_LABEL[e.overall]}` });
          blocks.push({
            type: "table",
            columns: ["commitment", "period", "status", "done", "left", "deadline"],
            rows: e.commitments.map((c) => [
              c.required ? c.label : fillTemplate(t.commitmentsEncouraged, { commitment: c.label }),
              c.period.key,
              c.notJudgedReason ? `— (${notJudged(c.notJudgedReason)})` : STATUS_LABEL[c.status],
              `${c.done}/${hours(c.atLeast, c.measure)}`,
              c.left > 0 ? hours(c.left, c.measure) : "—",
              formatDeadline(c.deadline, tz),
            ]),
          });
          const fields = [{ label: t.commitmentsMemberSince, value: s.joinedAt.toISOString().slice(0, 10) }];
          if (e.streak !== null) fields.push({ label: t.commitmentsStreak, value: fillTemplate(t.commitmentsStreakValue, { weeks: atLeastShown(e.streak, s.member, s.windowWeeks) }) });
          if (e.missedInARow) fields.push({ label: t.commitmentsMissedInARow, value: atLeastShown(e.missedInARow, s.member, s.windowWeeks) });
          if (e.onPause) fields.push({ label: t.commitmentsLeave, value: t.commitmentsOnLeave });
          blocks.push({ type: "fields", fields });
        }
        const headline = statuses.map((s) => `${s.program.name}: ${STATUS_LABEL[s.evaluation.overall]}`).join("; ");
        return reply(headline, blocks);
      },
    }),
  ],
});
