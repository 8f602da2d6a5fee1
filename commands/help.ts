import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub, type CommandDef } from "../src/dispatch/types.ts";
import { labelledChoices, usage } from "../src/dispatch/usage.ts";
import { fillTemplate } from "../src/domain/templates.ts";

/** Built from the registry at start, so help lists exactly the commands that exist. */
export function helpCommand(all: () => CommandDef[]): CommandDef {
  return command({
    name: "help",
    description: "List the commands, or how to use one",
    subcommands: [
      sub({
        name: "",
        description: "List the commands, or show one in detail",
        access: "anyone",
        options: { command: opt.optionalString("The command to explain, e.g. site", { positional: true }) },
        handler: async ({ command: name }, { app, actor }) => {
          const commands = all();
          const t = app.pack.texts;
          if (name) {
            const cmd = commands.find((c) => c.name === name.replace(/^\//, "").toLowerCase() || c.aliases?.includes(name));
            if (!cmd) throw new UserError(fillTemplate(t.helpUnknownCommand, { name }), t.helpUnknownCommandHint);
            return reply(`/${cmd.name}: ${cmd.description}`, [
              { type: "header", text: `/${cmd.name}` },
              { type: "text", text: cmd.description },
              {
                type: "table",
                columns: ["usage", "what it does", "who"],
                rows: cmd.subcommands.map((s) => [usage(cmd, s, app.pack), s.description, s.access === "moderator" ? "moderators" : "anyone"]),
              },
              // The values the pack names (activity kinds, programs), each with what it means.
              ...cmd.subcommands.flatMap((s) =>
                Object.entries(s.options).flatMap(([name, option]) => {
                  const named = labelledChoices(option, app.pack);
                  return named ? [{ type: "table" as const, caption: `${s.name ? `${s.name} ` : ""}${name}: ${option.description}`, columns: [name, "what it is"], rows: named }] : [];
                }),
              ),
            ]);
          }
          const visible = commands.filter((c) => actor.isModerator || c.subcommands.some((s) => s.access === "anyone"));
          return reply(t.helpTitle, [
            { type: "header", text: t.helpTitle },
            { type: "table", columns: ["command", "what it does"], rows: visible.map((c) => [`/${c.name}`, c.description]) },
            { type: "context", text: t.helpHint },
          ]);
        },
      }),
    ],
  });
}
