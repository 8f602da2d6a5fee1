// A forum post read from Discourse's history (`steward backfill --platform
// forum`), counted as the live webhook would have counted it when it was
// posted (services/forum.ts): a reply by the member who holds the forum
// username, in a category one of their programs counts, keyed on the post id
// (`forum:post:<id>`), so the webhook's later deliveries and retries of the
// same post leave one activity. Two differences follow from reading the past:
// the programs are the ones the member was in when they posted, and the
// backdating limit (which bounds how late a live event may arrive) does not
// apply. A post by a username nobody has linked is not held: it is ignored,
// like a non-member's message.
import type { App } from "../app.ts";
import { forumPostUrl, forumUsername, notAnAnswer, programsCountingCategory, type ForumPost } from "../domain/forum.ts";
import type { Program } from "../domain/pack.ts";
import { postKey } from "./forum.ts";

type Outcome = { status: "counted"; programs: Program[] } | { status: "ignored" };
interface ForumMember {
  memberId: string;
  memberships: { programId: string; joinedAt: Date; endedAt: Date | null }[];
}

/**
 * Counts posts of one backfill run. A run reads a user's replies page by page, so who holds a username and their
 * memberships are read once per username (not once per post); only the insert is per post.
 */
export function forumHistoryRecorder(app: App): (post: ForumPost, base: string) => Promise<Outcome> {
  const members = new Map<string, Promise<ForumMember | undefined>>();
  const memberOf = (username: string) => {
    let found = members.get(username);
    if (!found) {
      found = (async () => {
        const identity = await app.db.identity.findUnique({ where: { platform_externalId: { platform: "forum", externalId: username } } });
        if (!identity) return undefined;
        const memberships = await app.db.membership.findMany({ where: { memberId: identity.memberId }, select: { programId: true, joinedAt: true, endedAt: true } });
        return { memberId: identity.memberId, memberships };
      })();
      members.set(username, found);
    }
    return found;
  };
  return async (post, base) => {
    const kind = app.pack.forum.answerKind;
    if (!kind || notAnAnswer(post)) return { status: "ignored" };
    const member = await memberOf(forumUsername(post.username));
    if (!member) return { status: "ignored" };
    const at = new Date(post.created_at);
    // The programs the member was in when they posted: joined by then, not yet left.
    const held = member.memberships.filter((m) => m.joinedAt <= at && (m.endedAt === null || m.endedAt > at));
    const programs = programsCountingCategory(app.pack.programs, new Set(held.map((m) => m.programId)), post.category_id as number);
    if (programs.length === 0) return { status: "ignored" };
    const created = await app.db.activity.createMany({
      data: [{ memberId: member.memberId, kind, occurredAt: at, url: forumPostUrl(base, post), source: "history:forum", dedupeKey: postKey(post.id), createdAt: app.now() }],
      skipDuplicates: true,
    });
    return created.count > 0 ? { status: "counted", programs } : { status: "ignored" };
  };
}
