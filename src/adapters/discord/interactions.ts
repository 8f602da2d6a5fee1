// Interactions in, replies out, on Discord's raw API: the same payload whether it came over the
// gateway (INTERACTION_CREATE) or to the Interactions Endpoint URL (http.ts). Slash commands,
// buttons and modal submits are answered by the kit (src/kit/answer.ts); this file supplies
// Discord's primitives. Only the first response travels differently: the gateway POSTs it to the
// interaction's callback endpoint, the HTTP endpoint returns it as its response; everything after
// it (edits, follow-ups) goes through the interaction's webhook on REST either way.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  Routes,
  type APIApplicationCommandInteractionDataOption,
  type APIEmbed,
  type APIInteraction,
  type APIInteractionResponse,
  type APIMessage,
  type REST,
  type RawFile,
} from "discord.js";
import type { App } from "../../app.ts";
import type { Reply } from "../../chat/reply.ts";
import type { Adapter, Request } from "../../kit/adapter.ts";
import { answer } from "../../kit/answer.ts";
import { answerWords } from "../../kit/codec.ts";
import { withApology, type Caller, type Registry } from "../../kit/invoke.ts";
import { optionsOf, parseLine } from "../../kit/framework.ts";
import type { Actor } from "../../core/actor.ts";
import { accountMention } from "../../core/mentions.ts";
import { actorFor } from "../../services/members.ts";
import { stewardSubName, suggestions } from "./registration.ts";
import type { GuildDirectory } from "./guild.ts";
import { decodeId, formOfButton, parseButtonId, parseModalId } from "./ids.ts";
import { discordAccount, readDiscordMention } from "./mentions.ts";
import { holdsModeratorRole } from "./moderators.ts";
import { escapeMentions, renderModal, renderReply, type DiscordMessage } from "./render.ts";

export interface InteractionDeps {
  app: App;
  registry: Registry;
  rest: REST;
  guild: GuildDirectory;
  /** How long to wait for the work before deferring (Discord's deadline is 3 s). */
  deferAfterMs?: number;
}

/** Sends the first response (exactly one per interaction), with the files a message carries. */
export type FirstResponse = (response: APIInteractionResponse, files: RawFile[]) => Promise<void>;

const DEFER_AFTER_MS = 2000;
const EPHEMERAL = MessageFlags.Ephemeral;

/** The gateway's way: the first response is a POST to the interaction's callback endpoint. */
export function callbackResponse(rest: REST, raw: Pick<APIInteraction, "id" | "token">): FirstResponse {
  return async (response, files) => void (await rest.post(Routes.interactionCallback(raw.id, raw.token), { body: response, files, auth: false }));
}

/** A message body as Discord's API takes it, with its files numbered as `attachments` the way discord.js numbers them. */
export function messageBody(m: DiscordMessage, edit = false): { body: Record<string, unknown>; files: RawFile[] } {
  const files: (RawFile & { description?: string })[] = [
    ...m.files.map((f) => ({ name: f.filename, data: Buffer.from(f.content, "utf8"), contentType: f.contentType })),
    ...(m.images ?? []).map((i) => ({ name: i.filename, data: Buffer.from(i.png), contentType: "image/png", description: i.alt.slice(0, 1024) })),
  ];
  const body: Record<string, unknown> = {
    // An edit that says nothing about content keeps the old one: null clears it.
    ...(m.content !== undefined ? { content: m.content } : edit ? { content: null } : {}),
    embeds: m.embeds,
    components: m.components,
    allowed_mentions: { parse: [], users: m.mentions },
    attachments: files.map((f, i) => ({ id: String(i), ...(f.description ? { description: f.description } : {}) })),
    ...(m.ephemeral && !edit ? { flags: EPHEMERAL } : {}),
  };
  return { body, files: files.map(({ description: _, ...f }) => f) };
}

/** The decided message: what it said, plus who decided and what happened; no more buttons. */
export function decisionUpdate(embeds: APIEmbed[], reply: Reply, actor: Actor): { embeds: APIEmbed[]; components: []; allowed_mentions: { parse: [] } } {
  const decided: APIEmbed = { color: 0x57f287, description: `${escapeMentions(reply.text)}\n— decided by <@${actor.externalId}> (${escapeMentions(actor.displayName)})` };
  return { embeds: [...embeds.slice(0, 9), decided], components: [], allowed_mentions: { parse: [] } };
}

