// Buttons and modals. A button's value is `command:action:value`: a click runs
// `/<command> <action> <value>` through the same registry as a typed command.
// A button with a form (Reject -> reason) opens a modal first; a submitted
// modal runs its command line with the answers as `key:value` words, and a
// user error is shown on the field it is about. A decision on a channel
// message (a review) updates that message to show who decided. Page buttons
// under a long list run its command line again for another page.
import type { App as BoltApp, BlockAction, ButtonAction, ViewSubmitAction } from "@slack/bolt";
import type { Reply } from "../../chat/reply.ts";
import { actionWords } from "../../chat/kit/codec.ts";
import { invoke, withApology } from "../../chat/kit/invoke.ts";
import { parseLine } from "../../command/parse.ts";
import { callerOf, FAILED, openModal, postToResponseUrl, responsePayload, uploadFiles, type KnownBlock, type SlackContext } from "./context.ts";
import { answersOf, decodeButton, decodePage, escapeMrkdwn, fieldForError, messageText, MODAL_CALLBACK_ID, PAGE_ACTIONS, renderMessage, type ModalContext } from "./render.ts";

/** Slack closes a modal with an error when the submission is not acknowledged within 3 s; answer later past this. */
const SUBMIT_BUDGET_MS = 2500;
const ERROR_TEXT_MAX = 1900;

/** The message after a decision: its buttons replaced by who decided and what happened. */
export function decidedBlocks(original: KnownBlock[], reply: Reply, userId: string): KnownBlock[] {
  const kept = original.filter((b) => b.type !== "actions");
  return [...kept, { type: "context", elements: [{ type: "mrkdwn", text: `${escapeMrkdwn(reply.text)} — <@${userId}>` }] }];
}

async function updateMessage(ctx: SlackContext, where: { channel: string; ts: string }, blocks: KnownBlock[] | undefined, reply: Reply, userId: string): Promise<void> {
  let original = blocks;
  if (!original) {
    // After a modal the original blocks are not in the payload: read the message back.
    const history = await ctx.client.conversations.history({ channel: where.channel, latest: where.ts, inclusive: true, limit: 1 });
    original = (history.messages?.[0]?.blocks ?? []) as KnownBlock[];
  }
  await ctx.client.chat.update({ channel: where.channel, ts: where.ts, text: messageText(reply), blocks: decidedBlocks(original, reply, userId) });
}

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
    const userId = body.user.id;
    const what = { button: action.action_id, user: userId };
    const answer = async () => {
      // interactive: false: turning a page never opens a modal.
      const who = async () => callerOf(ctx, await ctx.actors.actor(userId, body.user.name), body.channel?.id, request.invocationId ?? `slack:${body.trigger_id}`, false);
      const outcome = await invoke(ctx, { command: request.command, words: [...request.words] }, who, what);
      const reply: Reply =
        outcome.type === "reply" ? outcome.reply : { text: "This list needs more answers now; run the command again.", blocks: [], visibility: "ephemeral", status: "user-error" };
      const inPlace = body.container?.is_ephemeral === true && reply.status === "ok";
      await respond(responsePayload({ ...reply, visibility: "ephemeral" }, { replace_original: inPlace }, request));
    };
    await withApology(ctx.app, what, answer, async (sorry) => void (await respond(responsePayload(sorry))), FAILED);
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
    const userId = body.user.id;
    const channelId = body.channel?.id;
    const onMessage = body.message && channelId && !body.container?.is_ephemeral ? { channel: channelId, ts: body.message.ts } : undefined;
    const what = { button: action.action_id, user: userId };
    const answer = async () => {
      const actor = await ctx.actors.actor(userId, body.user.name);
      const modal = (submit: string): ModalContext => ({
        submit,
        ...(channelId ? { channel: channelId } : {}),
        ...(body.response_url ? { responseUrl: body.response_url } : {}),
        ...(onMessage ? { update: onMessage } : {}),
      });
      if (payload.form) {
        await openModal(ctx, body.trigger_id, payload.form, modal(payload.form.submit));
        return;
      }
      const invocationId = `slack:${body.trigger_id}`;
      const outcome = await invoke(ctx, { command: payload.command, words: actionWords(payload) }, callerOf(ctx, actor, channelId, invocationId, true), what);
      if (outcome.type === "form") {
        await openModal(ctx, body.trigger_id, outcome.form, modal(outcome.form.submit));
        return;
      }
      const reply = outcome.reply;
      if (reply.status === "ok" && onMessage) await updateMessage(ctx, onMessage, body.message?.blocks as KnownBlock[] | undefined, reply, userId);
      await respond(responsePayload(reply, {}, { command: payload.command, words: actionWords(payload), page: 0, invocationId }));
      await uploadFiles(ctx, reply, userId, channelId);
    };
    await withApology(ctx.app, what, answer, async (sorry) => void (await respond(responsePayload(sorry))), FAILED);
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

    let acked = false;
    const invocationId = `slack:view:${view.id}`;
    const who = async () => callerOf(ctx, await ctx.actors.actor(userId, body.user.name), meta.channel, invocationId, false);
    const run = invoke(ctx, { command: line.command, words }, who, { modal: meta.submit, user: userId });

    // Most commands answer well within Slack's deadline, so errors can go on the field; a slow one closes the modal first.
    const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), SUBMIT_BUDGET_MS).unref());
    const first = await Promise.race([run, timer]);
    if (first === "late") {
      acked = true;
      await ack();
    }
    const outcome = await run;
    if (outcome.type === "form") {
      const missing = outcome.form.fields.find((f) => f.required) ?? outcome.form.fields[0];
      if (!acked && missing) return ack({ response_action: "errors", errors: { [missing.key]: "This answer is needed." } });
    }
    const reply: Reply =
      outcome.type === "reply" ? outcome.reply : { text: "Some answers are still missing.", blocks: [], visibility: "ephemeral", status: "user-error" };
    if (reply.status !== "ok" && !acked) {
      const field = fieldForError(reply.text, keys);
      if (field) return ack({ response_action: "errors", errors: { [field]: reply.text.slice(0, ERROR_TEXT_MAX) } });
    }
    if (!acked) await ack();

    const answer = async () => {
      if (reply.status === "ok" && meta.update) await updateMessage(ctx, meta.update, undefined, reply, userId);
      if (meta.responseUrl) await postToResponseUrl(meta.responseUrl, responsePayload(reply, {}, { command: line.command, words, page: 0, invocationId }));
      else await ctx.client.chat.postMessage({ channel: userId, ...renderMessage(reply) });
      await uploadFiles(ctx, reply, userId, meta.channel);
    };
    // The modal is closed and the answer could not be posted: the failure is logged with its ref, and nobody is left to tell.
    await withApology(ctx.app, { modal: meta.submit, user: userId, stage: "answer" }, answer, () => undefined, FAILED);
  });
}
