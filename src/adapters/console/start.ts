// The terminal as a platform (`steward chat`): its delivery target prints what the outbox holds for
// it, and its foreground is the conversation, one line at a time, until /quit or the end of input.
import { userInfo } from "node:os";
import { createInterface, type Interface } from "node:readline";
import { picturesDir } from "../../chat/pictures/index.ts";
import { wrapWords } from "../../chat/fit.ts";
import { terminalSafe } from "../../chat/plain-text.ts";
import type { Foreground, StartContext, StartedPlatform } from "../platform.ts";
import { colourEnabled, colourise } from "./colour.ts";
import { consoleMessageHandler } from "./messages.ts";
import { ConsoleSession, consoleIsModerator, type Ask } from "./session.ts";
import { consoleTarget } from "./target.ts";
import { filesDir, terminalWidth } from "./width.ts";

const print = (text: string) => process.stdout.write(`${terminalSafe(text)}\n`);

export async function start({ runtime, registry, kind }: StartContext): Promise<StartedPlatform> {
  const { app } = runtime;
  const { config } = app;
  const pictures = picturesDir(config.STEWARD_DATA_DIR);
  let rl: Interface | undefined;
  return {
    platform: "console",
    target: consoleTarget(print, pictures),
    isModerator: async (handle) => consoleIsModerator(config, handle),
    foreground: async (running: Foreground) => {
      const handle = (kind.terminal?.as ?? config.STEWARD_MODERATORS[0] ?? userInfo().username).replace(/^@/, "").toLowerCase();
      const session = new ConsoleSession(app, registry, handle, consoleMessageHandler, pictures);
      Object.assign(session, { width: terminalWidth(process.stdout), files: filesDir(config.STEWARD_DATA_DIR) });
      process.stdout.on("resize", () => (session.width = terminalWidth(process.stdout)));
      const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY, historySize: 200 });
      rl = lines;
      // One line at a time: questions asked by a command take the next lines.
      const queue: string[] = [];
      let waiting: ((line: string | undefined) => void) | undefined;
      let closed = false;
      lines.on("line", (line) => (waiting ? (waiting(line), (waiting = undefined)) : queue.push(line)));
      lines.on("close", () => {
        closed = true;
        waiting?.(undefined);
      });
      const next = (): Promise<string | undefined> =>
        queue.length ? Promise.resolve(queue.shift()) : closed ? Promise.resolve(undefined) : new Promise((resolve) => (waiting = resolve));
      const ask: Ask = async (question) => {
        process.stdout.write(terminalSafe(question));
        return next();
      };
      const me = await session.actor();
      const extra = running.platforms.length ? ` Also running: ${running.platforms.join(", ")}.` : "";
      // The greeting fits the terminal like every reply (it ran to 131 columns).
      const greet = (line: string) => wrapWords(line, terminalWidth(process.stdout)).forEach((l) => print(l));
      greet(`Steward — terminal chat. You are ${me.handle}${me.isModerator ? " (moderator)" : ""}.${extra}`);
      greet("Type /help for commands, /as NAME to switch user, /channel NAME to change channel (plain lines are messages there), /quit to leave.");
      for (;;) {
        lines.setPrompt(terminalSafe(`${session.handle}@#${session.channel}> `));
        lines.prompt();
        const line = await next();
        if (line === undefined || /^\/(quit|exit)\b/.test(line.trim())) break;
        const result = await session.handleLine(line, ask);
        if (result.output) process.stdout.write(`${colourEnabled(process.stdout) ? colourise(result.output, result.status) : result.output}\n`);
        await running.drain();
      }
      lines.close();
      await running.stop();
    },
    stop: async () => rl?.close(),
  };
}
