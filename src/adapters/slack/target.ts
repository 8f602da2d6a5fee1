// Slack as an outbox delivery target: DMs, channel posts (with CSV uploads),
// badges as user-group membership where the pack maps a badge to one, and the
// member's App Home redrawn when their standing changes: on a "home-refresh"
// row (points moved), and after anything else addressed to them (a DM, a
// badge, a tier) since those follow a change the Home shows. Request handlers
// never publish it (except on app_home_opened, which is that request's answer).
// The redraw after another row runs once that row is recorded, best effort,
// at most once per member every HOME_EVERY_MS: views.publish is Slack's Tier 4
// (100+ a minute per workspace), far below a DM backlog's 40 a second, and
// the member sees a fresh Home whenever they open it anyway.
//
// Who retries: the outbox job, not the WebClient. This target's client has
// retries off and rejects rate-limited calls, so a 429 becomes
// RateLimitedError(Retry-After) and the row waits in the database instead of
// a request sleeping in memory for up to half an hour (the client's default).
//
// Exactly once across a crash: chat.postMessage has no idempotency key, so
// every message carries its outbox dedupe key as message metadata. When an
// earlier attempt lost its claim with no outcome (its process died, perhaps
// after Slack accepted the message), the conversation's history since that
// attempt is searched for the key before sending again; only then, so the
// usual send costs no extra call.
import { webApi, type types } from "@slack/bolt";
import pLimit from "p-limit";
import type { App } from "../../app.ts";
import type { Reply } from "../../chat/reply.ts";
import { PermanentDeliveryError, RateLimitedError, type DeliveryContext, type DeliveryResult, type DeliveryTarget } from "../../jobs/target.ts";
import { auditFailed } from "../../services/audit.ts";
import type { OutboxMessage } from "../../services/outbox.ts";
import { renderMessage } from "./render.ts";
import { hasUploads, uploadsOf } from "./uploads.ts";
import { mappedChannelId } from "../../core/channels.ts";

/** Platform errors no retry can fix: the row is marked failed with the reason. */
const PERMANENT = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "user_not_found",
  "users_not_found",
  "user_disabled",
  "account_inactive",
  "cannot_dm_bot",
  "invalid_blocks",
  "invalid_blocks_format",
  "msg_too_long",
  "no_text",
  "restricted_action",
  "invalid_auth",
  "not_authed",
  "missing_scope",
  "no_such_subteam",
]);

