// The one place every command invocation passes through, whatever the
// platform: find the command, check who may run it, validate its options,
// run it, and turn every failure into a reply. A denial is audited here.
import type { Reply, Form } from "../chat/reply.ts";
import { auditDenied, withInvocation } from "../services/audit.ts";
import { resolveMember } from "../services/members.ts";
import type { MemberRef } from "../core/actor.ts";
import { PermissionError, UserError } from "../core/errors.ts";
import { accountMention } from "../core/mentions.ts";
import { fillTemplate } from "../domain/templates.ts";
import { failureReply } from "../kit/failure.ts";
import { splitOptions } from "./parse.ts";
import type { AboutMember, CommandContext, CommandDef, Options, Subcommand } from "./types.ts";
import { choicesOf, labelledChoices, optionsOf, rangeOf, usage } from "./usage.ts";

export type Registry = ReadonlyMap<string, CommandDef>;

export function buildRegistry(commands: CommandDef[]): Registry {
  const map = new Map<string, CommandDef>();
  for (const cmd of commands) {
    for (const name of [cmd.name, ...(cmd.aliases ?? [])]) {
      if (map.has(name)) throw new Error(`Two commands are called ${name}`);
      map.set(name, cmd);
    }
  }
  return map;
}

export interface Invocation {
  command: string;
  /** Words after the command name, as typed (terminal, Slack). */
  words?: string[];
  /** Or: the subcommand and typed options, as Discord sends them. */
  sub?: string;
  options?: Record<string, string | number | boolean>;
}

export type Outcome = { type: "reply"; reply: Reply } | { type: "form"; form: Form };

export function findSubcommand(cmd: CommandDef, words: string[]): { sub: Subcommand; rest: string[] } | undefined {
  const first = words[0]?.toLowerCase();
  const named = first !== undefined ? cmd.subcommands.find((s) => s.name !== "" && s.name === first) : undefined;
  if (named) return { sub: named, rest: words.slice(1) };
  const fallback = cmd.subcommands.find((s) => s.name === "");
  return fallback ? { sub: fallback, rest: words } : undefined;
}

function subcommandList(cmd: CommandDef, ctx: CommandContext): string {
  return cmd.subcommands.map((s) => usage(cmd, s, ctx.app.pack)).join("\n");
}

function userErrorReply(err: UserError): Reply {
  const text = err.hint ? `${err.message}\n${err.hint}` : err.message;
  return { text, blocks: [{ type: "text", text: err.message }, ...(err.hint ? [{ type: "context" as const, text: err.hint }] : [])], visibility: "ephemeral", status: "user-error" };
}

export async function dispatch(registry: Registry, inv: Invocation, ctx: CommandContext): Promise<Outcome> {
  try {
    return await withInvocation(ctx.invocationId, () => run(registry, inv, ctx));
  } catch (err) {
    if (err instanceof UserError) return { type: "reply", reply: userErrorReply(err) };
    return { type: "reply", reply: failureReply(ctx.app.log, err, { command: inv.command, actor: ctx.actor.handle }) };
  }
}

