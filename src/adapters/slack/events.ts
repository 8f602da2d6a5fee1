// Events API: messages in channels count as contributions (recordMessage
// decides which channels count), and the App Home tab shows the member's tier
// and this week's commitments when they open it (the delivery target redraws
// it later, when their standing changes: target.ts). Bolt acknowledges events
// before these run; Slack retries an event it thinks was lost, so each
// event_id is processed once, backed by the processed_events primary key.
import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import { tierReply } from "../../../commands/tier.ts";
import type { Reply } from "../../chat/reply.ts";
import { dispatch } from "../../command/dispatch.ts";
import { programsWithChannel, recordMessage } from "../../services/activities.ts";
import { tierStatus } from "../../services/partner.ts";
import { channelName, type KnownBlock, type SlackContext } from "./context.ts";
import { LIMITS, renderBlocks } from "./render.ts";

/** Message subtypes that are a person writing something; edits, deletes, joins and bots are not. */
const COUNTED_SUBTYPES = new Set<string | undefined>([undefined, "thread_broadcast", "file_share"]);

/** Claims an event id; false when it was processed before (a Slack retry). */
async function claimEvent(ctx: SlackContext, eventId: string): Promise<boolean> {
  const inserted = await ctx.app.sql.query<{ key: string }>(
    `INSERT INTO processed_events (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING key`,
    [`slack:${eventId}`],
  );
  return inserted.length > 0;
}

async function releaseEvent(ctx: SlackContext, eventId: string): Promise<void> {
  await ctx.app.sql.query(`DELETE FROM processed_events WHERE key = $1`, [`slack:${eventId}`]);
}

interface MessageLike {
  type: "message";
  subtype?: string;
  user?: string;
  bot_id?: string;
  channel: string;
  ts: string;
  client_msg_id?: string;
}

export async function handleMessage(ctx: SlackContext, event: MessageLike, eventId: string | undefined, retryNum: number | undefined): Promise<void> {
  if (!COUNTED_SUBTYPES.has(event.subtype) || event.bot_id || !event.user) return;
  // The pack may name a community channel by its SLACK_CHANNELS name or by its id.
  const channel = [channelName(ctx.app, event.channel), event.channel].find((c) => c && programsWithChannel(ctx.app, c).length > 0);
  // Most traffic is in channels no program counts: no database writes, no users.info for those.
  if (!channel) return;
  if (eventId && !(await claimEvent(ctx, eventId))) {
    ctx.app.log.debug({ eventId, retryNum }, "Slack event already processed; retry ignored");
    return;
  }
  try {
    const actor = await ctx.actors.actor(event.user);
    await recordMessage(ctx.app, {
      platform: "slack",
      channel,
      externalUserId: event.user,
      displayName: actor.displayName,
      messageId: event.client_msg_id ?? event.ts,
      at: new Date(Math.round(Number(event.ts) * 1000)),
      isBot: false,
    });
  } catch (err) {
    // Let Slack's next retry try again.
    if (eventId) await releaseEvent(ctx, eventId).catch(() => undefined);
    throw err;
  }
}

/** The App Home: tier, points, progress and benefits, then this week's commitments when the registry has /commitments. */
export async function homeView(ctx: SlackContext, userId: string): Promise<{ type: "home"; blocks: KnownBlock[] }> {
  const actor = await ctx.actors.actor(userId);
  const replies: Reply[] = [tierReply({ id: actor.memberId, handle: actor.handle, displayName: actor.displayName }, await tierStatus(ctx.app, actor.memberId))];
  if (ctx.registry.has("commitments")) {
    const outcome = await dispatch(ctx.registry, { command: "commitments", words: [] }, { app: ctx.app, actor, interactive: false, invocationId: `slack:home:${randomUUID()}` });
    if (outcome.type === "reply" && outcome.reply.status === "ok") replies.push(outcome.reply);
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
