import { reply, type Block, type Reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import type { Pack, Program } from "../src/domain/pack.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { badgePlace } from "../src/services/badges.ts";
import { addToProgram } from "../src/services/memberships.ts";
import { activePrograms, findProgram, programBadge, programMembers, removeFromProgram } from "../src/services/programs.ts";

const programChoices = (pack: { programs: { id: string }[] }) => pack.programs.map((p) => p.id);

/** What joining a program means: what it is, what it asks, what it gives, on what terms. */
function programDetail(pack: Pack, p: Program, member: boolean): Reply {
  const t = pack.texts;
  const per = { week: t.programPerWeek, month: t.programPerMonth, quarter: t.programPerQuarter } as const;
  const badge = pack.badges.find((b) => b.id === programBadge(p));
  const blocks: Block[] = [{ type: "header", text: p.name }];
  if (p.description) blocks.push({ type: "text", text: p.description });
  if (p.commitments.length)
    blocks.push({
      type: "table",
      columns: ["commitment", "at least", "", ""],
      rows: p.commitments.map((c) => [
        c.label,
        c.measure === "hours" ? fillTemplate(t.hours, { hours: c.atLeast }) : String(c.atLeast),
        per[c.per],
        c.required ? t.programRequired : t.programEncouraged,
      ]),
    });
  const perks = [...p.perks.map((x) => x.name), ...(badge ? [fillTemplate(t.programPerkBadge, { badge: badge.name, place: badgePlace(badge) })] : [])];
  if (perks.length) blocks.push({ type: "text", text: fillTemplate(t.programPerks, { perks: perks.map((x) => fillTemplate(t.programPerk, { perk: x })).join("\n") }) });
  if (p.terms) blocks.push({ type: "text", text: fillTemplate(t.programTerms, { terms: p.terms }) });
  blocks.push({ type: "context", text: member ? t.programYouAreMember : fillTemplate(t.programApplyWith, { id: p.id }) });
  return reply(fillTemplate(t.programDetailSummary, { name: p.name, description: p.description || p.id }), blocks);
}

export default command({
  name: "program",
  description: "Community programs: which there are, who is in them, adding or removing a member",
  subcommands: [
    sub({
      name: "",
      description: "The programs, and the ones you are in; or one program's description, commitments, perks and terms",
      access: "anyone",
      options: { program: opt.optionalFromPack("program", "The program to show", programChoices, { positional: true }) },
      handler: async ({ program }, { app, actor }) => {
        const mine = new Set((await activePrograms(app, actor.memberId)).map((p) => p.program.id));
        if (program) return programDetail(app.pack, findProgram(app, program), mine.has(program));
        const t = app.pack.texts;
        return reply(t.programListTitle, [
          { type: "header", text: t.programListTitle },
          {
            type: "table",
            columns: ["program", "name", "you"],
            rows: app.pack.programs.map((p) => [p.id, p.name, mine.has(p.id) ? t.programListMember : ""]),
          },
          { type: "context", text: t.programListHint },
        ]);
      },
    }),
    sub({
      name: "members",
      description: "Who is in a program (moderators)",
      access: "moderator",
      options: { program: opt.fromPack("program", "The program", programChoices, { positional: true }) },
      handler: async ({ program }, { app }) => {
        const p = findProgram(app, program);
        const members = await programMembers(app, p.id);
        const t = app.pack.texts;
        const count = { program: p.name, count: members.length };
        return reply(fillTemplate(t.programMembersSummary, count), [
          { type: "header", text: fillTemplate(members.length === 1 ? t.programMembersOne : t.programMembersMany, count) },
          { type: "table", columns: ["member", "name", "since"], rows: members.map((m) => [`@${m.handle}`, m.displayName, m.joinedAt.toISOString().slice(0, 10)]) },
        ]);
      },
    }),
    sub({
      name: "add",
      description: "Record a member who joined a program before Steward, with the day they joined (moderators)",
      access: "moderator",
      options: {
        member: opt.member("Who", { positional: true }),
        program: opt.fromPack("program", "To which program", programChoices, { positional: true }),
        since: opt.date("The day they joined, YYYY-MM-DD"),
      },
      handler: async ({ member, program, since }, { app, actor }) => {
        const added = await addToProgram(app, actor, member, program, since);
        return reply(fillTemplate(app.pack.texts.programAdded, { handle: added.member.handle, program: added.program.name, date: since.trim() }));
      },
    }),
    sub({
      name: "remove",
      description: "Remove a member from a program; the badge is revoked and they are told why (moderators)",
      access: "moderator",
      options: {
        member: opt.member("Who", { positional: true }),
        program: opt.fromPack("program", "From which program", programChoices, { positional: true }),
        reason: opt.text("Why (sent to the member)", { positional: true, rest: true }),
      },
      handler: async ({ member, program, reason }, { app, actor }) => {
        const who = await removeFromProgram(app, actor, member, program, reason);
        return reply(fillTemplate(app.pack.texts.programRemoved, { handle: who.handle, program: findProgram(app, program).name }));
      },
    }),
  ],
});
