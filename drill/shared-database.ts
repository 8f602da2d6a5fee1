// Drill "shared database": `steward serve` (with the forum, on a local fake Discourse) and 20
// `steward run` commands, four at a time, on one PostgreSQL of the drill's own. Each command
// approves a Velo Masters application: a DM, a forum badge for the members who linked their forum
// account, and DMs that wait for Slack for those who also have a Slack account (no process here
// runs Slack). Counted: rows lost (a target that runs here never got the row), deliveries to a
// target not fixed on the row, lines a terminal printed about another command's member, forum
// badges granted other than once, and /metrics' waiting rows against the database.
import { setTimeout as sleep } from "node:timers/promises";
import { registry } from "../commands/index.ts";
import { consoleMessageHandler } from "../src/adapters/console/messages.ts";
import { ConsoleSession } from "../src/adapters/console/session.ts";
import { createLogger } from "../src/log.ts";
import { createRuntime } from "../src/runtime.ts";
import { fixTargets } from "../src/services/outbox-targets.ts";
import { startSteward, steward, type Result } from "../test/helpers/cli.ts";
import { FakeDiscourse } from "../test/helpers/fake-discourse.ts";
import { startPrivatePostgres } from "../test/helpers/private-postgres.ts";
import { drillConfig, type Drill } from "./lib.ts";

const COMMANDS = 20;
const AT_ONCE = 4;
const VELO_MASTERS_BADGE = 100; // the id src/programs/wix.yaml maps the badge to
/** Targets some process of this drill runs: every other target's rows must wait, not go. */
const RUN_HERE = new Set(["console", "forum"]);

interface Row {
  id: number;
  kind: string;
  status: string;
  targets: string[] | null;
  origin: string | null;
  member: string | null;
  delivered: string[];
}

