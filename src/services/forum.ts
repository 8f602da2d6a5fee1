// Forum answers from Discourse webhooks. Each delivery is recorded under its
// X-Discourse-Event-Id (a unique key, so a redelivery counts once) and applied
// in the same transaction. Activities are keyed on the post id, not the event
// id: Discourse's own retries and an edit carry new event ids for the same
// post, and must still leave one activity. A post by a forum user nobody has
// linked is held, and credited when a member links that username (within the
// pack's backdating limit).
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import { forumPostOf, forumPostUrl, forumUsername, isForumEvent, notAnAnswer, programsCountingCategory, type ForumEvent, type ForumPost } from "../domain/forum.ts";
import type { Tx } from "../store/client.ts";
import { transaction } from "../store/transaction.ts";

export type InboundStatus = "applied" | "held" | "ignored" | "refused" | "expired" | "duplicate";

export interface InboundOutcome {
  status: InboundStatus;
  result: string;
}

export interface ForumDelivery {
  eventId: string;
  event: string;
  /** X-Discourse-Instance: the forum's address, for links to the post. */
  instance?: string | undefined;
  body: unknown;
}

interface StoredForumEvent {
  post: ForumPost;
  base: string;
}

/** The key a forum post counts under, live (the webhook) or read from history (services/forum-history.ts). */
export const postKey = (id: number) => `forum:post:${id}`;
const solutionKey = (id: number) => `forum:solution:${id}`;
/** Who withdrew an activity when the forum took the post or the solution back, so a recovery can restore exactly those. */
const FORUM_ACTOR = "forum";
const DELETED = "deleted on the forum";

/** Checks a delivery without storing anything; a problem is for the sender (400), `ignored` for events Steward does not count. */
export function readForumDelivery(app: App, d: ForumDelivery): { ignored: string } | { problem: string } | { event: ForumEvent; stored: StoredForumEvent } {
  if (!isForumEvent(d.event)) return { ignored: `event ${d.event.slice(0, 60) || "(none)"} is not one Steward counts` };
  if (!/^\d{1,18}$/.test(d.eventId)) return { problem: "X-Discourse-Event-Id must be the event's number" };
  const found = forumPostOf(d.event, d.body);
  if ("problem" in found) return found;
  const base = app.config.DISCOURSE_URL ?? (d.instance && /^https?:\/\/[^\s]+$/.test(d.instance) ? d.instance : "https://forum");
  return { event: d.event, stored: { post: found.post, base } };
}

export async function receiveForumEvent(app: App, d: ForumDelivery): Promise<InboundOutcome | { problem: string }> {
  const read = readForumDelivery(app, d);
  if ("ignored" in read) return { status: "ignored", result: read.ignored };
  if ("problem" in read) return read;
  const { event, stored } = read;
  return transaction(app, async (tx) => {
    const key = `forum:${d.eventId}`;
    const claimed = await tx.inboundEvent.createMany({
      data: [{ source: "forum", key, type: event, subject: forumUsername(stored.post.username), payload: stored as object, status: "received", occurredAt: new Date(stored.post.created_at), createdAt: app.now(), updatedAt: app.now() }],
      skipDuplicates: true,
    });
    const row = await tx.inboundEvent.findUniqueOrThrow({ where: { key } });
    if (claimed.count === 0) return { status: "duplicate" as const, result: `event ${d.eventId} was received on ${row.createdAt.toISOString()} (${row.status})` };
    return applyForumRow(app, tx, row);
  });
}

/** Applies a stored forum event for the member who holds its username now; holds it when nobody does. */
export async function applyForumRow(app: App, tx: Tx, row: { id: number; type: string; subject: string; payload: unknown }): Promise<InboundOutcome> {
  const outcome = await decide(app, tx, row);
  await tx.inboundEvent.update({ where: { id: row.id }, data: { status: outcome.status, result: outcome.result, memberId: outcome.memberId ?? null, updatedAt: app.now() } });
  return { status: outcome.status, result: outcome.result };
}

