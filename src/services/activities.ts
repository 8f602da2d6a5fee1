// What community members did: logged by hand with /log, or counted from their
// messages in a program's community channels. Each activity has a dedupe key
// (the URL, or the platform's message id) backed by a unique constraint, so
// the same thing never counts twice however often it arrives.
import { isWebUrl, normalizeLink } from "../domain/urls.ts";
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import { reply } from "../chat/reply.ts";
import { UserError } from "../core/errors.ts";
import type { Actor, Platform } from "../core/actor.ts";
import { activityTime, hoursAllowed, messageDateCounts, programChoice } from "../domain/activities.ts";
import { channelKey, type ActivityKind, type Program } from "../domain/pack.ts";
import { localDay } from "../domain/periods.ts";
import { fillTemplate } from "../domain/templates.ts";
import { audit } from "./audit.ts";
import { ensureMember } from "./members.ts";
import { enqueue } from "./outbox.ts";
import { activePrograms, findProgram } from "./programs.ts";
import { transaction } from "../store/transaction.ts";

export function loggableKinds(app: App): ActivityKind[] {
  return app.pack.activityKinds.filter((k) => !k.automatic);
}

export function findLoggableKind(app: App, id: string): ActivityKind {
  const kind = app.pack.activityKinds.find((k) => k.id === id.trim().toLowerCase());
  const t = app.pack.texts;
  const list = fillTemplate(t.logKindsHint, {
    kinds: loggableKinds(app)
      .map((k) => k.id)
      .join(", "),
  });
  if (!kind) throw new UserError(fillTemplate(t.logUnknownKind, { kind: id }), list, "log.kind");
  if (kind.automatic) throw new UserError(fillTemplate(t.logAutomatic, { kind: kind.label }), list, "log.automatic");
  return kind;
}

/** The same link written differently (case of the host, trailing slash, #fragment, utm_ tracking) is one URL. */

export interface LogInput {
  kind: string;
  url?: string | undefined;
  hours?: number | undefined;
  /** YYYY-MM-DD in the organisation's timezone; today when absent. */
  date?: string | undefined;
  note?: string | undefined;
  /** Which program it was for; needed when the member is in several that count the kind. */
  program?: string | undefined;
}

export function logUsage(kind: ActivityKind): string {
  const parts = [`/log ${kind.id}`];
  if (kind.needs.includes("hours")) parts.push("<hours>");
  if (kind.needs.includes("url")) parts.push("url:<link>");
  if (kind.needs.includes("date")) parts.push("[date:YYYY-MM-DD]");
  if (kind.needs.includes("note")) parts.push('[note:"…"]');
  parts.push("[program:<id>]");
  return `Usage: ${parts.join(" ")}`;
}

/** When it happened (the domain's activityTime), or why that date cannot be logged. */
function occurredAt(app: App, date: string | undefined, kind: ActivityKind): Date {
  const when = activityTime(date, app.now(), app.config.STEWARD_TIMEZONE, app.pack.backdateDays);
  if (when.ok) return when.at;
  const t = app.pack.texts;
  switch (when.reason) {
    case "date":
      throw new UserError(fillTemplate(t.logNotADate, { date: String(date), today: when.today }), logUsage(kind), "log.date");
    case "future":
      throw new UserError(fillTemplate(t.logInFuture, { date: String(date) }), logUsage(kind), "log.future");
    case "too-old":
      throw new UserError(fillTemplate(t.logTooOld, { date: String(date), days: app.pack.backdateDays, oldest: when.oldest }), t.logTooOldHint, "log.too-old");
  }
}

export interface Logged {
  id: string;
  kind: ActivityKind;
  occurredAt: Date;
  url: string | null;
  hours: number | null;
  /** Commitments in the member's programs this kind counts toward, as "label (program)". */
  countsToward: string[];
}

