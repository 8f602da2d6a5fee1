// The operator's verbs as a shell runs them: real `steward` processes on a real embedded folder.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { readMigrations } from "../../src/store/migrate.ts";
import { chatLines, startSteward, steward } from "../helpers/cli.ts";
import { emptyDataFolder, preparedDataFolder } from "../helpers/test-databases.ts";

const folder = async () => ({ STEWARD_DATA_DIR: await emptyDataFolder("steward-operator-") });
/** A copy of the run's migrated folder: the migrate tests cover a first start, the others need not repeat it. */
const migratedFolder = async () => ({ STEWARD_DATA_DIR: await preparedDataFolder("steward-operator-") });

// Each test has a folder of its own and runs its own processes: the suites run side by side.
describe.concurrent("steward config", () => {
  it("prints every variable with secrets masked, and exits 1 naming an invalid one", async () => {
    const ok = await steward(["config"], { ...(await folder()), SLACK_BOT_TOKEN: "xoxb-very-secret-token", SLACK_APP_TOKEN: "xapp-1-also-secret" });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^SLACK_BOT_TOKEN=\*\*\*\* \(set, 22 characters\)/m);
    expect(ok.stdout).toMatch(/^STEWARD_RETAIN_AUDIT_DAYS=365 {2}\(default\)$/m);
    expect(ok.stdout).not.toMatch(/very-secret|also-secret/);
    const bad = await steward(["config"], { ...(await folder()), STEWARD_TIMEZONE: "Mars/Olympus" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^STEWARD_TIMEZONE: expected an IANA time zone/m);
  }, 60_000);
});

describe.concurrent("steward migrate", () => {
  // One folder starts empty (initdb and every migration cost seconds of CPU); the failure cases start from the run's migrated copy.
  it("--status lists every migration pending on a fresh folder; migrate says what it applied, then that nothing is left (finding 11 of issue 21)", async () => {
    const env = await folder();
    const all = readMigrations();
    const fresh = await steward(["migrate", "--status"], env);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(new RegExp(`^pending +${all[0]?.name}$`, "m"));
    expect(fresh.stdout).toMatch(new RegExp(`^0 applied, ${all.length} pending, 0 failed\\.$`, "m"));
    const first = await steward(["migrate"], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Applied ${all.length} migrations:`, "m"));
    expect(first.stdout).not.toMatch(/up to date/);
    const second = await steward(["migrate"], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`Database is up to date: ${all.length} migrations applied, none pending.\n`);
  }, 120_000);

  it("--status lists applied, pending and failed migrations, and how to resolve a failed one", async () => {
    const env = await migratedFolder();
    const all = readMigrations();

    // The last migration forgotten (pending again) and a later one that failed, as the runner leaves it.
    const last = all.at(-1)?.name ?? "";
    const db = new PGlite(env.STEWARD_DATA_DIR);
    await db.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [last]);
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ('00000000-0000-0000-0000-000000000001', $1, '29990101000000_broken', 'column "x" does not exist')`,
      ["0".repeat(64)],
    );
    await db.close();
    const status = await steward(["migrate", "--status"], env);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`^applied +${all[0]?.name}  \\d{4}-\\d\\d-\\d\\dT`, "m"));
    expect(status.stdout).toMatch(new RegExp(`^pending +${last}$`, "m"));
    expect(status.stdout).toMatch(/^failed +29990101000000_broken .*\n +error: column "x" does not exist$/m);
    expect(status.stdout).toMatch(new RegExp(`^${all.length - 1} applied, 1 pending, 1 failed\\.$`, "m"));
    expect(status.stdout).toMatch(/How to resolve the failed migration 29990101000000_broken/);
    expect(status.stdout).toMatch(/UPDATE "_prisma_migrations" SET rolled_back_at = now\(\) WHERE migration_name = '29990101000000_broken'/);
    // The failed one blocks: migrate refuses, naming it.
    const blocked = await steward(["migrate"], env);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/29990101000000_broken failed earlier/);
  }, 120_000);
});

/** Every row of the tables a restore must bring back, in a stable order. */
async function snapshot(dataDir: string): Promise<Record<string, unknown[]>> {
  const db = new PGlite(dataDir);
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of [
    ["members", "handle"],
    ["balances", "member_id"],
    ["ledger_entries", "idempotency_key"],
    ["memberships", "member_id, program_id, joined_at"],
    ["applications", "member_id, program_id, created_at"],
    ["outbox", "id"],
    ["audit_log", "id"],
  ] as const)
    out[table] = (await db.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows;
  await db.close();
  return out;
}

