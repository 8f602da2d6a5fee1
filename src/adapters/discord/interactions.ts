// Interactions in, replies out. Slash commands, buttons and modal submits all
// become one invocation run by the kit (chat/kit); autocomplete reads the
// pack. Discord wants a first response within 3 s: when the work is not done
// by DEFER_AFTER_MS the reply is deferred and edited later (a modal can only
// be shown as the first response, so forms are decided before the deadline).
import {
  ApplicationCommandOptionType,
  MessageFlags,
  type APIEmbed,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type CommandInteractionOption,
  type Interaction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  type ModalMessageModalSubmitInteraction,
  type ModalSubmitInteraction,
} from "discord.js";
import type { App } from "../../app.ts";
import { drawPictures } from "../../chat/pictures/index.ts";
import type { Form, Reply } from "../../chat/reply.ts";
import { answerWords } from "../../chat/kit/codec.ts";
import { invoke, withApology, type Caller, type Invocation, type Outcome, type Registry } from "../../chat/kit/invoke.ts";
import { findSubcommand } from "../../command/dispatch.ts";
import { parseLine } from "../../command/parse.ts";
import type { Subcommand } from "../../command/types.ts";
import type { Actor } from "../../core/actor.ts";
import { optionsOf } from "../../command/usage.ts";
import { actorFor } from "../../services/members.ts";
import { stewardSubName, suggestions } from "./commands.ts";
import { accountMention } from "../../core/mentions.ts";
import { discordAccount, readDiscordMention } from "./mentions.ts";
import { decodeId, escapeMentions, formOfButton, parseButtonId, parseModalId, renderModal, renderReply, type DiscordMessage } from "./render.ts";
import type { GuildDirectory } from "./guild.ts";
import { holdsModeratorRole } from "./moderators.ts";

export interface InteractionDeps {
  app: App;
  registry: Registry;
  client: Client;
  guild: GuildDirectory;
  /** How long to wait for the work before deferring (Discord's deadline is 3 s). */
  deferAfterMs?: number;
}

const DEFER_AFTER_MS = 2000;

export async function handleInteraction(deps: InteractionDeps, interaction: Interaction): Promise<void> {
  const answer = async () => {
    if (interaction.isAutocomplete()) return await autocomplete(deps, interaction);
    if (interaction.isChatInputCommand()) return await slashCommand(deps, interaction);
    if (interaction.isButton()) return await button(deps, interaction);
    if (interaction.isModalSubmit()) return await modalSubmit(deps, interaction);
  };
  // Failures of Discord itself, or of the database before dispatch (who is asking), get the kit's apology.
  const apologise = async (sorry: Reply) => {
    if (!interaction.isRepliable() || interaction.replied) return;
    // After a deferral the person sees "thinking…" until the reply is edited: end it with the apology.
    const message = { content: sorry.text, flags: MessageFlags.Ephemeral } as const;
    await (interaction.deferred ? interaction.followUp(message) : interaction.reply(message));
  };
  await withApology(deps.app, { interaction: interaction.id }, answer, apologise, "discord interaction failed");
}

async function actorOf(deps: InteractionDeps, interaction: Exclude<Interaction, AutocompleteInteraction>): Promise<Actor> {
  const user = interaction.user;
  return actorFor(deps.app, "discord", user.id, user.username, () => isModerator(deps, interaction));
}

/** A moderator holds DISCORD_MODERATOR_ROLE (id or name). Outside a guild nobody is. */
export async function isModerator(deps: InteractionDeps, interaction: Interaction): Promise<boolean> {
  const member = interaction.member;
  if (!member || !interaction.guildId) return false;
  // A cached guild gives a GuildMember; otherwise Discord's raw member with role ids.
  const held: string[] = Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  return holdsModeratorRole(deps.app, deps.guild, interaction.guildId, held);
}

function callerOf(interaction: Interaction, actor: Actor, interactive: boolean): Caller {
  const channel = interaction.channel && "name" in interaction.channel && interaction.channel.name ? interaction.channel.name : (interaction.channelId ?? undefined);
  return { actor, interactive, invocationId: `discord:${interaction.id}`, readMention: readDiscordMention, ...(channel ? { channel } : {}) };
}

/** Runs the invocation through the kit, with the reply's pictures drawn. */
function run(deps: InteractionDeps, interaction: Interaction, request: Invocation, actor: Actor, interactive: boolean): Promise<Outcome> {
  return drawn(deps, invoke(deps, request, callerOf(interaction, actor, interactive), { interaction: interaction.id }));
}

