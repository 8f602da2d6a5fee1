// The terminal chat's logic, apart from any terminal: one line in, text out.
// Lines starting with / are commands; `/as bob` switches who is typing and
// `/channel community` where; any other line is a message in that channel,
// counted as a community contribution where the pack says so.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { App } from "../../app.ts";
import type { Config } from "../../config.ts";
import { renderText, terminalSafe } from "../../chat/plain-text.ts";
import { savePictures } from "../../chat/pictures/index.ts";
import type { Form, Reply } from "../../chat/reply.ts";
import { answeredKeys, answerWord } from "../../kit/codec.ts";
import type { Adapter, FormResult } from "../../kit/adapter.ts";
import { answer } from "../../kit/answer.ts";
import { withApology, type Registry } from "../../kit/invoke.ts";
import { parseLine, tokenize } from "../../kit/framework.ts";
import type { Actor } from "../../core/actor.ts";
import { isStorableText } from "../../domain/storable-text.ts";
import { actorFor } from "../../services/members.ts";
import type { ReplyStatus } from "../../chat/reply.ts";

/** Asks one question and returns the answer (undefined when input ended). */
export type Ask = (question: string) => Promise<string | undefined>;

export interface LineResult {
  output: string;
  status: ReplyStatus;
}

/** Hook for plain (non-command) lines; the community service plugs in here. */
export type MessageHandler = (app: App, actor: Actor, channel: string, text: string, messageId: string) => Promise<string | undefined>;

/** Terminal moderators are the handles in STEWARD_MODERATORS (a console identity's external id is its handle). */
export function consoleIsModerator(config: Pick<Config, "STEWARD_MODERATORS">, handle: string): boolean {
  return config.STEWARD_MODERATORS.some((m) => m.toLowerCase() === handle.toLowerCase());
}

export class ConsoleSession {
  private counter = 0;
  channel = "general";
  /** The terminal's columns (see width.ts): replies are fitted to them. Unset, lines run as long as they are. */
  width: number | undefined;
  /** Folder the replies' files (the report's CSV) are written to, printed as `csv: <path>`; unset, they are printed whole. */
  files: string | undefined;

  constructor(
    private readonly app: App,
    private readonly registry: Registry,
    public handle: string,
    private readonly onMessage?: MessageHandler,
    /** Folder the replies' pictures are written to (printed as `image: <path>`); without it they are not drawn. */
    private readonly pictures?: string,
  ) {}

  async actor(): Promise<Actor> {
    return actorFor(this.app, "console", this.handle, this.handle, () => consoleIsModerator(this.app.config, this.handle));
  }

  /**
   * What to print for a line. Never throws: a failure (the database down, a fault of ours) is
   * answered like any reply; member text in it (names, reasons, notes) cannot garble the terminal.
   */
  async handleLine(line: string, ask?: Ask): Promise<LineResult> {
    const apologise = (sorry: Reply): LineResult => ({ output: renderText(sorry, { width: this.width }), status: sorry.status });
    // Rendering the apology cannot fail, so there is always a result.
    const result = (await withApology(this.app, { actor: this.handle, channel: this.channel }, () => this.answer(line, ask), apologise)) as LineResult;
    return { ...result, output: terminalSafe(result.output) };
  }

  private async answer(line: string, ask?: Ask): Promise<LineResult> {
    const text = line.trim();
    if (!text) return { output: "", status: "ok" };
    if (!text.startsWith("/")) {
      const actor = await this.actor();
      const id = `${Date.now()}-${++this.counter}`;
      const note = this.onMessage ? await this.onMessage(this.app, actor, this.channel, text, id) : undefined;
      return { output: note ?? "", status: "ok" };
    }
    const [word, ...rest] = tokenize(text.slice(1));
    if (word === "as") {
      const name = rest[0]?.replace(/^@/, "");
      if (!name || rest.length > 1 || !isStorableText(name)) return { output: "Usage: /as <name>, e.g. /as bob", status: "user-error" };
      this.handle = name.toLowerCase();
      const actor = await this.actor();
      return { output: `You are now ${actor.handle}${actor.isModerator ? " (moderator)" : ""}.`, status: "ok" };
    }
    if (word === "channel") {
      const name = rest[0]?.replace(/^#/, "");
      if (!name) return { output: `You are in #${this.channel}. Usage: /channel <name>`, status: "ok" };
      this.channel = name;
      return { output: `You are now in #${name}.`, status: "ok" };
    }
    return this.runCommand(text, ask);
  }

  private async runCommand(line: string, ask?: Ask): Promise<LineResult> {
    const parsed = parseLine(line);
    if (!parsed) return { output: "", status: "ok" };
    let result: LineResult = { output: "", status: "ok" };
    // Each line is its own invocation (a line typed twice acts twice); a form's answers complete the same one.
    const invocationId = `console:${randomUUID()}`;
    const adapter: Adapter = {
      pictures: this.pictures !== undefined,
      caller: async () => ({ actor: await this.actor(), channel: this.channel, invocationId }),
      ...(ask ? { showForm: async (form: Form, given: readonly string[]) => askForm(form, given, ask) } : {}),
      reply: async (reply) => void (result = { output: this.render(await this.withPictures(reply)), status: reply.status }),
      apologise: async (sorry) => void (result = { output: renderText(sorry, { width: this.width }), status: sorry.status }),
    };
    await answer({ app: this.app, registry: this.registry }, adapter, { invocation: { command: parsed.command, words: parsed.words }, interactive: ask !== undefined, what: { actor: this.handle, channel: this.channel } });
    return result;
  }

  private render(reply: Reply): string {
    return renderText(this.withFiles(reply), { width: this.width });
  }

  private withFiles(reply: Reply): Reply {
    const dir = this.files;
    if (!dir || !reply.files?.length) return reply;
    mkdirSync(dir, { recursive: true });
    const files = reply.files.map((f) => {
      // The name is Steward's own (program and week), kept to one safe path segment all the same.
      const path = join(dir, basename(f.filename).replace(/[^\w.-]+/g, "_"));
      writeFileSync(path, f.content);
      return { ...f, path };
    });
    return { ...reply, files };
  }

  private withPictures(reply: Reply): Promise<Reply> {
    if (!this.pictures) return Promise.resolve(reply);
    return savePictures(reply, this.pictures, (err) => this.app.log.error({ err }, "a picture could not be drawn; its alt text stands in"));
  }
}

/** Asks the form's missing questions one by one; returns them as `key:value` words. */
async function askForm(form: Form, given: readonly string[], ask: Ask): Promise<FormResult> {
  const words: string[] = [];
  const have = answeredKeys(given);
  let intro = form.intro ? `${form.intro}\n` : "";
  for (const field of form.fields) {
    if (have.has(field.key)) continue;
    for (;;) {
      const answer = await ask(`${intro}${field.label}${field.required ? "" : " (optional, Enter to skip)"}: `);
      intro = "";
      if (answer === undefined) return { cancelled: true };
      const word = answerWord(field.key, answer);
      if (word) {
        words.push(word);
        break;
      }
      if (!field.required) break;
    }
  }
  return { answers: words };
}