describe.concurrent("steward backup and restore (embedded data folder)", () => {
  it("restores into a fresh folder every balance, membership and pending outbox row; refuses while Steward runs or into a used folder", async () => {
    const env = await migratedFolder();
    // A row still waiting (due tomorrow, as a retry backing off), so no process here delivers it first.
    const db = new PGlite(env.STEWARD_DATA_DIR);
    await db.query(`INSERT INTO outbox (kind, channel, payload, dedupe_key, available_at) VALUES ('announce', 'announcements', '{"text":"waiting"}', 'test:pending-1', now() + interval '1 day')`);
    await db.close();

    const file = join(mkdtempSync(join(tmpdir(), "steward-backup-")), "steward.tar.gz");
    // One chat writes the data, and while it holds the folder a backup is refused at once with the reason (exit 3), and writes nothing.
    const chat = startSteward(["chat", "--as", "alice"], env);
    chat.process.stdin.write(
      [
        "/site submit https://studio.example.com kind:editorx role:owner",
        "/site submit https://bakery.example.com kind:classic role:collaborator",
        "/as bob",
        "/apply community-leaders-velo profiles:https://forum.example.com/u/bob experience:years contribution:meetups",
        "/as mod",
        "/review approve bob community-leaders-velo",
        "/as carol",
        "/apply velo-masters profiles:https://forum.example.com/u/carol experience:years contribution:talks",
        "",
      ].join("\n"),
    );
    await chat.waitFor(/\[Reject: \/review reject carol velo-masters\]/);
    const refused = await steward(["backup", file], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/Steward is running on .* \(pid \d+\): an embedded database is backed up while no Steward has it open/);
    expect(existsSync(file)).toBe(false);
    chat.process.stdin.end("/quit\n");
    const chatted = await chat.done;
    expect(chatted.code).toBe(0);
    expect(chatted.stdout).toMatch(/Approved: @bob is now a member of Velo Community Leaders/);
    expect(chatted.stdout).not.toMatch(/something went wrong/);
    const before = await snapshot(env.STEWARD_DATA_DIR);
    expect(before.balances?.length).toBeGreaterThan(0);
    expect(before.memberships?.length).toBeGreaterThan(0);
    expect(before.outbox?.filter((r) => (r as { status: string }).status === "pending").length).toBeGreaterThan(0);

    const backup = await steward(["backup", file], env);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^Backed up .* \(\d+ migrations\) to .*steward\.tar\.gz \(\d+ bytes\)\.$/m);

    const fresh = await folder();
    const restored = await steward(["restore", file], fresh);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^Restored .* into /m);
    expect(await snapshot(fresh.STEWARD_DATA_DIR)).toEqual(before);
    // And it runs: the restored folder answers with alice's balance.
    const tier = await steward(["run", "--as", "alice", "/tier"], fresh);
    expect(tier.code).toBe(0);
    expect(tier.stdout).toMatch(/Pioneer/);

    const again = await steward(["restore", file], fresh);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty: restore into a new folder/);
    const junk = join(tmpdir(), `steward-not-a-backup-${process.pid}.tar.gz`);
    writeFileSync(junk, "hello");
    const bad = await steward(["restore", junk], await folder());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a Steward backup/);
  }, 300_000);
});

/** Every table of the database as JSON text: what an erasure must leave without a trace of the person. */
async function dumpAll(dataDir: string): Promise<string> {
  const db = new PGlite(dataDir);
  const tables = (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)).rows.map((r) => r.t);
  const out: string[] = [];
  for (const t of tables) out.push(`${t} ${JSON.stringify((await db.query(`SELECT * FROM "${t}"`)).rows)}`);
  await db.close();
  return out.join("\n");
}

