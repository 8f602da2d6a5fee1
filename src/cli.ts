// `steward` on the command line:
//   steward chat                 the terminal chat (npm start)
//   steward run --as alice "/tier"   one command; exit 0 ok, 1 user error, 2 internal error
//   steward migrate              apply database migrations
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { registry } from "../commands/index.ts";
import { ConsoleSession, type Ask } from "./adapters/console/session.ts";
import { consoleTarget } from "./adapters/console/target.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { PackError } from "./programs/load.ts";
import { createRuntime } from "./runtime.ts";
import { deliverDue } from "./jobs/deliver.ts";
import { startInProcessDelivery } from "./jobs/in-process.ts";
import { MigrationError } from "./store/migrate.ts";

const USAGE = `Usage:
  steward chat [--as NAME]          chat with Steward in the terminal (the default of npm start)
  steward run --as NAME "/command"  run one command, print the reply (exit 0 ok, 1 user error, 2 internal error)
  steward migrate                   apply database migrations
Configuration comes from environment variables: see .env.example.`;

async function main(argv: string[]): Promise<number> {
  const [verb = "chat", ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { as: { type: "string" }, help: { type: "boolean" } } });
  if (values.help || verb === "help" || verb === "--help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  switch (verb) {
    case "migrate": {
      const runtime = await createRuntime(config);
      await runtime.close();
      process.stdout.write("Database is up to date.\n");
      return 0;
    }
    case "run":
      return runOnce(config, values.as, positionals.join(" "));
    case "chat":
      return chat(config, values.as);
    default:
      process.stderr.write(`Unknown verb ${verb}.\n${USAGE}\n`);
      return 1;
  }
}

async function runOnce(config: ReturnType<typeof loadConfig>, as: string | undefined, line: string): Promise<number> {
  if (!as || !line.trim()) {
    process.stderr.write(`steward run needs --as NAME and a command.\n${USAGE}\n`);
    return 1;
  }
  const runtime = await createRuntime(config);
  try {
    const session = new ConsoleSession(runtime.app, registry, as.replace(/^@/, "").toLowerCase());
    const result = await session.handleLine(line.trim().startsWith("/") ? line : `/${line.trim()}`);
    if (result.output) process.stdout.write(`${result.output}\n`);
    const lines: string[] = [];
    const target = consoleTarget((text) => lines.push(text));
    while ((await deliverDue(runtime.app, [target])) > 0) {
      /* deliver everything due before exiting */
    }
    if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
    return result.status === "ok" ? 0 : result.status === "user-error" ? 1 : 2;
  } finally {
    await runtime.close();
  }
}

async function chat(config: ReturnType<typeof loadConfig>, as: string | undefined): Promise<number> {
  const runtime = await createRuntime(config);
  const handle = (as ?? config.STEWARD_MODERATORS[0] ?? process.env.USER ?? "you").replace(/^@/, "").toLowerCase();
  const session = new ConsoleSession(runtime.app, registry, handle);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY, historySize: 200 });
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const delivery = startInProcessDelivery(runtime, [consoleTarget(print)]);
  const prompt = () => {
    rl.setPrompt(`${session.handle}> `);
    rl.prompt();
  };
  // One line at a time: questions asked by a command take the next lines.
  const queue: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let closed = false;
  rl.on("line", (line) => (waiting ? (waiting(line), (waiting = undefined)) : queue.push(line)));
  rl.on("close", () => {
    closed = true;
    waiting?.(undefined);
  });
  const next = (): Promise<string | undefined> =>
    queue.length ? Promise.resolve(queue.shift()) : closed ? Promise.resolve(undefined) : new Promise((resolve) => (waiting = resolve));
  const ask: Ask = async (question) => {
    process.stdout.write(question);
    return next();
  };
  print(`Steward — terminal chat. You are ${(await session.actor()).handle}. Type /help for commands, /as NAME to switch user, /quit to leave.`);
  for (;;) {
    prompt();
    const line = await next();
    if (line === undefined || /^\/(quit|exit)\b/.test(line.trim())) break;
    const result = await session.handleLine(line, ask);
    if (result.output) print(result.output);
    await delivery.drain();
  }
  rl.close();
  await delivery.stop();
  await runtime.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof PackError || err instanceof MigrationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`Steward stopped: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
