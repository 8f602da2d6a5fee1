// Reply → Discord message (embeds + button rows + attachments), Form → modal.
// Pure: plain API JSON out, so a snapshot shows exactly what Discord receives.
// Discord's limits are handled here, not in commands: 10 embeds, 25 fields,
// 4096-character descriptions, 5 buttons a row and 5 rows, custom_id ≤ 100
// characters, modals with at most 5 text inputs and 45-character labels.
import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
  type APITextInputComponent,
  type APIComponentInMessageActionRow,
} from "discord.js";
import type { Block, Button, Form, Reply, ReplyFile } from "../../chat/reply.ts";
import { progressBar } from "../../chat/plain-text.ts";
import { buttonId, modalId, rememberForm } from "./ids.ts";
import { clip, tabulate } from "../../chat/fit.ts";

export const LIMITS = {
  customId: 100,
  buttonsPerRow: 5,
  rows: 5,
  embeds: 10,
  fields: 25,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  content: 2000,
  buttonLabel: 80,
  modalTitle: 45,
  modalInputs: 5,
  inputLabel: 45,
  placeholder: 100,
} as const;

const COLOURS = { ok: 0x5865f2, "user-error": 0xfee75c, "internal-error": 0xed4245, unavailable: 0xed4245 } as const;

export interface DiscordMessage {
  content?: string;
  /** The users the message addresses (the reply's Discord mentions): the only ones it may notify. */
  mentions: string[];
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  files: ReplyFile[];
  /** Drawn pictures, attached and shown in their embed as attachment://filename; absent when there are none. */
  images?: { filename: string; png: Uint8Array; alt: string }[];
  ephemeral: boolean;
}

/**
 * Mention markup in text Discord draws (content, embed descriptions, field
 * values), shown as written instead: `<@id>`, `<@!id>`, `<@&role>`, `<#channel>`
 * and `</command:id>` get a markdown escape, `@everyone` and `@here` a
 * zero-width space after the @. Pings are stopped by allowed_mentions on every
 * message; this keeps member text from even looking like a mention.
 */
