import type { CommandDef, Subcommand } from "./types.ts";
import type { Pack } from "../domain/pack.ts";

export function choicesOf(option: Subcommand["options"][string], pack: Pack): string[] | undefined {
  if (!option.choices) return undefined;
  return typeof option.choices === "function" ? option.choices(pack) : [...option.choices];
}

export function rangeOf(option: Subcommand["options"][string], pack: Pack): readonly [number, number] | undefined {
  return typeof option.range === "function" ? option.range(pack) : option.range;
}

/** A subcommand's options, with those the program pack adds (see Subcommand.packOptions). */
export function optionsOf(sub: Subcommand, pack: Pack): Subcommand["options"] {
  return sub.packOptions ? { ...sub.packOptions(pack), ...sub.options } : sub.options;
}

/** The right form of a command, shown with every mistake: `/site submit <url> kind:<classic|editorx> [role:<owner|collaborator>]`. */
export function usage(cmd: CommandDef, sub: Subcommand, pack: Pack): string {
  const parts = [`/${cmd.name}${sub.name ? ` ${sub.name}` : ""}`];
  for (const [name, option] of Object.entries(sub.options)) {
    const choices = choicesOf(option, pack);
    const shown = choices && choices.length <= 8 ? choices.join("|") : name;
    const body = option.positional ? `<${shown}${option.rest ? "…" : ""}>` : `${name}:<${shown}>`;
    parts.push(option.required ? body : `[${body}]`);
  }
  return parts.join(" ");
}
