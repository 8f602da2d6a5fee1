// One line of `steward import members`: a member (by the handle Steward will
// show), their platform accounts and one membership with its dates, applied
// in one transaction or not at all. The handle is the file's key for a
// person; an account Steward met already (a Slack user who used a command)
// is that member, and takes the file's handle when it is free. A line that
// changes nothing is a duplicate, so a second run changes nothing.
//
// A dry run applies each line in a transaction and rolls it back: every line
// is judged against the database as it is, alone (a line that clashes only
// with an earlier line of the same file shows in the real run).
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import { DASHBOARD_ID } from "../domain/partner-dashboard.ts";
import { forumUsername } from "../domain/forum.ts";
import type { Program } from "../domain/pack.ts";
import type { Tx } from "../store/client.ts";
import { isUniqueViolation, transaction } from "../store/transaction.ts";
import { UserError } from "../core/errors.ts";
import { audit } from "./audit.ts";
import { handleFrom } from "./members.ts";
import { addMembershipInTx, dayStart, MembershipConflict } from "./memberships.ts";
import { linkInTx } from "./links.ts";
import { platformTargets, routingOf, TERMINAL } from "./outbox-targets.ts";
import { applyHeldPartnerEvents } from "./partner-events.ts";
import { programBadge } from "./programs.ts";

export const MEMBERS_HEADER = ["program", "member", "slack_id", "discord_id", "forum_user", "dashboard_id", "joined", "left"] as const;

/** Who the audit log names for a line of the file. */
const IMPORT_ACTOR = { memberId: "import" };

export type MemberLineStatus = "applied" | "skipped" | "refused";

export interface MemberLineOutcome {
  status: MemberLineStatus;
  message: string;
}

export interface MemberLine {
  program: Program;
  handle: string;
  accounts: { platform: "slack" | "discord" | "forum" | "dashboard"; externalId: string }[];
  joinedAt: Date;
  endedAt: Date | null;
  joined: string;
  left: string;
}

const ACCOUNT_FORMS = {
  slack: { re: /^[UW][A-Z0-9]{2,20}$/, what: "a Slack user id (U… or W…, capital letters and digits)" },
  discord: { re: /^\d{15,21}$/, what: "a Discord user id (digits)" },
  forum: { re: /^[\p{L}\p{N}_.-]{1,60}$/u, what: "a forum username (letters, digits, _ . -)" },
  dashboard: { re: DASHBOARD_ID, what: "a dashboard id (letters, digits, - _ . :, at most 100)" },
} as const;

/** Checks a line's eight fields without reading the database; the problems say what was wrong. */
export function checkMemberLine(app: App, fields: string[]): MemberLine | { problems: string[] } {
  const [programId = "", member = "", slack = "", discord = "", forum = "", dashboard = "", joined = "", left = ""] = fields.map((f) => f.trim());
  const problems: string[] = [];
  const program = app.pack.programs.find((p) => p.id === programId.toLowerCase());
  if (!program) problems.push(`program "${programId.slice(0, 60)}" is not one of ${app.pack.programs.map((p) => p.id).join(", ")}`);
  const handle = member.replace(/^@/, "").toLowerCase();
  if (!handle || handleFrom(handle) !== handle) problems.push(`member "${member.slice(0, 60)}" is not a handle (letters, digits, _ . -, at most 32)`);
  const accounts: MemberLine["accounts"] = [];
  for (const [platform, raw] of [["slack", slack], ["discord", discord], ["forum", forum], ["dashboard", dashboard]] as const) {
    if (!raw) continue;
    const id = platform === "forum" ? forumUsername(raw) : raw;
    if (!ACCOUNT_FORMS[platform].re.test(id)) problems.push(`${platform === "forum" ? "forum_user" : `${platform}_id`} "${raw.slice(0, 60)}" is not ${ACCOUNT_FORMS[platform].what}`);
    else accounts.push({ platform, externalId: id });
  }
  const joinedAt = joined ? knownDayStart(app, joined, "joined") : "joined is empty: the day they joined, YYYY-MM-DD";
  if (typeof joinedAt === "string") problems.push(joinedAt);
  const endedAt = left ? knownDayStart(app, left, "left") : null;
  if (typeof endedAt === "string") problems.push(endedAt);
  if (joinedAt instanceof Date && endedAt instanceof Date && endedAt <= joinedAt) problems.push(`left ${left} is not after joined ${joined}`);
  if (problems.length || !program || !(joinedAt instanceof Date) || typeof endedAt === "string") return { problems };
  return { program, handle, accounts, joinedAt, endedAt, joined, left };
}

