// Forum (Discourse) webhook payloads and the rules for what counts. Discourse
// posts `{"post": {…}}` for post events and, with the Solved plugin,
// `{"solved": {…}}` (the same post serializer) for accepted_solution and
// unaccepted_solution.
import { z } from "zod";
import { inboundInstant, inboundText } from "./inbound.ts";
import type { Program } from "./pack.ts";

export const FORUM_EVENTS = ["post_created", "post_edited", "post_destroyed", "post_recovered", "accepted_solution", "unaccepted_solution"] as const;
export type ForumEvent = (typeof FORUM_EVENTS)[number];

export const isForumEvent = (name: string): name is ForumEvent => (FORUM_EVENTS as readonly string[]).includes(name);

/** Discourse's ids are positive integers; a huge one is refused rather than rounded. */
const forumId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const forumPostSchema = z.object({
  id: forumId,
  username: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .regex(/^[\p{L}\p{N}_.-]+$/u, "a Discourse username"),
  topic_id: forumId,
  post_number: forumId,
  created_at: inboundInstant,
  category_id: forumId.nullish(),
  topic_slug: inboundText(300).nullish(),
  /** 1 regular, 2 moderator action, 3 small action, 4 whisper. */
  post_type: z.number().int().nullish(),
});
export type ForumPost = z.infer<typeof forumPostSchema>;

/** The post inside a webhook body, or the reason there is none. */
export function forumPostOf(event: ForumEvent, body: unknown): { post: ForumPost } | { problem: string } {
  const key = event.endsWith("_solution") ? "solved" : "post";
  const raw = body && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;
  const parsed = forumPostSchema.safeParse(raw);
  if (parsed.success) return { post: parsed.data };
  return { problem: `the body has no valid "${key}" object (${parsed.error.issues.map((i) => `${i.path.join(".") || key}: ${i.message}`).join("; ")})` };
}

/** Forum usernames are case-insensitive on Discourse, so they are kept in lower case. */
export const forumUsername = (name: string) => name.trim().replace(/^@/, "").toLowerCase();

export function forumPostUrl(base: string, post: Pick<ForumPost, "topic_slug" | "topic_id" | "post_number">): string {
  return `${base.replace(/\/+$/, "")}/t/${encodeURIComponent(post.topic_slug || "topic")}/${post.topic_id}/${post.post_number}`;
}

/** Why a post is not an answer at all, whoever wrote it. */
export function notAnAnswer(post: ForumPost): string | undefined {
  if (post.post_type != null && post.post_type !== 1) return "not a regular post (a whisper or a moderator action)";
  if (post.post_number === 1) return "the first post of a topic asks a question; replies are answers";
  if (post.category_id == null) return "a private message, not in a forum category";
  return undefined;
}

/** The programs (of those the member is in) that count a post in this category: a program listing no categories counts every one. */
export function programsCountingCategory(programs: Program[], memberPrograms: Set<string>, categoryId: number): Program[] {
  return programs.filter((p) => memberPrograms.has(p.id) && (p.forumCategories.length === 0 || p.forumCategories.includes(categoryId)));
}
