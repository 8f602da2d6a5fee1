// How wide the terminal's replies are drawn: the terminal's own columns, or, when the output is a
// pipe or a file (no columns to ask), COLUMNS if set and otherwise 100, a width every viewer shows.
import { resolve } from "node:path";

export const PIPED_WIDTH = 100;

export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const columns = Number.parseInt(env.COLUMNS ?? "", 10);
  return Number.isSafeInteger(columns) && columns >= 20 && columns <= 1000 ? columns : PIPED_WIDTH;
}

/** Where the terminal writes the files replies carry (the report's CSV), inside the data folder. */
export function filesDir(dataDir: string): string {
  return resolve(dataDir, "files");
}
