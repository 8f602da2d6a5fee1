// One request answered, the same way on every platform: the adapter (adapter.ts) supplies the
// primitives, this decides what happens and when.
import type { Actor } from "../core/actor.ts";
import { findSubcommand } from "../dispatch/dispatch.ts";
import type { Subcommand } from "../dispatch/types.ts";
import { drawPictures } from "../chat/pictures/index.ts";
import type { Form, Reply } from "../chat/reply.ts";
import type { Adapter, Progress, Request } from "./adapter.ts";
import { invoke, withApology, type Caller, type Invocation, type Outcome, type Registry, type Surface } from "./invoke.ts";

/** The subcommand a request runs, if the registry knows it (its access and visibility shape the answer). */
export function subcommandOf(registry: Registry, invocation: Invocation): Subcommand | undefined {
  const cmd = registry.get(invocation.command.toLowerCase());
  if (!cmd) return undefined;
  if (invocation.words === undefined) return cmd.subcommands.find((s) => s.name === (invocation.sub ?? ""));
  return findSubcommand(cmd, invocation.words)?.sub;
}

/** A form that cannot be shown (a submitted form asks again, a deferral came first, a page button): what is missing and how to type it. */
export function missingAnswers(form: Form): Reply {
  const required = form.fields.filter((f) => f.required);
  const typed = required.map((f) => `${f.key}:<${f.label}>`).join(" ");
  const text = `Some answers are still missing. Run ${form.submit} ${typed}`;
  return {
    text,
    blocks: [{ type: "text", text: `Some answers are still missing: ${required.map((f) => f.label).join("; ")}.` }, { type: "context", text: `Or type them as options: ${form.submit} ${typed}` }],
    visibility: "ephemeral",
    status: "user-error",
  };
}

const CANCELLED: Reply = { text: "Cancelled.", blocks: [{ type: "text", text: "Cancelled." }], visibility: "ephemeral", status: "user-error" };

/** The work, or "late" when it is not done within `ms` (0 defers at once; undefined waits). */
async function within<T>(work: Promise<T>, ms: number | undefined): Promise<T | "late"> {
  if (ms === undefined) return work;
  if (ms <= 0) return "late";
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Answers `request` through `adapter`. Never throws: a failure anywhere (who asks, the command,
 * the platform) is logged with a reference and apologised for where the person is.
 */
export async function answer(surface: Surface, adapter: Adapter, request: Request): Promise<void> {
  const progress: Progress = {};
  const sub = subcommandOf(surface.registry, request.invocation);
  const decision = request.onMessage === true && sub?.access === "moderator" && adapter.decide !== undefined;
  const ephemeral = (sub?.visibility ?? "ephemeral") === "ephemeral";

  const run = (caller: Caller, invocation: Invocation): Promise<Outcome> => {
    const outcome = invoke(surface, invocation, caller, request.what);
    // Drawn as part of the work raced against the deadline: a slow drawing defers rather than misses it.
    const draw = (reply: Reply) => drawPictures(reply, (err) => surface.app.log.error({ err }, "a picture could not be drawn; its alt text stands in"));
    return adapter.pictures ? outcome.then(async (o) => (o.type === "reply" ? { ...o, reply: await draw(o.reply) } : o)) : outcome;
  };

  const deliver = async (reply: Reply) => {
    const actor: Actor | undefined = progress.actor;
    if (decision && reply.status === "ok" && actor && adapter.decide) return adapter.decide(reply, actor, progress);
    return adapter.reply(reply, progress);
  };

  const work = async () => {
    if (request.form && adapter.showForm) {
      const shown = await adapter.showForm(request.form, [], progress);
      if ("shown" in shown) return;
    }
    // Who asks is known before the command runs (a failure here is apologised for like any other).
    const caller: Caller = { ...(await adapter.caller()), interactive: request.interactive };
    progress.actor = caller.actor;
    const running = run(caller, request.invocation);
    let outcome = await within(running, adapter.deferAfterMs);
    if (outcome === "late") {
      progress.deferred = decision ? "update" : "reply";
      await adapter.defer?.(progress.deferred, ephemeral);
      outcome = await running;
    }
    if (outcome.type === "reply") return deliver(outcome.reply);
    if (!request.interactive || progress.deferred || !adapter.showForm) return deliver(missingAnswers(outcome.form));
    const given = request.invocation.words ?? [];
    const result = await adapter.showForm(outcome.form, given, progress);
    if ("shown" in result) return;
    if ("cancelled" in result) return deliver(CANCELLED);
    // The answers were asked where the reply is shown: what the form said (a program's terms) is still in view.
    const again = await run({ ...caller, interactive: false, formInView: true }, { ...request.invocation, words: [...given, ...result.answers] });
    return deliver(again.type === "reply" ? again.reply : missingAnswers(again.form));
  };
  await withApology(surface.app, request.what, work, (sorry) => adapter.apologise(sorry, progress));
}