// A file repeats a few hundred days over many lines, and reading one through luxon costs ~5 µs (most of a
// large file's checking): what a text means is a fixed fact of the time zone, kept across lines. Only
// whether the day is still to come depends on the clock, so that is asked again each time.
const dayStarts = new Map<string, Date | string>();

function knownDayStart(app: App, text: string, what: string): Date | string {
  const key = `${app.config.STEWARD_TIMEZONE}\u0000${what}\u0000${text}`;
  const known = dayStarts.get(key);
  if (typeof known === "string" || (known && known.getTime() <= app.now().getTime())) return known;
  const day = dayStart(app, text, what);
  // A day in the future is not kept: it is not one tomorrow, and its refusal names it as such.
  if (day instanceof Date || !day.endsWith("is in the future")) {
    if (dayStarts.size >= 10_000) dayStarts.clear();
    dayStarts.set(key, day);
  }
  return day;
}

/** The key of a line within a file: the same member, program and join day twice is one membership. */
export const memberLineKey = (l: MemberLine) => `${l.handle}|${l.program.id}|${l.joined}`;

class Refused extends Error {}
class RolledBack extends Error {
  constructor(readonly outcome: MemberLineOutcome) {
    super("dry run");
  }
}

export async function applyMemberLine(app: App, line: MemberLine, options: { dryRun?: boolean } = {}): Promise<MemberLineOutcome> {
  let dashboards: string[] = [];
  try {
    const outcome = await transaction(app, async (tx) => {
      dashboards = [];
      const done = await applyInTx(app, tx, line, (id) => dashboards.push(id));
      if (options.dryRun) throw new RolledBack(done);
      return done;
    });
    for (const id of dashboards) await applyHeldPartnerEvents(app, id).catch((err: unknown) => app.log.error({ err, dashboard: id }, "held dashboard events not applied"));
    return outcome;
  } catch (err) {
    if (err instanceof RolledBack) return err.outcome;
    if (err instanceof Refused) return { status: "refused", message: err.message };
    if (err instanceof UserError) return { status: "refused", message: err.message };
    // Another process created the same member or account meanwhile: the line is refused whole and a rerun applies it.
    if (isUniqueViolation(err)) return { status: "refused", message: "another change to this member was being made at the same time; run the import again" };
    throw err;
  }
}

