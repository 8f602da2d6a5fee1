// Drill (h) merge: pairs of accounts (one on Slack, one on Discord) that each
// hold every once-per-person thing the pack has — every certification, every
// badge, a program membership from an approved application, a site of their
// own — are joined with /link and /link code. After the merge, each person
// holds one of each, each certification is paid once (the extra reversed),
// each site pays once, and every balance equals the sum of its entries.
import { randomUUID } from "node:crypto";
import { registry } from "../commands/index.ts";
import { dispatch } from "../src/dispatch/dispatch.ts";
import { parseLine } from "../src/dispatch/parse.ts";
import type { Actor, Platform } from "../src/core/actor.ts";
import { grantBadge } from "../src/services/badges.ts";
import { actorFor } from "../src/services/members.ts";
import { balanceMismatches, drillRuntime, type Drill } from "./lib.ts";

export const mergeDrill: Drill = async ({ size }) => {
  const pairs = size === "full" ? 40 : 10;
  const runtime = await drillRuntime();
  const { app } = runtime;
  const problems: string[] = [];
  const say = async (actor: Actor, line: string) => {
    const parsed = parseLine(line);
    if (!parsed) throw new Error(`not a command: ${line}`);
    const out = await dispatch(registry, { command: parsed.command, words: parsed.words }, { app, actor, interactive: false, invocationId: `drill:${randomUUID()}` });
    const reply = out.type === "reply" ? out.reply : { status: "form", text: "asked for a form" };
    if (reply.status !== "ok") throw new Error(`${line} as @${actor.handle} answered ${reply.status}: ${reply.text}`);
    return reply.text;
  };
  const account = (platform: Platform, id: string, name: string) => actorFor(app, platform, id, name, () => false);
  let doublePayments = 0;
  let doubleHoldings = 0;
  let merged = 0;
  try {
    const mod = await actorFor(app, "console", "mod", "mod", () => true);
    const certs = app.pack.partner.certifications;
    const once = Object.values(certs).reduce((sum, c) => sum + c.points, 0);
    for (let i = 0; i < pairs; i++) {
      const sides = [await account("slack", `U0DRILL${i}`, `s${i}`), await account("discord", `5000000000000${String(i).padStart(5, "0")}`, `d${i}`)];
      for (const [n, side] of sides.entries()) {
        await say(side, `/site submit https://pair${i}-${n}.example.com kind:classic role:owner`);
        await say(side, `/apply velo-masters profiles:https://stackoverflow.com/u/${side.handle} experience:years`);
        await say(mod, `/review approve ${side.handle} velo-masters`);
        for (const kind of Object.keys(certs)) await say(mod, `/certify ${side.handle} ${kind}`);
        await app.db.$transaction(async (tx) => {
          for (const b of app.pack.badges) await grantBadge(app, tx, side.memberId, b.id, "drill", "held by both accounts");
        });
      }
      const code = /code: ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(await say(sides[0] as Actor, "/link"))?.[1] ?? "";
      await say(sides[1] as Actor, `/link code:${code}`);
      merged++;

      const survivor = await app.db.identity.findUniqueOrThrow({ where: { platform_externalId: { platform: "slack", externalId: `U0DRILL${i}` } } });
      const memberId = survivor.memberId;
      const entries = await app.db.ledgerEntry.findMany({ where: { memberId } });
      const net = (reference: string) => entries.filter((e) => e.reference === reference).reduce((sum, e) => sum + e.delta, 0);
      for (const [kind, cert] of Object.entries(certs))
        if (net(`cert:${kind}`) !== cert.points || (await app.db.certification.count({ where: { memberId, kind } })) !== 1) {
          doublePayments++;
          problems.push(`pair ${i}: ${cert.label} counts ${net(`cert:${kind}`)} points, not ${cert.points}`);
        }
      for (const site of await app.db.site.findMany({ where: { memberId } }))
        if (net(`site:${site.id}`) !== 100) {
          doublePayments++;
          problems.push(`pair ${i}: ${site.url} counts ${net(`site:${site.id}`)} points`);
        }
      const total = entries.reduce((sum, e) => sum + e.delta, 0);
      if (total !== once + 200) {
        doublePayments++;
        problems.push(`pair ${i}: ${total} points, expected ${once + 200}`);
      }
      for (const b of app.pack.badges)
        if ((await app.db.badge.count({ where: { memberId, badge: b.id, revokedAt: null } })) !== 1) {
          doubleHoldings++;
          problems.push(`pair ${i}: badge ${b.id} held ${await app.db.badge.count({ where: { memberId, badge: b.id, revokedAt: null } })} times`);
        }
      if ((await app.db.membership.count({ where: { memberId, programId: "velo-masters", state: "active" } })) !== 1) {
        doubleHoldings++;
        problems.push(`pair ${i}: velo-masters membership is not one`);
      }
    }
    const mismatches = await balanceMismatches(app.sql);
    for (const m of mismatches.slice(0, 3)) problems.push(`@${m.member}: balance ${m.balance} ≠ sum of entries ${m.sum}`);
    const rules = Object.keys(certs).length + app.pack.badges.length + 2;
    return {
      pass: doublePayments === 0 && doubleHoldings === 0 && mismatches.length === 0 && merged === pairs,
      figures: `${merged} merges of accounts that each held ${rules} once-per-person things (every certification and badge, a membership, a site): ${doublePayments} double payments, ${doubleHoldings} double holdings, ${mismatches.length} balances ≠ sum of entries`,
      problems: problems.slice(0, 6),
    };
  } finally {
    await runtime.close();
  }
};
