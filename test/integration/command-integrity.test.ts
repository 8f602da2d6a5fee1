// Issue 9, findings 2–5 and 9, through the dispatcher on PGlite and (when
// DATABASE_URL is set) PostgreSQL: what a hostile member or a flaky network
// does — the same command twenty times at once, a replayed invocation, huge
// numbers, impossible dates, NUL and lone surrogates, malformed moderator
// commands — and what the database holds after.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession } from "../../src/adapters/console/session.ts";
import type { Reply } from "../../src/chat/reply.ts";
import { dispatch } from "../../src/dispatch/dispatch.ts";
import { parseLine } from "../../src/dispatch/parse.ts";
import { actorFor } from "../../src/services/members.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const NUL = "\u0000";
const LONE_SURROGATE = "\uD800";

describe.each(storeKinds)("command integrity on %s", (kind) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await testRuntime(kind);
  });
  afterEach(async () => {
    // The materialised balances equal the ledger's sums after every test.
    const rows = await rt.app.sql.query<{ points: number; sum: string | null }>(
      `SELECT b.points, (SELECT SUM(delta) FROM ledger_entries e WHERE e.member_id = b.member_id) AS sum FROM balances b`,
    );
    for (const r of rows) expect(Number(r.sum ?? 0)).toBe(Number(r.points));
    await rt.close();
  });

  /** One command as a platform delivers it: its own invocation id unless a replay names one. */
  async function send(handle: string, line: string, invocationId: string = randomUUID()): Promise<Reply> {
    const actor = await actorFor(rt.app, "console", handle, handle, () => handle === "mod");
    const parsed = parseLine(line);
    if (!parsed) throw new Error(`not a command: ${line}`);
    const outcome = await dispatch(registry, { command: parsed.command, words: parsed.words }, { app: rt.app, actor, interactive: false, invocationId });
    if (outcome.type !== "reply") throw new Error(`${line} asked for a form`);
    return outcome.reply;
  }

  async function ok(handle: string, line: string): Promise<string> {
    const r = await send(handle, line);
    if (r.status !== "ok") throw new Error(`${line} → ${r.status}: ${r.text}`);
    return r.text;
  }

  const statuses = (replies: Reply[]) => replies.map((r) => r.status).sort();
  const memberId = async (handle: string) => (await rt.app.db.member.findUniqueOrThrow({ where: { handle } })).id;
  const entryOf = async (handle: string, kindOf: string) =>
    (await rt.app.db.ledgerEntry.findFirstOrThrow({ where: { memberId: await memberId(handle), kind: kindOf }, orderBy: { id: "desc" } })).id;
  const balance = async (handle: string) => (await rt.app.db.balance.findUniqueOrThrow({ where: { memberId: await memberId(handle) } })).points;
  const audits = (action: string, outcome = "ok") => rt.app.db.auditLog.findMany({ where: { action, outcome } });

  async function members(...handles: string[]) {
    for (const h of handles) await actorFor(rt.app, "console", h, h, () => h === "mod");
  }

  describe("disputes (finding 2)", () => {
    it("20 identical disputes at once open one; the others hear it is already disputed", async () => {
      await members("alice", "mod");
      await ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      const entry = await entryOf("alice", "site");
      const replies = await Promise.all(Array.from({ length: 20 }, () => send("alice", `/points dispute ${entry} I am a collaborator, not the owner`)));
      expect(statuses(replies)).toEqual(["ok", ...Array(19).fill("user-error")]);
      for (const r of replies.filter((r) => r.status !== "ok")) expect(r.text).toMatch(/already disputed/);
      expect(await rt.app.db.pointsDispute.count({ where: { entryId: entry } })).toBe(1);
    });

    it("a decided entry cannot be disputed again, and accepting twice at once corrects once", async () => {
      await members("alice", "mod");
      await ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      const entry = await entryOf("alice", "site");
      await ok("alice", `/points dispute ${entry} wrong role`);
      const dispute = await rt.app.db.pointsDispute.findFirstOrThrow({ where: { entryId: entry } });
      const accepts = await Promise.all(Array.from({ length: 10 }, () => send("mod", `/dispute accept ${dispute.id}`)));
      expect(statuses(accepts)).toEqual(["ok", ...Array(9).fill("user-error")]);
      for (const r of accepts.filter((r) => r.status !== "ok")) expect(r.text).toMatch(/already accepted/);
      expect(await balance("alice")).toBe(0);
      expect(await rt.app.db.ledgerEntry.count({ where: { kind: "correction" } })).toBe(1);
      expect(await audits("dispute accept")).toHaveLength(1);

      const again = await send("alice", `/points dispute ${entry} still wrong`);
      expect(again.status).toBe("user-error");
      expect(again.text).toMatch(/already decided/);
      const declined = await send("alice", `/points dispute ${await entryOf("alice", "correction")} please`);
      expect(declined.status).toBe("ok");
      expect(await rt.app.db.pointsDispute.count()).toBe(2);
    });

    it("an accepted dispute corrects at most what the entry still counts, within the pack's cap", async () => {
      await members("alice", "mod");
      await ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      const entry = await entryOf("alice", "site");
      await ok("alice", `/points dispute ${entry} it lapsed anyway`);
      const dispute = await rt.app.db.pointsDispute.findFirstOrThrow({ where: { entryId: entry } });
      const cap = rt.app.pack.partner.maxAdjustment;

      const huge = await send("mod", `/dispute accept ${dispute.id} points:2147483000`);
      expect(huge.status).toBe("user-error");
      expect(huge.text).toMatch(new RegExp(`from -${cap} to ${cap}`));
      const below = await send("mod", `/dispute accept ${dispute.id} points:-301`);
      expect(below.status).toBe("user-error");
      expect(below.text).toMatch(/still counts 300/);

      await ok("mod", "/site lapse https://studio.example.com");
      expect(await balance("alice")).toBe(0);
      const nothingLeft = await send("mod", `/dispute accept ${dispute.id}`);
      expect(nothingLeft.status).toBe("user-error");
      expect(nothingLeft.text).toMatch(/still counts 0/);
      expect(await balance("alice")).toBe(0);
      expect((await rt.app.db.pointsDispute.findUniqueOrThrow({ where: { id: dispute.id } })).state).toBe("open");
      // A correction upward (it should have paid more) is a moderator's call, within the cap.
      await ok("mod", `/dispute accept ${dispute.id} points:+100 paid too little`);
      expect(await balance("alice")).toBe(100);
    });

    it("a lapse after an accepted correction reverses only what the entry still counts", async () => {
      await members("alice", "mod");
      await ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      const entry = await entryOf("alice", "site");
      await ok("alice", `/points dispute ${entry} I am a collaborator, so 100 and not 300`);
      const dispute = await rt.app.db.pointsDispute.findFirstOrThrow({ where: { entryId: entry } });
      await ok("mod", `/dispute accept ${dispute.id} points:-200 collaborator`);
      expect(await balance("alice")).toBe(100);
      await ok("mod", "/site lapse https://studio.example.com");
      expect(await balance("alice")).toBe(0);
      expect((await rt.app.db.ledgerEntry.findFirstOrThrow({ where: { kind: "reversal" } })).delta).toBe(-100);
    });
  });

  describe("races and replays (finding 3)", () => {
    it("20 identical /site submit at once pay once; the others hear 'already submitted'", async () => {
      await members("alice");
      const replies = await Promise.all(Array.from({ length: 20 }, () => send("alice", "/site submit https://studio.example.com kind:editorx role:owner")));
      expect(statuses(replies)).toEqual(["ok", ...Array(19).fill("user-error")]);
      for (const r of replies.filter((r) => r.status !== "ok")) expect(r.text).toMatch(/already submitted/);
      expect(await balance("alice")).toBe(300);
    });

    it("two partners claiming one site as owner at once (ten times each): one owns it, the others hear it has an owner", async () => {
      await members("bob", "carol");
      const claim = (who: string) => send(who, "/site submit https://studio.example.com kind:editorx role:owner");
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(i % 2 ? "bob" : "carol")));
      expect(statuses(replies)).toEqual(["ok", ...Array(19).fill("user-error")]);
      for (const r of replies.filter((r) => r.status !== "ok")) expect(r.text).toMatch(/already submitted|already has an owner/);
      expect((await balance("bob")) + (await balance("carol"))).toBe(300);
    });

    it("20 identical /certify at once pay once; the others hear 'already'", async () => {
      await members("alice", "mod");
      const replies = await Promise.all(Array.from({ length: 20 }, () => send("mod", "/certify alice")));
      expect(statuses(replies)).toEqual(["ok", ...Array(19).fill("user-error")]);
      for (const r of replies.filter((r) => r.status !== "ok")) expect(r.text).toMatch(/already Velo Certified/);
      expect(await balance("alice")).toBe(100);
      expect(await audits("certify")).toHaveLength(1);
    });

    it("parallel /adjust for one member all succeed and add up (200 on Postgres, where they queue for connections)", async () => {
      await members("alice", "mod");
      // PGlite runs one transaction at a time anyway; 40 show the sums there without a long test.
      const n = kind === "postgres" ? 200 : 40;
      const replies = await Promise.all(Array.from({ length: n }, (_, i) => send("mod", `/adjust alice +${(i % 9) + 1} prize ${i + 1}`)));
      expect(replies.filter((r) => r.status !== "ok").map((r) => r.text)).toEqual([]);
      expect(await balance("alice")).toBe(Array.from({ length: n }, (_, i) => (i % 9) + 1).reduce((a, b) => a + b, 0));
      expect(await audits("adjust")).toHaveLength(n);
    });

    it("a replayed invocation has one effect and one audit row, also when it was refused", async () => {
      await members("alice", "mod");
      const id = randomUUID();
      const first = await send("mod", "/adjust alice +50 meetup prize", id);
      const again = await Promise.all([send("mod", "/adjust alice +50 meetup prize", id), send("mod", "/adjust alice +50 meetup prize", id)]);
      expect([first, ...again].map((r) => r.status)).toEqual(["ok", "ok", "ok"]);
      expect(await balance("alice")).toBe(50);
      expect(await rt.app.db.ledgerEntry.count({ where: { kind: "adjustment" } })).toBe(1);
      expect(await audits("adjust")).toHaveLength(1);

      const denied = randomUUID();
      for (let i = 0; i < 3; i++) expect((await send("alice", "/adjust alice +50 mine", denied)).text).toMatch(/Only moderators/);
      expect(await audits("adjust", "denied")).toHaveLength(1);
    });

    it("a /pause replayed 20 times at once starts one leave (found by the replay drill)", async () => {
      await members("alice");
      const id = randomUUID();
      const replies = await Promise.all(Array.from({ length: 20 }, () => send("alice", "/pause until:2026-12-12 a holiday", id)));
      expect(new Set(replies.map((r) => r.status))).toEqual(new Set(["ok"]));
      expect(await rt.app.db.pause.count({ where: { memberId: await memberId("alice") } })).toBe(1);
      // A new invocation is a new leave that replaces the running one.
      expect((await send("alice", "/pause until:2026-12-20")).status).toBe("ok");
      expect(await rt.app.db.pause.count({ where: { memberId: await memberId("alice") } })).toBe(2);
    });

    it("20 different /pause commands at once leave at most one running leave (issue 27, finding 6)", async () => {
      await members("alice");
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => send("alice", `/pause until:2026-12-${String(10 + i).padStart(2, "0")} leave ${i}`)));
      expect(new Set(replies.map((r) => r.status))).toEqual(new Set(["ok"]));
      const now = rt.app.now();
      const running = await rt.app.db.pause.count({ where: { memberId: await memberId("alice"), startsAt: { lte: now }, endsAt: { gt: now } } });
      expect(running).toBe(1);
    });

    it("the terminal gives each line its own invocation: the same line typed twice acts twice", async () => {
      await members("alice", "mod");
      const session = new ConsoleSession(rt.app, registry, "mod");
      expect((await session.handleLine("/adjust alice +5 first")).status).toBe("ok");
      expect((await session.handleLine("/adjust alice +5 first")).status).toBe("ok");
      expect(await balance("alice")).toBe(10);
    });
  });

  describe("bounds (finding 4)", () => {
    it("refuses integers out of range with the range, and changes nothing", async () => {
      await members("alice", "mod");
      const cases: [string, string, RegExp][] = [
        ["alice", "/points dispute 99999999999 wrong", /entry must be a whole number from 1 to 2147483647/],
        ["alice", "/points dispute 0 wrong", /entry must be a whole number from 1 to 2147483647/],
        ["mod", "/dispute accept 99999999999", /id must be a whole number from 1 to 2147483647/],
        ["mod", "/dispute decline -1 no", /id must be a whole number from 1 to 2147483647/],
        ["mod", "/adjust alice 99999999999999999999 prize", /points must be a whole number from -1000 to 1000/],
        ["mod", "/adjust alice -5000 too much", /points must be a whole number from -1000 to 1000/],
      ];
      for (const [who, line, message] of cases) {
        const r = await send(who, line);
        expect(r.status, line).toBe("user-error");
        expect(r.text, line).toMatch(message);
      }
      expect(await rt.app.db.ledgerEntry.count()).toBe(0);
      expect(await rt.app.db.pointsDispute.count()).toBe(0);
    });

    it("refuses impossible calendar dates everywhere a date is typed", async () => {
      await members("alice", "mod");
      await ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      for (const line of [
        "/site lapse https://studio.example.com on:2026-13-01",
        "/site lapse https://studio.example.com on:2027-02-30",
        "/site lapse https://studio.example.com on:2026-1-01",
      ]) {
        const r = await send("mod", line);
        expect(r.status, line).toBe("user-error");
        expect(r.text, line).toMatch(/on must be a real date written YYYY-MM-DD/);
      }
      const site = await rt.app.db.site.findFirstOrThrow();
      expect(site.state).toBe("active");
      expect(site.premiumEndsAt).toBeNull();
      expect((await send("alice", "/pause until:2027-02-30")).text).toMatch(/until must be a real date/);
      expect((await send("alice", "/log hours 2 date:2026-02-30")).text).toMatch(/date must be a real date/);
      expect(await rt.app.db.pause.count()).toBe(0);
      expect(await rt.app.db.activity.count()).toBe(0);
      expect(await ok("mod", "/site lapse https://studio.example.com on:2027-02-28")).toMatch(/on 2027-02-28/);
    });

    it("a balance never leaves the ledger's bound: the entry is refused with a clear reply", async () => {
      await members("alice", "mod");
      await ok("mod", "/adjust alice +1000 seed");
      // Reaching the bound by commands would take a million adjustments: the entries are written directly, each within an entry's bound.
      const id = await memberId("alice");
      await rt.app.sql.exec(`
        INSERT INTO ledger_entries (member_id, delta, kind, reason, actor, idempotency_key)
          SELECT '${id}', CASE WHEN n = 1000 THEN 998500 ELSE 1000000 END, 'adjustment', 'filler', 'test', 'filler:' || n FROM generate_series(1, 1000) AS n;
        UPDATE balances SET points = 999999500 WHERE member_id = '${id}';`);
      const r = await send("mod", "/adjust alice +1000 more");
      expect(r.status).toBe("user-error");
      expect(r.text).toMatch(/at most 1000000000 points/);
      expect(await balance("alice")).toBe(999999500);
      expect(await rt.app.db.ledgerEntry.count()).toBe(1001);
      expect(await ok("mod", "/adjust alice +500 up to the bound")).toMatch(/Balance: 1000000000/);
    });
  });

  describe("text (finding 5)", () => {
    it("refuses NUL and lone surrogates in free text with a clear reply; nothing reaches the database", async () => {
      await members("alice", "mod");
      await ok("alice", "/site submit https://studio.example.com kind:editorx role:owner");
      const entry = await entryOf("alice", "site");
      const cases: [string, string][] = [
        ["alice", `/points dispute ${entry} wrong${NUL}role`],
        ["alice", `/points dispute ${entry} wrong ${LONE_SURROGATE}`],
        ["alice", `/log hours 2 note:a${NUL}b`],
        ["alice", `/tier bob${NUL}`],
        ["mod", `/adjust alice +5 prize${NUL}`],
        ["mod", `/adjust alice${NUL} +5 prize`],
      ];
      for (const [who, line] of cases) {
        const r = await send(who, line);
        expect(r.status, JSON.stringify(line)).toBe("user-error");
        expect(r.text, JSON.stringify(line)).toMatch(/NUL character or a broken character/);
      }
      const long = await send("alice", `/points dispute ${entry} ${"x".repeat(1001)}`);
      expect(long.status).toBe("user-error");
      expect(long.text).toMatch(/at most 1000 characters/);
      expect(await rt.app.db.pointsDispute.count()).toBe(0);
      expect(await rt.app.db.activity.count()).toBe(0);
      expect(await rt.app.db.ledgerEntry.count()).toBe(1);
    });

    it("a refused moderator command with NUL is still audited, with the text made storable", async () => {
      await members("alice");
      const r = await send("alice", `/adjust alice +500 because${NUL}${LONE_SURROGATE}`);
      expect(r.text).toMatch(/Only moderators can use \/adjust/);
      const [row] = await audits("adjust", "denied");
      expect(row?.details).toEqual({ words: ["alice", "+500", "because\uFFFD\uFFFD"], options: null });
    });

    it("/as with a NUL answers in the terminal chat instead of ending it", async () => {
      const session = new ConsoleSession(rt.app, registry, "alice");
      const r = await session.handleLine(`/as a${NUL}b`);
      expect(r.status).toBe("user-error");
      expect(r.output).toMatch(/Usage: \/as <name>/);
      expect((await session.handleLine("/as bob")).output).toBe("You are now bob.");
    });
  });

  describe("audit before parsing (finding 9)", () => {
    it("a malformed moderator command from a member is refused as a permission and audited", async () => {
      await members("alice");
      const cases: [string, string][] = [
        ["/adjust alice +50 prize colour:red", "adjust"],
        ["/adjust", "adjust"],
        ["/dispute", "dispute"],
        ["/dispute frobnicate 3", "dispute"],
        ["/dispute accept x y z points:huge", "dispute accept"],
        ["/site lapse not-a-url on:2026-13-01", "site lapse"],
      ];
      for (const [line, action] of cases) {
        const r = await send("alice", line);
        expect(r.status, line).toBe("user-error");
        expect(r.text, line).toMatch(/Only moderators can use/);
        expect(await audits(action, "denied"), line).not.toHaveLength(0);
      }
      expect(await rt.app.db.auditLog.count({ where: { outcome: "denied" } })).toBe(cases.length);
      // A member's own subcommands of a mixed command still explain their usage.
      expect((await send("alice", "/site frobnicate")).text).not.toMatch(/Only moderators/);
    });
  });
});
