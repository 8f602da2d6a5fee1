// The kit's answer() through a test adapter that records the primitives it is asked for: the
// deadline met by deferring, a form versus a reply, answers asked in place, missing answers,
// a moderator's decision on a message, and the apology when the platform fails.
import { pino } from "pino";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import type { App } from "../../src/app.ts";
import type { Adapter, FormResult } from "../../src/kit/adapter.ts";
import { answer } from "../../src/kit/answer.ts";
import { reply, type Form } from "../../src/chat/reply.ts";
import { buildRegistry } from "../../src/dispatch/dispatch.ts";
import { command, sub } from "../../src/dispatch/types.ts";
import { UserError } from "../../src/core/errors.ts";

const text = (description: string) => ({ kind: "text" as const, description, schema: z.string().optional(), required: false });
const form: Form = { title: "Why", submit: "/ask", fields: [{ key: "why", label: "Why?", kind: "text", required: true }] };

let release: () => void = () => undefined;
const registry = buildRegistry([
  command({ name: "slow", description: "waits until the kit deferred", subcommands: [sub({ name: "", description: "", access: "anyone", options: {}, handler: async () => (await new Promise<void>((r) => (release = r)), reply("done")) })] }),
  command({
    name: "ask",
    description: "needs an answer",
    subcommands: [
      sub({
        name: "",
        description: "",
        access: "anyone",
        options: { why: text("Why") },
        form: (_ctx, args) => (args.why ? undefined : form),
        handler: async (args, ctx) => reply(`${String(args.why)}${ctx.formInView ? " (asked here)" : ""}`),
      }),
    ],
  }),
  command({
    name: "judge",
    description: "a moderator's decision",
    subcommands: [
      sub({
        name: "",
        description: "",
        access: "moderator",
        options: { verdict: { ...text("verdict"), positional: true } },
        handler: async (args) => {
          if (args.verdict === "no") throw new UserError("Already decided.");
          return reply(`Decided: ${String(args.verdict)}`);
        },
      }),
    ],
  }),
]);
const surface = { app: { log: pino({ level: "silent" }), pack: {} } as unknown as App, registry };
const actor = { memberId: "m", handle: "mona", displayName: "Mona", platform: "console" as const, externalId: "mona", isModerator: true };

function recorder(extra: Partial<Adapter> & { form?: FormResult } = {}) {
  const seen: string[] = [];
  const adapter: Adapter = {
    pictures: false,
    caller: async () => ({ actor, invocationId: `test:${Math.random()}` }),
    defer: async (how, ephemeral) => {
      seen.push(`defer ${how}${ephemeral ? " ephemeral" : ""}`);
      release();
    },
    showForm: async (f, given) => (seen.push(`form ${f.title} given=${given.join(" ")}`), extra.form ?? { shown: true }),
    reply: async (r, progress) => void seen.push(`reply${progress.deferred ? ` after ${progress.deferred}` : ""}: ${r.status} ${r.text}`),
    decide: async (r, who) => void seen.push(`decide by ${who.handle}: ${r.text}`),
    apologise: async (sorry) => void seen.push(`apologise: ${sorry.text.slice(0, 34)}`),
    ...extra,
  };
  return { adapter, seen };
}

describe("the kit's answer()", () => {
  it("defers when the work is not done by the deadline, then answers in place of the deferral", async () => {
    const { adapter, seen } = recorder({ deferAfterMs: 1 });
    await answer(surface, adapter, { invocation: { command: "slow", words: [] }, interactive: true, what: {} });
    expect(seen).toEqual(["defer reply ephemeral", "reply after reply: ok done"]);
  });

  it("shows a form when answers are missing, and runs the command again with answers asked in place", async () => {
    const modal = recorder();
    await answer(surface, modal.adapter, { invocation: { command: "ask", words: [] }, interactive: true, what: {} });
    expect(modal.seen).toEqual(["form Why given="]);

    const terminal = recorder({ form: { answers: ["why:because"] } });
    await answer(surface, terminal.adapter, { invocation: { command: "ask", words: [] }, interactive: true, what: {} });
    expect(terminal.seen).toEqual(["form Why given=", "reply: ok because (asked here)"]);

    const cancelled = recorder({ form: { cancelled: true } });
    await answer(surface, cancelled.adapter, { invocation: { command: "ask", words: [] }, interactive: true, what: {} });
    expect(cancelled.seen).toEqual(["form Why given=", "reply: user-error Cancelled."]);
  });

  it("says which answers are still missing where no form can be shown", async () => {
    const { adapter, seen } = recorder();
    await answer(surface, { ...adapter, showForm: undefined }, { invocation: { command: "ask", words: [] }, interactive: true, what: {} });
    expect(seen).toEqual(["reply: user-error Some answers are still missing. Run /ask why:<Why?>"]);
  });

  it("asks a button's own form before running anything", async () => {
    const { adapter, seen } = recorder();
    await answer(surface, adapter, { invocation: { command: "judge", words: ["yes"] }, interactive: true, form, onMessage: true, what: {} });
    expect(seen).toEqual(["form Why given="]);
  });

  it("updates the message a moderator decided on; a refusal, or a decision off a message, is a reply", async () => {
    const { adapter, seen } = recorder();
    await answer(surface, adapter, { invocation: { command: "judge", words: ["yes"] }, interactive: true, onMessage: true, what: {} });
    await answer(surface, adapter, { invocation: { command: "judge", words: ["no"] }, interactive: true, onMessage: true, what: {} });
    await answer(surface, adapter, { invocation: { command: "judge", words: ["yes"] }, interactive: true, what: {} });
    expect(seen).toEqual(["decide by mona: Decided: yes", "reply: user-error Already decided.", "reply: ok Decided: yes"]);
  });

  it("apologises when the platform refuses the answer, and when finding out who asks fails", async () => {
    const refused = recorder({ reply: () => Promise.reject(new Error("platform down")) });
    await answer(surface, refused.adapter, { invocation: { command: "ask", words: ["why:x"] }, interactive: true, what: {} });
    expect(refused.seen).toEqual(["apologise: Sorry, something went wrong on our"]);
    const nobody = recorder({ caller: () => Promise.reject(new Error("who?")) });
    await answer(surface, nobody.adapter, { invocation: { command: "ask", words: ["why:x"] }, interactive: true, what: {} });
    expect(nobody.seen).toEqual(["apologise: Sorry, something went wrong on our"]);
  });
});
