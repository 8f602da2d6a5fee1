// What an outbox row says: the message kinds delivery knows, each with its
// recipient. Written by services/outbox.ts, routed by services/outbox-targets.ts.
import type { Reply } from "../chat/reply.ts";

/** A logical channel from the pack ("announcements", "moderators", a program's moderatorChannel). */
export type ChannelName = string;

export type OutboxMessage =
  | { kind: "dm"; memberId: string; reply: Reply }
  | { kind: "post"; channel: ChannelName; reply: Reply }
  | { kind: "badge-grant"; memberId: string; badge: string }
  | { kind: "badge-revoke"; memberId: string; badge: string; reason?: string }
  | { kind: "tier-role"; memberId: string; tier: string; previous?: string }
  /** The member's points changed: platforms that show a standing view (Slack's App Home) redraw it; others skip it. */
  | { kind: "home-refresh"; memberId: string }
  /** The member's tier changed: Discord Linked Roles gets their points and tier level again (when they linked). */
  | { kind: "role-connection"; memberId: string };

export type OutboxKind = OutboxMessage["kind"];
