// A command reads like a spec: name, description, options (zod), who may run
// it, handler returning a Reply. Slack and Discord registration and the help
// text are generated from these declarations, never written twice.
import type { z } from "zod";
import type { Reply, Form } from "../chat/reply.ts";
import type { App } from "../app.ts";
import type { Pack } from "../domain/pack.ts";
import type { MemberRef } from "../core/actor.ts";
import type { Invocation } from "../core/invocation.ts";


/** What an option holds, so adapters can offer the native input (choices, autocomplete, user pickers). */
export type OptionKind = "string" | "integer" | "number" | "member" | "url" | "program" | "tier" | "activity-kind" | "date" | "text";

export interface OptionDef<S extends z.ZodType = z.ZodType> {
  description: string;
  kind: OptionKind;
  /** Validates and converts the raw string; optional options are `.optional()` here. */
  schema: S;
  required: boolean;
  /** May be given without `name:`, in declaration order. */
  positional?: boolean;
  /** Takes every remaining word (free text such as a reason). */
  rest?: boolean;
  /** Fixed choices, or choices read from the program pack. */
  choices?: readonly string[] | ((pack: Pack) => string[]);
  /** Inclusive bounds of an integer option, fixed or read from the program pack. */
  range?: readonly [number, number] | ((pack: Pack) => readonly [number, number]);
}

export type Options = Record<string, OptionDef>;
export type ArgsOf<O extends Options> = { [K in keyof O]: z.output<O[K]["schema"]> };

export interface CommandContext extends Invocation {
  app: App;
  /** The member the subcommand is about, when it declares `about`: resolved and checked by the dispatcher (see memberAbout). */
  about?: MemberRef;
}

/**
 * A precondition: the subcommand is about the asker, or about the member its option `option` names.
 * With `private`, only a moderator may name someone else: the dispatcher answers the denial with the
 * pack's memberPrivate ({what}, and {own}: the asker's own command for it) and audits it.
 */
export interface AboutMember<Name extends string = string> {
  option: Name;
  private?: { what: string; own: string };
}

export type Access = "anyone" | "moderator";

export interface Subcommand<O extends Options = Options> {
  /** "" for the command's default action. */
  name: string;
  description: string;
  options: O;
  /**
   * Options read from the program pack (an application's questions), accepted
   * as `name:value` beside `options`. Always optional here: the handler knows
   * which ones its program requires.
   */
  packOptions?: (pack: Pack) => Options;
  access: Access;
  /** Who the subcommand is about: the asker, or the member an option names (memberAbout gives them to the handler). */
  about?: AboutMember<keyof O & string>;
  /** Public replies are posted for everyone in the channel; the default is only for the asker. */
  visibility?: "ephemeral" | "public";
  /** Questions to ask in a modal (or one by one in the terminal) when they are missing. */
  form?: (ctx: CommandContext, args: Partial<ArgsOf<O>>) => Form | undefined | Promise<Form | undefined>;
  handler: (args: ArgsOf<O>, ctx: CommandContext) => Promise<Reply>;
}

export interface CommandDef {
  name: string;
  description: string;
  /** Shorter names a platform may register too (e.g. `/tier` beside `/steward tier`). */
  aliases?: string[];
  subcommands: Subcommand[];
}

/** The member a subcommand that declares `about` is about, as the dispatcher resolved them. */
export function memberAbout(ctx: CommandContext): MemberRef {
  if (!ctx.about) throw new Error("memberAbout: the subcommand declares no `about`");
  return ctx.about;
}

/** Keeps the option types of each subcommand while storing them in one list. */
export function sub<O extends Options>(def: Subcommand<O>): Subcommand {
  return def as unknown as Subcommand;
}

export function command(def: CommandDef): CommandDef {
  return def;
}