/** The client for outbox calls: no retries of its own, 429s thrown at once. */
export function outboxClient(token: string | undefined, slackApiUrl: string | undefined, logger?: webApi.WebClientOptions["logger"]): webApi.WebClient {
  return new webApi.WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    ...(logger ? { logger } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

/** Turns a Web API failure into what the delivery job understands. */
export function deliveryError(err: unknown): Error {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === webApi.ErrorCode.RateLimitedError) return new RateLimitedError(Math.max(1, e.retryAfter ?? 1) * 1000);
  if (e.code === webApi.ErrorCode.PlatformError && e.data?.error && PERMANENT.has(e.data.error)) return new PermanentDeliveryError(`Slack: ${e.data.error}`);
  return err instanceof Error ? err : new Error(String(err));
}

function slackUserOf(ctx: DeliveryContext): string | undefined {
  return ctx.member?.identities.find((i) => i.platform === "slack")?.externalId;
}

/** The metadata event type Steward's outbox messages carry; the payload names the row's dedupe key. */
export const OUTBOX_EVENT_TYPE = "steward_outbox";

/** Messages searched back through per history page, and pages at most: an hour of a busy DM or channel. */
const HISTORY_PAGE = 200;
const HISTORY_PAGES = 5;
/** Slack's clock and ours may differ a little: look back this much before the lost attempt began. */
const HISTORY_SLACK_MS = 60_000;

/** A member's Home is redrawn after their DMs, badges and tiers at most this often (the last change always drawn). */
const HOME_EVERY_MS = 60_000;
/**
 * Homes built and published at once after deliveries: each build reads the database (the member's commands) from the
 * pool the deliveries and inbound events share, and nothing else bounds them once a broadcast reached many members.
 */
const HOME_DRAWS_AT_ONCE = 2;

export interface SlackTargetOptions {
  /** Builds a member's App Home; without it the Home is only drawn when they open it. */
  homeView?: (userId: string) => Promise<types.HomeView>;
  /** Tests: the least time between two redraws of one member's Home after rows (HOME_EVERY_MS). */
  homeEveryMs?: number;
}

/** Rows about one member whose delivery means their Home may show something new. */
const CHANGES_HOME = new Set<OutboxMessage["kind"]>(["dm", "badge-grant", "badge-revoke", "tier-role"]);

export function slackTarget(app: App, client: webApi.WebClient, options: SlackTargetOptions = {}): DeliveryTarget {
  const channelIdOf = (name: string): string | undefined => {
    const mapped = mappedChannelId(app.config.SLACK_CHANNELS, name);
    if (mapped) return mapped;
    // The pack may name a channel by its Slack id directly.
    return /^[CG][A-Z0-9]{6,}$/.test(name) ? name : undefined;
  };

  async function upload(channel: string, reply: Reply): Promise<void> {
    for (const file of await uploadsOf(reply, (err) => app.log.error({ err }, "a picture could not be drawn; its alt text stands in"))) {
      await client.filesUploadV2({ channel_id: channel, ...file });
    }
  }

  const metadataOf = (ctx: DeliveryContext) => ({ event_type: OUTBOX_EVENT_TYPE, event_payload: { key: ctx.dedupeKey } });

  /** Whether a message with this delivery's key is in the channel since the lost attempt began. */
  async function alreadyPosted(channel: string, ctx: DeliveryContext, since: Date): Promise<boolean> {
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const history = await client.conversations.history({
        channel,
        oldest: ((since.getTime() - HISTORY_SLACK_MS) / 1000).toFixed(6),
        include_all_metadata: true,
        limit: HISTORY_PAGE,
        ...(cursor ? { cursor } : {}),
      });
      const found = history.messages?.some((m) => m.metadata?.event_type === OUTBOX_EVENT_TYPE && (m.metadata.event_payload as { key?: unknown } | undefined)?.key === ctx.dedupeKey);
      if (found) return true;
      cursor = history.response_metadata?.next_cursor;
      if (!history.has_more || !cursor) return false;
    }
    return false;
  }

  /** chat.postMessage: its limit is per channel (about one a second), so a 429 here holds back this channel only. */
  async function post(args: Parameters<typeof client.chat.postMessage>[0]): Promise<void> {
    try {
      await client.chat.postMessage(args);
    } catch (err) {
      const mapped = deliveryError(err);
      throw mapped instanceof RateLimitedError ? new RateLimitedError(mapped.retryAfterMs, true) : err;
    }
  }

  async function dmChannel(userId: string): Promise<string> {
    const im = await client.conversations.open({ users: userId });
    const channel = im.channel?.id;
    if (!channel) throw new PermanentDeliveryError(`Slack: no DM channel with ${userId}`);
    return channel;
  }

  async function dm(userId: string, reply: Reply, ctx: DeliveryContext): Promise<void> {
    // Posting to a user id lands in the app's DM with them; files and history need the DM's channel id.
    if (!hasUploads(reply) && !ctx.previousAttemptAt) {
      await post({ channel: userId, ...renderMessage(reply), metadata: metadataOf(ctx) });
      return;
    }
    const channel = await dmChannel(userId);
    if (ctx.previousAttemptAt && (await alreadyPosted(channel, ctx, ctx.previousAttemptAt))) {
      app.log.info({ outboxId: ctx.outboxId, channel }, "Slack had this DM already from an attempt that died; not sent again");
      return;
    }
    await post({ channel, ...renderMessage(reply), metadata: metadataOf(ctx) });
    await upload(channel, reply);
  }

  /** usergroups.users.update replaces the whole list, so read it, change one id, write it back. */
  async function setGroupMember(usergroup: string, userId: string, member: boolean): Promise<void> {
    const current = new Set((await client.usergroups.users.list({ usergroup, include_disabled: true })).users ?? []);
    if (current.has(userId) === member) return;
    if (member) current.add(userId);
    else current.delete(userId);
    // Slack refuses an empty list: a group cannot lose its last member this way.
    if (current.size === 0) throw new PermanentDeliveryError(`Slack: cannot remove the last member of user group ${usergroup}`);
    await client.usergroups.users.update({ usergroup, users: [...current].join(",") });
  }

  async function badge(message: Extract<OutboxMessage, { kind: "badge-grant" | "badge-revoke" }>, ctx: DeliveryContext): Promise<DeliveryResult> {
    const group = app.pack.badges.find((b) => b.id === message.badge)?.slackUserGroup;
    const userId = slackUserOf(ctx);
    if (!group || !userId) return "skipped";
    try {
      await setGroupMember(group, userId, message.kind === "badge-grant");
      return "delivered";
    } catch (err) {
      const mapped = deliveryError(err);
      if (mapped instanceof RateLimitedError) throw mapped;
      // Badges live in Steward either way; a free workspace or a missing scope must not block the row.
      app.log.warn({ err: mapped.message, badge: message.badge, usergroup: group }, "Slack user group not updated; the badge is recorded in Steward");
      await auditFailed(app.db, `slack.${message.kind}`, ctx.member?.id ?? null, { badge: message.badge, usergroup: group, error: mapped.message });
      return "skipped";
    }
  }

  async function publishHome(userId: string): Promise<void> {
    if (!options.homeView) return;
    await client.views.publish({ user_id: userId, view: await options.homeView(userId) });
  }

  const homeEveryMs = options.homeEveryMs ?? HOME_EVERY_MS;
  /** Members whose redraw is waiting for its turn (a later change is in it), and when each was last drawn. */
  const homeWaiting = new Set<string>();
  const homeDraws = pLimit(HOME_DRAWS_AT_ONCE);
  const homeDrawnAt = new Map<string, number>();

  /** After another row was recorded: the row is done whatever happens here, so a failure is only logged. */
  function refreshHomeAfter(message: OutboxMessage, ctx: DeliveryContext): void {
    const userId = slackUserOf(ctx);
    if (!options.homeView || !userId || !CHANGES_HOME.has(message.kind) || homeWaiting.has(userId)) return;
    homeWaiting.add(userId);
    const wait = Math.max(0, (homeDrawnAt.get(userId) ?? -Infinity) + homeEveryMs - Date.now());
    // Unref'd: a Home left undrawn at shutdown is drawn when the member opens it.
    setTimeout(() => {
      // Leaves the waiting set before the view is built, so a change from here on gets a redraw of its own.
      homeWaiting.delete(userId);
      const at = Date.now();
      homeDrawnAt.set(userId, at);
      setTimeout(() => homeDrawnAt.get(userId) === at && homeDrawnAt.delete(userId), homeEveryMs).unref();
      homeDraws(() => publishHome(userId)).catch((err: unknown) => {
        app.log.warn({ err: deliveryError(err).message, user: userId, after: message.kind }, "Slack App Home not refreshed; it is redrawn when the member opens it");
      });
    }, wait).unref();
  }

  async function deliver(message: OutboxMessage, ctx: DeliveryContext): Promise<DeliveryResult> {
    switch (message.kind) {
      case "dm": {
        const userId = slackUserOf(ctx);
        if (!userId) return "skipped";
        await dm(userId, message.reply, ctx);
        return "delivered";
      }
      case "post": {
        const channel = channelIdOf(message.channel);
        if (!channel) {
          // Another platform may carry this channel; say so, since a missing SLACK_CHANNELS entry looks the same.
          app.log.warn({ channel: message.channel }, "no Slack channel for this logical channel (set SLACK_CHANNELS); skipped on Slack");
          return "skipped";
        }
        if (ctx.previousAttemptAt && (await alreadyPosted(channel, ctx, ctx.previousAttemptAt))) {
          app.log.info({ outboxId: ctx.outboxId, channel }, "Slack had this post already from an attempt that died; not sent again");
          return "delivered";
        }
        await post({ channel, ...renderMessage(message.reply), metadata: metadataOf(ctx) });
        await upload(channel, message.reply);
        return "delivered";
      }
      case "badge-grant":
      case "badge-revoke":
        return badge(message, ctx);
      case "role-connection":
        // Discord's Linked Roles only.
        return "skipped";
      case "tier-role":
        // Slack has no roles; the tier shows in the App Home (refreshed after this row) and /tier.
        return "skipped";
      case "home-refresh": {
        const userId = slackUserOf(ctx);
        if (!userId || !options.homeView) return "skipped";
        // Here the Home is the delivery: a 429 or an outage is retried by the job like any row.
        await publishHome(userId);
        return "delivered";
      }
    }
  }

  return {
    name: "slack",
    ...(options.homeView ? { handles: ["home-refresh"] as const } : {}),
    // chat.postMessage allows about one message a second per channel; spacing them keeps 429s rare.
    limits: { perChannelMs: 1000 },
    deliver: async (message, ctx) => {
      try {
        return await deliver(message, ctx);
      } catch (err) {
        throw err instanceof PermanentDeliveryError || err instanceof RateLimitedError ? err : deliveryError(err);
      }
    },
    afterDelivered: refreshHomeAfter,
  };
}
