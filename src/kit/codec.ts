// What a button or a form carries back to the registry. A button runs `command:action:value`
// (`/<command> <action> <value>` as if typed), a submitted form appends its answers as
// `key:value` words to its command line. Each platform wraps these in its own envelope (Slack's
// button value may carry the form to ask first; Discord's custom_id is short and marks a form
// with `?`), but the command line inside is written and read here, once.
import { tokenize } from "../dispatch/parse.ts";

export interface ButtonAction {
  command: string;
  action: string;
  value: string;
}

/**
 * The one pattern, wide enough for every id posted before it (Slack's `[a-z0-9-]` commands with
 * any action, Discord's `[\w-]` commands and actions): a button from yesterday still runs.
 * The value is the rest, so it may hold colons.
 */
const ACTION = /^([\w-]+):([^:]*):(.*)$/s;
const COMMAND_NAME = /^[\w-]+$/;

export function encodeAction(a: ButtonAction): string {
  // Commands write their buttons: a name or action that cannot come back is a bug, said at once.
  if (!COMMAND_NAME.test(a.command)) throw new Error(`A button's command must be a command name, not ${JSON.stringify(a.command)}`);
  if (a.action.includes(":")) throw new Error(`A button's action may not contain ":" (${JSON.stringify(a.action)})`);
  return `${a.command}:${a.action}:${a.value}`;
}

export function decodeAction(encoded: string): ButtonAction | undefined {
  const m = ACTION.exec(encoded);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  return { command: m[1].toLowerCase(), action: m[2], value: m[3] };
}

/** The words of `/<command> <action> <value>`, as if typed. */
export function actionWords(a: ButtonAction): string[] {
  return [...(a.action ? [a.action] : []), ...tokenize(a.value)];
}

/** One answer as the word a person would type (`reason:too short`); nothing for an empty answer. */
export function answerWord(key: string, value: string | null | undefined): string | undefined {
  const trimmed = (value ?? "").trim();
  return trimmed ? `${key}:${trimmed}` : undefined;
}

/** A form's answers as `key:value` words, empty answers left out. */
export function answerWords(answers: Iterable<readonly [string, string | null | undefined]>): string[] {
  const words: string[] = [];
  for (const [key, value] of answers) {
    const word = answerWord(key, value);
    if (word !== undefined) words.push(word);
  }
  return words;
}

/** The option names already given as `key:value` in a command line's words (lowercase). */
export function answeredKeys(words: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const w of words) {
    const key = /^([a-z][\w-]*):/i.exec(w)?.[1];
    if (key) keys.add(key.toLowerCase());
  }
  return keys;
}