/** A moderator holds DISCORD_MODERATOR_ROLE (id or name). Outside a guild nobody is. */
function isModerator(deps: InteractionDeps, raw: APIInteraction): Promise<boolean> | boolean {
  if (!raw.member || !raw.guild_id) return false;
  return holdsModeratorRole(deps.app, deps.guild, raw.guild_id, raw.member.roles);
}

function callerOf(deps: InteractionDeps, raw: APIInteraction): () => Promise<Omit<Caller, "interactive">> {
  return async () => {
    const user = raw.member?.user ?? raw.user;
    if (!user) throw new Error("an interaction without a user");
    const actor = await actorFor(deps.app, "discord", user.id, user.username, () => isModerator(deps, raw));
    const channel = (raw.channel && "name" in raw.channel && raw.channel.name) || raw.channel_id;
    return { actor, invocationId: `discord:${raw.id}`, readMention: readDiscordMention, ...(channel ? { channel } : {}) };
  };
}

/** Discord's primitives for the kit: a first response, then the interaction's webhook. */
function adapterFor(deps: InteractionDeps, raw: APIInteraction, first: FirstResponse): Adapter & { responded(): boolean } {
  const { rest } = deps;
  const original = Routes.webhookMessage(raw.application_id, raw.token, "@original");
  let state: "none" | "deferred" | "answered" = "none";
  let deferredEphemeral = false;
  // Answered once Discord took it: a refused reply still gets the apology.
  const respond = async (response: APIInteractionResponse, files: RawFile[] = []) => {
    await first(response, files);
    state = "answered";
  };
  const followUp = async (m: DiscordMessage) => {
    const { body, files } = messageBody({ ...m, ephemeral: true });
    await rest.post(Routes.webhook(raw.application_id, raw.token), { body, files, auth: false });
  };
  const message = raw.type === InteractionType.MessageComponent || raw.type === InteractionType.ModalSubmit ? (raw.message as APIMessage | undefined) : undefined;
  return {
    deferAfterMs: deps.deferAfterMs ?? DEFER_AFTER_MS,
    pictures: true,
    caller: callerOf(deps, raw),
    responded: () => state !== "none",
    defer: async (how, ephemeral) => {
      deferredEphemeral = how === "reply" && ephemeral;
      state = "deferred";
      await first(how === "update" ? { type: InteractionResponseType.DeferredMessageUpdate } : { type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: (ephemeral ? EPHEMERAL : 0) as MessageFlags } }, []);
    },
    showForm: async (form) => {
      // A modal can only be the first response, and never answers a submitted modal.
      if (state !== "none" || raw.type === InteractionType.ModalSubmit) return { cancelled: true };
      await respond({ type: InteractionResponseType.Modal, data: renderModal(form) });
      return { shown: true };
    },
    reply: async (reply, progress) => {
      const m = renderReply(reply);
      if (state === "none") {
        const { body, files } = messageBody(m);
        return respond({ type: InteractionResponseType.ChannelMessageWithSource, data: body }, files);
      }
      // After deferring an update (a decision that failed), or a public "thinking…" for a private answer: a private follow-up.
      if (progress.deferred === "update" || (m.ephemeral && !deferredEphemeral)) {
        if (progress.deferred === "reply") await rest.delete(original, { auth: false });
        return followUp(m);
      }
      const { body, files } = messageBody(m, true);
      await rest.patch(original, { body, files, auth: false });
    },
    decide: async (reply, actor) => {
      const update = decisionUpdate(message?.embeds ?? [], reply, actor);
      if (state === "none") return respond({ type: InteractionResponseType.UpdateMessage, data: update });
      await rest.patch(original, { body: update, auth: false });
    },
    apologise: async (sorry) => {
      const m: DiscordMessage = { content: sorry.text, mentions: [], embeds: [], components: [], files: [], ephemeral: true };
      if (state === "answered") return;
      // After a deferral the person sees "thinking…" until the reply is edited: end it with the apology.
      if (state === "deferred") return followUp(m);
      await respond({ type: InteractionResponseType.ChannelMessageWithSource, data: messageBody(m).body });
    },
  };
}

