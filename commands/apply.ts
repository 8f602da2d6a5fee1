import { opt } from "../src/dispatch/options.ts";
import { command, sub, type Options } from "../src/dispatch/types.ts";
import type { Pack } from "../src/domain/pack.ts";
import { applicationForm, assertCanApply, submitApplication, type Answers } from "../src/services/applications.ts";
import { findProgram } from "../src/services/programs.ts";

/** Every question key of every program, so `key:value` answers pass the dispatcher; the program's own rules are checked in the service. */
function questionOptions(pack: Pack): Options {
  const out: Options = {};
  for (const p of pack.programs) for (const q of p.questions) out[q.key] ??= opt.optionalText(q.prompt);
  return out;
}

export default command({
  name: "apply",
  description: "Apply to a program (Community Leaders, Velo Masters, or partner verification)",
  subcommands: [
    sub({
      name: "",
      description: "Apply to a program; you will be asked its questions",
      access: "anyone",
      options: {
        program: opt.fromPack("program", "The program to apply to", (pack) => pack.programs.map((p) => p.id), { positional: true }),
      },
      packOptions: questionOptions,
      form: async (ctx, args) => {
        const program = ctx.app.pack.programs.find((p) => p.id === args.program?.trim().toLowerCase());
        if (!program || program.questions.length === 0) return undefined;
        // Nobody answers questions only to hear they cannot apply.
        await assertCanApply(ctx.app, ctx.actor.memberId, program);
        return applicationForm(program, ctx.app.pack.texts);
      },
      handler: async (args, { app, actor, formInView }) => {
        const program = findProgram(app, args.program);
        const all = args as Record<string, unknown>;
        const answers: Answers = {};
        for (const q of program.questions) if (typeof all[q.key] === "string") answers[q.key] = all[q.key] as string;
        return submitApplication(app, actor, program.id, answers, formInView);
      },
    }),
  ],
});
