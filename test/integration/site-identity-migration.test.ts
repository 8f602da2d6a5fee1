// The site-identity migration on a database written by the code before it:
// duplicates seeded with the old schema and the old spelling, then the
// migration applied the way Steward applies it at start.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { siteIdentity } from "../../src/domain/sites.ts";
import { createLogger } from "../../src/log.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { sweepTiers } from "../../src/services/ledger.ts";
import { openStore, type SqlRunner, type StoreTarget } from "../../src/store/client.ts";
import { migrate, readMigrations } from "../../src/store/migrate.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testClock, testConfig } from "../helpers/runtime.ts";
import { scratchDatabase } from "../helpers/scratch-db.ts";
import { unmigratedPglite } from "../helpers/test-databases.ts";
import { host, spell, spelling, SPELLING_SEED } from "../helpers/site-spellings.ts";

const MIGRATION = "20261202100000_site_identity";
const before = readMigrations().filter((m) => m.name < MIGRATION);

/** How the code before this migration stored a submitted address (its normalizeSiteUrl). */
function storedBefore(raw: string): string {
  const u = new URL(raw.trim());
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, "")}`;
}

/** Writes what the old code wrote for a submission that paid `points` (0: its payment was reversed since). */
class OldData {
  private readonly statements: { sql: string; params: unknown[] }[] = [];
  private nextEntry = 1;
  private t = Date.parse("2026-10-01T00:00:00Z");
  readonly members = new Map<string, string>();

  member(handle: string): string {
    let id = this.members.get(handle);
    if (!id) {
      id = randomUUID();
      this.members.set(handle, id);
      this.statements.push({ sql: `INSERT INTO members (id, handle, display_name) VALUES ($1, $2, $2)`, params: [id, handle] });
      this.statements.push({ sql: `INSERT INTO identities (id, platform, external_id, member_id) VALUES ($1, 'console', $2, $3)`, params: [randomUUID(), handle, id] });
    }
    return id;
  }

  site(handle: string, raw: string, opts: { role?: string; state?: string; points?: number; paid?: number } = {}): { siteId: string; entryId: number | null } {
    const memberId = this.member(handle);
    const siteId = randomUUID();
    const at = new Date((this.t += 60_000));
    const state = opts.state ?? "active";
    this.statements.push({
      sql: `INSERT INTO sites (id, member_id, url, kind, role, state, submitted_at, state_changed_at) VALUES ($1, $2, $3, 'editorx', $4, $5, $6, $6)`,
      params: [siteId, memberId, storedBefore(raw), opts.role ?? "owner", state, at],
    });
    const paid = opts.paid ?? 300;
    if (paid === 0) return { siteId, entryId: null };
    const entryId = this.entry(memberId, paid, "site", `Editor X site ${storedBefore(raw)}`, `site:${siteId}`, `site:${siteId}:1:award`);
    if (state !== "active") this.entry(memberId, -paid, "reversal", `${state}: ${storedBefore(raw)}`, `site:${siteId}`, `reverse:${entryId}`, entryId);
    return { siteId, entryId };
  }

  entry(memberId: string, delta: number, kind: string, reason: string, reference: string, key: string, reverses: number | null = null): number {
    const id = this.nextEntry++;
    this.statements.push({
      sql: `INSERT INTO ledger_entries (id, member_id, delta, kind, reason, actor, reference, reverses_id, idempotency_key) VALUES ($1, $2, $3, $4, $5, 'seed', $6, $7, $8)`,
      params: [id, memberId, delta, kind, reason, reference, reverses, key],
    });
    return id;
  }

  raw(sql: string, params: unknown[] = []) {
    this.statements.push({ sql, params });
  }

  async write(sql: SqlRunner) {
    for (const s of this.statements) await sql.query(s.sql, s.params);
    await sql.exec(`SELECT setval('ledger_entries_id_seq', (SELECT max(id) FROM ledger_entries))`);
    // The materialised balances as the old code kept them, tiers included (Creator from 1000 points).
    await sql.exec(`INSERT INTO balances (member_id, points, tier)
      SELECT m.id, COALESCE(SUM(e.delta), 0), CASE WHEN COALESCE(SUM(e.delta), 0) >= 1000 THEN 'creator' WHEN COALESCE(SUM(e.delta), 0) >= 400 THEN 'pioneer' ELSE 'explorer' END
      FROM members m LEFT JOIN ledger_entries e ON e.member_id = m.id GROUP BY m.id`);
  }
}

/** A database migrated up to before the site-identity migration, holding `data`, then opened by Steward (which applies the rest). */
async function upgraded(kind: (typeof storeKinds)[number], data: OldData): Promise<Runtime> {
  const prepare = async (sql: SqlRunner) => {
    await migrate(sql, before);
    await data.write(sql);
  };
  const clock = testClock();
  const options = { now: clock.now, log: createLogger("silent") };
  if (kind === "pglite") {
    const store = await unmigratedPglite();
    await prepare(store.sql).catch(async (err: unknown) => (await store.close(), Promise.reject(err)));
    return createRuntime(testConfig(), { ...options, opened: store });
  }
  const db = await scratchDatabase(process.env.DATABASE_URL as string, "steward_site_migration");
  const target: StoreTarget = { databaseUrl: db.url };
  const seeding = await openStore(target);
  await prepare(seeding.sql);
  await seeding.close();
  const runtime = await createRuntime(testConfig(), { ...options, store: target });
  return { ...runtime, close: async () => (await runtime.close(), await db.drop()) };
}

describe.each(storeKinds)("the site-identity migration on %s", (kind) => {
  let rt: Runtime | undefined;
  afterEach(async () => {
    if (!rt) return;
    // Balance = sum of entries, for every member, after the merge.
    const rows = await rt.app.sql.query<{ handle: string; points: number; sum: string | null }>(
      `SELECT m.handle, b.points, (SELECT SUM(delta) FROM ledger_entries e WHERE e.member_id = b.member_id) AS sum FROM balances b JOIN members m ON m.id = b.member_id`,
    );
    for (const r of rows) expect(Number(r.sum ?? 0), r.handle).toBe(r.points);
    await rt.close();
    rt = undefined;
  });

  it("merges duplicate sites under their key and reverses the extra points with entries that say why", async () => {
    const data = new OldData();
    const [first] = ["https://studio.example.com", "http://studio.example.com", "https://studio.example.com.", "https://www.studio.example.com", "https://studio.example.com/about"].map(
      (raw) => data.site("alice", raw),
    );
    data.site("alice", "https://bakery.example.com", { paid: 100, role: "collaborator" });
    // A second owner of the same site, later: the first claim keeps it.
    data.site("bob", "https://WWW.Studio.Example.com/", { paid: 300 });
    // Sites under a path-site host are separate; one site's pages are not.
    data.site("carol", "https://carol.wixsite.com/portfolio", { paid: 100, role: "collaborator" });
    data.site("carol", "https://carol.wixsite.com/Portfolio/about", { paid: 100, role: "collaborator" });
    data.site("carol", "https://carol.wixsite.com/shop", { paid: 100, role: "collaborator" });
    // What a moderator decided stands against a spelling submitted around it: a lapsed site (its payment
    // already reversed) and a removal as contributor.
    data.site("dave", "https://x.example.com", { state: "lapsed" });
    data.site("dave", "https://www.x.example.com/");
    data.site("frank", "https://shop.example.com", { state: "removed", role: "collaborator", paid: 100 });
    data.site("frank", "http://SHOP.example.com/cart", { role: "collaborator", paid: 100 });
    // Made-up hosts pay nothing any more.
    data.site("mallory", "https://a..b", { paid: 100 });
    data.site("mallory", "https://fuzz{}.example.com", { paid: 100 });
    data.site("mallory", "https://mallory.example.com", { paid: 100, role: "collaborator" });
    // A duplicate whose payment a dispute already cut by 200: only what still counts is reversed.
    data.site("erin", "https://erin.example.com");
    const disputed = data.site("erin", "https://erin.example.com/blog");
    const erin = data.member("erin");
    data.raw(`INSERT INTO points_disputes (id, member_id, entry_id, reason, state) VALUES (1, $1, $2, 'counted twice', 'accepted')`, [erin, disputed.entryId]);
    data.entry(erin, -200, "correction", "dispute #1 accepted", "dispute:1", "dispute:1:accept");

    rt = await upgraded(kind, data);
    const app = rt.app;
    const points = async (handle: string) => (await app.db.balance.findFirstOrThrow({ where: { member: { handle } } })).points;
    expect({ alice: await points("alice"), bob: await points("bob"), carol: await points("carol"), dave: await points("dave"), frank: await points("frank"), mallory: await points("mallory"), erin: await points("erin") }).toEqual({
      alice: 400,
      bob: 0,
      carol: 200,
      dave: 0,
      frank: 0,
      mallory: 100,
      erin: 300,
    });

    const sites = await app.db.site.findMany({ include: { member: true }, orderBy: [{ member: { handle: "asc" } }, { url: "asc" }] });
    expect(sites.map((s) => [s.member.handle, s.url, s.state, s.ownerUrl])).toEqual([
      ["alice", "https://bakery.example.com", "active", null],
      ["alice", "https://studio.example.com", "active", "https://studio.example.com"],
      ["bob", "https://studio.example.com", "disowned", null],
      ["carol", "https://carol.wixsite.com/portfolio", "active", null],
      ["carol", "https://carol.wixsite.com/shop", "active", null],
      ["dave", "https://x.example.com", "lapsed", "https://x.example.com"],
      ["erin", "https://erin.example.com", "active", "https://erin.example.com"],
      ["frank", "https://shop.example.com", "removed", null],
      ["mallory", "https://a..b", "removed", null],
      ["mallory", "https://fuzz{}.example.com", "removed", null],
      ["mallory", "https://mallory.example.com", "active", null],
    ]);
    // The first spelling alice submitted is the row kept; its payment stands.
    expect(sites.find((s) => s.member.handle === "alice" && s.url === "https://studio.example.com")?.id).toBe(first?.siteId);

    const reversals = await app.db.ledgerEntry.findMany({ where: { kind: "reversal", actor: "system" }, include: { member: true }, orderBy: { id: "asc" } });
    expect(reversals.map((r) => [r.member.handle, r.delta, r.reason])).toEqual([
      ["alice", -300, "duplicate of site https://studio.example.com merged (submitted as http://studio.example.com)"],
      ["alice", -300, "duplicate of site https://studio.example.com merged (submitted as https://studio.example.com.)"],
      ["alice", -300, "duplicate of site https://studio.example.com merged (submitted as https://www.studio.example.com)"],
      ["alice", -300, "duplicate of site https://studio.example.com merged (submitted as https://studio.example.com/about)"],
      ["bob", -300, "another partner owns https://studio.example.com (claimed first); a moderator can /site transfer it"],
      ["carol", -100, "duplicate of site https://carol.wixsite.com/portfolio merged (submitted as https://carol.wixsite.com/Portfolio/about)"],
      ["dave", -300, "duplicate of site https://x.example.com merged (submitted as https://www.x.example.com)"],
      ["frank", -100, "duplicate of site https://shop.example.com merged (submitted as http://shop.example.com/cart)"],
      ["mallory", -100, "not a valid site address: https://a..b"],
      ["mallory", -100, "not a valid site address: https://fuzz{}.example.com"],
      ["erin", -100, "duplicate of site https://erin.example.com merged (submitted as https://erin.example.com/blog)"],
    ]);
    for (const r of reversals) expect(r.reversesId).not.toBeNull();

    // Tiers follow at the next daily sweep: alice held Creator on 1600 points and now has 400.
    expect((await app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).tier).toBe("creator");
    await sweepTiers(app);
    expect(await app.db.balance.findFirstOrThrow({ where: { member: { handle: "alice" } } })).toMatchObject({ tier: "creator", atRiskSince: app.now() });

    // And the merged data behaves like new data: no spelling pays again, the site has one owner.
    const chat = new ChatDriver(rt);
    expect((await chat.say("alice", "/site submit https://www.studio.example.com/x kind:editorx")).output).toMatch(/already submitted/);
    expect((await chat.say("bob", "/site submit https://studio.example.com kind:editorx")).output).toMatch(/already has an owner/);
    expect(await chat.ok("bob", "/site submit https://studio.example.com kind:editorx role:collaborator")).toMatch(/Resubmitted .*\+100 points/);
  });

  it("keys stored spellings in SQL exactly as the domain rule does", async () => {
    const data = new OldData();
    const realistic = [
      "https://Studio.Example.com:8443/Shop/",
      "http://www.bücher.example.com./x",
      "https://www.com",
      "https://www.editorx.io/Studio/contact",
      "https://wixstudio.io/my_site",
      "https://alice.wixsite.com",
      "https://alice.wixsite.com/%7Bx%7D",
      "https://wixsite.com/portfolio",
      "https://-x.example.com",
      "https://x.example.c0m",
      "https://127.0.0.1",
      "https://studio.localhost",
      `https://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com`,
      `https://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.com`,
    ];
    const generated = fc.sample(fc.tuple(host, spelling).map(([h, s]) => spell(h, s)), { seed: SPELLING_SEED, numRuns: 150 });
    // One member per spelling, so nothing is merged and each row shows its own key.
    const rows = [...realistic, ...generated].map((raw, i) => ({ raw, ...data.site(`m${i}`, raw, { paid: 0 }) }));
    rt = await upgraded(kind, data);
    const stored = new Map((await rt.app.db.site.findMany()).map((s) => [s.id, s]));
    const pathHosts = rt.app.pack.partner.pathSiteHosts;
    for (const row of rows) {
      const want = siteIdentity(row.raw, pathHosts);
      const got = stored.get(row.siteId);
      expect(got ? { url: got.url, state: got.state } : null, row.raw).toEqual(want.ok ? { url: want.url, state: "active" } : { url: storedBefore(row.raw), state: "removed" });
    }
  });
});
