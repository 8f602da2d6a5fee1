// The runner both CSV imports share (`steward import` for partner events, `steward import members`): the report an
// operator reads, a line per line of the file (applied, held, skipped as a duplicate, refused with the reason), a
// progress bar on a terminal, a summary, exit 1 when a line was refused.
import { readFile } from "node:fs/promises";
import type { App } from "../app.ts";
import type { Config } from "../config.ts";
import type { ImportOptions, LineResult } from "../adapters/partner-dashboard/import.ts";
import { createRuntime } from "../runtime.ts";
import { fixTargets } from "../services/outbox-targets.ts";

/** Files with at least this many lines show a progress bar on a terminal. */
const PROGRESS_FROM_LINES = 200;

export interface CsvImport {
  /** The command as the operator typed it, for the refusal of a wrong call. */
  command: string;
  run: (app: App, text: string, options: ImportOptions) => Promise<LineResult[]>;
  /** Whether its lines can be held (a partner event waiting for its dashboard id to be linked). */
  holds: boolean;
}

export async function runCsvImport(config: Config, files: string[], dryRun: boolean, usage: string, kind: CsvImport): Promise<number> {
  const [file] = files;
  if (!file || files.length > 1) {
    process.stderr.write(`${kind.command} needs one CSV file.\n${usage}\n`);
    return 1;
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    process.stderr.write(`Cannot read ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  const { ImportError } = await import("../adapters/partner-dashboard/import.ts");
  const runtime = await createRuntime(config);
  // What the lines announce waits for the processes that run its platforms, as from every entry point.
  fixTargets(runtime.app);
  const { SingleBar, Presets } = await import("cli-progress");
  // The bar goes to stderr and only on a terminal, so the per-line report on stdout stays clean to pipe.
  const bar = process.stderr.isTTY && text.split("\n").length >= PROGRESS_FROM_LINES ? new SingleBar({ stream: process.stderr, clearOnComplete: true }, Presets.shades_classic) : undefined;
  const counts = { applied: 0, held: 0, skipped: 0, refused: 0 };
  // Lines written to the terminal under a redrawn bar would be torn apart: they wait for the bar to end.
  const later: string[] = [];
  const print = (line: string) => (bar && process.stdout.isTTY ? later.push(line) : process.stdout.write(line));
  try {
    const results = await kind.run(runtime.app, text, {
      dryRun,
      onLine: (r, done, total) => {
        counts[r.status]++;
        if (done === 1) bar?.start(total, 0);
        bar?.update(done);
        print(`line ${r.line}: ${dryRun && (r.status === "applied" || r.status === "held") ? "ok" : r.status} — ${r.message}\n`);
      },
    });
    bar?.stop();
    process.stdout.write(later.join(""));
    const held = kind.holds ? ` ${counts.held} ${dryRun ? "would be held" : "held (partner not linked)"},` : "";
    const summary = `${results.length} line(s): ${counts.applied} ${dryRun ? "would apply" : "applied"},${held} ${counts.skipped} skipped, ${counts.refused} refused.`;
    process.stdout.write(`${summary}${dryRun ? " Dry run: nothing was changed." : ""}\n`);
    return counts.refused > 0 ? 1 : 0;
  } catch (err) {
    bar?.stop();
    if (err instanceof ImportError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await runtime.close();
  }
}
