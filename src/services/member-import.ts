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
import { applyHeldPartnerEvents } from "./partner-events.ts";

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
  const joinedAt = joined ? dayStart(app, joined, "joined") : "joined is empty: the day they joined, YYYY-MM-DD";
  if (typeof joinedAt === "string") problems.push(joinedAt);
  const endedAt = left ? dayStart(app, left, "left") : null;
  if (typeof endedAt === "string") problems.push(endedAt);
  if (joinedAt instanceof Date && endedAt instanceof Date && endedAt <= joinedAt) problems.push(`left ${left} is not after joined ${joined}`);
  if (problems.length || !program || !(joinedAt instanceof Date) || typeof endedAt === "string") return { problems };
  return { program, handle, accounts, joinedAt, endedAt, joined, left };
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
