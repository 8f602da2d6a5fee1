// What every Slack listener needs, built once in app.ts: the application, the
// command registry, who is who, and the small helpers that answer a person.
// Running the command and the apology when something fails are the kit's (src/kit).
import type { types, webApi } from "@slack/bolt";
import type { App } from "../../app.ts";
import type { Form, Reply } from "../../chat/reply.ts";
import type { Caller, Registry } from "../../kit/invoke.ts";
import type { Actor } from "../../core/actor.ts";
import type { SlackActors } from "./actors.ts";
import { readSlackMention } from "./mentions.ts";
import { hasUploads, uploadsOf } from "./uploads.ts";
import { renderPagedMessage, renderModal } from "./render.ts";
import type { ModalContext } from "./ids.ts";
import type { PageRequest } from "./paging.ts";
import { logicalChannelName } from "../../core/channels.ts";

export interface SlackContext {
  app: App;
  registry: Registry;
  actors: SlackActors;
  /** The request-path client: short retries, its calls answer a person who is waiting. */
  client: webApi.WebClient;
}

/** The pack's logical name of a channel id when SLACK_CHANNELS maps it, else the id. */
export function channelName(app: App, channelId: string | undefined): string | undefined {
  if (!channelId) return undefined;
  return logicalChannelName(app.config.SLACK_CHANNELS, channelId) ?? channelId;
}

/** Who asks and where, as the kit runs a command: the channel by its logical name where it has one. */
export function callerOf(ctx: SlackContext, actor: Actor, channelId: string | undefined, invocationId: string): Omit<Caller, "interactive"> {
  const channel = channelName(ctx.app, channelId);
  return { actor, invocationId, readMention: readSlackMention, ...(channel ? { channel } : {}) };
}

/**
 * The body of a response_url message (or respond()). `pager` is the command
 * line that produced the reply: with it, long tables page (see renderPagedMessage).
 */
export function responsePayload(reply: Reply, extra: { replace_original?: boolean } = {}, pager?: PageRequest) {
  return {
    response_type: reply.visibility === "public" ? ("in_channel" as const) : ("ephemeral" as const),
    replace_original: false,
    ...extra,
    ...renderPagedMessage(reply, pager),
  };
}

/** Posts to a response_url (valid 30 minutes, five times) without Bolt's respond(), e.g. after a modal. */
export async function postToResponseUrl(url: string, body: object): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}

export async function openModal(ctx: SlackContext, triggerId: string, form: Form, modal: ModalContext): Promise<void> {
  await ctx.client.views.open({ trigger_id: triggerId, view: renderModal(form, modal) });
}

/** Replies with files (a CSV report) or pictures upload them where the reply goes: the channel when public, else a DM. */
export async function uploadFiles(ctx: SlackContext, reply: Reply, userId: string, channelId: string | undefined): Promise<void> {
  if (!hasUploads(reply)) return;
  let channel = reply.visibility === "public" ? channelId : undefined;
  if (!channel) {
    const im = await ctx.client.conversations.open({ users: userId });
    channel = im.channel?.id;
  }
  if (!channel) throw new Error("no channel to upload the files to");
  for (const file of await uploadsOf(reply, (err) => ctx.app.log.error({ err }, "a picture could not be drawn; its alt text stands in"))) {
    await ctx.client.filesUploadV2({ channel_id: channel, ...file });
  }
}

export type KnownBlock = types.KnownBlock;
