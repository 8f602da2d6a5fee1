// Events API: messages in channels count as contributions (recordContributions
// decides which channels count), and the App Home tab shows the member's tier
// and this week's commitments when they open it (the delivery target redraws
// it later, when their standing changes: target.ts). Over HTTP, message events
// skip Bolt (message-events.ts) and are acknowledged once stored; in Socket
// Mode Bolt acknowledges before handleMessage runs. Slack retries an event it
// thinks was lost, so each event_id is processed once, backed by the
// processed_events primary key (claimed in the same statement that records
// the message: contributions.ts).
import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import { invoke } from "../../kit/invoke.ts";
import type { Reply } from "../../chat/reply.ts";
import { programsWithChannel } from "../../services/activities.ts";
import { ContributionBatcher, type ContributionOutcome } from "../../services/contributions.ts";
import { callerOf, channelName, type KnownBlock, type SlackContext } from "./context.ts";
import { LIMITS, renderBlocks } from "./render.ts";

/** Message subtypes that are a person writing something; edits, deletes, joins and bots are not. */
export const COUNTED_SUBTYPES = new Set<string | undefined>([undefined, "thread_broadcast", "file_share"]);

/**
 * Slack users this process has met through `ctx.actors.actor` (member created when new, profile time
 * zone read), or is meeting now: users.info at most once each, and only for people the count's own
 * statement found without a member or without a time zone.
 */
const met = new WeakMap<SlackContext, Map<string, Promise<unknown>>>();
/** One batcher per running Slack app: messages arriving together are stored in one statement. */
const batchers = new WeakMap<SlackContext, ContributionBatcher>();

export interface MessageLike {
  type: "message";
  subtype?: string;
  user?: string;
  bot_id?: string;
  channel: string;
  ts: string;
  client_msg_id?: string;
}

/** The channel a message counts in (its logical name or id), or undefined when it cannot count: edits, bots, unmapped channels. */
export function countingChannel(ctx: SlackContext, event: MessageLike): string | undefined {
  if (!COUNTED_SUBTYPES.has(event.subtype) || event.bot_id || !event.user) return undefined;
  // The pack may name a community channel by its SLACK_CHANNELS name or by its id.
  return [channelName(ctx.app, event.channel), event.channel].find((c) => c && programsWithChannel(ctx.app, c).length > 0);
}

/**
 * Counts a message; resolves once it is stored (or known to count nothing) and its author met, rejects
 * when the database failed. The count does not wait for the meeting: someone Steward has no member for
 * has no membership either, so their message counts nothing whether or not they are met first.
 */
export async function handleMessage(ctx: SlackContext, event: MessageLike, eventId: string | undefined, retryNum: number | undefined): Promise<ContributionOutcome> {
  const channel = countingChannel(ctx, event);
  // Most traffic is in channels no program counts: no database writes, no users.info for those.
  if (!channel || !event.user) return { status: "ignored" };
  const user = event.user;
  let batcher = batchers.get(ctx);
  if (!batcher) batchers.set(ctx, (batcher = new ContributionBatcher(ctx.app)));
  const { outcome, author } = await batcher.add({
    platform: "slack",
    channel,
    externalUserId: user,
    messageId: event.client_msg_id ?? event.ts,
    at: new Date(Math.round(Number(event.ts) * 1000)),
    eventKey: eventId ? `slack:${eventId}` : undefined,
  });
  if (outcome.status === "duplicate event") ctx.app.log.debug({ eventId, retryNum }, "Slack event already processed; retry ignored");
  if (author === "unknown" || author === "no zone") {
    // The message is stored either way: a failed meeting is logged, and the author's next message tries again.
    await meet(ctx, user).catch((err: unknown) => ctx.app.log.warn({ err, user }, "could not meet a Slack user after their message"));
  }
  return outcome;
}

/** Creates the member when new and reads their profile's time zone, once per user and process. */
async function meet(ctx: SlackContext, user: string): Promise<void> {
  let seen = met.get(ctx);
  if (!seen) met.set(ctx, (seen = new Map()));
  let meeting = seen.get(user);
  if (!meeting) {
    meeting = ctx.actors.actor(user);
    seen.set(user, meeting);
    // A failed meeting (the database away) is tried again by the next message.
    meeting.catch(() => seen.delete(user));
  }
  await meeting;
}

/** The commands the App Home shows, in order, when the registry has them: `/tier` must answer; `/commitments` may be missing. */
const HOME_COMMANDS = [
  { command: "tier", required: true },
  { command: "commitments", required: false },
] as const;

/**
 * The App Home: `/tier` (tier, points, progress and benefits), then this week's `/commitments`, each run
 * through the kit as if the member had typed it. A Home shows no pictures, so the tier card is left out.
 * When `/tier` cannot answer this throws, so the event's handler logs it and an outbox refresh is retried,
 * instead of publishing an apology that would stay on the Home until the next refresh.
 */
export async function homeView(ctx: SlackContext, userId: string): Promise<{ type: "home"; blocks: KnownBlock[] }> {
  const actor = await ctx.actors.actor(userId);
  const replies: Reply[] = [];
  for (const { command, required } of HOME_COMMANDS) {
    if (!ctx.registry.has(command)) continue;
    const outcome = await invoke(ctx, { command, words: [] }, { ...callerOf(ctx, actor, undefined, `slack:home:${randomUUID()}`), interactive: false }, { home: userId });
    if (outcome.type === "reply" && outcome.reply.status === "ok") replies.push({ ...outcome.reply, blocks: outcome.reply.blocks.filter((b) => b.type !== "image") });
    else if (required) throw new Error(`/${command} could not be shown on the App Home`);
  }
  const blocks: KnownBlock[] = [];
  for (const r of replies) {
    if (blocks.length) blocks.push({ type: "divider" });
    blocks.push(...renderBlocks(r, LIMITS.viewBlocks - blocks.length - 2));
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: "Type `/steward help` for every command." }] });
  return { type: "home", blocks: blocks.slice(0, LIMITS.viewBlocks) };
}

export async function publishHome(ctx: SlackContext, userId: string): Promise<void> {
  await ctx.client.views.publish({ user_id: userId, view: await homeView(ctx, userId) });
}

export function registerEvents(bolt: BoltApp, ctx: SlackContext): void {
  bolt.event("message", async ({ event, body, context }) => {
    try {
      await handleMessage(ctx, event as MessageLike, (body as { event_id?: string }).event_id, context.retryNum);
    } catch (err) {
      ctx.app.log.error({ err, channel: (event as MessageLike).channel }, "could not record a Slack message");
    }
  });
  bolt.event("app_home_opened", async ({ event }) => {
    if (event.tab !== "home") return;
    try {
      await publishHome(ctx, event.user);
    } catch (err) {
      ctx.app.log.error({ err, user: event.user }, "could not publish the Slack App Home");
    }
  });
}
