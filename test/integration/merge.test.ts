// One member across platforms: /link gives a code to one account, /link code:
// typed by another account joins the two members. Commands go through the
// real dispatcher as a Slack account and a Discord account (and the terminal
// moderator), on PGlite always and Postgres when DATABASE_URL is set.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { renderText } from "../../src/chat/plain-text.ts";
import { dispatch } from "../../src/dispatch/dispatch.ts";
import { parseLine } from "../../src/dispatch/parse.ts";
import type { Platform } from "../../src/core/actor.ts";
import { grantBadge } from "../../src/services/badges.ts";
import { redeemLinkCode } from "../../src/services/merge.ts";
import { actorFor, resolveMember } from "../../src/services/members.ts";
import { eventually } from "../helpers/eventually.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

type Account = { platform: Platform; id: string; name: string };
const SLACK: Account = { platform: "slack", id: "U0ALICE", name: "alice" };
const DISCORD: Account = { platform: "discord", id: "400000000000000001", name: "alice" };
const MALLORY: Account = { platform: "discord", id: "400000000000000666", name: "mallory" };
const MOD: Account = { platform: "console", id: "mod", name: "mod" };
const MINUTE = 60 * 1000;

describe.each(storeKinds)("/link code on %s", (kind) => {
  let rt: TestRuntime;

  async function say(who: Account, line: string) {
    const actor = await actorFor(rt.app, who.platform, who.id, who.name, () => who === MOD);
    const parsed = parseLine(line);
    if (!parsed) throw new Error(`not a command: ${line}`);
    const out = await dispatch(registry, { command: parsed.command, words: parsed.words }, { app: rt.app, actor, interactive: false, invocationId: `test:${randomUUID()}` });
    if (out.type !== "reply") throw new Error(`${line} asked for a form`);
    return { text: renderText(out.reply), status: out.reply.status };
  }
  async function ok(who: Account, line: string) {
    const r = await say(who, line);
    if (r.status !== "ok") throw new Error(`${line} → ${r.status}: ${r.text}`);
    return r.text;
  }
  const codeFrom = (text: string) => /code: ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(text)?.[1] ?? "";
  const join = async (who: Account, handle: string) => {
    await ok(who, `/apply velo-masters profiles:https://stackoverflow.com/u/${handle} experience:years`);
    await ok(MOD, `/review approve ${handle} velo-masters`);
  };
  /** Every member-owned row, to prove a refused merge changed nothing. */
  const snapshot = async () => {
    const db = rt.app.db;
    const [members, identities, entries, balances, sites, memberships, applications, badges, activities, merges] = await Promise.all([
      db.member.findMany({ orderBy: { id: "asc" } }),
      db.identity.findMany({ orderBy: { id: "asc" } }),
      db.ledgerEntry.findMany({ orderBy: { id: "asc" } }),
      db.balance.findMany({ orderBy: { memberId: "asc" }, select: { memberId: true, points: true, tier: true } }),
      db.site.findMany({ orderBy: { id: "asc" } }),
      db.membership.findMany({ orderBy: { id: "asc" } }),
      db.application.findMany({ orderBy: { id: "asc" } }),
      db.badge.findMany({ orderBy: { id: "asc" } }),
      db.activity.findMany({ orderBy: { id: "asc" } }),
      db.memberMerge.count(),
    ]);
    return { members, identities, entries, balances, sites, memberships, applications, badges, activities, merges };
  };

  beforeEach(async () => {
    rt = await testRuntime(kind);
    await ok(MOD, "/tier"); // the moderator exists before anyone else
  });
  afterEach(async () => {
    await rt.close();
  });

  it("joins a Slack and a Discord member with overlapping history; /tier on either shows the sum; a moderator sees the merge", async () => {
    await ok(SLACK, "/site submit https://studio.example.com kind:editorx role:owner");
    await join(SLACK, "alice");
    rt.clock.advance(MINUTE);
    await ok(DISCORD, "/site submit https://bakery.example.com kind:classic role:owner");
    await join(DISCORD, "alice2");
    await ok(SLACK, "/log answer url:https://stackoverflow.com/a/1");
    await ok(DISCORD, "/log answer url:https://stackoverflow.com/a/2");
    expect(await ok(SLACK, "/tier")).toMatch(/300 points|Points:\s+300/);
    expect(await ok(DISCORD, "/tier")).toMatch(/100 points|Points:\s+100/);

    const issued = await ok(SLACK, "/link");
    const code = codeFrom(issued);
    expect(code).not.toBe("");
    // Only a hash is stored.
    const stored = await rt.app.db.linkCode.findFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(code.replace("-", ""));

    const merged = await ok(DISCORD, `/link code:${code.toLowerCase()}`);
    expect(merged).toContain("@alice2 joined @alice");
    expect(merged).toContain("400 points");

    for (const who of [SLACK, DISCORD]) expect(await ok(who, "/tier")).toMatch(/alice[\s\S]*(400 points|Points:\s+400)/);
    const db = rt.app.db;
    const alice = await db.member.findUniqueOrThrow({ where: { handle: "alice" } });
    expect(await db.member.findUnique({ where: { handle: "alice2" } })).toBeNull();
    expect((await db.identity.findMany({ where: { memberId: alice.id } })).map((i) => i.platform).sort()).toEqual(["discord", "slack"]);
    const sum = await db.ledgerEntry.aggregate({ where: { memberId: alice.id }, _sum: { delta: true } });
    expect((await db.balance.findUniqueOrThrow({ where: { memberId: alice.id } })).points).toBe(sum._sum.delta);
    expect(sum._sum.delta).toBe(400);
    expect(await db.site.count({ where: { memberId: alice.id } })).toBe(2);
    expect(await db.activity.count({ where: { memberId: alice.id } })).toBe(2);
    expect(await db.membership.count({ where: { memberId: alice.id, programId: "velo-masters" } })).toBe(1);
    expect(await db.badge.count({ where: { memberId: alice.id, badge: "velo-masters", revokedAt: null } })).toBe(1);
    expect(await db.application.count({ where: { memberId: alice.id } })).toBe(2);
    // The old handle still names the survivor.
    expect((await resolveMember({ db }, "@alice2")).id).toBe(alice.id);

    const audit = await db.auditLog.findFirstOrThrow({ where: { action: "member merge" } });
    expect(audit.target).toBe(alice.id);
    expect(audit.details).toMatchObject({ mergedHandle: "alice2", entries: 1, sites: 1 });
    expect(await ok(MOD, "/points alice")).toMatch(/@alice2 was joined into @alice on 2026-11-25 \(\/link code\): 1 entries, 1 sites, 1 activities moved/);
    expect(await ok(MOD, "/points alice2")).toContain("Points of @alice: 400");

    // Entered again: the same answer, nothing more.
    expect(await ok(DISCORD, `/link code:${code}`)).toContain("already one member");
    expect(await db.memberMerge.count()).toBe(1);
  });

  it("every once-per-person rule of the pack holds through a merge: certifications, memberships from applications, badges (issue 27, finding 2)", async () => {
    const handles: string[] = [];
    for (const [who, handle] of [[SLACK, "alice"], [DISCORD, "alice2"]] as const) {
      await join(who, handle);
      handles.push((await rt.app.db.identity.findUniqueOrThrow({ where: { platform_externalId: { platform: who.platform, externalId: who.id } }, include: { member: true } })).member.handle);
      rt.clock.advance(MINUTE);
    }
    const certs = rt.app.pack.partner.certifications;
    for (const handle of handles) for (const kind of Object.keys(certs)) await ok(MOD, `/certify ${handle} ${kind}`);
    const ids = await Promise.all(handles.map(async (h) => (await rt.app.db.member.findUniqueOrThrow({ where: { handle: h } })).id));
    await rt.app.db.$transaction(async (tx) => {
      for (const id of ids) for (const b of rt.app.pack.badges) await grantBadge(rt.app, tx, id, b.id, "test", "both accounts hold it");
    });
    const once = Object.values(certs).reduce((sum, c) => sum + c.points, 0);
    expect(await ok(SLACK, "/tier")).toMatch(new RegExp(`${once} points|Points:\\s+${once}`));

    const code = codeFrom(await ok(SLACK, "/link"));
    await ok(DISCORD, `/link code:${code}`);

    const [survivor] = await rt.app.db.member.findMany({ where: { handle: { in: handles } } });
    const db = rt.app.db;
    // Paid once: the ledger, the balance and /tier agree; the extra payment is reversed with an entry that says why.
    const entries = await db.ledgerEntry.findMany({ where: { memberId: survivor?.id } });
    expect(entries.reduce((sum, e) => sum + e.delta, 0)).toBe(once);
    expect((await db.balance.findUniqueOrThrow({ where: { memberId: survivor?.id ?? "" } })).points).toBe(once);
    for (const [kind, cert] of Object.entries(certs)) {
      expect(await db.certification.count({ where: { kind } })).toBe(1);
      const reversal = entries.find((e) => e.kind === "reversal" && e.reference === `cert:${kind}`);
      expect(reversal?.reason).toContain(`${cert.label} pays once per person`);
      expect(entries.filter((e) => e.reference === `cert:${kind}`).reduce((sum, e) => sum + e.delta, 0)).toBe(cert.points);
    }
    expect(await ok(SLACK, "/tier")).toMatch(new RegExp(`${once} points|Points:\\s+${once}`));
    // One membership per program, one held badge of each kind.
    const memberships = await db.membership.findMany({ where: { memberId: survivor?.id, state: "active" } });
    expect(memberships.map((m) => m.programId)).toEqual(["velo-masters"]);
    for (const b of rt.app.pack.badges) expect(await db.badge.count({ where: { memberId: survivor?.id, badge: b.id, revokedAt: null } }), b.id).toBe(1);
  });

  it("the same code entered twice at once joins once", async () => {
    await ok(SLACK, "/site submit https://studio.example.com kind:editorx role:owner");
    await ok(DISCORD, "/site submit https://bakery.example.com kind:classic role:owner");
    const code = codeFrom(await ok(SLACK, "/link"));
    const results = await Promise.all([say(DISCORD, `/link code:${code}`), say(DISCORD, `/link code:${code}`)]);
    expect(results.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect(results.filter((r) => r.text.includes("joined")).length).toBe(1);
    expect(results.filter((r) => r.text.includes("already one member")).length).toBe(1);
    expect(await rt.app.db.memberMerge.count()).toBe(1);
    expect(await rt.app.db.member.count()).toBe(2); // mod and alice
    expect(await ok(DISCORD, "/tier")).toMatch(/400 points|Points:\s+400/);
  });

  // PGlite runs one statement at a time, so a request cannot wait on another's lock there: Postgres only.
  it.runIf(kind === "postgres")("a code entered while the same code's merge commits answers 'already one member', not an internal error", async () => {
    await ok(SLACK, "/tier");
    await ok(DISCORD, "/tier");
    const code = codeFrom(await ok(SLACK, "/link"));
    const db = rt.app.db;
    const memberOf = async (a: Account) => (await db.identity.findUniqueOrThrow({ where: { platform_externalId: { platform: a.platform, externalId: a.id } } })).memberId;
    const [survivor, merged] = [await memberOf(SLACK), await memberOf(DISCORD)];
    const asker = await actorFor(rt.app, DISCORD.platform, DISCORD.id, DISCORD.name, () => false);
    let second: ReturnType<typeof redeemLinkCode> | undefined;
    // The first entry's merge, held open: the asker's member locked, then moved into the survivor and deleted.
    await db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM members WHERE id = ${merged} FOR UPDATE`;
        second = redeemLinkCode(rt.app, asker, code);
        second.catch(() => undefined);
        await eventually(async () => ((await rt.app.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted"))[0]?.n ?? 0) > 0);
        await tx.identity.updateMany({ where: { memberId: merged }, data: { memberId: survivor } });
        await tx.linkCode.updateMany({ where: { usedAt: null }, data: { memberId: survivor, usedAt: rt.app.now(), survivorId: survivor } });
        await tx.member.delete({ where: { id: merged } });
      },
      { timeout: 30_000 },
    );
    await expect(second).resolves.toMatchObject({ already: true, survivor: { id: survivor } });
  });

  it("one account entering its valid code 10 times at once is never told it entered too many wrong codes (issue 27, finding 6)", async () => {
    await ok(SLACK, "/tier");
    await ok(DISCORD, "/tier");
    const code = codeFrom(await ok(SLACK, "/link"));
    const results = await Promise.all(Array.from({ length: 10 }, () => say(DISCORD, `/link code:${code}`)));
    expect(results.filter((r) => /Too many wrong codes/.test(r.text))).toEqual([]);
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => "ok"));
    expect(results.filter((r) => r.text.includes("joined")).length).toBe(1);
    expect(await rt.app.db.memberMerge.count()).toBe(1);
  });

  it("two members entering each other's codes at once: one merge, and the other hears what a later entry would (issue 27, finding 5)", async () => {
    for (let trial = 0; trial < 4; trial++) {
      const a: Account = { platform: "slack", id: `U0CROSS${trial}`, name: `cross${trial}a` };
      const b: Account = { platform: "discord", id: `40000000000000090${trial}`, name: `cross${trial}b` };
      const codeA = codeFrom(await ok(a, "/link"));
      const codeB = codeFrom(await ok(b, "/link"));
      const [ra, rb] = await Promise.all([say(a, `/link code:${codeB}`), say(b, `/link code:${codeA}`)]);
      const statuses = [ra.status, rb.status].sort();
      expect(statuses, `${ra.text} / ${rb.text}`).toEqual(["ok", "user-error"]);
      const loser = ra.status === "ok" ? rb : ra;
      expect(loser.text).not.toMatch(/reference|went wrong/i);
    }
    expect(await rt.app.db.memberMerge.count()).toBe(4);
  });

  it("refuses a wrong, malformed, own, expired or used code with what to do, and changes nothing", async () => {
    await ok(DISCORD, "/tier");
    await ok(SLACK, "/tier");
    const before = await snapshot();
    const wrong = await say(DISCORD, "/link code:AAAA-BBBB");
    expect(wrong.status).toBe("user-error");
    expect(wrong.text).toMatch(/not one \/link gave[\s\S]*Run \/link on your other account/);
    expect((await say(DISCORD, "/link code:hello")).text).toContain("not a link code");

    const code = codeFrom(await ok(SLACK, "/link"));
    const own = await say(SLACK, `/link code:${code}`);
    expect(own.text).toContain("own");
    expect(own.status).toBe("user-error");

    rt.clock.advance(10 * MINUTE + 1000);
    const expired = await say(DISCORD, `/link code:${code}`);
    expect(expired.text).toContain("expired");
    expect(await snapshot()).toEqual(before);

    // A new code replaces the old; used once, it is used for everyone else.
    const first = codeFrom(await ok(SLACK, "/link"));
    const second = codeFrom(await ok(SLACK, "/link"));
    expect((await say(DISCORD, `/link code:${first}`)).text).toContain("not one /link gave");
    await ok(DISCORD, `/link code:${second}`);
    const used = await say(MALLORY, `/link code:${second}`);
    expect(used.text).toContain("used already");
    expect(await rt.app.db.member.count({ where: { handle: "mallory" } })).toBe(1);
    expect(await rt.app.db.auditLog.count({ where: { action: "link code", outcome: "denied" } })).toBeGreaterThanOrEqual(5);
  });

  it("after 5 wrong codes in 10 minutes even the right one is refused, until the window has passed", async () => {
    const code = codeFrom(await ok(SLACK, "/link"));
    for (let i = 0; i < 5; i++) expect((await say(MALLORY, `/link code:ZZZZ-ZZZ${i}`)).text).toContain("not one /link gave");
    const limited = await say(MALLORY, `/link code:${code}`);
    expect(limited.status).toBe("user-error");
    expect(limited.text).toMatch(/Too many wrong codes: 5 in 10 minutes\. Try again after 12:10 UTC/);
    expect(await rt.app.db.memberMerge.count()).toBe(0);
    // Another account is not held back by mallory's guesses.
    expect((await say(DISCORD, "/link code:ZZZZ-ZZZZ")).text).toContain("not one /link gave");
    rt.clock.advance(10 * MINUTE);
    const fresh = codeFrom(await ok(SLACK, "/link"));
    expect(await ok(MALLORY, `/link code:${fresh}`)).toContain("joined");
  });

  describe("a conflicting merge is explained and changes nothing", () => {
    const refused = async (expected: RegExp) => {
      const code = codeFrom(await ok(SLACK, "/link"));
      const before = await snapshot();
      const r = await say(DISCORD, `/link code:${code}`);
      expect(r.status).toBe("user-error");
      expect(r.text).toMatch(/cannot be joined yet, and nothing was changed/);
      expect(r.text).toMatch(expected);
      expect(await snapshot()).toEqual(before);
      // Not a wrong code: the asker is not counted towards the limit, and the code still works later.
      expect(await rt.app.db.linkCodeAttempt.count()).toBe(0);
      return code;
    };

    it("both hold the same site", async () => {
      await ok(SLACK, "/site submit https://studio.example.com kind:editorx role:owner");
      await ok(DISCORD, "/site submit https://studio.example.com kind:editorx role:collaborator");
      const code = await refused(/Both @alice and @alice2 list https:\/\/studio\.example\.com[\s\S]*\/site remove https:\/\/studio\.example\.com/);
      await ok(DISCORD, "/site remove https://studio.example.com");
      expect(await ok(DISCORD, `/link code:${code}`)).toContain("@alice2 joined @alice");
      // The claimed row stands; the withdrawn one gave way, its award and reversal kept in the ledger.
      const sites = await rt.app.db.site.findMany();
      expect(sites.map((s) => [s.url, s.state, s.role])).toEqual([["https://studio.example.com", "active", "owner"]]);
      const alice = await rt.app.db.member.findUniqueOrThrow({ where: { handle: "alice" } });
      const sum = await rt.app.db.ledgerEntry.aggregate({ where: { memberId: alice.id }, _sum: { delta: true } });
      expect((await rt.app.db.balance.findUniqueOrThrow({ where: { memberId: alice.id } })).points).toBe(sum._sum.delta);
      expect(await rt.app.db.ledgerEntry.count({ where: { memberId: alice.id } })).toBe(3);
    });

    it("both in one program in different states", async () => {
      await join(SLACK, "alice");
      await join(DISCORD, "alice2");
      await ok(MOD, "/program remove alice2 velo-masters left");
      await refused(/@alice is active in velo-masters and @alice2 is removed/);
    });

    it("two open applications to one program", async () => {
      await ok(SLACK, "/apply velo-masters profiles:https://stackoverflow.com/u/a experience:years");
      await ok(DISCORD, "/apply velo-masters profiles:https://stackoverflow.com/u/b experience:years");
      await refused(/Both have an open application to velo-masters/);
    });

    it("different forum accounts", async () => {
      await ok(SLACK, "/tier");
      await ok(MOD, "/link forum:alice_one alice");
      await ok(DISCORD, "/tier");
      await ok(MOD, "/link forum:alice_two alice2");
      await refused(/linked to forum alice_one and @alice2 to alice_two[\s\S]*\/unlink forum/);
    });
  });

  it("every table that holds a member's rows is one the merge knows", async () => {
    // A new member-owned table must be handled in mergeMembers (src/services/merge.ts) and named here.
    const handled = [
      "activities", "applications", "badges", "balances", "benefit_fulfilments", "certifications", "dashboard_links", "dashboard_sessions", "discord_role_connections", "identities", "inbound_events",
      "ledger_entries", "link_code_attempts", "link_codes", "link_requests", "member_merges", "memberships", "outbox", "pauses",
      "points_disputes", "preferences", "sites", "tier_changes",
    ];
    const rows = await rt.app.db.$queryRaw<{ table_name: string }[]>`
      SELECT DISTINCT c.table_name FROM information_schema.columns c
      WHERE c.table_schema = current_schema() AND c.column_name IN ('member_id', 'survivor_id')
      UNION
      SELECT DISTINCT tc.table_name FROM information_schema.table_constraints tc
      JOIN information_schema.constraint_column_usage u ON u.constraint_name = tc.constraint_name AND u.table_schema = tc.table_schema
      WHERE tc.constraint_type = 'FOREIGN KEY' AND u.table_name = 'members' AND tc.table_schema = current_schema()`;
    expect(rows.map((r) => r.table_name).sort()).toEqual(handled);
  });
});
