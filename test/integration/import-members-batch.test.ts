// `steward import members` writes the lines that name only new people together (services/member-import.ts,
// applyMemberLines). Whatever a file holds, each line's outcome and what ends up stored must be what applying
// the lines one by one gives; a statement that meets another writer's row writes nothing of itself.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importMembersCsv } from "../../src/adapters/partner-dashboard/members-import.ts";
import { importLines, type LineResult } from "../../src/adapters/partner-dashboard/import.ts";
import { applyMemberLine, checkMemberLine, MEMBERS_HEADER, memberLineKey } from "../../src/services/member-import.ts";
import { fixTargets } from "../../src/services/outbox-targets.ts";
import type { App } from "../../src/app.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const HEADER = MEMBERS_HEADER.join(",");
const CSV = [
  HEADER,
  "community-leaders-velo,ana,U0ANA001,,,,2026-09-07,", // new
  "community-leaders-velo,ben,U0BEN001,123456789012345678,,,2026-09-07,2026-10-19", // new, left: no badge
  "community-leaders-velo,cy,U0SHARED,,,,2026-09-07,", // account named by the next line too
  "community-leaders-velo,dee,U0SHARED,,,,2026-09-07,", // refused: cy has it
  "community-leaders-velo,eve,,,eve.forum,,2026-09-07,", // forum account: linked one by one
  "community-leaders-velo,met,U0MET0001,,,,2026-09-07,", // Slack account met in chat before
  "community-leaders-velo,old,,,,,2026-09-07,", // handle in a program already
  "community-leaders-editorx,ana,,,,,2026-10-05,", // ana's second program: her handle twice
  "community-leaders-velo,fay,,234567890123456789,,,2026-09-07,", // new, Discord only
].join("\n");

/** The same lines through the one-by-one loop (no applyMany). */
const oneByOne = (app: App, text: string, options: { dryRun?: boolean } = {}) =>
  importLines(app, text, { header: MEMBERS_HEADER, check: checkMemberLine, key: memberLineKey, apply: (a, line, dryRun) => applyMemberLine(a, line, { dryRun }) }, options);

async function stored(rt: TestRuntime): Promise<unknown> {
  const handles = new Map((await rt.app.db.member.findMany()).map((m) => [m.id, m.handle]));
  const h = (id: string | null) => handles.get(id ?? "") ?? id;
  return {
    members: [...handles.values()].sort(),
    balances: (await rt.app.db.balance.findMany()).map((b) => `${h(b.memberId)} ${b.points} ${b.tier}`).sort(),
    identities: (await rt.app.db.identity.findMany()).map((i) => `${h(i.memberId)} ${i.platform}:${i.externalId} ${i.createdAt.toISOString()}`).sort(),
    memberships: (await rt.app.db.membership.findMany()).map((m) => `${h(m.memberId)} ${m.programId} ${m.state} ${m.joinedAt.toISOString()} ${m.endedAt?.toISOString()} ${m.reason}`).sort(),
    badges: (await rt.app.db.badge.findMany()).map((b) => `${h(b.memberId)} ${b.badge} ${b.grantedBy} ${b.reason} ${b.grantedAt.toISOString()}`).sort(),
    outbox: (await rt.app.db.outboxMessage.findMany()).map((o) => `${o.kind} ${h(o.memberId)} ${JSON.stringify({ ...(o.payload as object), memberId: h((o.payload as { memberId: string }).memberId) })} ${o.dedupeKey.replace(/[0-9a-f-]{36}/, "id")} ${o.status} ${o.targets?.join("+")} ${o.origin === null} ${o.availableAt.toISOString()}`).sort(),
    audit: (await rt.app.db.auditLog.findMany()).map((a) => `${a.actor} ${a.action} ${h(a.target)} ${a.outcome} ${JSON.stringify(a.details)} ${a.invocationId}`).sort(),
  };
}

describe.each(storeKinds)("steward import members in batches on %s", (kind) => {
  let batched: TestRuntime;
  let single: TestRuntime;

  beforeEach(async () => {
    [batched, single] = [await testRuntime(kind, {}, undefined), await testRuntime(kind, {}, undefined)];
    for (const rt of [batched, single]) {
      rt.clock.set("2026-11-25T12:00:00Z");
      fixTargets(rt.app);
      // Met in chat before the import: a Slack account, and a member already in a program.
      const met = await rt.app.db.member.create({ data: { handle: "user-u0met0001", displayName: "Met" } });
      await rt.app.db.identity.create({ data: { platform: "slack", externalId: "U0MET0001", memberId: met.id, createdAt: new Date("2026-11-01T00:00:00Z") } });
      const old = await rt.app.db.member.create({ data: { handle: "old", displayName: "old" } });
      await rt.app.db.membership.create({ data: { memberId: old.id, programId: "community-leaders-velo", state: "active", joinedAt: new Date("2026-08-03T00:00:00Z") } });
    }
  });
  afterEach(async () => {
    await batched.close();
    await single.close();
  });

  const outcomes = (rs: LineResult[]) => rs.map((r) => `${r.line} ${r.status}: ${r.message}`);

  it("each line's outcome and every stored row are what applying the lines one by one gives", async () => {
    const a = await importMembersCsv(batched.app, CSV);
    const b = await oneByOne(single.app, CSV);
    expect(outcomes(a)).toEqual(outcomes(b));
    expect(a.map((r) => r.status)).toEqual(["applied", "applied", "applied", "refused", "applied", "applied", "refused", "applied", "applied"]);
    expect(await stored(batched)).toEqual(await stored(single));
    // A second run: every line as the one-by-one second run sees it, nothing written.
    const before = await stored(batched);
    expect(outcomes(await importMembersCsv(batched.app, CSV))).toEqual(outcomes(await oneByOne(single.app, CSV)));
    expect(await stored(batched)).toEqual(before);
  });

  it("--dry-run says what the one-by-one dry run says and writes nothing", async () => {
    const before = await stored(batched);
    const dry = await importMembersCsv(batched.app, CSV, { dryRun: true });
    expect(outcomes(dry)).toEqual(outcomes(await oneByOne(single.app, CSV, { dryRun: true })));
    expect(dry.filter((r) => r.status === "applied")).toHaveLength(8);
    expect(await stored(batched)).toEqual(before);
  });

  it("a handle another writer takes between the check and the write: that statement writes nothing, its lines go one by one", async () => {
    const sql = batched.app.sql;
    const query = sql.query.bind(sql);
    let raced = false;
    sql.query = (async (text: string, params?: unknown[]) => {
      // The statement that writes fay's line (the new lines may go in more than one).
      if (!raced && text.includes("INSERT INTO members") && (params?.[1] as string[]).includes("fay")) {
        raced = true;
        await batched.app.db.member.create({ data: { handle: "fay", displayName: "fay" } });
      }
      return query(text, params);
    }) as typeof sql.query;
    const results = await importMembersCsv(batched.app, CSV);
    expect(raced).toBe(true);
    const fay = results.find((r) => r.line === 10);
    expect(fay?.message).toBe("@fay: discord id 234567890123456789, member of community-leaders-velo from 2026-09-07");
    expect(results.find((r) => r.line === 2)?.message).toBe("@ana: new member @ana, slack id U0ANA001, member of community-leaders-velo from 2026-09-07");
    // One member per handle, one identity per account: nothing of the failed statement stayed.
    expect(await batched.app.db.member.count()).toBe(7);
    expect(await batched.app.db.identity.count()).toBe(7);
  });
});