export const sharedDatabaseDrill: Drill = async () => {
  const pg = await startPrivatePostgres();
  const forum = new FakeDiscourse();
  await forum.start();
  forum.badges.set(VELO_MASTERS_BADGE, "Velo Master");
  const env = { DATABASE_URL: pg.url, DISCOURSE_URL: forum.url, DISCOURSE_API_KEY: forum.apiKey };
  const runtime = await createRuntime(drillConfig(env), { log: createLogger("silent") });
  fixTargets(runtime.app);
  const problems: string[] = [];
  const serve = startSteward(["serve"], { ...env, STEWARD_HTTP_PORT: "0", LOG_LEVEL: "info" });
  try {
    const members = Array.from({ length: COMMANDS }, (_, i) => `m${String(i).padStart(2, "0")}`);
    const forumLinked = new Set(members.filter((_, i) => i % 2 === 0));
    const onSlack = new Set(members.filter((_, i) => i % 4 < 2));
    const session = new ConsoleSession(runtime.app, registry, "mod", consoleMessageHandler);
    for (const m of members) {
      session.handle = m;
      const applied = await session.handleLine(`/apply velo-masters profiles:https://stackoverflow.com/u/${m} experience:years`);
      if (applied.status !== "ok") problems.push(`/apply as ${m}: ${applied.output}`);
      session.handle = "mod";
      if (forumLinked.has(m)) {
        forum.users.add(`${m}_f`);
        const linked = await session.handleLine(`/link forum:${m}_f ${m}`);
        if (linked.status !== "ok") problems.push(`/link forum for ${m}: ${linked.output}`);
      }
    }
    for (const m of onSlack)
      await runtime.app.sql.query(`INSERT INTO identities (id, member_id, platform, external_id, created_at) SELECT gen_random_uuid()::text, id, 'slack', $2, now() FROM members WHERE handle = $1`, [m, `U0${m.toUpperCase()}`]);

    await serve.waitFor(/"msg":"Steward is running"/, "stderr");
    const port = Number(/"port":(\d+)[^\n]*served"/.exec(serve.stderr)?.[1]);

    const outputs = new Map<string, Result>();
    for (let i = 0; i < members.length; i += AT_ONCE) {
      const batch = members.slice(i, i + AT_ONCE);
      const results = await Promise.all(batch.map((m) => steward(["run", "--as", "mod", `/review approve ${m} velo-masters`], { ...env })));
      batch.forEach((m, j) => outputs.set(m, results[j] as Result));
    }

    let misprinted = 0;
    let unprinted = 0;
    for (const [m, r] of outputs) {
      if (r.code !== 0) problems.push(`steward run approving ${m}: exit ${r.code}, ${JSON.stringify(r.stderr.slice(0, 160))}`);
      const deliveryLines = r.stdout.split("\n").filter((l) => l.startsWith("→ "));
      const others = deliveryLines.filter((l) => [...l.matchAll(/@(m\d\d)\b/g)].some((x) => x[1] !== m));
      misprinted += others.length;
      for (const l of others.slice(0, 2)) problems.push(`the terminal approving ${m} printed another command's row: ${l.slice(0, 100)}`);
      if (forumLinked.has(m) && !deliveryLines.some((l) => l === `→ badge velo-masters granted to @${m}`)) unprinted++;
    }

    const rows = async () =>
      runtime.app.sql.query<Row>(
        `SELECT o.id, o.kind, o.status, o.targets, o.origin, m.handle AS member,
           ARRAY(SELECT d.target FROM outbox_deliveries d WHERE d.outbox_id = o.id ORDER BY d.target) AS delivered
         FROM outbox o LEFT JOIN members m ON m.id = o.member_id ORDER BY o.id`,
      );
    const waitingHere = (r: Row) => r.status === "pending" && (r.targets ?? []).some((t) => RUN_HERE.has(t) && !r.delivered.includes(t));
    // serve delivers the forum rows on its own time; a minute is far more than it needs.
    const settledAt = Date.now() + 60_000;
    while ((await rows()).some(waitingHere) && Date.now() < settledAt) await sleep(200);

    const all = await rows();
    let lost = 0;
    let wrongTarget = 0;
    let failed = 0;
    let waitingForSlack = 0;
    for (const r of all) {
      const targets = r.targets ?? [];
      const wrong = r.delivered.filter((t) => !targets.includes(t));
      wrongTarget += wrong.length;
      if (wrong.length) problems.push(`row ${r.id} (${r.kind} for ${r.member}) delivered to ${wrong.join(", ")}, not its targets [${targets.join(", ")}]`);
      if (r.status === "failed") {
        failed++;
        problems.push(`row ${r.id} (${r.kind} for ${r.member}) failed`);
      }
      const missing = targets.filter((t) => RUN_HERE.has(t) && !r.delivered.includes(t));
      if (missing.length) {
        lost++;
        problems.push(`row ${r.id} (${r.kind} for ${r.member}) never reached ${missing.join(", ")}`);
      }
      if (r.status === "pending" && targets.includes("slack") && !r.delivered.includes("slack")) waitingForSlack++;
      if (r.status === "delivered" && targets.some((t) => !r.delivered.includes(t))) {
        lost++;
        problems.push(`row ${r.id} (${r.kind} for ${r.member}) marked delivered without ${targets.filter((t) => !r.delivered.includes(t)).join(", ")}`);
      }
    }
    const expectedSlack = members.filter((m) => onSlack.has(m)).length;
    let badgesWrong = 0;
    for (const m of members) {
      const held = forum.held(`${m}_f`, VELO_MASTERS_BADGE);
      if (held !== (forumLinked.has(m) ? 1 : 0)) {
        badgesWrong++;
        problems.push(`${m} holds the forum badge ${held} times`);
      }
    }
    const grants = forum.calls.filter((c) => c.method === "POST").length;
    if (grants !== forumLinked.size) problems.push(`${grants} badge grants sent to the forum for ${forumLinked.size} linked members`);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const gauge = Number(/^steward_outbox_waiting\{target="slack"\} (\d+)$/m.exec(metrics)?.[1] ?? NaN);
    if (gauge !== waitingForSlack) problems.push(`/metrics says ${gauge} rows wait for Slack, the database ${waitingForSlack}`);
    if (waitingForSlack < expectedSlack) problems.push(`${waitingForSlack} rows wait for Slack, expected at least ${expectedSlack} (one approval DM each)`);
    if (unprinted) problems.push(`${unprinted} terminals did not print their own badge grant`);

    const deliveries = all.reduce((n, r) => n + r.delivered.length, 0);
    return {
      pass: problems.length === 0,
      figures:
        `steward serve + ${COMMANDS} steward run (${AT_ONCE} at once): ${all.length} rows, ${deliveries} deliveries, ${lost} lost, ${wrongTarget} to a wrong target, ${failed} failed, ` +
        `${misprinted} lines printed by another command's terminal, forum badges ${grants}/${forumLinked.size} (${badgesWrong} members wrong), ` +
        `${waitingForSlack} waiting for Slack (no process runs it; /metrics says ${gauge})`,
      problems: problems.slice(0, 8),
    };
  } finally {
    serve.process.kill("SIGTERM");
    await Promise.race([serve.done, sleep(20_000)]);
    serve.process.kill("SIGKILL");
    await runtime.close().catch(() => undefined);
    await forum.stop();
    pg.destroy();
  }
};
