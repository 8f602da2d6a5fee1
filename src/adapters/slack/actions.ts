// Buttons and modals. A button's value is `command:action:value`: a click runs
// `/<command> <action> <value>` through the same registry as a typed command.
// A button with a form (Reject -> reason) opens a modal first; a submitted
// modal runs its command line with the answers as `key:value` words, and a
// user error is shown on the field it is about. A decision on a channel
// message (a review) updates that message to show who decided. Page buttons
// under a long list run its command line again for another page.
import type { App as BoltApp, BlockAction, ButtonAction, ViewSubmitAction } from "@slack/bolt";
import type { Adapter } from "../../kit/adapter.ts";
import { answer } from "../../kit/answer.ts";
import { actionWords } from "../../kit/codec.ts";
import { parseLine } from "../../kit/framework.ts";
import { slackAdapter } from "./adapter.ts";
import { postToResponseUrl, responsePayload, type KnownBlock, type SlackContext } from "./context.ts";
import { answersOf, decodeButton, fieldForError, MODAL_CALLBACK_ID, type ModalContext } from "./ids.ts";
import { decodePage, PAGE_ACTIONS } from "./paging.ts";

/** Slack closes a modal with an error when the submission is not acknowledged within 3 s; answer later past this. */
const SUBMIT_BUDGET_MS = 2500;
const ERROR_TEXT_MAX = 1900;

/**
 * A page button: the command line behind the list runs again, as the person
 * clicking, and the page they asked for is drawn. Their own (ephemeral) list
 * turns its page in place; a list posted for everyone stays as it is and the
 * page goes to the clicker alone.
 */
function registerPaging(bolt: BoltApp, ctx: SlackContext): void {
  const ids = new RegExp(`^(${Object.values(PAGE_ACTIONS).join("|")})$`);
  bolt.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ids }, async ({ ack, body, action, respond }) => {
    await ack();
    const request = decodePage(action.value ?? "");
    if (!request) {
      ctx.app.log.warn({ actionId: action.action_id }, "a Slack page button carried no command line");
      return;
    }
    const base = slackAdapter(ctx, {
      userId: body.user.id,
      userName: body.user.name,
      ...(body.channel?.id ? { channelId: body.channel.id } : {}),
      invocationId: request.invocationId ?? `slack:${body.trigger_id}`,
      send: async (payload) => void (await respond(payload)),
    });
    // Never a modal (no trigger): turning a page never asks.
    const adapter: Adapter = {
      ...base,
      reply: async (reply) => {
        const inPlace = body.container?.is_ephemeral === true && reply.status === "ok";
        await respond(responsePayload({ ...reply, visibility: "ephemeral" }, { replace_original: inPlace }, request));
      },
    };
    await answer(ctx, adapter, { invocation: { command: request.command, words: [...request.words] }, interactive: false, what: { button: action.action_id, user: body.user.id } });
  });
}

export function registerActions(bolt: BoltApp, ctx: SlackContext): void {
  registerPaging(bolt, ctx);
  bolt.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: /^[a-z0-9-]+:/ }, async ({ ack, body, action, respond }) => {
    await ack();
    const payload = decodeButton(action.value ?? "");
    if (!payload) {
      ctx.app.log.warn({ actionId: action.action_id }, "a Slack button carried no command");
      return;
    }
    const channelId = body.channel?.id;
    const onMessage = body.message && channelId && !body.container?.is_ephemeral ? { channel: channelId, ts: body.message.ts } : undefined;
    const invocationId = `slack:${body.trigger_id}`;
    const words = actionWords(payload);
    const adapter = slackAdapter(ctx, {
      userId: body.user.id,
      userName: body.user.name,
      ...(channelId ? { channelId } : {}),
      invocationId,
      triggerId: body.trigger_id,
      modal: { ...(channelId ? { channel: channelId } : {}), ...(body.response_url ? { responseUrl: body.response_url } : {}), ...(onMessage ? { update: onMessage } : {}) },
      send: async (p) => void (await respond(p)),
      pager: { command: payload.command, words, page: 0, invocationId },
      ...(onMessage ? { update: { ...onMessage, blocks: body.message?.blocks as KnownBlock[] | undefined } } : {}),
    });
    await answer(ctx, adapter, {
      invocation: { command: payload.command, words },
      interactive: true,
      onMessage: onMessage !== undefined,
      ...(payload.form ? { form: payload.form } : {}),
      what: { button: action.action_id, user: body.user.id },
    });
  });

  bolt.view<ViewSubmitAction>(MODAL_CALLBACK_ID, async ({ ack, body, view }) => {
    const userId = body.user.id;
    let meta: ModalContext | undefined;
    try {
      meta = JSON.parse(view.private_metadata) as ModalContext;
    } catch {
      meta = undefined;
    }
    const line = meta && typeof meta.submit === "string" ? parseLine(meta.submit) : undefined;
    if (!meta || !line) {
      ctx.app.log.warn({ userId }, "a Slack modal came back without its command");
      await ack();
      return;
    }
    const keys = view.blocks.map((b) => b.block_id).filter((k): k is string => typeof k === "string");
    const words = [...line.words, ...answersOf(view.state.values as Parameters<typeof answersOf>[0])];
    const invocationId = `slack:view:${view.id}`;
    const { responseUrl, update } = meta;
    const base = slackAdapter(ctx, {
      userId,
      userName: body.user.name,
      ...(meta.channel ? { channelId: meta.channel } : {}),
      invocationId,
      // The modal is closed by then: the answer goes to where the modal came from, else to a DM.
      send: async (payload) => {
        if (responseUrl) await postToResponseUrl(responseUrl, payload);
        else await ctx.client.chat.postMessage({ channel: userId, text: payload.text, blocks: payload.blocks });
      },
      pager: { command: line.command, words, page: 0, invocationId },
      ...(update ? { update } : {}),
    });
    let acked = false;
    const acknowledge = async () => {
      acked = true;
      await ack();
    };
    // Most commands answer well within Slack's deadline, so a user error goes on the field it is about; a slow one closes the modal first.
    const adapter: Adapter = {
      ...base,
      deferAfterMs: SUBMIT_BUDGET_MS,
      defer: acknowledge,
      reply: async (reply, progress) => {
        const field = reply.status !== "ok" && !acked ? fieldForError(reply.text, keys) : undefined;
        if (field) return ack({ response_action: "errors", errors: { [field]: reply.text.slice(0, ERROR_TEXT_MAX) } });
        if (!acked) await acknowledge();
        await base.reply(reply, progress);
      },
      ...(base.decide ? { decide: async (reply, actor, progress) => (acked || (await acknowledge()), await base.decide?.(reply, actor, progress)) } : {}),
      apologise: async (sorry, progress) => {
        if (!acked) await acknowledge();
        await base.apologise(sorry, progress);
      },
    };
    await answer(ctx, adapter, { invocation: { command: line.command, words }, interactive: false, onMessage: update !== undefined, what: { modal: meta.submit, user: userId } });
  });
}
