// The interaction kit every surface uses: the button and form codecs (including ids posted
// before the kit existed), clipping and tables, and the apology with its reference.
import { Writable } from "node:stream";
import fc from "fast-check";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { LIMITS as DISCORD, renderReply } from "../../src/adapters/discord/render.ts";
import { buttonId, decodeId, parseButtonId } from "../../src/adapters/discord/ids.ts";
import { LIMITS as SLACK, renderBlocks } from "../../src/adapters/slack/render.ts";
import { decodeButton, encodeButton } from "../../src/adapters/slack/ids.ts";
import type { App } from "../../src/app.ts";
import { actionWords, answeredKeys, answerWord, answerWords, decodeAction, encodeAction, type ButtonAction } from "../../src/kit/codec.ts";
import { failureReply, invoke, UNAVAILABLE_TEXT, withApology } from "../../src/kit/invoke.ts";
import { clip, tabulate } from "../../src/chat/fit.ts";
import type { Button, Reply } from "../../src/chat/reply.ts";
import { buildRegistry } from "../../src/dispatch/dispatch.ts";

/** A logger whose lines the test can read. */
function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const settle = () => new Promise((resolve) => setImmediate(resolve));

// Hostile values: colons, quotes, line breaks, NUL and other controls, right-to-left marks, astral characters, overlong.
const hostile = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom("a:b:c", "::", ":", "\u0000", "x\u0000y", "\n\r\t", '"quoted" “curly”', "\u202eevil", "👩‍👩‍👧 🎉", "<!channel> @everyone", "x".repeat(5000)),
);
const commandName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const actionName = fc.oneof(fc.constant(""), fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/));

describe("button action codec", () => {
  it("round-trips command, action and any value", () => {
    fc.assert(
      fc.property(commandName, actionName, hostile, (command, action, value) => {
        const a: ButtonAction = { command, action, value };
        expect(decodeAction(encodeAction(a))).toEqual(a);
      }),
    );
  });

  it("keeps colons in the value, and refuses a command or action that could not come back", () => {
    expect(decodeAction(encodeAction({ command: "review", action: "approve", value: "https://x.com:8080/a:b" }))).toEqual({ command: "review", action: "approve", value: "https://x.com:8080/a:b" });
    expect(() => encodeAction({ command: "re:view", action: "approve", value: "x" })).toThrow(/command name/);
    expect(() => encodeAction({ command: "", action: "approve", value: "x" })).toThrow(/command name/);
    expect(() => encodeAction({ command: "review", action: "a:b", value: "x" })).toThrow(/may not contain/);
  });

  it("turns a click into the words typed after the command", () => {
    expect(actionWords({ command: "review", action: "approve", value: 'alice "two words"' })).toEqual(["approve", "alice", "two words"]);
    expect(actionWords({ command: "points", action: "", value: "" })).toEqual([]);
  });

  it("still decodes the ids Slack and Discord buttons were posted with before the kit", () => {
    // Slack button values: `command:action:value`, and the JSON envelope of a button with a form.
    expect(decodeButton("review:approve:alice community-leaders-velo")).toEqual({ command: "review", action: "approve", value: "alice community-leaders-velo" });
    expect(decodeButton("Dispute:accept:42")).toEqual({ command: "dispute", action: "accept", value: "42" });
    const form = { title: "Decline dispute", submit: "/dispute decline 42", fields: [{ key: "reason", label: "Why?", required: true, kind: "long-text" as const }] };
    expect(decodeButton(JSON.stringify({ run: "dispute:decline:42", form }))).toEqual({ command: "dispute", action: "decline", value: "42", form });
    // Discord custom_ids: `command:action:value`, `?` before one that asks first, `[\w-]` actions.
    expect(parseButtonId("review:approve:alice community-leaders-velo")).toEqual({ command: "review", words: ["approve", "alice", "community-leaders-velo"], hasForm: false });
    expect(parseButtonId("?review:reject:alice velo")).toEqual({ command: "review", words: ["reject", "alice", "velo"], hasForm: true });
    expect(parseButtonId("decide:approve_all:alice")).toEqual({ command: "decide", words: ["approve_all", "alice"], hasForm: false });
    for (const junk of ["not a button", "", ":approve:x", "review", "{broken"]) {
      expect(decodeAction(junk)).toBeUndefined();
      expect(decodeButton(junk)).toBeUndefined();
      expect(parseButtonId(junk)).toBeUndefined();
    }
  });

  it("keeps Discord's custom_id within 100 characters and Slack's action_id and value within their limits, for any value", () => {
    fc.assert(
      fc.property(commandName, actionName, hostile, (command, action, value) => {
        const b: Button = { label: "Go", command, action, value };
        const id = buttonId(b);
        expect(id.length).toBeLessThanOrEqual(DISCORD.customId);
        // A long id is kept by the process that drew it: the click runs the same words.
        expect(parseButtonId(decodeId(id)!)?.words).toEqual(actionWords(b));
        const drawn = renderBlocks({ text: "x", blocks: [{ type: "buttons", buttons: [b] }], visibility: "ephemeral", status: "ok" });
        const element = (drawn[0] as { elements: { action_id: string; value: string }[] }).elements[0]!;
        expect(element.action_id.length).toBeLessThanOrEqual(SLACK.actionId);
        expect(element.value.length).toBeLessThanOrEqual(SLACK.buttonValue);
        if (encodeButton(b).length < SLACK.buttonValue) expect(decodeButton(element.value)).toEqual({ command, action, value });
      }),
      { numRuns: 200 },
    );
  });
});

