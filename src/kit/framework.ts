// What adapters read of the command framework, reached only through the kit: the typed command
// line's grammar (terminal, Slack, a form's command line) and the declarations a platform's
// registration is generated from (Slack's slash commands, Discord's application commands).
export { parseLine, tokenize, type ParsedLine } from "../dispatch/parse.ts";
export { choicesOf, optionsOf, rangeOf } from "../dispatch/usage.ts";
export type { CommandDef, OptionDef, Subcommand } from "../dispatch/types.ts";
export type { Registry } from "../dispatch/dispatch.ts";