async function applyInTx(app: App, tx: Tx, line: MemberLine, linkedDashboard: (id: string) => void): Promise<MemberLineOutcome> {
  const changes: string[] = [];
  const owners = await Promise.all(
    line.accounts.map(async (a) => ({ ...a, owner: await tx.identity.findUnique({ where: { platform_externalId: a }, include: { member: { select: { id: true, handle: true } } } }) })),
  );
  const named = await tx.member.findUnique({ where: { handle: line.handle } });
  const others = [...new Map(owners.flatMap((o) => (o.owner && o.owner.memberId !== named?.id ? [[o.owner.memberId, o]] : []))).values()];
  const belongs = () => `${others.map((o) => `${label(o.platform)} ${o.externalId} belongs to @${o.owner?.member.handle}`).join("; ")}, not to @${line.handle}`;
  if (named && others.length) throw new Refused(belongs());
  if (others.length > 1) throw new Refused(`the accounts belong to different members (${others.map((o) => `${label(o.platform)} ${o.externalId}: @${o.owner?.member.handle}`).join(", ")})`);
  // Only a member Steward met in chat (no membership yet) takes the file's handle: one already in a program
  // was named by a moderator or by this file, and another line's handle must not rename them.
  if (others[0]?.owner && (await tx.membership.count({ where: { memberId: others[0].owner.memberId } })) > 0) throw new Refused(belongs());
  let member: { id: string; handle: string };
  if (named) member = named;
  else if (others[0]?.owner) {
    // Met on a platform before the import: the member keeps their history and takes the file's handle.
    member = await tx.member.update({ where: { id: others[0].owner.memberId }, data: { handle: line.handle } });
    changes.push(`@${others[0].owner.member.handle} is now @${line.handle}`);
  } else {
    member = await tx.member.create({ data: { handle: line.handle, displayName: line.handle, createdAt: app.now() } });
    await tx.balance.create({ data: { memberId: member.id, points: 0, tier: app.pack.partner.tiers[0]?.id ?? "none" } });
    changes.push(`new member @${line.handle}`);
  }
  for (const o of owners) {
    if (o.owner) {
      // Linked by an earlier run that died before its held events were applied (they are applied after the
      // commit): a rerun applies them now, as /link does for a link that already exists.
      if (o.platform === "dashboard" && o.owner.memberId === member.id) linkedDashboard(o.externalId);
      continue;
    }
    const had = await tx.identity.findFirst({ where: { memberId: member.id, platform: o.platform } });
    if (had) throw new Refused(`@${member.handle} already has ${label(o.platform)} ${had.externalId}, not ${o.externalId}`);
    if (o.platform === "forum" || o.platform === "dashboard") {
      const credited = await linkInTx(app, tx, member.id, o.platform, o.externalId);
      const applied = credited.filter((c) => c.status === "applied").length;
      if (o.platform === "dashboard") linkedDashboard(o.externalId);
      changes.push(`linked ${label(o.platform)} ${o.externalId}${applied ? ` (${applied} held post(s) credited)` : ""}`);
    } else {
      await tx.identity.create({ data: { platform: o.platform, externalId: o.externalId, memberId: member.id, createdAt: app.now() } });
      changes.push(`${label(o.platform)} ${o.externalId}`);
    }
  }
  let membership;
  try {
    membership = await addMembershipInTx(app, tx, member.id, line.program, { joinedAt: line.joinedAt, endedAt: line.endedAt }, IMPORT_ACTOR.memberId, "imported");
  } catch (err) {
    if (err instanceof MembershipConflict) throw new Refused(`@${member.handle} ${err.message}`);
    throw err;
  }
  const span = `${line.program.id} from ${line.joined}${line.left ? ` to ${line.left}` : ""}`;
  if (membership.status === "added") changes.push(`member of ${span}`);
  if (membership.status === "ended") changes.push(`left ${line.program.id} on ${line.left}`);
  if (changes.length === 0) return { status: "skipped", message: `duplicate: @${member.handle} is already recorded as a member of ${span}` };
  await audit(tx, IMPORT_ACTOR, "import member", member.id, { program: line.program.id, joined: line.joined, ...(line.left ? { left: line.left } : {}), changes });
  return { status: "applied", message: `@${member.handle}: ${changes.join(", ")}` };
}

const label = (platform: string) => (platform === "forum" ? "forum user" : `${platform} id`);