async function decide(app: App, tx: Tx, row: { type: string; subject: string; payload: unknown }): Promise<InboundOutcome & { memberId?: string }> {
  const { post, base } = row.payload as StoredForumEvent;
  const event = row.type as ForumEvent;
  const identity = await tx.identity.findUnique({ where: { platform_externalId: { platform: "forum", externalId: row.subject } } });
  if (!identity) return { status: "held", result: `forum user ${row.subject} is not linked to a member yet` };
  const memberId = identity.memberId;
  const done = (status: InboundStatus, result: string) => ({ status, result, memberId });

  if (event === "post_destroyed") return done(...(await withdraw(app, tx, [postKey(post.id), solutionKey(post.id)], DELETED)));
  // A recovery undoes what the deletion took: the accepted-answer credit too, unless it had been unaccepted before.
  const solutionBack =
    event === "post_recovered"
      ? (await tx.activity.updateMany({ where: { dedupeKey: solutionKey(post.id), rejectedBy: FORUM_ACTOR, rejectReason: DELETED }, data: { rejectedAt: null, rejectedBy: null, rejectReason: null } })).count
      : 0;
  if (event === "unaccepted_solution") return done(...(await withdraw(app, tx, [solutionKey(post.id)], "no longer the accepted solution on the forum")));

  const kind = event === "accepted_solution" ? app.pack.forum.solutionKind : app.pack.forum.answerKind;
  if (!kind) return done("ignored", "the program pack gives accepted solutions no activity kind (forum.solutionKind)");
  const why = notAnAnswer(post);
  if (why) return done("ignored", why);
  const memberships = await tx.membership.findMany({ where: { memberId, state: "active" }, select: { programId: true } });
  const programs = programsCountingCategory(app.pack.programs, new Set(memberships.map((m) => m.programId)), post.category_id as number);
  if (programs.length === 0) return done("ignored", `category ${post.category_id} counts for none of the member's programs`);
  const occurredAt = new Date(Math.min(new Date(post.created_at).getTime(), app.now().getTime()));
  const oldest = DateTime.fromJSDate(app.now(), { zone: app.config.STEWARD_TIMEZONE }).startOf("day").minus({ days: app.pack.backdateDays });
  const key = event === "accepted_solution" ? solutionKey(post.id) : postKey(post.id);
  const url = forumPostUrl(base, post);
  const existing = await tx.activity.findUnique({ where: { dedupeKey: key } });
  if (existing) {
    // An edit (a new slug) or a recovery: still one activity; only the forum's own withdrawal is undone.
    const restore = existing.rejectedAt && existing.rejectedBy === FORUM_ACTOR;
    await tx.activity.update({ where: { id: existing.id }, data: { url, ...(restore ? { rejectedAt: null, rejectedBy: null, rejectReason: null } : {}) } });
    return done("applied", restore ? `restored ${kind} ${url}${solutionBack ? " and its accepted-answer credit" : ""}` : `${kind} ${url} already counts`);
  }
  if (DateTime.fromJSDate(occurredAt) < oldest) return done("expired", `posted ${post.created_at.slice(0, 10)}, more than ${app.pack.backdateDays} days ago`);
  // Two deliveries of one post at once (a retry with a new event id): the unique key keeps one.
  const created = await tx.activity.createMany({ data: [{ memberId, kind, occurredAt, url, source: "forum", dedupeKey: key, createdAt: app.now() }], skipDuplicates: true });
  if (created.count === 0) return done("applied", `${kind} ${url} already counts`);
  return done("applied", `${kind} ${url} counts for ${programs.map((p) => p.name).join(", ")}`);
}

async function withdraw(app: App, tx: Tx, keys: string[], reason: string): Promise<[InboundStatus, string]> {
  const r = await tx.activity.updateMany({ where: { dedupeKey: { in: keys }, rejectedAt: null }, data: { rejectedAt: app.now(), rejectedBy: FORUM_ACTOR, rejectReason: reason } });
  return r.count > 0 ? ["applied", `withdrawn: ${reason}`] : ["ignored", "nothing of this post counted"];
}

/** Credits what a forum user posted before being linked; called in the transaction that links them. */
export async function creditHeldForum(app: App, tx: Tx, username: string): Promise<InboundOutcome[]> {
  const held = await tx.inboundEvent.findMany({ where: { source: "forum", subject: username, status: "held" }, orderBy: { id: "asc" } });
  const outcomes: InboundOutcome[] = [];
  for (const row of held) outcomes.push(await applyForumRow(app, tx, row));
  return outcomes;
}

/** Daily: held posts older than the backdating limit can never count, so they leave /link pending. */
export async function expireHeldForum(app: App): Promise<number> {
  const oldest = DateTime.fromJSDate(app.now(), { zone: app.config.STEWARD_TIMEZONE }).startOf("day").minus({ days: app.pack.backdateDays }).toJSDate();
  const r = await app.db.inboundEvent.updateMany({
    where: { source: "forum", status: "held", occurredAt: { lt: oldest } },
    data: { status: "expired", result: `held past the ${app.pack.backdateDays}-day backdating limit`, updatedAt: app.now() },
  });
  return r.count;
}
