// Discourse's history for `steward backfill --platform forum`: each linked
// forum user's replies through GET /user_actions.json?username=…&filter=5
// (newest first, offset paging), until a page reaches `since`. Each row
// carries what the webhook's post has (id, topic, post number, category,
// post type, time), so it is counted by the same rules (services/forum-history.ts).
import type { App } from "../../app.ts";
import { forumPostSchema } from "../../domain/forum.ts";
import type { HistoryMessage, HistorySource, Pacer } from "../../services/backfill.ts";

interface UserAction {
  post_id?: number;
  post_number?: number;
  topic_id?: number;
  slug?: string;
  category_id?: number | null;
  post_type?: number;
  created_at?: string;
  username?: string;
}

/** Discourse's user_actions filter for replies (4 is a new topic: its first post is a question, never an answer). */
const REPLIES = "5";

export interface ForumHistoryOptions {
  url: string;
  apiKey: string;
  apiUsername: string;
  usernames: string[];
  since: Date;
  pacer: Pacer;
}

/** The forum usernames linked to members: only their posts can count. */
export async function linkedForumUsers(app: App): Promise<string[]> {
  return (await app.db.identity.findMany({ where: { platform: "forum" }, select: { externalId: true }, orderBy: { externalId: "asc" } })).map((i) => i.externalId);
}

export function forumHistorySources(options: ForumHistoryOptions): HistorySource[] {
  const base = options.url.replace(/\/+$/, "");
  return options.usernames.map((username) => ({
    key: `forum:${username}`,
    platform: "forum" as const,
    label: `forum user ${username}`,
    async page(cursor) {
      const offset = Number(cursor ?? 0);
      const query = new URLSearchParams({ username, filter: REPLIES, offset: String(offset) });
      const body = (await options.pacer.json(`${base}/user_actions.json?${query}`, { headers: { "api-key": options.apiKey, "api-username": options.apiUsername } })) as { user_actions?: UserAction[] };
      const actions = body?.user_actions ?? [];
      const messages: HistoryMessage[] = [];
      for (const a of actions) {
        const parsed = forumPostSchema.safeParse({ id: a.post_id, username: a.username ?? username, topic_id: a.topic_id, post_number: a.post_number, created_at: a.created_at, category_id: a.category_id, topic_slug: a.slug, post_type: a.post_type });
        if (!parsed.success) continue;
        messages.push({ channel: "forum", externalUserId: username, messageId: String(parsed.data.id), at: new Date(parsed.data.created_at), forum: { post: parsed.data, base } });
      }
      const times = actions.flatMap((a) => (a.created_at ? [Date.parse(a.created_at)] : [])).filter((t) => !Number.isNaN(t));
      const reached = times.length ? new Date(Math.min(...times)) : undefined;
      const more = actions.length > 0 && reached !== undefined && reached > options.since;
      return { messages, next: more ? String(offset + actions.length) : undefined, reached };
    },
  }));
}
