// `steward` on the command line:
//   steward chat [--as NAME]        the terminal chat (npm start), plus Slack/Discord when configured
//   steward serve                   production: Slack/Discord, jobs and /health, no terminal
//   steward run --as NAME "/tier"   one command; exit 0 ok, 1 user error, 2 internal error,
//                                   3 the data folder is in use, 4 the database is unavailable
//   steward migrate [--status]      apply database migrations, or list them
//   steward import FILE [--dry-run] partner dashboard events from a CSV file
// chat and serve import ./main.ts (adapters, jobs, HTTP server) when they start, so `steward run` loads none of it.
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { registry } from "../commands/index.ts";
import { ConsoleSession } from "./adapters/console/session.ts";
import { consoleTarget } from "./adapters/console/target.ts";
import { drawOnThisThread, picturesDir } from "./chat/pictures/index.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { printOwnRows } from "./jobs/terminal.ts";
import { PackError } from "./programs/pack-file.ts";
import { createRuntime } from "./runtime.ts";
import { fixTargets } from "./services/outbox-targets.ts";
import { consoleMessageHandler } from "./adapters/console/messages.ts";
import { filesDir, terminalWidth } from "./adapters/console/width.ts";
import { colourEnabled, colourise } from "./adapters/console/colour.ts";
import { DataDirLockedError } from "./store/lock.ts";
import { MigrationError } from "./store/migrate.ts";
import { isDatabaseUnavailable } from "./core/unavailable.ts";

const USAGE = `Usage:
  steward chat [--as NAME]          chat with Steward in the terminal (npm start); Slack/Discord run too when configured
  steward serve                     run Slack/Discord, schedules and delivery without a terminal (production)
  steward run --as NAME "/command"  run one command, print the reply (exit 0 ok, 1 user error, 2 internal error,
                                    3 another Steward has the data folder open, 4 the database is unavailable)
  steward migrate [--status]        apply database migrations and list what it applied; --status lists applied,
                                    pending and failed ones, and how to resolve a failed one (exit 1 when one failed)
  steward config                    every setting with its effective value (secrets masked), default and meaning;
                                    exit 1 naming each invalid one
  steward backup FILE               write the embedded data folder to FILE (exit 3 while Steward runs on it)
  steward restore FILE              fill an empty STEWARD_DATA_DIR from a backup
  steward member export MEMBER      everything Steward holds about a member, as JSON on stdout
  steward member forget MEMBER [--dry-run]  erase a member's personal data (they become forgotten-<n>; ledger amounts kept)
  steward import FILE.csv [--dry-run]  apply partner dashboard events (header event,partner,url,kind,role,date);
                                    --dry-run checks every line and changes nothing (exit 1 when a line is refused)
  steward import members FILE.csv [--dry-run]  members with their accounts and join/leave dates (header
                                    program,member,slack_id,discord_id,forum_user,dashboard_id,joined,left)
  steward backfill [--since YYYY-MM-DD | --weeks N] [--platform slack|discord|forum] [--dry-run] [--slow]
                                    count the community channels' past messages as live events would have (default
                                    --weeks 8); without the platform settings it needs, it says which
Configuration comes from environment variables: see .env.example.`;

const EXIT = { ok: 0, "user-error": 1, "internal-error": 2, unavailable: 4 } as const;
const EXIT_FOLDER_IN_USE = 3;