// Many lines of a file at once. Most lines of an existing community's file name someone Steward has never
// met: a new handle, accounts nobody holds, one membership. Those lines ("new" below) are written together, a
// few thousand to a statement, which is one transaction: all of its lines or none. Every other line (a handle or account Steward
// knows, a forum or dashboard account, whose linking credits held posts, or a handle or account that another
// line of the batch also names) goes through applyMemberLine, one by one in file order. The two kinds cannot
// see each other's writes: a new line touches only its own handle and accounts, which no other line of the
// batch names, and earlier batches are written before a batch is sorted. So each line's outcome is the one
// it would have had in a run of the lines one by one.
const INSERT_NEW = `
WITH m AS (
  INSERT INTO members (id, handle, display_name, created_at)
  SELECT id, handle, handle, $3::timestamptz FROM unnest($1::text[], $2::text[]) AS t(id, handle)
  RETURNING id
), b AS (
  INSERT INTO balances (member_id, points, tier) SELECT id, 0, $4 FROM m
), i AS (
  INSERT INTO identities (id, platform, external_id, member_id, created_at)
  SELECT gen_random_uuid()::text, platform, external_id, member_id, $3::timestamptz FROM unnest($5::text[], $6::text[], $7::text[]) AS t(member_id, platform, external_id)
), ms AS (
  INSERT INTO memberships (id, member_id, program_id, state, joined_at, ended_at, reason)
  SELECT gen_random_uuid()::text, member_id, program_id, CASE WHEN ended_at IS NULL THEN 'active' ELSE 'removed' END, joined_at, ended_at, CASE WHEN ended_at IS NULL THEN NULL ELSE $12 END
  FROM unnest($8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[]) AS t(member_id, program_id, joined_at, ended_at)
), bd AS (
  INSERT INTO badges (id, member_id, badge, granted_by, reason, granted_at)
  SELECT id, member_id, badge, $13, $12, $3::timestamptz FROM unnest($14::text[], $15::text[], $16::text[]) AS t(id, member_id, badge)
), o AS (
  INSERT INTO outbox (kind, member_id, payload, dedupe_key, created_at, available_at, targets, origin, status, delivered_at)
  SELECT 'badge-grant', member_id, jsonb_build_object('memberId', member_id, 'badge', badge), 'badge:' || id || ':grant', $3::timestamptz, $3::timestamptz,
         CASE WHEN $17::boolean THEN string_to_array(targets, ' ') END, $18, CASE WHEN targets = '' THEN 'delivered' ELSE 'pending' END, CASE WHEN targets = '' THEN $3::timestamptz END
  FROM unnest($20::text[], $21::text[], $22::text[], $19::text[]) AS t(id, member_id, badge, targets)
  ON CONFLICT (dedupe_key) DO NOTHING
)
INSERT INTO audit_log (actor, action, target, outcome, details, created_at)
SELECT $13, 'import member', target, 'ok', details::jsonb, $3::timestamptz FROM unnest($23::text[], $24::text[]) AS t(target, details)`;

/** Statements writing new lines side by side: the machine's two cores, each a backend. */
const WRITERS = 2;

/** Applies many lines, outcomes in order, each what applyMemberLine would have answered for it in a run of the lines one by one. */
export async function applyMemberLines(app: App, lines: MemberLine[], options: { dryRun?: boolean } = {}): Promise<MemberLineOutcome[]> {
  const isNew = await newLines(app, lines);
  const fresh = lines.filter((_, i) => isNew[i]);
  // The new lines in WRITERS statements at once, on as many connections (PGlite runs them in turn): they name
  // nothing in common, so each can commit or fail alone, and a failed one's lines go one by one below.
  const part = Math.ceil(fresh.length / WRITERS);
  const parts = Array.from({ length: WRITERS }, (_, k) => fresh.slice(k * part, (k + 1) * part)).filter((p) => p.length > 0);
  const failed = new Set<MemberLine>();
  if (!options.dryRun) await Promise.all(parts.map(async (p) => (await insertNew(app, p)) || p.forEach((l) => failed.add(l))));
  const outcomes: MemberLineOutcome[] = [];
  for (const [i, line] of lines.entries()) {
    if (isNew[i] && !failed.has(line)) outcomes.push({ status: "applied", message: `@${line.handle}: ${newChanges(line).join(", ")}` });
    else outcomes.push(await applyMemberLine(app, line, options));
  }
  return outcomes;
}