export function escapeMentions(text: string): string {
  return text.replace(/<(?=[@#]|\/[^<>]+:\d+>)/g, "\\<").replace(/@(everyone|here)\b/g, "@\u200b$1");
}

/** Member text inside a code block: a run of backticks would end the block early, so each gets a zero-width space. */
function inCode(text: string): string {
  return text.replace(/`/g, "`\u200b");
}

function renderButtons(buttons: Button[]): APIButtonComponentWithCustomId[] {
  return buttons.map((b) => {
    const id = buttonId(b);
    if (b.form) rememberForm(id, b.form);
    return {
      type: ComponentType.Button,
      custom_id: id,
      label: clip(b.label, LIMITS.buttonLabel),
      style: b.style === "primary" ? ButtonStyle.Primary : b.style === "danger" ? ButtonStyle.Danger : ButtonStyle.Secondary,
    };
  });
}

function textTable(columns: string[], rows: string[][]): string {
  return inCode(tabulate(columns, rows).join("\n"));
}

/** A table as a code block that fits the room left, dropping rows (and saying so) rather than breaking the block. */
function tableBlock(columns: string[], rows: string[][], room: number): string {
  if (rows.length === 0) return "*(none)*";
  for (let n = rows.length; n >= 0; n--) {
    const more = rows.length - n;
    const body = `\`\`\`\n${textTable(columns, rows.slice(0, n))}\n\`\`\`${more ? `\n…and ${more} more` : ""}`;
    if (body.length <= room) return body;
  }
  return `*(${rows.length} rows; too long to show here)*`;
}

export function renderReply(r: Reply): DiscordMessage {
  const colour = COLOURS[r.status];
  const embeds: APIEmbed[] = [];
  const buttons: Button[] = [];
  const images: NonNullable<DiscordMessage["images"]> = [];
  let current: APIEmbed | undefined;
  const embed = (): APIEmbed => {
    if (!current) {
      current = { color: colour };
      embeds.push(current);
    }
    return current;
  };
  const describe = (text: string) => {
    const e = embed();
    const joined = e.description ? `${e.description}\n\n${text}` : text;
    e.description = clip(joined, LIMITS.description);
  };
  const room = () => LIMITS.description - (current?.description?.length ?? 0) - 2;

  for (const block of r.blocks as Block[]) {
    switch (block.type) {
      case "header":
        // A second header starts a new embed, as a new section of the message.
        if (current && (current.title || current.description || current.fields?.length)) current = undefined;
        embed().title = clip(block.text, LIMITS.title);
        break;
      case "text":
        describe(escapeMentions(block.text));
        break;
      case "fields": {
        const e = embed();
        e.fields = [
          ...(e.fields ?? []),
          ...block.fields.map((f) => ({ name: clip(f.label || "\u200b", LIMITS.fieldName), value: clip(escapeMentions(f.value) || "—", LIMITS.fieldValue), inline: true })),
        ].slice(0, LIMITS.fields);
        break;
      }
      case "progress":
        describe(`**${escapeMentions(block.label)}**\n\`${progressBar(block.value, block.max)}\`${block.caption ? ` ${escapeMentions(block.caption)}` : ""}`);
        break;
      case "table":
        describe(`${block.caption ? `${escapeMentions(block.caption)}\n` : ""}${tableBlock(block.columns, block.rows, room() - (block.caption?.length ?? 0) - 1)}`);
        break;
      case "context": {
        const e = embed();
        e.footer = { text: clip(e.footer ? `${e.footer.text}\n${block.text}` : block.text, LIMITS.footer) };
        break;
      }
      case "divider":
        current = undefined;
        break;
      case "buttons":
        buttons.push(...block.buttons);
        break;
      case "image": {
        // An embed shows one image: a second picture starts an embed of its own.
        if (!block.png) {
          describe(block.alt);
          break;
        }
        if (current?.image) current = undefined;
        const filename = attachmentName(block.filename, images.length);
        embed().image = { url: `attachment://${filename}` };
        images.push({ filename, png: block.png, alt: block.alt });
        break;
      }
    }
  }

  const rendered = renderButtons(buttons.slice(0, LIMITS.buttonsPerRow * LIMITS.rows));
  const components: DiscordMessage["components"] = [];
  for (let i = 0; i < rendered.length; i += LIMITS.buttonsPerRow)
    components.push({ type: ComponentType.ActionRow, components: rendered.slice(i, i + LIMITS.buttonsPerRow) });

  const kept = embeds.slice(0, LIMITS.embeds);
  // Mentions in an embed notify nobody, so the people addressed are named in the content.
  const mentions = [...new Set((r.mentions ?? []).filter((m) => m.platform === "discord" && /^\d{15,21}$/.test(m.userId)).map((m) => m.userId))];
  const lead = mentions.map((id) => `<@${id}>`).join(" ");
  const text = kept.length === 0 ? escapeMentions(r.text) : "";
  const content = clip([lead, text].filter(Boolean).join(" "), LIMITS.content);
  return {
    ...(content ? { content } : {}),
    mentions,
    embeds: kept,
    components,
    files: r.files ?? [],
    ...(images.length ? { images } : {}),
    ephemeral: r.visibility !== "public",
  };
}

/** attachment:// names must be plain: letters, digits, dot, dash, underscore; unique within the message. */
function attachmentName(filename: string, index: number): string {
  const base = filename.replace(/\.png$/i, "").replace(/[^\w.-]+/g, "-").slice(0, 60) || "picture";
  return `${base}${index ? `-${index + 1}` : ""}.png`;
}

/**
 * Discord shows at most 5 inputs: required questions first, then optional
 * ones while there is room. A form with more than 5 required questions is
 * finished by typing the rest as options (the reply says which).
 */
export function renderModal(form: Form): APIModalInteractionResponseCallbackData {
  const ordered = [...form.fields.filter((f) => f.required), ...form.fields.filter((f) => !f.required)].slice(0, LIMITS.modalInputs);
  return {
    custom_id: modalId(form),
    title: clip(form.title, LIMITS.modalTitle),
    components: ordered.map((f) => {
      const input: APITextInputComponent = {
        type: ComponentType.TextInput,
        custom_id: f.key,
        label: clip(f.label, LIMITS.inputLabel),
        style: f.kind === "long-text" ? TextInputStyle.Paragraph : TextInputStyle.Short,
        required: f.required,
        max_length: f.kind === "long-text" ? 4000 : 1000,
      };
      // The full question goes in the placeholder when the label had to be cut.
      const placeholder = f.placeholder ?? (f.label.length > LIMITS.inputLabel ? f.label : placeholderFor(f.kind));
      if (placeholder) input.placeholder = clip(placeholder, LIMITS.placeholder);
      return { type: ComponentType.ActionRow, components: [input] };
    }),
  };
}

function placeholderFor(kind: Form["fields"][number]["kind"]): string | undefined {
  switch (kind) {
    case "url":
      return "https://…";
    case "date":
      return "YYYY-MM-DD";
    case "number":
      return "a number, e.g. 3";
    default:
      return undefined;
  }
}
