// Drill (i) interrupted inbound: `steward serve` and `steward import` are
// killed with SIGKILL (a machine going away) while 100 partner webhook events
// and a 1,000-line import are in flight, on one PostgreSQL (a scratch database
// on DATABASE_URL's server, or a private server of the drill's own). Then
// serve starts again, the sender resends every event (waiting out a 503's
// Retry-After, as a Standard Webhooks sender does) and the import is run
// again. Every event must be applied exactly once: one site and one payment
// per event, no event left unfinished, every balance the sum of its entries.
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../src/log.ts";
import { createRuntime } from "../src/runtime.ts";
import { startSteward, steward, type RunningSteward } from "../test/helpers/cli.ts";
import { startPrivatePostgres } from "../test/helpers/private-postgres.ts";
import { scratchDatabase } from "../test/helpers/scratch-db.ts";
import { balanceMismatches, drillConfig, type Drill } from "./lib.ts";

const SECRET = `whsec_${Buffer.from("drill-interrupted-signing-key").toString("base64")}`;
const EVENTS = 100;
const LINES = 1000;
/** A resend round gives up after this long: the claims of the killed process run out within 30 s. */
const RESEND_DEADLINE_MS = 120_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function signed(id: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", Buffer.from(SECRET.slice(6), "base64")).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` };
}

const eventBody = (i: number) => JSON.stringify({ type: "site.published", data: { partner: "P-1", url: `https://hook${i}.example.com`, kind: "classic", role: "owner" } });

