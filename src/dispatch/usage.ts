import type { CommandDef, Subcommand } from "./types.ts";
import type { Pack } from "../domain/pack.ts";

export function choicesOf(option: Subcommand["options"][string], pack: Pack): string[] | undefined {
  if (!option.choices) return undefined;
  return typeof option.choices === "function" ? option.choices(pack) : [...option.choices];
}

/** An option's choices with what each means, for the options whose values the pack names and labels (activity kinds, programs, tiers). */
export function labelledChoices(option: Subcommand["options"][string], pack: Pack): Array<[string, string]> | undefined {
  const choices = choicesOf(option, pack);
  if (!choices) return undefined;
  const labels: Record<string, string> | undefined =
    option.kind === "activity-kind"
      ? Object.fromEntries(pack.activityKinds.map((k) => [k.id, k.label]))
      : option.kind === "program"
        ? Object.fromEntries(pack.programs.map((p) => [p.id, p.name]))
        : option.kind === "tier"
          ? Object.fromEntries(pack.partner.tiers.map((t) => [t.id, t.name]))
          : undefined;
  return labels ? choices.map((c) => [c, labels[c] ?? c]) : undefined;
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
