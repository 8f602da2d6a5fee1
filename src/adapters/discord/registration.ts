// Application commands generated from commands/, never written by hand.
// Each CommandDef becomes a slash command. A command with only a default
// action ("" subcommand) takes its options directly; otherwise every
// subcommand becomes a Discord subcommand and the default action is
// registered under a "show"-like name (Discord cannot mix subcommands with
// options of the command itself), mapped back to "" on the way in.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { choicesOf, optionsOf, rangeOf, type CommandDef, type OptionDef, type Subcommand } from "../../kit/framework.ts";
import type { Pack } from "../../domain/pack.ts";
import { clip } from "../../chat/fit.ts";

const DEFAULT_NAMES = ["show", "view", "status", "me"];
const MAX_CHOICES = 25;
const MAX_OPTIONS = 25;
/** Kinds whose values come from the pack (or the member list): offered by autocomplete so a pack edit needs no re-registration. */
const AUTOCOMPLETE_KINDS = new Set<OptionDef["kind"]>(["program", "tier", "activity-kind"]);

/** The Discord subcommand name a CommandDef's default ("") action is registered under, if it has subcommands. */
export function defaultSubName(cmd: CommandDef): string | undefined {
  if (cmd.subcommands.every((s) => s.name === "") || !cmd.subcommands.some((s) => s.name === "")) return undefined;
  const taken = new Set(cmd.subcommands.map((s) => s.name));
  return DEFAULT_NAMES.find((n) => !taken.has(n)) ?? "default";
}

/** Discord subcommand name → Steward subcommand name ("show" → ""). */
export function stewardSubName(cmd: CommandDef, discordSub: string | null): string {
  if (discordSub === null) return "";
  return discordSub === defaultSubName(cmd) ? "" : discordSub;
}

export function optionType(option: OptionDef): ApplicationCommandOptionType.String | ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number | ApplicationCommandOptionType.User {
  switch (option.kind) {
    case "integer":
      return ApplicationCommandOptionType.Integer;
    case "number":
      return ApplicationCommandOptionType.Number;
    // Discord's own member picker; the adapter passes the picked user on as their account (mentions.ts).
    case "member":
      return ApplicationCommandOptionType.User;
    default:
      return ApplicationCommandOptionType.String;
  }
}

/** Whether the option is answered by autocomplete rather than registered choices. */
export function usesAutocomplete(option: OptionDef, pack: Pack): boolean {
  if (optionType(option) !== ApplicationCommandOptionType.String) return false;
  if (AUTOCOMPLETE_KINDS.has(option.kind)) return true;
  const choices = choicesOf(option, pack);
  return choices !== undefined && choices.length > MAX_CHOICES;
}

function buildOption(name: string, option: OptionDef, pack: Pack): APIApplicationCommandBasicOption {
  const type = optionType(option);
  const base = { name: name.toLowerCase(), description: clip(option.description, 100), required: option.required };
  if (type === ApplicationCommandOptionType.User) return { ...base, type };
  if (type === ApplicationCommandOptionType.Integer) {
    // Discord's client keeps the number in range before sending; the dispatcher checks again.
    const range = rangeOf(option, pack);
    return { ...base, type, ...(range ? { min_value: range[0], max_value: range[1] } : {}) };
  }
  if (type === ApplicationCommandOptionType.Number) return { ...base, type, min_value: 0 };
  if (usesAutocomplete(option, pack)) return { ...base, type, autocomplete: true };
  const choices = choicesOf(option, pack);
  if (choices && choices.length > 0) return { ...base, type, choices: choices.slice(0, MAX_CHOICES).map((c) => ({ name: clip(c, 100), value: c })) };
  return { ...base, type, max_length: option.kind === "text" ? 1000 : 200 };
}

function buildOptions(sub: Subcommand, pack: Pack): APIApplicationCommandBasicOption[] {
  const built = Object.entries(optionsOf(sub, pack)).map(([name, o]) => buildOption(name, o, pack));
  // Discord requires required options before optional ones.
  return [...built.filter((o) => o.required), ...built.filter((o) => !o.required)].slice(0, MAX_OPTIONS);
}

export function buildCommand(cmd: CommandDef, pack: Pack, name = cmd.name): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const base = { name, description: clip(cmd.description, 100), type: ApplicationCommandType.ChatInput as const };
  const only = cmd.subcommands.length === 1 ? cmd.subcommands[0] : undefined;
  if (only && only.name === "") return { ...base, options: buildOptions(only, pack) };
  const defaultName = defaultSubName(cmd);
  const subs: APIApplicationCommandSubcommandOption[] = cmd.subcommands.map((s) => ({
    type: ApplicationCommandOptionType.Subcommand,
    name: s.name === "" ? (defaultName ?? "show") : s.name,
    description: clip(s.description, 100),
    options: buildOptions(s, pack),
  }));
  return { ...base, options: subs };
}

/** Every command (and alias) in the registry's list, as Discord's bulk-overwrite body. */
export function buildApplicationCommands(commands: CommandDef[], pack: Pack): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.flatMap((cmd) => [cmd.name, ...(cmd.aliases ?? [])].map((name) => buildCommand(cmd, pack, name)));
}

/** Autocomplete suggestions for an option: pack values (with their labels) matching what was typed. */
export function suggestions(option: OptionDef, pack: Pack, typed: string): { name: string; value: string }[] {
  const q = typed.trim().toLowerCase();
  const labelled = labelledChoices(option, pack);
  return labelled
    .filter((c) => !q || c.value.toLowerCase().includes(q) || c.name.toLowerCase().includes(q))
    .slice(0, MAX_CHOICES)
    .map((c) => ({ name: clip(c.name, 100), value: c.value }));
}

function labelledChoices(option: OptionDef, pack: Pack): { name: string; value: string }[] {
  const allowed = choicesOf(option, pack);
  const keep = (v: string) => !allowed || allowed.includes(v);
  switch (option.kind) {
    case "program":
      return pack.programs.filter((p) => keep(p.id)).map((p) => ({ name: `${p.name} (${p.id})`, value: p.id }));
    case "tier":
      return pack.partner.tiers.filter((t) => keep(t.id)).map((t) => ({ name: `${t.name} (${t.threshold}+ points)`, value: t.id }));
    case "activity-kind":
      return pack.activityKinds.filter((k) => !k.automatic && keep(k.id)).map((k) => ({ name: `${k.label} (${k.id})`, value: k.id }));
    default:
      return (allowed ?? []).map((c) => ({ name: c, value: c }));
  }
}