/** Typed options as the dispatcher takes them; a picked user becomes the neutral mention of their Discord account. */
function optionValues(data: readonly CommandInteractionOption[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const o of data) {
    if (o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup) {
      Object.assign(out, optionValues(o.options ?? []));
    } else if (o.type === ApplicationCommandOptionType.User) {
      out[o.name] = accountMention(discordAccount(String(o.value)));
    } else if (o.value !== undefined) {
      out[o.name] = o.value;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

async function slashCommand(deps: InteractionDeps, interaction: ChatInputCommandInteraction): Promise<void> {
  const cmd = deps.registry.get(interaction.commandName);
  const sub = cmd ? stewardSubName(cmd, interaction.options.getSubcommand(false)) : "";
  const declared = cmd?.subcommands.find((s) => s.name === sub);
  const actor = await actorOf(deps, interaction);
  const work = run(deps, interaction, { command: interaction.commandName, sub, options: optionValues(interaction.options.data) }, actor, true);
  await respond(deps, interaction, work, (declared?.visibility ?? "ephemeral") === "ephemeral");
}

/** Answers with the outcome: a modal, a reply, or (after the deadline) a deferred reply edited when ready. */
async function respond(deps: InteractionDeps, interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction, work: Promise<Outcome>, ephemeralHint: boolean): Promise<void> {
  const first = await raceDeadline(deps, work);
  if (first !== "late") {
    if (first.type === "form" && !interaction.isModalSubmit()) return void (await interaction.showModal(renderModal(first.form)));
    return void (await interaction.reply(replyOptions(messageOf(first))));
  }
  await interaction.deferReply(ephemeralHint ? { flags: MessageFlags.Ephemeral } : {});
  const message = messageOf(await work);
  if (!ephemeralHint && message.ephemeral) {
    // A public deferral cannot turn private: replace it with a private follow-up.
    await interaction.deleteReply();
    await interaction.followUp({ ...replyOptions(message), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.editReply(editOptions(message));
}

async function raceDeadline<T>(deps: InteractionDeps, work: Promise<T>): Promise<T | "late"> {
  // 0 (tests, or a deployment that always wants deferral) defers at once.
  if ((deps.deferAfterMs ?? DEFER_AFTER_MS) <= 0) return "late";
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), deps.deferAfterMs ?? DEFER_AFTER_MS)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(outcome: Outcome): DiscordMessage {
  return outcome.type === "reply" ? renderReply(outcome.reply) : renderReply(formTooLate(outcome.form));
}

/** A form that cannot be shown as a modal any more (deferred, or asked from a modal) becomes instructions. */
function formTooLate(form: Form): Reply {
  const missing = form.fields.filter((f) => f.required).map((f) => `${f.key}:<${f.label}>`);
  const text = `Some answers are still missing. Run ${form.submit} ${missing.join(" ")}`;
  return { text, blocks: [{ type: "text", text: `Some answers are still missing: ${form.fields.filter((f) => f.required).map((f) => f.label).join("; ")}.` }, { type: "context", text: `Or type them as options: ${form.submit} ${missing.join(" ")}` }], visibility: "ephemeral", status: "user-error" };
}

function files(m: DiscordMessage) {
  return [
    ...m.files.map((f) => ({ attachment: Buffer.from(f.content, "utf8"), name: f.filename, contentType: f.contentType })),
    ...(m.images ?? []).map((i) => ({ attachment: Buffer.from(i.png), name: i.filename, contentType: "image/png", description: i.alt.slice(0, 1024) })),
  ];
}

/** The outcome with its pictures drawn: part of the work raced against the deadline, so a slow drawing defers rather than misses it. */
function drawn(deps: InteractionDeps, work: Promise<Outcome>): Promise<Outcome> {
  return work.then(async (o) =>
    o.type === "reply" ? { ...o, reply: await drawPictures(o.reply, (err) => deps.app.log.error({ err }, "a picture could not be drawn; its alt text stands in")) } : o,
  );
}

export function replyOptions(m: DiscordMessage): InteractionReplyOptions {
  return {
    ...(m.content !== undefined ? { content: m.content } : {}),
    embeds: m.embeds,
    components: m.components,
    files: files(m),
    allowedMentions: { parse: [], users: m.mentions },
    ...(m.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

function editOptions(m: DiscordMessage): InteractionEditReplyOptions {
  return { content: m.content ?? null, embeds: m.embeds, components: m.components, files: files(m), allowedMentions: { parse: [], users: m.mentions } };
}

// ---------------------------------------------------------------------------

async function autocomplete(deps: InteractionDeps, interaction: AutocompleteInteraction): Promise<void> {
  const cmd = deps.registry.get(interaction.commandName);
  const sub = cmd?.subcommands.find((s) => s.name === stewardSubName(cmd, interaction.options.getSubcommand(false)));
  let focused: { name: string; value: string | number };
  try {
    focused = interaction.options.getFocused(true);
  } catch {
    // No focused option (a stale client or a registration out of date): offer nothing rather than fail.
    return void (await interaction.respond([]));
  }
  const option = sub ? optionsOf(sub, deps.app.pack)[focused.name] : undefined;
  await interaction.respond(option ? suggestions(option, deps.app.pack, String(focused.value)) : []);
}

// ---------------------------------------------------------------------------

function subcommandOf(deps: InteractionDeps, command: string, words: string[]): Subcommand | undefined {
  const cmd = deps.registry.get(command.toLowerCase());
  return cmd ? findSubcommand(cmd, words)?.sub : undefined;
}

async function button(deps: InteractionDeps, interaction: ButtonInteraction): Promise<void> {
  const full = decodeId(interaction.customId);
  const parsed = full ? parseButtonId(full) : undefined;
  if (!parsed) {
    await interaction.reply({ content: "This button has expired. Run the command again to get a fresh one.", flags: MessageFlags.Ephemeral });
    return;
  }
  const form = parsed.hasForm ? formOfButton(interaction.customId) : undefined;
  if (form) return void (await interaction.showModal(renderModal(form)));

  const actor = await actorOf(deps, interaction);
  const sub = subcommandOf(deps, parsed.command, parsed.words);
  const work = run(deps, interaction, { command: parsed.command, words: parsed.words }, actor, true);
  await decide(deps, interaction, work, sub, actor);
}

/**
 * A moderator's decision (a moderator-only subcommand) edits the message it
 * was made on, so everyone sees who decided and nobody clicks again; anything
 * else, and every refusal, is a reply to the person who clicked.
 */
async function decide(deps: InteractionDeps, interaction: ButtonInteraction | ModalMessageModalSubmitInteraction, work: Promise<Outcome>, sub: Subcommand | undefined, actor: Actor): Promise<void> {
  const original = interaction.message;
  if (sub?.access !== "moderator" || !original) return respond(deps, interaction, work, (sub?.visibility ?? "ephemeral") === "ephemeral");

  const first = await raceDeadline(deps, work);
  if (first !== "late") {
    if (first.type === "form" && interaction.isButton()) return void (await interaction.showModal(renderModal(first.form)));
    if (first.type === "reply" && first.reply.status === "ok") return void (await interaction.update(decisionUpdate(original.embeds.map((e) => e.toJSON()), first.reply, actor)));
    return void (await interaction.reply(replyOptions({ ...messageOf(first), ephemeral: true })));
  }
  await interaction.deferUpdate();
  const outcome = await work;
  if (outcome.type === "reply" && outcome.reply.status === "ok") {
    await interaction.editReply(decisionUpdate(original.embeds.map((e) => e.toJSON()), outcome.reply, actor));
  } else {
    await interaction.followUp(replyOptions({ ...messageOf(outcome), ephemeral: true }));
  }
}

/** The decided message: what it said, plus who decided and what happened; no more buttons. */
export function decisionUpdate(embeds: APIEmbed[], reply: Reply, actor: Actor): { embeds: APIEmbed[]; components: []; allowedMentions: { parse: [] } } {
  const decided: APIEmbed = { color: 0x57f287, description: `${escapeMentions(reply.text)}\n— decided by <@${actor.externalId}> (${escapeMentions(actor.displayName)})` };
  return { embeds: [...embeds.slice(0, 9), decided], components: [], allowedMentions: { parse: [] } };
}

// ---------------------------------------------------------------------------

async function modalSubmit(deps: InteractionDeps, interaction: ModalSubmitInteraction): Promise<void> {
  const submit = parseModalId(interaction.customId);
  const parsed = submit ? parseLine(submit) : undefined;
  if (!parsed) {
    await interaction.reply({ content: "This form has expired. Run the command again.", flags: MessageFlags.Ephemeral });
    return;
  }
  const answers = answerWords([...interaction.fields.fields].map(([key, field]) => [key, "value" in field && typeof field.value === "string" ? field.value : undefined] as const));
  const words = [...parsed.words, ...answers];
  const actor = await actorOf(deps, interaction);
  const sub = subcommandOf(deps, parsed.command, words);
  // Not interactive: a modal cannot open another modal, so anything still missing is said in the reply.
  const work = run(deps, interaction, { command: parsed.command, words }, actor, false);
  if (interaction.isFromMessage()) return decide(deps, interaction, work, sub, actor);
  await respond(deps, interaction, work, (sub?.visibility ?? "ephemeral") === "ephemeral");
}