/** One delivery attempt: the status, the Retry-After of a 503, or 0 when the connection failed (the server is down). */
async function deliver(port: number, i: number): Promise<{ status: number; retryAfter: number; outcome?: string }> {
  const body = eventBody(i);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/partner`, { method: "POST", headers: signed(`hook_${i}`, body), body });
    const json = (await res.json().catch(() => ({}))) as { status?: string };
    return { status: res.status, retryAfter: Number(res.headers.get("retry-after") ?? 0), ...(json.status ? { outcome: json.status } : {}) };
  } catch {
    return { status: 0, retryAfter: 1 };
  }
}

async function waitReady(port: number, serve: RunningSteward): Promise<void> {
  for (;;) {
    if (serve.process.exitCode !== null) throw new Error(`steward serve ended: ${serve.stderr.slice(-400)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
}

export const interruptedInboundDrill: Drill = async () => {
  const admin = process.env.DATABASE_URL;
  const scratch = admin ? await scratchDatabase(admin, "steward_drill") : undefined;
  const pg = scratch ? undefined : await startPrivatePostgres();
  const url = scratch?.url ?? (pg?.url as string);
  const env = { DATABASE_URL: url, PARTNER_WEBHOOK_SECRET: SECRET };
  const dir = mkdtempSync(join(tmpdir(), "steward-drill-i-"));
  const file = join(dir, "events.csv");
  writeFileSync(file, ["event,partner,url,kind,role,date", ...Array.from({ length: LINES }, (_, i) => `site.published,P-2,https://imp${i}.example.com,classic,owner,2026-11-20`)].join("\r\n") + "\r\n");
  const problems: string[] = [];
  const started: RunningSteward[] = [];
  const start = (args: string[], extra: Record<string, string> = {}) => {
    const s = startSteward(args, { ...env, ...extra });
    started.push(s);
    return s;
  };
  try {
    // Partners P-1 and P-2 are alice and bob.
    const setup = await steward(["chat", "--as", "mod"], env, ["/as alice", "/tier", "/as bob", "/tier", "/as mod", "/link dashboard:P-1 alice", "/link dashboard:P-2 bob", "/quit"].join("\n") + "\n");
    if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr.slice(0, 300)}`);

    const port = await freePort();
    let serve = start(["serve"], { STEWARD_HTTP_PORT: String(port) });
    await waitReady(port, serve);
    // The import runs a while, then the 100 events arrive at once; the machine goes away once a fifth of them were answered.
    const importing = start(["import", file]);
    await importing.waitFor(new RegExp(`^line ${Math.floor(LINES / 5)}:`, "m"));
    const answered = { events: 0 };
    const first = Array.from({ length: EVENTS }, (_, i) => deliver(port, i).then((r) => (r.status === 200 && answered.events++, r)));
    while (answered.events < EVENTS / 5 && importing.process.exitCode === null) await sleep(5);
    serve.process.kill("SIGKILL");
    importing.process.kill("SIGKILL");
    const linesBefore = importing.stdout.match(/^line /gm)?.length ?? 0;
    await Promise.all([serve.done, importing.done]);
    const firstRound = await Promise.all(first);
    const cut = firstRound.filter((r) => r.status !== 200).length;

    // Restart, resend every event until it is finished, and run the import again.
    serve = start(["serve"], { STEWARD_HTTP_PORT: String(port) });
    await waitReady(port, serve);
    const deadline = Date.now() + RESEND_DEADLINE_MS;
    let busy = 0;
    const outcomes = await Promise.all(
      Array.from({ length: EVENTS }, async (_, i) => {
        for (;;) {
          const r = await deliver(port, i);
          if (r.status === 200 || Date.now() > deadline) return r;
          if (r.status === 503) busy++;
          if (r.status >= 400 && r.status !== 503) return r;
          await sleep(Math.max(1, r.retryAfter) * 1000);
        }
      }),
    );
    const unfinishedResends = outcomes.filter((r) => r.status !== 200);
    for (const r of unfinishedResends.slice(0, 3)) problems.push(`a resend ended ${r.status} ${r.outcome ?? ""}`);
    const rerun = await steward(["import", file], env);
    if (rerun.code !== 0) problems.push(`the rerun of steward import exited ${rerun.code}: ${rerun.stdout.split("\n").filter((l) => l.includes("refused")).slice(0, 2).join(" | ")} ${rerun.stderr.slice(0, 200)}`);
    serve.process.kill("SIGTERM");
    await serve.done;

    const runtime = await createRuntime(drillConfig(env), { log: createLogger("silent") });
    try {
      const count = async (sql: string) => Number((await runtime.app.sql.query<{ n: string }>(sql))[0]?.n ?? 0);
      const hookSites = await count("SELECT count(*) AS n FROM sites WHERE url LIKE 'https://hook%'");
      const importSites = await count("SELECT count(*) AS n FROM sites WHERE url LIKE 'https://imp%'");
      const paidTwice = await count("SELECT count(*) AS n FROM (SELECT reference FROM ledger_entries WHERE reference LIKE 'site:%' GROUP BY reference HAVING sum(delta) <> 100) x");
      const unfinished = await count("SELECT count(*) AS n FROM inbound_events WHERE status = 'received'");
      const mismatches = await balanceMismatches(runtime.app.sql);
      if (hookSites !== EVENTS) problems.push(`${hookSites} of ${EVENTS} webhook events applied`);
      if (importSites !== LINES) problems.push(`${importSites} of ${LINES} import lines applied`);
      const pass = hookSites === EVENTS && importSites === LINES && paidTwice === 0 && unfinished === 0 && mismatches.length === 0 && unfinishedResends.length === 0 && rerun.code === 0;
      return {
        pass,
        figures:
          `SIGKILL with ${cut}/${EVENTS} events and ${LINES - linesBefore}/${LINES} lines unanswered; after restart, resend (${busy} × 503 Retry-After) and rerun: ` +
          `${hookSites}/${EVENTS} events and ${importSites}/${LINES} lines applied, ${paidTwice} paid twice or not at all, ${unfinished} left unfinished, ${mismatches.length} balances ≠ sum of entries`,
        problems,
      };
    } finally {
      await runtime.close();
    }
  } finally {
    for (const s of started) if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill("SIGKILL");
    await Promise.all(started.map((s) => s.done.catch(() => undefined)));
    await scratch?.drop();
    pg?.destroy();
  }
};
