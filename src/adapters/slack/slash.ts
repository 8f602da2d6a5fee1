// Slash commands: `/steward <command> …` for every command, plus short
// aliases for the common ones. Acknowledged at once (Slack allows 3 s), then
// answered through respond(): ephemeral unless the reply is public. A command
// that needs answers opens a modal with the trigger_id instead. A long table
// in the answer pages: its buttons run the same command line again (actions.ts).
import type { App as BoltApp } from "@slack/bolt";
import { answer } from "../../kit/answer.ts";
import { tokenize, type CommandDef, type Registry } from "../../kit/framework.ts";
import type { SlackContext } from "./context.ts";
import { slackAdapter } from "./adapter.ts";

/** The one command that reaches everything. */
export const TOP_COMMAND = "steward";
/** Commands common enough for their own slash command; each is registered only when the registry has it. */
export const SHORTCUTS = ["tier", "points", "log", "commitments"] as const;

export interface SlashCommand {
  /** e.g. "/tier" */
  slash: string;
  /** The registry command it runs; undefined for /steward, whose first word names the command. */
  command?: string;
  description: string;
  usageHint: string;
}

/** A short hint from the declarations alone (no pack), e.g. `[member]` or `dispute … | [options]`. */
function usageHint(cmd: CommandDef): string {
  const forms = cmd.subcommands.map((s) => {
    const opts = Object.entries(s.options).map(([n, o]) => (o.positional ? (o.required ? `<${n}>` : `[${n}]`) : `${n}:…`));
    return [s.name, ...opts].filter(Boolean).join(" ");
  });
  return forms.filter(Boolean).join(" | ") || "(no options)";
}

export function slashCommands(registry: Registry): SlashCommand[] {
  const out: SlashCommand[] = [
    { slash: `/${TOP_COMMAND}`, description: "Steward: partner points, programs, commitments (try /steward help)", usageHint: "help | <command> [options]" },
  ];
  for (const name of SHORTCUTS) {
    const cmd = registry.get(name);
    if (!cmd || cmd.name !== name) continue;
    out.push({ slash: `/${name}`, command: name, description: cmd.description, usageHint: usageHint(cmd) });
  }
  return out;
}

export function registerCommands(bolt: BoltApp, ctx: SlackContext): void {
  for (const sc of slashCommands(ctx.registry)) {
    bolt.command(sc.slash, async ({ command: body, ack, respond }) => {
      await ack();
      const words = tokenize(body.text ?? "");
      const name = sc.command ?? words.shift()?.replace(/^\//, "") ?? "help";
      const invocationId = `slack:${body.trigger_id}`;
      const adapter = slackAdapter(ctx, {
        userId: body.user_id,
        userName: body.user_name,
        channelId: body.channel_id,
        invocationId,
        triggerId: body.trigger_id,
        modal: { channel: body.channel_id, responseUrl: body.response_url },
        send: async (payload) => void (await respond(payload)),
        pager: { command: name, words, page: 0, invocationId },
      });
      await answer(ctx, adapter, { invocation: { command: name, words: [...words] }, interactive: true, what: { slash: sc.slash, command: name, user: body.user_id } });
    });
  }
}
