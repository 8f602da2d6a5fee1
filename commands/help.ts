import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/command/options.ts";
import { command, sub, type CommandDef } from "../src/command/types.ts";
import { usage } from "../src/command/usage.ts";

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
          if (name) {
            const cmd = commands.find((c) => c.name === name.replace(/^\//, "").toLowerCase() || c.aliases?.includes(name));
            if (!cmd) throw new UserError(`There is no command /${name}.`, "Type /help to see the commands.");
            return reply(`/${cmd.name}: ${cmd.description}`, [
              { type: "header", text: `/${cmd.name}` },
              { type: "text", text: cmd.description },
              {
                type: "table",
                columns: ["usage", "what it does", "who"],
                rows: cmd.subcommands.map((s) => [usage(cmd, s, app.pack), s.description, s.access === "moderator" ? "moderators" : "anyone"]),
              },
            ]);
          }
          const visible = commands.filter((c) => actor.isModerator || c.subcommands.some((s) => s.access === "anyone"));
          return reply("Steward commands", [
            { type: "header", text: "Steward commands" },
            { type: "table", columns: ["command", "what it does"], rows: visible.map((c) => [`/${c.name}`, c.description]) },
            { type: "context", text: "Options are written name:value (quote values with spaces). /help <command> shows one in detail." },
          ]);
        },
      }),
    ],
  });
}
