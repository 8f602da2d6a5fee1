// Drill (b): every state-changing command sent 20 times at once with one invocation id (what a
// platform retry, a double click or a replayed request is) has the effect of one run: the same
// rows in every table (audit log included) and the same balances as the same command run once
// on an identical database. Replies: none may be an internal error.
import { DateTime } from "luxon";
import { registry } from "../commands/index.ts";
import { dispatch } from "../src/dispatch/dispatch.ts";
import { parseLine } from "../src/dispatch/parse.ts";
import type { CommandContext } from "../src/dispatch/types.ts";
import type { Actor } from "../src/core/actor.ts";
import type { Runtime } from "../src/runtime.ts";
import { actorFor } from "../src/services/members.ts";
import { drillRuntime, rowCounts, type Drill } from "./lib.ts";

const REPLAYS = 20;

interface World {
  runtime: Runtime;
  actors: Record<string, Actor>;
  /** Ledger entry ids and dispute ids the setup made, by name. */
  ids: Record<string, number>;
}

async function run(world: World, who: string, line: string, invocationId: string) {
  const parsed = parseLine(line);
  if (!parsed) throw new Error(`not a command: ${line}`);
  const ctx: CommandContext = { app: world.runtime.app, actor: world.actors[who] as Actor, channel: "general", interactive: false, invocationId };
  const outcome = await dispatch(registry, { command: parsed.command, words: parsed.words }, ctx);
  return outcome.type === "reply" ? outcome.reply : { status: "form" as const, text: "asked for a form" };
}

/** The same starting point in every database: sites, entries and two open disputes. */
async function setUp(runtime: Runtime): Promise<World> {
  const { app } = runtime;
  const actors: Record<string, Actor> = {};
  for (const name of ["alice", "bob", "mod"]) actors[name] = await actorFor(app, "console", name, name, () => name === "mod");
  const world: World = { runtime, actors, ids: {} };
  const step = async (who: string, line: string) => {
    const r = await run(world, who, line, `setup:${who}:${line}`);
    if (r.status !== "ok") throw new Error(`setup step ${line} (as ${who}) answered ${r.status}: ${r.text}`);
  };
  const entry = async (handle: string, reference: string) => {
    const rows = await app.sql.query<{ id: number }>(
      "SELECT e.id FROM ledger_entries e JOIN members m ON m.id = e.member_id JOIN sites s ON e.reference = 'site:' || s.id WHERE m.handle = $1 AND s.url = $2 ORDER BY e.id LIMIT 1",
      [handle, reference],
    );
    if (!rows[0]) throw new Error(`setup: no ledger entry of ${handle} for ${reference}`);
    return Number(rows[0].id);
  };
  await step("alice", "/site submit https://fixture.example.com kind:editorx role:owner");
  await step("alice", "/site submit https://fixture2.example.com kind:classic");
  await step("bob", "/site submit https://bobsite.example.com kind:classic");
  world.ids.aliceFirst = await entry("alice", "https://fixture.example.com");
  world.ids.aliceSecond = await entry("alice", "https://fixture2.example.com");
  world.ids.bobFirst = await entry("bob", "https://bobsite.example.com");
  await step("alice", `/points dispute ${world.ids.aliceFirst} the owner bonus was counted twice`);
  await step("bob", `/points dispute ${world.ids.bobFirst} wrong kind`);
  const disputes = await app.sql.query<{ id: number }>("SELECT id FROM points_disputes ORDER BY id");
  world.ids.disputeAlice = Number(disputes[0]?.id);
  world.ids.disputeBob = Number(disputes[1]?.id);
  return world;
}

/** Each state-changing command the setup makes possible, as who sends it. */
function commandsFor(world: World): [string, string][] {
  const until = DateTime.fromJSDate(world.runtime.app.now()).plus({ days: 10 }).toISODate();
  return [
    ["alice", "/site submit https://replay.example.com kind:editorx role:owner"],
    ["mod", "/certify bob"],
    ["mod", "/adjust alice 50 replayed bonus"],
    ["alice", `/points dispute ${world.ids.aliceSecond} please check this one`],
    ["mod", `/dispute accept ${world.ids.disputeAlice}`],
    ["mod", `/dispute decline ${world.ids.disputeBob} the kind was right`],
    ["mod", "/site verify https://fixture2.example.com alice"],
    ["mod", "/site lapse https://fixture.example.com"],
    ["mod", "/site reactivate https://fixture.example.com"],
    ["alice", "/site remove https://fixture2.example.com"],
    ["mod", "/site remove-contributor https://bobsite.example.com bob"],
    ["mod", "/benefits deliver alice team-management onboarding call"],
    ["alice", `/pause until:${until} a holiday`],
    ["alice", "/pause end"],
    ["mod", "/schedule subscribe"],
    ["mod", "/schedule unsubscribe"],
  ];
}

function diff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [table, n] of Object.entries(after)) if (n !== (before[table] ?? 0)) out[table] = n - (before[table] ?? 0);
  return out;
}

async function balances(runtime: Runtime): Promise<string> {
  const rows = await runtime.app.sql.query<{ handle: string; points: number }>("SELECT m.handle, b.points FROM balances b JOIN members m ON m.id = b.member_id ORDER BY m.handle");
  return rows.map((r) => `${r.handle}=${r.points}`).join(" ");
}

export const replayDrill: Drill = async () => {
  const once = await setUp(await drillRuntime());
  const replayed = await setUp(await drillRuntime());
  try {
    const commands = commandsFor(once);
    let doubled = 0;
    let internal = 0;
    const problems: string[] = [];
    for (const [i, [who, line]] of commands.entries()) {
      const id = `drill-replay:${i}`;
      const a0 = await rowCounts(once.runtime.app.sql);
      const single = await run(once, who, line, id);
      const a1 = await rowCounts(once.runtime.app.sql);
      if (single.status !== "ok") problems.push(`${line} (once) answered ${single.status}: ${single.text.slice(0, 120)}`);

      const b0 = await rowCounts(replayed.runtime.app.sql);
      const replies = await Promise.all(Array.from({ length: REPLAYS }, () => run(replayed, who, line, id)));
      const b1 = await rowCounts(replayed.runtime.app.sql);
      const bad = replies.filter((r) => r.status === "internal-error" || r.status === "unavailable");
      internal += bad.length;
      if (bad.length) problems.push(`${line}: ${bad.length} of ${REPLAYS} replays answered ${bad[0]?.status}`);
      const expected = JSON.stringify(diff(a0, a1));
      const got = JSON.stringify(diff(b0, b1));
      const [balA, balB] = [await balances(once.runtime), await balances(replayed.runtime)];
      if (expected !== got || balA !== balB) {
        doubled++;
        problems.push(`${line}: once ${expected} ${balA}; ${REPLAYS} replays ${got} ${balB}`);
      }
    }
    return {
      pass: doubled === 0 && internal === 0 && problems.length === 0,
      figures: `${commands.length} commands × ${REPLAYS} concurrent replays: ${doubled} with more than one effect, ${internal} internal errors`,
      problems,
    };
  } finally {
    await once.runtime.close();
    await replayed.runtime.close();
  }
};