/** Which lines name only what nobody holds and no other line of the batch names: a new handle, Slack and Discord accounts. */
async function newLines(app: App, lines: MemberLine[]): Promise<boolean[]> {
  const named = new Map<string, number>();
  const count = (key: string) => named.set(key, (named.get(key) ?? 0) + 1);
  for (const l of lines) {
    count(`@${l.handle}`);
    for (const a of l.accounts) count(`${a.platform}:${a.externalId}`);
  }
  const candidate = lines.map((l) => named.get(`@${l.handle}`) === 1 && l.accounts.every((a) => (a.platform === "slack" || a.platform === "discord") && named.get(`${a.platform}:${a.externalId}`) === 1));
  const handles = lines.filter((_, i) => candidate[i]).map((l) => l.handle);
  if (handles.length === 0) return candidate;
  const accounts = lines.flatMap((l, i) => (candidate[i] ? l.accounts : []));
  const known = await app.sql.query<{ key: string }>(
    `SELECT '@' || handle AS key FROM members WHERE handle = ANY($1::text[])
     UNION ALL
     SELECT i.platform || ':' || i.external_id FROM identities i JOIN unnest($2::text[], $3::text[]) AS t(platform, external_id) USING (platform, external_id)`,
    [handles, accounts.map((a) => a.platform), accounts.map((a) => a.externalId)],
  );
  const held = new Set(known.map((k) => k.key));
  return lines.map((l, i) => Boolean(candidate[i]) && !held.has(`@${l.handle}`) && l.accounts.every((a) => !held.has(`${a.platform}:${a.externalId}`)));
}

/** What applyInTx lists for a line that makes a new member. */
function newChanges(line: MemberLine): string[] {
  const span = `${line.program.id} from ${line.joined}${line.left ? ` to ${line.left}` : ""}`;
  return [`new member @${line.handle}`, ...line.accounts.map((a) => `${label(a.platform)} ${a.externalId}`), `member of ${span}`];
}

/** Writes the new lines in one statement; false when another writer took a handle or an account meanwhile (nothing written). */
async function insertNew(app: App, lines: MemberLine[]): Promise<boolean> {
  const now = app.now().toISOString();
  const ids = lines.map(() => randomUUID());
  const identities = lines.flatMap((l, i) => l.accounts.map((a) => ({ memberId: ids[i] as string, ...a })));
  // The program's badge, granted quietly as addMembershipInTx does, to whoever is still a member.
  const badges = lines.flatMap((l, i) => {
    const badge = programBadge(l.program);
    const def = badge ? app.pack.badges.find((b) => b.id === badge) : undefined;
    return !l.endedAt && badge && def ? [{ id: randomUUID(), memberId: ids[i] as string, badge, shown: def.shownIn === "chat" || Boolean(def.discourseBadgeId), platforms: new Set(l.accounts.map((a) => a.platform)) }] : [];
  });
  const announced = badges.filter((b) => b.shown);
  // Each outbox row's targets as enqueue fixes them (services/outbox-targets.ts): the member's accounts are the line's.
  const routing = routingOf(app.db);
  const targets = announced.map((b) => (routing ? [...(routing.origin ? [TERMINAL] : []), ...platformTargets({ kind: "badge-grant", memberId: b.memberId, badge: b.badge }, b.platforms, routing)].join(" ") : null));
  // Every string here passed checkMemberLine's patterns (a handle, ids, days) or is the pack's: no NUL or half
  // an emoji for storableJson to repair, as audit() would.
  const details = lines.map((l) => JSON.stringify({ program: l.program.id, joined: l.joined, ...(l.left ? { left: l.left } : {}), changes: newChanges(l) }));
  try {
    await app.sql.query(INSERT_NEW, [
      ids,
      lines.map((l) => l.handle),
      now,
      app.pack.partner.tiers[0]?.id ?? "none",
      identities.map((a) => a.memberId),
      identities.map((a) => a.platform),
      identities.map((a) => a.externalId),
      ids,
      lines.map((l) => l.program.id),
      lines.map((l) => l.joinedAt.toISOString()),
      lines.map((l) => l.endedAt?.toISOString() ?? null),
      "imported",
      IMPORT_ACTOR.memberId,
      badges.map((b) => b.id),
      badges.map((b) => b.memberId),
      badges.map((b) => b.badge),
      routing !== undefined,
      routing?.origin ?? null,
      targets,
      announced.map((b) => b.id),
      announced.map((b) => b.memberId),
      announced.map((b) => b.badge),
      ids,
      details,
    ]);
  } catch (err) {
    // Raw SQL's error carries the SQLSTATE itself.
    if (isUniqueViolation(err) || (err as { code?: unknown }).code === "23505") return false;
    throw err;
  }
  if (announced.length > 0) app.outboxWritten();
  return true;
}