/** /log: checks the input against the kind's needs and the backdating rules, then records it once. */
export async function logActivity(app: App, actor: Actor, input: LogInput, invocationId?: string): Promise<Logged> {
  const kind = findLoggableKind(app, input.kind);
  const t = app.pack.texts;
  const problems: string[] = [];
  let url: string | null = null;
  if (input.url !== undefined) {
    if (!isWebUrl(input.url)) problems.push(fillTemplate(t.logNotALink, { url: input.url }));
    else url = normalizeLink(input.url);
  } else if (kind.needs.includes("url")) problems.push(t.logLinkMissing);
  const hours = input.hours ?? null;
  if (hours === null && kind.needs.includes("hours")) problems.push(t.logHoursMissing);
  if (hours !== null && !hoursAllowed(hours, app.pack.maxHoursPerEntry)) problems.push(fillTemplate(t.logHoursOutOfRange, { max: app.pack.maxHoursPerEntry }));
  if (problems.length) throw new UserError(fillTemplate(t.logInvalid, { kind: kind.label.toLowerCase(), problems: problems.join("; ") }), logUsage(kind), "log.invalid");
  const at = occurredAt(app, input.date, kind);
  const program = await programFor(app, actor.memberId, kind, input.program);

  if (url) {
    const seen = await app.db.activity.findUnique({ where: { dedupeKey: `url:${url}` }, include: { member: { select: { handle: true } } } });
    if (seen)
      throw new UserError(
        seen.memberId === actor.memberId
          ? fillTemplate(t.logAlreadyYours, { url, date: localDay(seen.occurredAt, app.config.STEWARD_TIMEZONE) })
          : fillTemplate(t.logAlreadyTheirs, { url, handle: seen.member.handle }),
        t.logDuplicateHint,
        "log.duplicate",
      );
  }
  const dedupeKey = url ? `url:${url}` : `log:${actor.platform}:${invocationId ?? randomUUID()}`;
  const inserted = await app.db.activity.createMany({
    data: [
      {
        memberId: actor.memberId,
        kind: kind.id,
        programId: program?.id ?? null,
        occurredAt: at,
        hours,
        url,
        note: input.note ?? null,
        source: `log:${actor.platform}`,
        dedupeKey,
        createdAt: app.now(),
      },
    ],
    skipDuplicates: true,
  });
  const row = await app.db.activity.findUniqueOrThrow({ where: { dedupeKey } });
  if (inserted.count === 0 && row.memberId !== actor.memberId)
    throw new UserError(t.logLinkTaken, undefined, "log.duplicate");
  const countedBy = row.programId
    ? app.pack.programs.filter((p) => p.id === row.programId)
    : await programsCounting(app, actor.memberId, kind);
  const countsToward = countedBy.flatMap((p) => p.commitments.filter((c) => c.kinds.includes(kind.id)).map((c) => `${c.label} (${p.name})`));
  return { id: row.id, kind, occurredAt: row.occurredAt, url: row.url, hours: row.hours, countsToward };
}

/** The member's programs with a commitment this kind counts toward, in the pack's order. */
export async function programsCounting(app: App, memberId: string, kind: ActivityKind): Promise<Program[]> {
  return (await activePrograms(app, memberId)).map((m) => m.program).filter((p) => p.commitments.some((c) => c.kinds.includes(kind.id)));
}

/**
 * The one program a logged activity counts for (the domain's programChoice):
 * the one named, or the only program of the member that counts the kind.
 * None when the kind is shared on purpose (it counts for all of them) or no
 * program of theirs counts it.
 */
async function programFor(app: App, memberId: string, kind: ActivityKind, named: string | undefined): Promise<Program | undefined> {
  if (kind.sharedAcrossPrograms) return undefined;
  const counting = await programsCounting(app, memberId, kind);
  const t = app.pack.texts;
  const choices = counting.map((p) => `program:${p.id}`).join(" or ");
  const what = kind.label.toLowerCase();
  if (named !== undefined) {
    const program = findProgram(app, named);
    if (counting.includes(program)) return program;
    throw new UserError(
      fillTemplate(t.logProgramNotYours, { program: program.name, kind: what }),
      counting.length ? fillTemplate(t.logProgramNameOne, { choices }) : t.logProgramNone,
      "log.program",
    );
  }
  const choice = programChoice(counting, kind.sharedAcrossPrograms);
  if (choice.counts === "one") return choice.program;
  if (choice.counts !== "ask") return undefined;
  throw new UserError(
    fillTemplate(t.logProgramAsk, { programs: choice.among.map((p) => p.name).join(" and "), kind: what }),
    fillTemplate(t.logProgramAskHint, { choices, usage: logUsage(kind) }),
    "log.program",
  );
}

export interface MessageEvent {
  platform: Platform;
  /** The channel's name or id, as the platform knows it; either may appear in a program's communityChannels. */
  channel: string;
  externalUserId: string;
  displayName: string;
  messageId: string;
  at: Date;
  isBot: boolean;
}

/** Programs whose community channels include this channel. */
export function programsWithChannel(app: App, channel: string): Program[] {
  const key = channelKey(channel);
  return app.pack.programs.filter((p) => p.communityChannels.some((c) => channelKey(c) === key));
}

/**
 * The program a community message's row names (the domain's programChoice over
 * the channel's programs): the channel's program, or none when messages are
 * shared across programs on purpose. The pack refuses a channel in several
 * programs otherwise, so a message never has to ask.
 */
export function messageProgramId(channelPrograms: readonly Program[], kind: ActivityKind): string | null {
  const choice = programChoice(channelPrograms, kind.sharedAcrossPrograms);
  return choice.counts === "one" ? choice.program.id : null;
}

