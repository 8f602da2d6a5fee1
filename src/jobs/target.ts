// Where outbox rows go: each running adapter (terminal, Slack, Discord) is a
// delivery target. The delivery job does not know which platforms exist.
import type { App } from "../app.ts";
import type { OutboxMessage } from "../services/outbox.ts";
import type { Platform } from "../core/actor.ts";

export interface Recipient {
  id: string;
  handle: string;
  displayName: string;
  identities: { platform: string; externalId: string }[];
}

export interface DeliveryContext {
  outboxId: number;
  /** Unique per delivery; targets that can pass an idempotency key to the platform use it. */
  dedupeKey: string;
  /** The member a DM, badge or role is for, with their platform accounts. */
  member?: Recipient;
  /**
   * Set when an earlier attempt (started at this time) lost its claim with no outcome: its process
   * died, perhaps after the platform accepted the message. A target that can look (the DM's recent
   * history) checks for the message before sending it again.
   */
  previousAttemptAt?: Date;
}

/** "skipped": nothing to do on this platform (the member has no account there). */
export type DeliveryResult = "delivered" | "skipped";

/**
 * How fast a platform accepts messages. Delivery spaces calls out so the
 * platform never has to answer 429 (Slack: `{ perChannelMs: 1000 }`, about one
 * message a second per channel; Discord: `{ perSecond: 50 }` globally).
 */
export interface DeliveryLimits {
  /** At most one message per channel (or DM) every this many milliseconds. */
  perChannelMs?: number;
  /** At most this many calls a second over the whole platform: messages, or requests where the target says what a message costs (`requests`). */
  perSecond?: number;
}

/**
 * Outbox kinds that only some platforms deliver, such as a standing view to redraw (Slack's App Home).
 * Such a row is written only when a running target declared it handles the kind.
 */
export type OnDemandKind = Extract<OutboxMessage["kind"], "home-refresh">;

export interface DeliveryTarget {
  name: Platform;
  /** The on-demand kinds this target delivers; every target receives all other kinds. */
  handles?: readonly OnDemandKind[];
  /** False for targets that notify nobody's device (the terminal): quiet hours do not hold DMs for them. */
  wakesPeople?: boolean;
  deliver(message: OutboxMessage, ctx: DeliveryContext): Promise<DeliveryResult>;
  /**
   * Optional follow-up once the row is recorded as delivered to this target (Slack redraws the member's App Home):
   * never awaited, and a throw is only logged, so it can neither delay, fail nor repeat the delivery.
   */
  afterDelivered?(message: OutboxMessage, ctx: DeliveryContext): void;
  /** Optional: unlimited when absent (the terminal). */
  limits?: DeliveryLimits;
  /** How many of `limits.perSecond` delivering this message takes (1 when absent): a Discord DM to a new member is two requests; 0 for messages the target skips. */
  requests?(message: OutboxMessage, member: Recipient | undefined): number;
}

/** A failure no retry can fix (user left, channel gone, bad payload): recorded on the row, not retried. */
export class PermanentDeliveryError extends Error {
  override name = "PermanentDeliveryError";
}

/**
 * The platform said slow down: retry after this long, without counting an attempt against the row. `perChannel`: the
 * limit was the one on posting to that channel (Slack's chat.postMessage), so only that channel's rows wait; any other
 * limit (a workspace-wide method, a global bucket) holds back the whole queue.
 */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  constructor(
    readonly retryAfterMs: number,
    readonly perChannel = false,
  ) {
    super(`rate limited; retry after ${retryAfterMs} ms`);
  }
}

/** Called as a target goes live: from then on the services write the on-demand rows it declared. */
export function registerTarget(app: App, target: DeliveryTarget): void {
  for (const kind of target.handles ?? []) (app.deliverable ??= new Set()).add(kind);
}
