// A member's data, for a member who asks for it (export) or for its erasure (forget).
//
// Forget keeps what the programs' numbers need and nothing that names the person: the member row stays
// (as `forgotten-<n>`) so the ledger still sums, tiers and reports still add up and ids still join;
// ledger entries keep their amounts and dates. What names them goes: identities and platform ids,
// forum, dashboard and Discord links, sites, application answers, activity URLs and notes, leave and
// dispute reasons, preferences, sign-in links, messages to or about them (sent or not). Then every text and JSON
// column of every table is scrubbed of what identified them (handle, names, platform ids, URLs and
// their hosts, longer answers and notes) wherever it was copied: ledger reasons, audit details,
// outbox payloads, inbound event bodies. A unique key that named them (an idempotency or dedupe key)
// is replaced by its hash, so it stays unique and still says "this happened once".
import type { App } from "../app.ts";
import type { Actor } from "../core/actor.ts";
import { UserError } from "../core/errors.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { Tx } from "../store/client.ts";
import { audit } from "./audit.ts";
import { resolveMember } from "./members.ts";
import { transaction } from "../store/transaction.ts";

export const FORGOTTEN = "[forgotten]";
/** Free text shorter than this (an answer such as "years") is common words: deleted where it was stored, not hunted elsewhere. */
const MIN_FREE_TEXT = 8;
/** Unique keys: replaced by their hash when they name the member, never edited in place. */
const KEY_COLUMNS = new Set(["idempotency_key", "dedupe_key", "key", "invocation_id"]);
/** A forget scans every table; it may take longer than a command's transaction. */
const FORGET_TX = { maxWait: 15_000, timeout: 600_000 };

export async function exportMember(app: App, ref: string): Promise<Record<string, unknown>> {
  const m = await resolveMember(app, ref);
  const db = app.db;
  const where = { memberId: m.id };
  const member = await db.member.findUniqueOrThrow({ where: { id: m.id } });
  const connection = await db.discordRoleConnection.findUnique({ where: { memberId: m.id }, select: { discordUserId: true, scope: true, pushedAt: true, createdAt: true } });
  return {
    exportedAt: app.now().toISOString(),
    member,
    identities: await db.identity.findMany({ where, orderBy: { createdAt: "asc" } }),
    balance: await db.balance.findUnique({ where: { memberId: m.id } }),
    ledger: await db.ledgerEntry.findMany({ where, orderBy: { id: "asc" } }),
    tierChanges: await db.tierChange.findMany({ where, orderBy: { id: "asc" } }),
    certifications: await db.certification.findMany({ where }),
    sites: await db.site.findMany({ where }),
    applications: await db.application.findMany({ where, orderBy: { createdAt: "asc" } }),
    memberships: await db.membership.findMany({ where, orderBy: { joinedAt: "asc" } }),
    activities: await db.activity.findMany({ where, orderBy: { occurredAt: "asc" } }),
    pauses: await db.pause.findMany({ where, orderBy: { startsAt: "asc" } }),
    badges: await db.badge.findMany({ where, orderBy: { grantedAt: "asc" } }),
    benefitsDelivered: await db.benefitFulfilment.findMany({ where }),
    disputes: await db.pointsDispute.findMany({ where, orderBy: { id: "asc" } }),
    preferences: await db.preference.findMany({ where }),
    linkRequests: await db.linkRequest.findMany({ where }),
    // The sealed OAuth2 tokens are Steward's credentials, not data about the person.
    discordLinkedRoles: connection,
    mergedAccounts: await db.memberMerge.findMany({ where: { survivorId: m.id } }),
    audit: await db.auditLog.findMany({ where: { OR: [{ target: m.id }, { actor: m.id }] }, orderBy: { id: "asc" } }),
    deliveries: await db.outboxMessage.findMany({ where, orderBy: { id: "asc" } }),
    inboundEvents: await db.inboundEvent.findMany({ where, orderBy: { id: "asc" } }),
  };
}

export interface ForgetReport {
  member: string;
  /** The handle it had: for the operator's answer to the person, never stored. */
  was: string;
  becomes: string;
  /** Rows deleted or changed, by table. */
  changes: Record<string, number>;
  dryRun: boolean;
}