async function main(argv: string[]): Promise<number> {
  const [verb = "chat", ...rest] = argv;
  if (verb === "backfill") return (await import("./cli/backfill.ts")).backfillCli(loadConfig({ LOG_LEVEL: "warn", ...process.env }), rest);
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { as: { type: "string" }, help: { type: "boolean" }, "dry-run": { type: "boolean" }, status: { type: "boolean" } } });
  if (values.help || verb === "help" || verb === "--help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Before loadConfig: it shows every variable, the invalid ones too.
  if (verb === "config") return (await import("./cli/config.ts")).configCommand(process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  // In the terminal, info logs would interleave with the chat or the import report: only warnings unless LOG_LEVEL says otherwise.
  const config = loadConfig(verb === "chat" || verb === "run" || verb === "import" || verb === "member" ? { LOG_LEVEL: "warn", ...process.env } : process.env);
  switch (verb) {
    case "migrate":
      return (await import("./cli/migrate.ts")).migrateCommand(config, values.status ?? false, (s) => process.stdout.write(s));
    case "run":
      // One command compiles a few queries once: Prisma's query compiler (WebAssembly) runs them on V8's
      // baseline code. Optimising its hot functions too (TurboFan, meant for a long-running process)
      // costs more CPU and memory than that command ever saves.
      setFlagsFromString("--liftoff-only");
      smallQueryCompiler();
      drawOnThisThread();
      return runOnce(config, values.as, positionals.join(" "));
    case "chat":
      // A person types a few commands: the WebAssembly of Prisma's query compiler and of the embedded
      // database stays on V8's baseline code here too. Optimising it in the background took half of a
      // chat's start-up CPU (1.7 s against 0.9 s on the embedded database) and a fifth of its memory.
      setFlagsFromString("--liftoff-only");
      smallQueryCompiler();
      return chat(config, values.as);
    case "serve":
      return serve(config);
    case "backup":
      return (await import("./cli/backup.ts")).backupCommand(config, positionals, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    case "restore":
      return (await import("./cli/backup.ts")).restoreCommand(config, positionals, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    case "member":
      return (await import("./cli/member.ts")).memberCommand(config, positionals, values["dry-run"] ?? false, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    case "import":
      return importCsvFile(config, positionals, values["dry-run"] ?? false);
    default:
      process.stderr.write(`Unknown verb ${verb}.\n${USAGE}\n`);
      return 1;
  }
}

/**
 * Prisma's smaller query compiler for the compiled client (scripts/build.mjs says how it is chosen): a command
 * or a person's chat compiles a few query shapes, where the faster build's extra 1.7 MB cost more memory than
 * its speed saves. `steward serve` keeps the faster one.
 */
function smallQueryCompiler(): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for("steward.smallQueryCompiler")] = true;
}

async function runOnce(config: Config, as: string | undefined, line: string): Promise<number> {
  if (!as || !line.trim()) {
    process.stderr.write(`steward run needs --as NAME and a command.\n${USAGE}\n`);
    return 1;
  }
  const runtime = await createRuntime(config, { oneShot: true });
  // This command's rows are printed here; other processes' rows (and this command's Slack, Discord and forum ones) are not this process's to take.
  fixTargets(runtime.app, { terminal: true });
  try {
    const pictures = picturesDir(config.STEWARD_DATA_DIR);
    const session = new ConsoleSession(runtime.app, registry, as.replace(/^@/, "").toLowerCase(), consoleMessageHandler, pictures);
    Object.assign(session, { width: terminalWidth(process.stdout), files: filesDir(config.STEWARD_DATA_DIR) });
    const result = await session.handleLine(line.trim().startsWith("/") ? line : `/${line.trim()}`);
    if (result.output) process.stdout.write(`${colourEnabled(process.stdout) ? colourise(result.output, result.status) : result.output}\n`);
    // Print what the command put in the outbox, after the reply.
    const lines: string[] = [];
    const target = consoleTarget((text) => lines.push(text), pictures);
    try {
      await printOwnRows(runtime.app, target);
    } catch (err) {
      // The command's own answer stands (it was printed); what it queued stays in the outbox.
      if (!isDatabaseUnavailable(err)) throw err;
      lines.push("(The database became unavailable before the announcements went out; they go out when Steward next runs.)");
    }
    if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
    return EXIT[result.status];
  } finally {
    await runtime.close();
  }
}

/** `steward import FILE` (partner events) and `steward import members FILE`, through the one CSV runner. */
async function importCsvFile(config: Config, positionals: string[], dryRun: boolean): Promise<number> {
  const { runCsvImport } = await import("./cli/csv-import.ts");
  if (positionals[0] === "members") {
    const { importMembersCsv } = await import("./adapters/partner-dashboard/members-import.ts");
    return runCsvImport(config, positionals.slice(1), dryRun, USAGE, { command: "steward import members", run: importMembersCsv, holds: false });
  }
  const { importCsv } = await import("./adapters/partner-dashboard/import.ts");
  return runCsvImport(config, positionals, dryRun, USAGE, { command: "steward import", run: importCsv, holds: true });
}

function onSignals(stop: () => Promise<void>): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

async function serve(config: Config): Promise<number> {
  const { startSteward } = await import("./main.ts");
  const running = await startSteward(config);
  running.runtime.app.log.info({ platforms: running.platforms, jobs: running.jobs.mode }, "Steward is running");
  if (running.platforms.length === 0)
    running.runtime.app.log.warn("no platform is configured (SLACK_BOT_TOKEN / DISCORD_TOKEN): only schedules and delivery run");
  onSignals(running.stop);
  await new Promise(() => undefined);
  return 0;
}

async function chat(config: Config, as: string | undefined): Promise<number> {
  const { startSteward } = await import("./main.ts");
  const running = await startSteward(config, { terminal: { ...(as ? { as } : {}) } });
  onSignals(running.stop);
  await (running.foreground ?? running.stop)();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof PackError || err instanceof MigrationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    // The operator's next step is plain in both cases: one line, a code a script can test, no stack.
    if (err instanceof DataDirLockedError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_FOLDER_IN_USE);
    }
    if (isDatabaseUnavailable(err)) {
      process.stderr.write(`Steward stopped: the database is unavailable (${(err as Error).message.trim().split("\n").pop()}); nothing was recorded, try again.\n`);
      process.exit(EXIT.unavailable);
    }
    process.stderr.write(`Steward stopped: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
