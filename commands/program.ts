import { reply, type Block, type Reply } from "../src/chat/reply.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import type { Pack, Program } from "../src/domain/pack.ts";
import { badgePlace } from "../src/services/badges.ts";
import { activePrograms, findProgram, programBadge, programMembers, removeFromProgram } from "../src/services/programs.ts";

const programChoices = (pack: { programs: { id: string }[] }) => pack.programs.map((p) => p.id);

const PER = { week: "a week", month: "a month", quarter: "a quarter" } as const;

/** What joining a program means: what it is, what it asks, what it gives, on what terms. */
function programDetail(pack: Pack, p: Program, member: boolean): Reply {
  const badge = pack.badges.find((b) => b.id === programBadge(p));
  const blocks: Block[] = [{ type: "header", text: p.name }];
  if (p.description) blocks.push({ type: "text", text: p.description });
  if (p.commitments.length)
    blocks.push({
      type: "table",
      columns: ["commitment", "at least", "", ""],
      rows: p.commitments.map((c) => [c.label, `${c.atLeast}${c.measure === "hours" ? " h" : ""}`, PER[c.per], c.required ? "required" : "encouraged"]),
    });
  const perks = [...p.perks.map((x) => x.name), ...(badge ? [`${badge.name} (${badgePlace(badge)})`] : [])];
  if (perks.length) blocks.push({ type: "text", text: `Perks:\n${perks.map((x) => `• ${x}`).join("\n")}` });
  if (p.terms) blocks.push({ type: "text", text: `Terms: ${p.terms}` });
  blocks.push({ type: "context", text: member ? "You are a member. /commitments shows where you stand." : `Apply with /apply ${p.id}.` });
  return reply(`${p.name}: ${p.description || p.id}`, blocks);
}

export default command({
  name: "program",
  description: "Community programs: which there are, who is in them, removing a member",
  subcommands: [
    sub({
      name: "",
      description: "The programs, and the ones you are in; or one program's description, commitments, perks and terms",
      access: "anyone",
      options: { program: opt.optionalFromPack("program", "The program to show", programChoices, { positional: true }) },
      handler: async ({ program }, { app, actor }) => {
        const mine = new Set((await activePrograms(app, actor.memberId)).map((p) => p.program.id));
        if (program) return programDetail(app.pack, findProgram(app, program), mine.has(program));
        return reply("Programs", [
          { type: "header", text: "Programs" },
          {
            type: "table",
            columns: ["program", "name", "you"],
            rows: app.pack.programs.map((p) => [p.id, p.name, mine.has(p.id) ? "member" : ""]),
          },
          { type: "context", text: "Details with /program <program>; apply with /apply <program>." },
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
        return reply(`${p.name}: ${members.length} member(s)`, [
          { type: "header", text: `${p.name}: ${members.length} member${members.length === 1 ? "" : "s"}` },
          { type: "table", columns: ["member", "name", "since"], rows: members.map((m) => [`@${m.handle}`, m.displayName, m.joinedAt.toISOString().slice(0, 10)]) },
        ]);
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
        return reply(`@${who.handle} was removed from ${findProgram(app, program).name}.`);
      },
    }),
  ],
});
