// DMs to one member that fall due together go out as one message (the
// delivery policy, src/domain/delivery.ts, says which): grouped here in claim
// order, only with DMs that go to the same targets, and merged into one reply.
import type { Block, Reply } from "../chat/reply.ts";
import { groupDms, type DeliveryPolicy } from "../domain/delivery.ts";
import { messageOf, type OutboxMessage } from "../services/outbox.ts";
import type { ClaimedRow } from "../store/outbox.ts";

/** DMs batched as the policy says, only with DMs that go to the same targets; groups in claim order. */
export function groupByRoute(policy: DeliveryPolicy, rows: ClaimedRow[]): ClaimedRow[][] {
  const routes = new Map<string, ClaimedRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.targets, row.origin]);
    const route = routes.get(key);
    if (route) route.push(row);
    else routes.set(key, [row]);
  }
  return [...routes.values()].flatMap((r) => groupDms(policy, r)).sort((a, b) => (a[0]?.id ?? 0) - (b[0]?.id ?? 0));
}


/** One message made of several DMs, in the order they were written. */
export function mergeReplies(replies: Reply[]): Reply {
  const blocks: Block[] = [];
  replies.forEach((r, i) => {
    if (i > 0) blocks.push({ type: "divider" });
    blocks.push(...(r.blocks.length ? r.blocks : [{ type: "text" as const, text: r.text }]));
  });
  const files = replies.flatMap((r) => r.files ?? []);
  return {
    text: replies.map((r) => r.text).join("\n"),
    blocks,
    visibility: "ephemeral",
    status: "ok",
    ...(files.length ? { files } : {}),
  };
}

/** A batch's message: one row's as it is, several DMs merged into one. */
export function messageOfGroup(rows: ClaimedRow[]): OutboxMessage {
  const messages = rows.map((r) => messageOf(r));
  if (messages.length === 1) return messages[0] as OutboxMessage;
  const replies = messages.map((m) => (m as Extract<OutboxMessage, { kind: "dm" }>).reply);
  return { kind: "dm", memberId: rows[0]?.memberId as string, reply: mergeReplies(replies) };
}