async function run(registry: Registry, inv: Invocation, ctx: CommandContext): Promise<Outcome> {
  const cmd = registry.get(inv.command.toLowerCase());
  const t = ctx.app.pack.texts;
  if (!cmd) throw new UserError(fillTemplate(t.helpUnknownCommand, { name: inv.command }), t.helpUnknownCommandHint, "command.unknown");

  const found = inv.words !== undefined ? findSubcommand(cmd, inv.words) : undefined;
  const sub = inv.words !== undefined ? found?.sub : cmd.subcommands.find((s) => s.name === (inv.sub ?? ""));
  const title = `/${cmd.name}${sub?.name ? ` ${sub.name}` : ""}`;

  // Before anything about the options: a member's malformed attempt at a moderator command is a refused attempt, and audited.
  const moderatorOnly = sub ? sub.access === "moderator" : cmd.subcommands.every((s) => s.access === "moderator");
  if (moderatorOnly && !ctx.actor.isModerator) {
    await auditDenied(ctx.app.db, ctx.actor, title.slice(1), { words: inv.words ?? null, options: inv.options ?? null });
    throw new PermissionError(`Only moderators can use ${title}.`);
  }

  if (!sub) {
    if (inv.words !== undefined) throw new UserError(`/${cmd.name} needs one of these:`, subcommandList(cmd, ctx), "command.subcommand");
    throw new UserError(`/${cmd.name} has no subcommand ${inv.sub}.`, subcommandList(cmd, ctx), "command.subcommand");
  }
  const help = `Usage: ${usage(cmd, sub, ctx.app.pack)}`;

  let positional: string[] = [];
  let named: Record<string, string> = {};
  if (found) {
    const split = splitOptions(found.rest, new Set(Object.keys(optionsOf(sub, ctx.app.pack))));
    if (split.unknown.length > 0) throw new UserError(`${title} has no option ${split.unknown.map((u) => `${u}:`).join(", ")}.`, help, "command.option");
    positional = split.positional;
    named = split.named;
  } else {
    named = Object.fromEntries(Object.entries(inv.options ?? {}).map(([k, v]) => [k, String(v)]));
  }

  // Positional words fill the positional options in order; a `rest` option takes what is left.
  const raw: Record<string, string> = { ...named };
  const options = optionsOf(sub, ctx.app.pack);
  const slots = Object.entries(options).filter(([name, o]) => o.positional && raw[name] === undefined);
  for (const [name, option] of slots) {
    if (positional.length === 0) break;
    raw[name] = option.rest ? positional.splice(0).join(" ") : (positional.shift() as string);
  }
  if (positional.length > 0) throw new UserError(`${title} did not expect "${positional.join(" ")}".`, help, "command.extra");
  readMentions(raw, options, ctx);

  if (sub.form && ctx.interactive) {
    const form = await sub.form(ctx, raw as never);
    if (form && form.fields.some((f) => f.required && (raw[f.key] === undefined || raw[f.key] === ""))) return { type: "form", form };
  }

  const args: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, option] of Object.entries(options)) {
    const value = raw[name];
    if (value === undefined && option.required) {
      const named = labelledChoices(option, ctx.app.pack);
      problems.push(`${name} is missing: ${option.description}${named ? ` (one of: ${named.map(([id, label]) => (label === id ? id : `${id}: ${label}`)).join(", ")})` : ""}`);
      continue;
    }
    const choices = choicesOf(option, ctx.app.pack);
    if (value !== undefined && choices && !choices.includes(value.trim().toLowerCase())) {
      problems.push(`${name} must be one of ${choices.join(", ")} (not "${value}")`);
      continue;
    }
    const parsed = option.schema.safeParse(choices && value !== undefined ? value.trim().toLowerCase() : value);
    if (!parsed.success) {
      problems.push(`${name} ${parsed.error.issues[0]?.message ?? "is not valid"}`);
      continue;
    }
    const range = rangeOf(option, ctx.app.pack);
    if (range && typeof parsed.data === "number" && !(parsed.data >= range[0] && parsed.data <= range[1])) {
      problems.push(`${name} must be a whole number from ${range[0]} to ${range[1]} (not ${value?.trim()})`);
      continue;
    }
    args[name] = parsed.data;
  }
  if (problems.length > 0) throw new UserError(`${title}: ${problems.join("; ")}.`, help, "command.invalid");

  const about = sub.about ? await memberAbout(sub.about, args[sub.about.option], ctx) : undefined;
  const reply = await sub.handler(args as never, about ? { ...ctx, about } : ctx);
  return { type: "reply", reply: { ...reply, visibility: reply.status === "ok" ? (sub.visibility ?? reply.visibility) : "ephemeral" } };
}

/** The asker, or the member named; naming someone else where only moderators may is refused and audited. */
async function memberAbout(about: AboutMember, named: unknown, ctx: CommandContext): Promise<MemberRef> {
  const { app, actor } = ctx;
  if (typeof named !== "string" || !named) return { id: actor.memberId, handle: actor.handle, displayName: actor.displayName };
  if (about.private && !actor.isModerator) {
    await auditDenied(app.db, actor, `see another member's ${about.private.what}`, { member: named });
    throw new PermissionError(fillTemplate(app.pack.texts.memberPrivate, about.private));
  }
  return resolveMember(app, named);
}

/** A member option holding the surface's own mention markup is passed on as the neutral `<@platform:id>`. */
function readMentions(raw: Record<string, string>, options: Options, ctx: CommandContext): void {
  if (!ctx.readMention) return;
  for (const [name, option] of Object.entries(options)) {
    const value = raw[name];
    const account = option.kind === "member" && value !== undefined ? ctx.readMention(value.trim()) : undefined;
    if (account) raw[name] = accountMention(account);
  }
}