/** Typed options as the dispatcher takes them; a picked user becomes the neutral mention of their Discord account. */
function optionValues(data: readonly APIApplicationCommandInteractionDataOption[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const o of data) {
    if (o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup) Object.assign(out, optionValues(o.options ?? []));
    else if (o.type === ApplicationCommandOptionType.User) out[o.name] = accountMention(discordAccount(String(o.value)));
    else if ("value" in o && o.value !== undefined) out[o.name] = o.value;
  }
  return out;
}

/** The subcommand chosen (Discord's name), if the command has any. */
function subcommandName(data: readonly APIApplicationCommandInteractionDataOption[] | undefined): string | null {
  const top = data?.[0];
  if (!top) return null;
  if (top.type === ApplicationCommandOptionType.Subcommand) return top.name;
  if (top.type === ApplicationCommandOptionType.SubcommandGroup) return top.options?.[0]?.name ?? null;
  return null;
}

function leaves(data: readonly APIApplicationCommandInteractionDataOption[]): APIApplicationCommandInteractionDataOption[] {
  return data.flatMap((o) => ("options" in o && o.options ? leaves(o.options) : [o]));
}

/** A plain reply that needs neither the kit nor the database (an expired button or form). */
async function expired(first: FirstResponse, content: string): Promise<void> {
  await first({ type: InteractionResponseType.ChannelMessageWithSource, data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } } }, []);
}

/**
 * Answers one raw interaction; `first` delivers its first response. Never throws: a failure is
 * apologised for (the kit), or logged when even the apology cannot reach Discord.
 */
export async function handleInteraction(deps: InteractionDeps, raw: APIInteraction, first: FirstResponse): Promise<void> {
  const surface = { app: deps.app, registry: deps.registry };
  const what = { interaction: raw.id };
  const kit = (request: Omit<Request, "what">) => answer(surface, adapterFor(deps, raw, first), { ...request, what });
  const work = async (): Promise<void> => {
    switch (raw.type) {
      case InteractionType.Ping:
        return first({ type: InteractionResponseType.Pong }, []);
      case InteractionType.ApplicationCommandAutocomplete: {
        const cmd = deps.registry.get(raw.data.name);
        const sub = cmd?.subcommands.find((s) => s.name === stewardSubName(cmd, subcommandName(raw.data.options)));
        const focused = leaves(raw.data.options ?? []).find((o) => "focused" in o && o.focused);
        const option = sub && focused ? optionsOf(sub, deps.app.pack)[focused.name] : undefined;
        // No focused option (a stale client or a registration out of date): offer nothing rather than fail.
        const choices = option && focused && "value" in focused ? suggestions(option, deps.app.pack, String(focused.value)) : [];
        return first({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices } }, []);
      }
      case InteractionType.ApplicationCommand: {
        if (raw.data.type !== ApplicationCommandType.ChatInput) return;
        const cmd = deps.registry.get(raw.data.name);
        const sub = cmd ? stewardSubName(cmd, subcommandName(raw.data.options)) : "";
        return kit({ invocation: { command: raw.data.name, sub, options: optionValues(raw.data.options ?? []) }, interactive: true });
      }
      case InteractionType.MessageComponent: {
        if (raw.data.component_type !== ComponentType.Button) return;
        const full = decodeId(raw.data.custom_id);
        const parsed = full ? parseButtonId(full) : undefined;
        if (!parsed) return expired(first, "This button has expired. Run the command again to get a fresh one.");
        const form = parsed.hasForm ? formOfButton(raw.data.custom_id) : undefined;
        return kit({ invocation: { command: parsed.command, words: parsed.words }, interactive: true, onMessage: true, ...(form ? { form } : {}) });
      }
      case InteractionType.ModalSubmit: {
        const submit = parseModalId(raw.data.custom_id);
        const parsed = submit ? parseLine(submit) : undefined;
        if (!parsed) return expired(first, "This form has expired. Run the command again.");
        const inputs = raw.data.components.flatMap((c) => ("components" in c ? c.components : "component" in c ? [c.component] : []));
        const answers = answerWords(inputs.map((i) => [i.custom_id, "value" in i && typeof i.value === "string" ? i.value : undefined] as const));
        // Not interactive: a modal cannot open another modal, so anything still missing is said in the reply.
        return kit({ invocation: { command: parsed.command, words: [...parsed.words, ...answers] }, interactive: false, onMessage: raw.message !== undefined });
      }
    }
  };
  await withApology(deps.app, what, work, () => undefined, "discord interaction failed");
}
