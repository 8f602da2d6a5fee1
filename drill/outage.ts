// Drill (e): PostgreSQL stops under a running Steward and starts again, on a server of the
// drill's own (a temporary folder, a free port below 32768). While it is down, commands answer
// "the database is unavailable; nothing was recorded" (never an internal error), `steward run`
// exits 4 with one line, `steward serve` keeps running and logs a bounded number of lines, and
// /readyz says 503. When it is back, both recover by themselves.
import { setTimeout as sleep } from "node:timers/promises";
import { registry } from "../commands/index.ts";
import { ConsoleSession } from "../src/adapters/console/session.ts";
import { createLogger } from "../src/log.ts";
import { createRuntime } from "../src/runtime.ts";
import { consoleMessageHandler } from "../src/adapters/console/messages.ts";
import { startSteward, steward } from "../test/helpers/cli.ts";
import { startPrivatePostgres } from "../test/helpers/private-postgres.ts";
import { drillConfig, type Drill } from "./lib.ts";

const OUTAGE_MS = 10_000;
const COMMANDS = 10;
/** Lines `steward serve` may log in a 10 s outage: backoff gives a handful, no backoff gives thousands a second. */
const MAX_LINES = 30;

async function health(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  } catch {
    return 0;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return (Date.now() - started) / 1000;
    await sleep(200);
  }
  return undefined;
}

export const outageDrill: Drill = async () => {
  const pg = await startPrivatePostgres();
  const env = { DATABASE_URL: pg.url };
  const serve = startSteward(["serve"], { ...env, STEWARD_HTTP_PORT: "0", LOG_LEVEL: "info" });
  const runtime = await createRuntime(drillConfig(env), { log: createLogger("silent") });
  const problems: string[] = [];
  try {
    await serve.waitFor(/"msg":"Steward is running"/, "stderr");
    const port = Number(/"port":(\d+)[^\n]*served"/.exec(serve.stderr)?.[1]);
    const session = new ConsoleSession(runtime.app, registry, "alice", consoleMessageHandler);
    const before = await session.handleLine("/site submit https://before-outage.example.com kind:classic");
    if (before.status !== "ok") problems.push(`before the outage: ${before.output}`);

    pg.stop();
    const linesBefore = serve.stderr.split("\n").length;
    const downAt = Date.now();
    const statuses: string[] = [];
    for (let i = 0; i < COMMANDS; i++) {
      statuses.push((await session.handleLine(`/site submit https://during-outage-${i}.example.com kind:classic`)).status);
      await sleep(OUTAGE_MS / 2 / COMMANDS);
    }
    const run = await steward(["run", "--as", "alice", "/tier"], env);
    const healthDown = await health(port);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    const outageSeconds = (Date.now() - downAt) / 1000;
    const serveLines = serve.stderr.split("\n").length - linesBefore;
    pg.start();

    const recovered = await until(async () => (await session.handleLine("/site submit https://after-outage.example.com kind:classic")).status === "ok", 90_000);
    const healthBack = await until(async () => (await health(port)) === 200, 90_000);
    const serveAlive = serve.process.exitCode === null && serve.process.signalCode === null;
    const unavailable = statuses.filter((s) => s === "unavailable").length;
    const internal = statuses.filter((s) => s === "internal-error").length;
    const runOneLine = run.code === 4 && run.stdout === "" && run.stderr.split("\n").filter(Boolean).length === 1;
    if (!runOneLine) problems.push(`steward run while down: exit ${run.code}, stderr ${JSON.stringify(run.stderr.slice(0, 200))}`);
    if (!serveAlive) problems.push(`steward serve ended: ${serve.stderr.slice(-300)}`);
    const written = await runtime.app.db.site.findMany({ select: { url: true } });
    const recordedDuringOutage = written.filter((s) => s.url.includes("during-outage")).length;
    return {
      pass:
        unavailable === COMMANDS && internal === 0 && recordedDuringOutage === 0 && runOneLine && serveAlive && serveLines <= MAX_LINES && healthDown === 503 && recovered !== undefined && healthBack !== undefined,
      figures:
        `${outageSeconds.toFixed(0)} s down: ${unavailable}/${COMMANDS} commands answered "nothing was recorded" (${internal} internal errors, ${recordedDuringOutage} recorded), ` +
        `steward run exit ${run.code}${runOneLine ? " with one line" : ""}, serve logged ${serveLines} lines (≤ ${MAX_LINES}), /readyz ${healthDown} → 200 ${healthBack?.toFixed(1) ?? "never"} s after restart, ` +
        `commands work again ${recovered?.toFixed(1) ?? "never"} s after restart`,
      problems,
    };
  } finally {
    serve.process.kill("SIGTERM");
    await Promise.race([serve.done, sleep(20_000)]);
    serve.process.kill("SIGKILL");
    await runtime.close().catch(() => undefined);
    pg.destroy();
  }
};