describe.concurrent("steward member export and forget", () => {
  it("exports everything held about a member, then erases it: no trace of their handle, platform ids, answers or URLs in any table, ledger amounts kept", async () => {
    const env = await migratedFolder();
    const until = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    // One process for all of it: the export below shows each command's effect.
    await chatLines("zora-forgetme", [
      "/site submit https://zora-portfolio.example.net kind:editorx role:owner",
      "/apply community-leaders-velo profiles:https://forum.example.com/u/zora-forgetme experience:zoraexperience12345 contribution:meetups",
      "/as mod",
      "/review approve zora-forgetme community-leaders-velo",
      "/as zora-forgetme",
      "/log meetup url:https://meetup.example.org/zora-night note:zoranote-distinct",
      "/as mod",
      "/adjust zora-forgetme +50 thanks @zora-forgetme for the talk",
      "/link forum:zoraforum zora-forgetme",
      "/link dashboard:ZP-777 zora-forgetme",
      "/as zora-forgetme",
      `/pause until:${until} zoraleave`,
      // Someone else, whose data must come through untouched.
      "/as alice",
      "/site submit https://studio.example.com kind:editorx role:owner",
    ], env);
    // An inbound event about them (a partner dashboard line), whose body names their site.
    const csv = join(env.STEWARD_DATA_DIR, "..", `zora-${process.pid}.csv`);
    writeFileSync(csv, "event,partner,url,kind,role,date\nsite.published,ZP-777,https://zora-second.example.net,classic,owner,2026-12-01\n");
    const imported = await steward(["import", csv], env);
    expect(imported.stdout).toMatch(/1 applied/);
    const traces = ["zora-forgetme", "zora-portfolio.example.net", "zora-second.example.net", "zoraexperience12345", "meetup.example.org/zora-night", "zoranote-distinct", "zoraforum", "ZP-777", "zoraleave"];

    const exported = await steward(["member", "export", "zora-forgetme"], env);
    expect(exported.code).toBe(0);
    const data = JSON.parse(exported.stdout) as Record<string, unknown[]> & { member: { handle: string }; balance: { points: number } };
    expect(data.member.handle).toBe("zora-forgetme");
    expect(data.balance.points).toBe(450);
    expect((data.identities as { platform: string; externalId: string }[]).map((i) => `${i.platform}:${i.externalId}`).sort()).toEqual(["console:zora-forgetme", "dashboard:ZP-777", "forum:zoraforum"]);
    expect(data.ledger?.map((e) => (e as { delta: number }).delta)).toEqual([300, 50, 100]);
    expect(JSON.stringify(data.inboundEvents)).toContain("https://zora-second.example.net");
    expect(JSON.stringify(data.applications)).toContain("zoraexperience12345");
    expect(JSON.stringify(data.activities)).toContain("https://meetup.example.org/zora-night");
    expect(data.memberships).toHaveLength(1);
    expect(data.badges).toHaveLength(1);
    expect(data.sites).toHaveLength(2);
    expect(data.pauses).toHaveLength(1);
    expect(data.audit?.length).toBeGreaterThan(0);
    for (const t of traces) expect(exported.stdout).toContain(t);

    const dry = await steward(["member", "forget", "zora-forgetme", "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Dry run: forgetting zora-forgetme .* would make them forgotten-1/);
    expect(dry.stdout).toMatch(/^ {2}identities: 3 rows$/m);
    expect(dry.stdout).toMatch(/Nothing was changed\./);
    expect(await dumpAll(env.STEWARD_DATA_DIR)).toContain("zoraexperience12345");

    const forget = await steward(["member", "forget", "zora-forgetme"], env);
    expect(forget.code).toBe(0);
    expect(forget.stdout).toMatch(/^Forgot zora-forgetme .*: now forgotten-1\./);
    const dump = await dumpAll(env.STEWARD_DATA_DIR);
    for (const t of traces) expect(dump.toLowerCase(), `a trace of ${t}`).not.toContain(t.toLowerCase());

    // The numbers stand: the anonymous member keeps the balance and the membership; alice is untouched.
    const points = await steward(["run", "--as", "mod", "/points forgotten-1"], env);
    expect(points.code).toBe(0);
    expect(points.stdout).toMatch(/450/);
    const alice = await steward(["run", "--as", "alice", "/site list"], env);
    expect(alice.stdout).toMatch(/https:\/\/studio\.example\.com/);
    const db = new PGlite(env.STEWARD_DATA_DIR);
    const ledger = (await db.query<{ delta: number; reason: string }>(`SELECT e.delta, e.reason FROM ledger_entries e JOIN members m ON m.id = e.member_id WHERE m.handle = 'forgotten-1' ORDER BY e.id`)).rows;
    expect(ledger).toEqual([
      { delta: 300, reason: "Editor X site [forgotten] (owner)" },
      { delta: 50, reason: "thanks @[forgotten] for the talk" },
      { delta: 100, reason: expect.stringContaining("[forgotten]") },
    ]);
    const memberships = await db.query(`SELECT 1 FROM memberships ms JOIN members m ON m.id = ms.member_id WHERE m.handle = 'forgotten-1' AND ms.state = 'active'`);
    expect(memberships.rows).toHaveLength(1);
    const audited = (await db.query<{ action: string; details: unknown }>(`SELECT action, details FROM audit_log WHERE action = 'member forget'`)).rows;
    expect(audited).toHaveLength(1);
    expect(audited[0]?.details).toMatchObject({ becomes: "forgotten-1" });
    await db.close();

    const again = await steward(["member", "forget", "forgotten-1"], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/forgotten-1 is already forgotten/);
    const unknown = await steward(["member", "export", "nobody-here"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/There is no member called nobody-here/);
  }, 300_000);
});
