// Every chat command, in the order /help lists them. Adapters register these
// with Slack and Discord; nothing else declares a command.
import type { CommandDef } from "../src/command/types.ts";
import { buildRegistry, type Registry } from "../src/command/dispatch.ts";
import { helpCommand } from "./help.ts";
import tier from "./tier.ts";

export const commands: CommandDef[] = [];
commands.push(helpCommand(() => commands), tier);

export const registry: Registry = buildRegistry(commands);
