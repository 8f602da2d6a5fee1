// Slack's primitives for the kit (src/kit/answer.ts): who asks, a modal opened with the
// request's trigger_id, an answer through respond() or the response_url, files and pictures
// uploaded beside it, and a decided review card updated to say who decided. Slash commands and
// clicks are acknowledged by Bolt before the kit runs, so Slack sets no deadline here; a
// submitted modal has one (actions.ts).
import type { Adapter } from "../../kit/adapter.ts";
import type { Reply } from "../../chat/reply.ts";
import { callerOf, openModal, responsePayload, uploadFiles, type KnownBlock, type SlackContext } from "./context.ts";
import type { PageRequest } from "./paging.ts";
import { escapeMrkdwn, messageText } from "./render.ts";
import type { ModalContext } from "./ids.ts";

export interface SlackRequest {
  userId: string;
  userName?: string;
  channelId?: string;
  invocationId: string;
  /** Opens a modal (valid 3 s after the request); without it no form is shown. */
  triggerId?: string;
  /** Where a modal's answer goes once submitted (the response_url, the message to update). */
  modal?: Omit<ModalContext, "submit">;
  /** Answers the person: respond(), or a post to the response_url after a modal. */
  send(payload: ReturnType<typeof responsePayload>): Promise<void>;
  /** The command line behind the answer, so a long table pages. */
  pager?: PageRequest;
  /** The message a decision was made on (its blocks when the payload has them). */
  update?: { channel: string; ts: string; blocks?: KnownBlock[] };
}

/** The message after a decision: its buttons replaced by who decided and what happened. */
export function decidedBlocks(original: KnownBlock[], reply: Reply, userId: string): KnownBlock[] {
  const kept = original.filter((b) => b.type !== "actions");
  return [...kept, { type: "context", elements: [{ type: "mrkdwn", text: `${escapeMrkdwn(reply.text)} — <@${userId}>` }] }];
}

async function updateMessage(ctx: SlackContext, where: NonNullable<SlackRequest["update"]>, reply: Reply, userId: string): Promise<void> {
  let original = where.blocks;
  if (!original) {
    // After a modal the original blocks are not in the payload: read the message back.
    const history = await ctx.client.conversations.history({ channel: where.channel, latest: where.ts, inclusive: true, limit: 1 });
    original = (history.messages?.[0]?.blocks ?? []) as KnownBlock[];
  }
  await ctx.client.chat.update({ channel: where.channel, ts: where.ts, text: messageText(reply), blocks: decidedBlocks(original, reply, userId) });
}

export function slackAdapter(ctx: SlackContext, r: SlackRequest): Adapter {
  const { triggerId, update } = r;
  const reply = async (answer: Reply) => {
    await r.send(responsePayload(answer, {}, r.pager));
    await uploadFiles(ctx, answer, r.userId, r.channelId);
  };
  return {
    pictures: true,
    caller: async () => callerOf(ctx, await ctx.actors.actor(r.userId, r.userName), r.channelId, r.invocationId),
    ...(triggerId
      ? {
          showForm: async (form) => {
            await openModal(ctx, triggerId, form, { submit: form.submit, ...r.modal });
            return { shown: true };
          },
        }
      : {}),
    reply,
    // The card shows everyone who decided; the moderator gets the answer too.
    ...(update ? { decide: async (answer: Reply) => (await updateMessage(ctx, update, answer, r.userId), await reply(answer)) } : {}),
    apologise: (sorry) => r.send(responsePayload(sorry)),
  };
}