describe("form answers", () => {
  it("become the `key:value` words a person would type, trimmed, empty ones left out", () => {
    expect(answerWords([["reason", "  too slow "], ["when", "2026-11-20"], ["empty", ""], ["blank", "   "], ["missing", undefined], ["none", null]])).toEqual(["reason:too slow", "when:2026-11-20"]);
    expect(answerWord("url", "https://x.com:8080/a:b")).toBe("url:https://x.com:8080/a:b");
    expect(answerWord("note", "line one\nline two")).toBe("note:line one\nline two");
  });

  it("know which answers a command line already gives", () => {
    expect([...answeredKeys(["alice", "Reason:late", "url:https://x.com", "9:30", "note:"])]).toEqual(["reason", "url", "note"]);
  });
});

describe("clip and tabulate", () => {
  it("leaves text at the limit alone and cuts one character over it to the limit, ending in …", () => {
    expect(clip("abcde", 5)).toBe("abcde");
    expect(clip("abcdef", 5)).toBe("abcd…");
    expect(clip("", 0)).toBe("");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (text, max) => {
        const out = clip(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(out).toBe(text);
        else expect(out.endsWith("…")).toBe(true);
      }),
    );
  });

  it("never cuts a character in half (a lone surrogate is not valid text, and a platform may refuse the message)", () => {
    expect(clip("a😀bc", 3)).toBe("a…");
    expect(clip("ab😀c", 4)).toBe("ab…");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), fc.integer({ min: 1, max: 100 }), (text, max) => {
        expect(clip(text, max)).not.toMatch(LONE_SURROGATE);
      }),
    );
  });

  it("lines up columns under a rule", () => {
    expect(tabulate(["Member", "Points"], [["alice", "400"], ["bob", "5"]])).toEqual(["Member  Points", "──────  ──────", "alice   400", "bob     5"]);
    expect(tabulate(["A"], [])).toEqual(["A", "─"]);
  });
});

describe("apology", () => {
  it("carries a reference the log line has too, and never the error's message or stack", () => {
    const { log, lines } = capturingLog();
    const err = new Error("relation secret_table does not exist");
    const reply = failureReply(log, err, { command: "tier" });
    const ref = /\(ref ([0-9a-f]{8})\)/.exec(reply.text)?.[1];
    expect(ref).toBeDefined();
    expect(reply).toMatchObject({ status: "internal-error", visibility: "ephemeral" });
    const shown = JSON.stringify(reply);
    expect(shown).not.toContain("secret_table");
    expect(shown).not.toMatch(/\bat .*\.ts:\d+/);
    return settle().then(() => expect(lines).toEqual([expect.objectContaining({ ref, command: "tier", level: 50 })]));
  });

  it("says a database outage as such, with nothing recorded and no reference", () => {
    const { log } = capturingLog();
    const reply = failureReply(log, Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }), {});
    expect(reply).toMatchObject({ text: UNAVAILABLE_TEXT, status: "unavailable" });
    expect(reply.text).not.toMatch(/ref /);
  });

  it("is what a surface delivers when its answer fails, and a failed apology is not thrown at the surface", async () => {
    const { log } = capturingLog();
    const delivered: Reply[] = [];
    const failing = () => Promise.reject(new Error("platform said no"));
    expect(await withApology({ log }, { surface: "test" }, failing, (sorry) => void delivered.push(sorry))).toBeUndefined();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.text).toMatch(/\(ref [0-9a-f]{8}\)/);
    expect(await withApology({ log }, {}, failing, () => Promise.reject(new Error("still down")))).toBeUndefined();
    expect(await withApology({ log }, {}, () => Promise.resolve("fine"), () => "sorry")).toBe("fine");
  });

  it("answers an invocation whose caller cannot be found (the database down) with a reply, not a throw", async () => {
    const { log } = capturingLog();
    const surface = { app: { log } as unknown as App, registry: buildRegistry([]) };
    const outcome = await invoke(surface, { command: "tier", words: [] }, () => Promise.reject(new Error("who?")));
    expect(outcome.type).toBe("reply");
    expect(outcome.type === "reply" && outcome.reply.text).toMatch(/something went wrong on our side \(ref [0-9a-f]{8}\)/);
  });
});

describe("renderers share the kit's clip", () => {
  it("cuts Discord content to its limit", () => {
    const long: Reply = { text: "y".repeat(DISCORD.content + 50), blocks: [], visibility: "ephemeral", status: "ok" };
    expect(renderReply(long).content).toHaveLength(DISCORD.content);
  });
});
