// Colour for the terminal chat, on a terminal only: NO_COLOR (any value) turns it off, FORCE_COLOR
// turns it on (0 or false off), as Node itself reads them. It is applied to text already made
// terminal-safe, so member text can never carry an escape sequence of its own.
import type { ReplyStatus } from "../../chat/reply.ts";

export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

const SGR = { bold: "\x1b[1m", dim: "\x1b[2m", red: "\x1b[31m", yellow: "\x1b[33m", reset: "\x1b[0m" };
const RULE = /^[─═]+( +[─═]+)*$/;

/** Titles and table headers bold, rules dim, a refusal's first line yellow and an apology's red. */
export function colourise(text: string, status: ReplyStatus = "ok"): string {
  const lines = text.split("\n");
  return lines
    .map((line, i) => {
      if (!line) return line;
      if (RULE.test(line)) return `${SGR.dim}${line}${SGR.reset}`;
      if (RULE.test(lines[i + 1] ?? "")) return `${SGR.bold}${line}${SGR.reset}`;
      if (i === 0 && status === "user-error") return `${SGR.yellow}${line}${SGR.reset}`;
      if (i === 0 && (status === "internal-error" || status === "unavailable")) return `${SGR.red}${line}${SGR.reset}`;
      return line;
    })
    .join("\n");
}