class DryRun extends Error {
  constructor(readonly report: ForgetReport) {
    super("dry run");
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`).hostname || undefined;
  } catch {
    return undefined;
  }
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** What identifies the member, to be hunted in every table. */
async function identifying(tx: Tx, memberId: string): Promise<string[]> {
  const where = { memberId };
  const member = await tx.member.findUniqueOrThrow({ where: { id: memberId } });
  const found: string[] = [member.handle, member.displayName];
  for (const i of await tx.identity.findMany({ where })) found.push(i.externalId);
  for (const r of await tx.linkRequest.findMany({ where })) found.push(r.externalId);
  const connection = await tx.discordRoleConnection.findUnique({ where });
  if (connection) found.push(connection.discordUserId);
  for (const m of await tx.memberMerge.findMany({ where: { survivorId: memberId } })) found.push(m.mergedHandle);
  for (const e of await tx.inboundEvent.findMany({ where, select: { subject: true } })) found.push(e.subject);
  const urls: string[] = [];
  for (const s of await tx.site.findMany({ where })) urls.push(s.url);
  const free: string[] = [];
  for (const a of await tx.activity.findMany({ where })) {
    if (a.url) urls.push(a.url);
    if (a.note) free.push(a.note);
  }
  for (const a of await tx.application.findMany({ where })) free.push(...strings(a.answers));
  for (const p of await tx.pause.findMany({ where })) if (p.reason) free.push(p.reason);
  for (const d of await tx.pointsDispute.findMany({ where })) free.push(d.reason);
  for (const text of free) {
    if (text.trim().length >= MIN_FREE_TEXT) found.push(text.trim());
    // A URL inside an answer or a note names the person even in a short text.
    for (const u of text.match(/\bhttps?:\/\/[^\s<>"']+/gi) ?? []) urls.push(u);
  }
  for (const u of urls) {
    found.push(u, u.replace(/\/+$/, ""));
    const host = hostOf(u);
    if (host) found.push(host);
  }
  // Longest first, so a URL is replaced whole before its host.
  return [...new Set(found.map((s) => s.trim()).filter((s) => s.length >= 2))].sort((a, b) => b.length - a.length);
}

/** A case-insensitive pattern for any of `texts`, not inside a longer word, handle or host. */
function patternOf(texts: string[]): string {
  const escaped = texts.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return `(?<![[:alnum:]_.-])(${escaped.join("|")})(?![[:alnum:]_-]|\\.[[:alnum:]])`;
}

async function count(tx: Tx, changes: Record<string, number>, table: string, n: number | Promise<number>): Promise<void> {
  const v = await n;
  if (v > 0) changes[table] = (changes[table] ?? 0) + v;
}

async function nextForgottenHandle(tx: Tx): Promise<string> {
  const rows = await tx.$queryRawUnsafe<{ n: number | null }[]>(
    `SELECT max(substring(handle FROM '^forgotten-([0-9]+)$')::int) AS n FROM members WHERE handle ~ '^forgotten-[0-9]+$'`,
  );
  return `forgotten-${(rows[0]?.n ?? 0) + 1}`;
}

/** Erases what identifies a member (see the top of this file); `dryRun` reports the same changes and keeps none. */
export async function forgetMember(app: App, actor: Pick<Actor, "memberId">, ref: string, dryRun: boolean): Promise<ForgetReport> {
  const m = await resolveMember(app, ref);
  if (/^forgotten-\d+$/.test(m.handle)) throw new UserError(fillTemplate(app.pack.texts.memberAlreadyForgotten, { handle: m.handle }), undefined, "member.forgotten");
  try {
    return await transaction(app, async (tx) => {
      const changes: Record<string, number> = {};
      const secrets = await identifying(tx, m.id);
      const where = { memberId: m.id };
      const becomes = await nextForgottenHandle(tx);

      // Rows that only name or reach the person: deleted.
      const apps = (await tx.application.findMany({ where, select: { id: true } })).map((a) => a.id);
      // Messages to or about them (a DM, their tier-up announcement, keyed on their id), sent or not:
      // a sent one is history only, and its picture's data names them.
      const aboutThem = (await tx.outboxMessage.findMany({ where: { OR: [{ memberId: m.id }, { dedupeKey: { contains: m.id } }] }, select: { id: true } })).map((r) => r.id);
      const applicationPosts = apps.length
        ? (await tx.outboxMessage.findMany({ where: { OR: apps.map((id) => ({ dedupeKey: { startsWith: `application:${id}:` } })) }, select: { id: true } })).map((r) => r.id)
        : [];
      const outboxGone = [...new Set([...aboutThem, ...applicationPosts])];
      await count(tx, changes, "outbox_deliveries", tx.outboxDelivery.deleteMany({ where: { outboxId: { in: outboxGone } } }).then((r) => r.count));
      await count(tx, changes, "outbox", tx.outboxMessage.deleteMany({ where: { id: { in: outboxGone } } }).then((r) => r.count));
      await count(tx, changes, "identities", tx.identity.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "sites", tx.site.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "preferences", tx.preference.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "link_requests", tx.linkRequest.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "link_codes", tx.linkCode.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "link_code_attempts", tx.linkCodeAttempt.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "dashboard_links", tx.dashboardLink.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "dashboard_sessions", tx.dashboardSession.deleteMany({ where }).then((r) => r.count));
      await count(tx, changes, "discord_role_connections", tx.discordRoleConnection.deleteMany({ where }).then((r) => r.count));

      // Rows the numbers need: kept, without their words.
      await count(tx, changes, "applications", tx.application.updateMany({ where, data: { answers: {}, reason: null } }).then((r) => r.count));
      await count(tx, changes, "activities", tx.$executeRawUnsafe(
        `UPDATE activities SET url = NULL, note = NULL, reject_reason = NULL, dedupe_key = 'forgotten:' || encode(sha256(convert_to(dedupe_key, 'UTF8')), 'hex') WHERE member_id = $1`,
        m.id,
      ));
      await count(tx, changes, "pauses", tx.pause.updateMany({ where, data: { reason: null } }).then((r) => r.count));
      await count(tx, changes, "benefit_fulfilments", tx.benefitFulfilment.updateMany({ where, data: { note: null } }).then((r) => r.count));
      await count(tx, changes, "points_disputes", tx.pointsDispute.updateMany({ where, data: { reason: FORGOTTEN } }).then((r) => r.count));
      await count(tx, changes, "memberships", tx.membership.updateMany({ where: { ...where, reason: { not: null } }, data: { reason: null } }).then((r) => r.count));
      await count(tx, changes, "badges", tx.badge.updateMany({ where: { ...where, reason: { not: null } }, data: { reason: null } }).then((r) => r.count));
      await count(tx, changes, "member_merges", tx.memberMerge.updateMany({ where: { survivorId: m.id }, data: { mergedHandle: becomes, moved: {} } }).then((r) => r.count));
      await tx.member.update({ where: { id: m.id }, data: { handle: becomes, displayName: becomes, timezone: null } });
      changes.members = 1;

      // Copies anywhere else: every text and JSON column of every table, except other members' own
      // names and accounts (a namesake's display name is theirs, not a copy of this member's).
      const pattern = patternOf(secrets);
      const columns = await tx.$queryRawUnsafe<{ table_name: string; column_name: string; data_type: string }[]>(
        `SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name NOT IN ('_prisma_migrations', 'members', 'identities')
            AND data_type IN ('text', 'character varying', 'jsonb', 'json') AND column_name <> 'id' AND column_name NOT LIKE '%\\_id' ESCAPE '\\'
          ORDER BY table_name, column_name`,
      );
      for (const { table_name: t, column_name: c, data_type: type } of columns) {
        const col = `"${c}"`;
        const json = type === "jsonb" || type === "json";
        const text = json ? `${col}::text` : col;
        const set = KEY_COLUMNS.has(c)
          ? `'forgotten:' || encode(sha256(convert_to(${col}, 'UTF8')), 'hex')`
          : `regexp_replace(${text}, $1, '${FORGOTTEN}', 'gi')${json ? `::${type}` : ""}`;
        await count(tx, changes, t, tx.$executeRawUnsafe(`UPDATE "${t}" SET ${col} = ${set} WHERE ${text} ~* $1`, pattern));
      }

      const report: ForgetReport = { member: m.id, was: m.handle, becomes, changes, dryRun };
      if (dryRun) throw new DryRun(report);
      // Audited without what was erased: the member's id, the new name and the counts.
      await audit(tx, actor, "member forget", m.id, { becomes, changes });
      return report;
    }, FORGET_TX);
  } catch (err) {
    if (err instanceof DryRun) return err.report;
    throw err;
  }
}
