// Turns a typed command line into words and `name:value` options, the way
// Slack users type them: `/site submit https://x.com kind:editorx note:"two words"`.
// Slack turns straight quotes into curly ones, so both count as quotes.

export interface ParsedLine {
  command: string;
  words: string[];
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", "“": "”", "‘": "’", "«": "»" };

export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let inToken = false;
  let closing: string | undefined;
  for (const ch of line) {
    if (closing !== undefined) {
      if (ch === closing || (closing === "”" && ch === '"')) closing = undefined;
      else current += ch;
      continue;
    }
    if (QUOTES[ch] !== undefined) {
      closing = QUOTES[ch];
      inToken = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
      continue;
    }
    current += ch;
    inToken = true;
  }
  if (inToken) tokens.push(current);
  return tokens;
}

/** `/tier alice` → { command: "tier", words: ["alice"] }. The leading slash is optional. */
export function parseLine(line: string): ParsedLine | undefined {
  const tokens = tokenize(line.trim());
  const first = tokens.shift();
  if (first === undefined) return undefined;
  return { command: first.replace(/^\//, "").toLowerCase(), words: tokens };
}

/** Splits `name:value` words from positional ones. Only names the command knows count as options, so a URL stays positional. */
export function splitOptions(words: string[], optionNames: Set<string>): { positional: string[]; named: Record<string, string>; unknown: string[] } {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  const unknown: string[] = [];
  for (const word of words) {
    const m = /^([a-z][a-z0-9-]*):(.*)$/is.exec(word);
    if (m && m[1] !== undefined && m[2] !== undefined && !m[2].startsWith("//")) {
      const name = m[1].toLowerCase();
      if (optionNames.has(name)) {
        named[name] = m[2];
        continue;
      }
      unknown.push(name);
      continue;
    }
    positional.push(word);
  }
  return { positional, named, unknown };
}
