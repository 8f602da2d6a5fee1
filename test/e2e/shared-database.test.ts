// `steward serve` (with the forum) and `steward run` on one PostgreSQL, as an
// operator who scripts Steward against production has them: real processes of
// bin/steward.mjs, a local fake Discourse. Each outbox row must reach each of
// its targets exactly once: `steward run` prints its own command's rows and
// never marks a forum (or Slack) row delivered; the forum rows go out from
// `steward serve`; Slack rows wait for a process that runs Slack, and
// /metrics says how many wait for which target.
import { createServer } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSteward, steward, type RunningSteward } from "../helpers/cli.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeDiscourse } from "../helpers/fake-discourse.ts";
import { scratchDatabase, type ScratchDatabase } from "../helpers/scratch-db.ts";

const VELO_MASTERS_BADGE = 100; // the id src/programs/wix.yaml maps the badge to
const ADMIN_URL = process.env.DATABASE_URL;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface RowState {
  id: number;
  kind: string;
  status: string;
  targets: string[] | null;
  delivered: string[];
}

// Two processes on one database need a server database: an embedded data folder takes one process (a lock).
describe.skipIf(!ADMIN_URL)("steward serve and steward run on one PostgreSQL", () => {
  let db: ScratchDatabase;
  let forum: FakeDiscourse;
  let serve: RunningSteward | undefined;
  let client: pg.Client;
  let env: Record<string, string>;
  let httpPort: number;

  const run = async (as: string, line: string) => {
    const r = await steward(["run", "--as", as, line], env);
    if (r.code !== 0) throw new Error(`steward run --as ${as} ${line}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const rows = async (): Promise<RowState[]> =>
    (
      await client.query<RowState>(
        `SELECT o.id, o.kind, o.status, o.targets, ARRAY(SELECT d.target FROM outbox_deliveries d WHERE d.outbox_id = o.id ORDER BY d.target) AS delivered
         FROM outbox o ORDER BY o.id`,
      )
    ).rows;

  beforeAll(async () => {
    db = await scratchDatabase(ADMIN_URL as string, "steward_shared");
    forum = new FakeDiscourse();
    await forum.start();
    forum.users.add("alice_f");
    forum.badges.set(VELO_MASTERS_BADGE, "Velo Master");
    httpPort = await freePort();
    env = { DATABASE_URL: db.url, DISCOURSE_URL: forum.url, DISCOURSE_API_KEY: forum.apiKey, STEWARD_HTTP_PORT: String(httpPort) };
    client = new pg.Client({ connectionString: db.url });
    const migrated = await steward(["migrate"], { DATABASE_URL: db.url });
    expect(migrated.code).toBe(0);
    await client.connect();
  }, 60_000);
  afterAll(async () => {
    serve?.process.kill("SIGTERM");
    await serve?.done;
    await client?.end();
    await forum?.stop();
    await db?.drop();
  });

  it("prints its own rows in the terminal, the forum gets its badge from serve once, and Slack rows wait for Slack", async () => {
    await run("alice", "/apply velo-masters profiles:https://stackoverflow.com/u/alice experience:years");
    await run("mod", "/link forum:alice_f alice");
    // Alice also has a Slack account: her DMs are Slack's too, and no process here runs Slack.
    await client.query(`INSERT INTO identities (id, member_id, platform, external_id, created_at) SELECT gen_random_uuid()::text, id, 'slack', 'U0ALICE', now() FROM members WHERE handle = 'alice'`);

    serve = startSteward(["serve"], env);
    await eventually(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.ok, 30_000);

    const out = await run("mod", "/review approve alice velo-masters");
    expect(out).toContain("→ badge velo-masters granted to @alice");
    expect(out).toMatch(/→ DM to @alice: /);

    await eventually(() => forum.held("alice_f", VELO_MASTERS_BADGE) === 1, 30_000);
    const grant = await eventually(async () => (await rows()).find((r) => r.kind === "badge-grant" && r.status === "delivered"), 30_000);
    expect(grant.targets?.sort()).toEqual(["console", "forum"]);
    expect(grant.delivered).toEqual(["console", "forum"]);
    expect(forum.calls.filter((c) => c.method === "POST")).toHaveLength(1);

    // No row was marked delivered for a target that did not have it, and none got a target twice (a unique key).
    for (const row of await rows()) {
      for (const target of row.delivered) expect(row.targets, `row ${row.id} (${row.kind})`).toContain(target);
      if (row.status === "delivered") expect(row.delivered.sort(), `row ${row.id} (${row.kind})`).toEqual([...(row.targets ?? [])].sort());
    }
    const dm = (await rows()).find((r) => r.kind === "dm" && r.targets?.includes("slack"));
    expect(dm).toMatchObject({ status: "pending", delivered: ["console"] });

    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^steward_outbox_waiting\{target="slack"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^steward_outbox_waiting\{target="forum"\} 0$/m);
  }, 120_000);
});