/** Counts a message; returns the programs it counted for (empty when ignored). */
export async function countMessage(app: App, ev: MessageEvent): Promise<Program[]> {
  if (ev.isBot || !messageDateCounts(ev.at, app.now(), app.config.STEWARD_TIMEZONE, app.pack.backdateDays)) return [];
  const programs = programsWithChannel(app, ev.channel);
  const kind = app.pack.activityKinds.find((k) => k.automatic);
  if (programs.length === 0 || !kind) return [];
  const member = await ensureMember(app, ev.platform, ev.externalUserId, ev.displayName);
  // Only members' messages are kept: a busy channel's other traffic would only fill the table.
  const memberships = await app.db.membership.findMany({
    where: { memberId: member.id, state: "active", programId: { in: programs.map((p) => p.id) } },
    select: { programId: true },
  });
  if (memberships.length === 0) return [];
  const ids = new Set(memberships.map((m) => m.programId));
  const counted = programs.filter((p) => ids.has(p.id));
  const inserted = await app.db.activity.createMany({
    data: [
      {
        memberId: member.id,
        kind: kind.id,
        programId: messageProgramId(programs, kind),
        occurredAt: ev.at,
        source: `message:${ev.platform}`,
        dedupeKey: `msg:${ev.platform}:${ev.messageId}`,
        createdAt: app.now(),
      },
    ],
    skipDuplicates: true,
  });
  if (inserted.count === 0) return [];
  return counted;
}

/**
 * A message seen in a channel (Slack, Discord, terminal chat). It counts as a
 * community contribution when the channel is one of a program's community
 * channels, the author is a member of that program and not a bot, and the
 * message id was not seen before.
 */
export async function recordMessage(app: App, ev: MessageEvent): Promise<"counted" | "ignored"> {
  return (await countMessage(app, ev)).length > 0 ? "counted" : "ignored";
}

export interface ActivityRow {
  id: string;
  kind: string;
  occurredAt: Date;
  hours: number | null;
  url: string | null;
  note: string | null;
  source: string;
  rejectedAt: Date | null;
  rejectReason: string | null;
}

export async function recentActivities(app: App, memberId: string, limit = 20): Promise<ActivityRow[]> {
  return app.db.activity.findMany({
    where: { memberId },
    orderBy: { occurredAt: "desc" },
    take: limit,
    select: { id: true, kind: true, occurredAt: true, hours: true, url: true, note: true, source: true, rejectedAt: true, rejectReason: true },
  });
}

/** Short ids are shown in lists; a moderator may type any unique prefix of six characters or more. */
export const shortId = (id: string) => id.slice(0, 8);

/** A moderator rejects a logged activity: it stops counting, the member is told why. */
export async function rejectActivity(app: App, actor: Actor, idOrPrefix: string, reason: string): Promise<ActivityRow & { memberHandle: string }> {
  const prefix = idOrPrefix.trim().toLowerCase();
  const t = app.pack.texts;
  if (!/^[0-9a-f-]{6,36}$/.test(prefix)) throw new UserError(fillTemplate(t.activityNotAnId, { id: idOrPrefix }), t.activityNotAnIdHint, "activity.id");
  const result = await transaction(app, async (tx) => {
    const found = await tx.activity.findMany({ where: { id: { startsWith: prefix } }, take: 2, include: { member: { select: { handle: true } } } });
    const activity = found[0];
    if (!activity) throw new UserError(fillTemplate(t.activityUnknown, { id: idOrPrefix }), t.activityUnknownHint, "activity.unknown");
    if (found.length > 1) throw new UserError(fillTemplate(t.activityAmbiguous, { id: idOrPrefix }), undefined, "activity.ambiguous");
    if (activity.rejectedAt)
      throw new UserError(fillTemplate(t.activityAlreadyRejected, { date: localDay(activity.rejectedAt, app.config.STEWARD_TIMEZONE) }), undefined, "activity.rejected");
    const updated = await tx.activity.update({
      where: { id: activity.id },
      data: { rejectedAt: app.now(), rejectedBy: actor.memberId, rejectReason: reason },
    });
    const kind = app.pack.activityKinds.find((k) => k.id === activity.kind);
    const described = { kind: kind?.label ?? activity.kind, date: localDay(activity.occurredAt, app.config.STEWARD_TIMEZONE), url: activity.url ?? "" };
    const what = fillTemplate(activity.url ? t.activityDescribedWithLink : t.activityDescribed, described);
    await enqueue(
      tx,
      { kind: "dm", memberId: activity.memberId, reply: reply(fillTemplate(app.pack.texts.activityRejectedDm, { activity: what, reason })) },
      { now: app.now(), dedupeKey: `activity:${activity.id}:rejected` },
    );
    await audit(tx, actor, "activity reject", activity.memberId, { activity: activity.id, kind: activity.kind, reason });
    return { ...updated, memberHandle: activity.member.handle };
  });
  return result;
}
