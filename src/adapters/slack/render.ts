// Reply -> Block Kit, Form -> modal view. Slack's limits are handled here
// (text lengths, 10 fields a section, 25 buttons a row, 50 blocks a message),
// so commands never think about them. A renderer decides nothing about points
// or tiers: it only lays out what the Reply says.
import type { types } from "@slack/bolt";
import type { Block, Button, Form, FormField, Reply } from "../../chat/reply.ts";
import { progressBar } from "../../chat/plain-text.ts";
import { encodeButton, INPUT_ACTION_ID, MODAL_CALLBACK_ID, type ModalContext } from "./ids.ts";
import { encodePage, pageOf, PAGE_ACTIONS, type PageRequest } from "./paging.ts";
import { clip, tabulate } from "../../chat/fit.ts";

type KnownBlock = types.KnownBlock;

/** Slack's limits (docs.slack.dev/reference/block-kit). */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fieldsPerSection: 10,
  buttonsPerActions: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  modalTitle: 24,
  placeholder: 150,
  privateMetadata: 3000,
} as const;

const PREFORMATTED_CHUNK = 2800;

/**
 * Slack reads &, < and > as control characters in mrkdwn (`<!channel>`,
 * `<@U…>`, `<!subteam^…>`, links); everything a command says is shown as
 * written. Plain `@channel` is text unless a message asks Slack to parse names
 * (`link_names`, `parse: "full"`), which Steward never does.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The reply's Slack mentions as markup: the only unescaped `<…>` Steward sends. */
function mentionsOf(r: Reply): string {
  return (r.mentions ?? [])
    .filter((m) => m.platform === "slack" && /^[UW][A-Z0-9]+$/.test(m.userId))
    .map((m) => `<@${m.userId}>`)
    .join(" ");
}

/** A message's top-level text (notifications, and the fallback where blocks cannot show): mentions, then the escaped summary. */
export function messageText(r: Reply): string {
  return [mentionsOf(r), escapeMrkdwn(clip(r.text, 3000))].filter(Boolean).join(" ");
}

const mrkdwn = (text: string) => ({ type: "mrkdwn" as const, text });
const plain = (text: string, max: number) => ({ type: "plain_text" as const, text: clip(text, max), emoji: true });

/** Splits long text at line breaks so each part fits a section. */
function splitText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length <= max) {
      current = candidate;
      continue;
    }
    if (current) parts.push(current);
    // A single line longer than the limit is cut into pieces.
    let rest = line;
    while (rest.length > max) {
      parts.push(rest.slice(0, max));
      rest = rest.slice(max);
    }
    current = rest;
  }
  if (current) parts.push(current);
  return parts;
}

function section(text: string): KnownBlock[] {
  return splitText(escapeMrkdwn(text), LIMITS.sectionText).map((t) => ({ type: "section", text: mrkdwn(t) }));
}

function buttons(list: Button[], startIndex: number): KnownBlock[] {
  const out: KnownBlock[] = [];
  for (let i = 0; i < list.length; i += LIMITS.buttonsPerActions) {
    out.push({
      type: "actions",
      elements: list.slice(i, i + LIMITS.buttonsPerActions).map((b, j) => ({
        type: "button" as const,
        text: plain(b.label, LIMITS.buttonText),
        // Unique within the message (Slack requires it); the value is what runs.
        action_id: clip(`${b.command}:${b.action}:${startIndex + i + j}`, LIMITS.actionId),
        value: encodeButton(b),
        ...(b.style ? { style: b.style } : {}),
      })),
    });
  }
  return out;
}

function table(block: Extract<Block, { type: "table" }>): KnownBlock[] {
  const out: KnownBlock[] = block.caption ? section(block.caption) : [];
  if (block.rows.length === 0) return [...out, { type: "context", elements: [mrkdwn("(none)")] }];
  const lines = tabulate(block.columns, block.rows);
  // Long tables become several preformatted blocks, each repeating the header line.
  const head = lines.slice(0, 2);
  let chunk: string[] = [...head];
  const flush = () => {
    out.push({ type: "section", text: mrkdwn(`\`\`\`${escapeMrkdwn(chunk.join("\n"))}\`\`\``) });
    chunk = [...head];
  };
  for (const line of lines.slice(2)) {
    if ([...chunk, line].join("\n").length > PREFORMATTED_CHUNK) flush();
    chunk.push(clip(line, PREFORMATTED_CHUNK - 200));
  }
  flush();
  return out;
}

function renderBlock(block: Block, buttonIndex: { n: number }): KnownBlock[] {
  switch (block.type) {
    case "header":
      return [{ type: "header", text: plain(block.text, LIMITS.headerText) }];
    case "text":
      return section(block.text);
    case "context":
      return splitText(escapeMrkdwn(block.text), LIMITS.sectionText).map((t) => ({ type: "context", elements: [mrkdwn(t)] }));
    case "fields": {
      const out: KnownBlock[] = [];
      for (let i = 0; i < block.fields.length; i += LIMITS.fieldsPerSection) {
        out.push({
          type: "section",
          fields: block.fields
            .slice(i, i + LIMITS.fieldsPerSection)
            .map((f) => mrkdwn(clip(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, LIMITS.fieldText))),
        });
      }
      return out;
    }
    case "progress":
      return [
        {
          type: "section",
          text: mrkdwn(`*${escapeMrkdwn(block.label)}*\n\`${progressBar(block.value, block.max)}\`${block.caption ? `  ${escapeMrkdwn(block.caption)}` : ""}`),
        },
      ];
    case "table":
      return table(block);
    case "buttons": {
      const out = buttons(block.buttons, buttonIndex.n);
      buttonIndex.n += block.buttons.length;
      return out;
    }
    case "divider":
      return [{ type: "divider" }];
    case "image":
      // The picture itself is uploaded beside the message (uploadPictures), with the alt text.
      return [{ type: "context", elements: [mrkdwn(`🖼 ${escapeMrkdwn(block.filename)}`)] }];
  }
}

/** Block Kit for a reply; at most `maxBlocks`, the last one saying how much was left out. */
export function renderBlocks(r: Reply, maxBlocks: number = LIMITS.messageBlocks): KnownBlock[] {
  const source: Block[] = r.blocks.length > 0 ? r.blocks : [{ type: "text", text: r.text }];
  const index = { n: 0 };
  const mentions = mentionsOf(r);
  const out: KnownBlock[] = mentions ? [{ type: "section", text: mrkdwn(mentions) }] : [];
  out.push(...source.flatMap((b) => renderBlock(b, index)));
  for (const file of r.files ?? []) out.push({ type: "context", elements: [mrkdwn(`📎 ${escapeMrkdwn(file.filename)}`)] });
  if (out.length <= maxBlocks) return out;
  const shown = out.slice(0, maxBlocks - 1);
  shown.push({ type: "context", elements: [mrkdwn(`… ${out.length - shown.length} more blocks not shown. Narrow the command (a program, a period or a member) to see the rest.`)] });
  return shown;
}

/** A chat message: the summary as notification text, and the blocks. */
export function renderMessage(r: Reply): { text: string; blocks: KnownBlock[] } {
  return { text: messageText(r), blocks: renderBlocks(r) };
}

// ---------------------------------------------------------------- pages

/**
 * A message answering a person, paged when a table is longer than a page: the
 * page's blocks, then "Page n of m" and Previous / Next buttons that run
 * `pager`'s command line again for the neighbouring page. Without a pager (or
 * when the line is too long for a button) it is `renderMessage`.
 */
export function renderPagedMessage(r: Reply, pager: PageRequest | undefined): { text: string; blocks: KnownBlock[] } {
  if (!pager) return renderMessage(r);
  const { reply: shown, page, pages } = pageOf(r, pager.page);
  if (pages === 1) return renderMessage(r);
  const value = (p: number) => encodePage({ ...pager, page: p });
  if (value(pages - 1).length > LIMITS.buttonValue) return renderMessage(r);
  const nav: types.Button[] = [];
  if (page > 0) nav.push({ type: "button", action_id: PAGE_ACTIONS.previous, text: plain("◀ Previous page", LIMITS.buttonText), value: value(page - 1) });
  if (page < pages - 1) nav.push({ type: "button", action_id: PAGE_ACTIONS.next, text: plain("Next page ▶", LIMITS.buttonText), value: value(page + 1) });
  const blocks = renderBlocks(shown, LIMITS.messageBlocks - 2);
  blocks.push({ type: "context", elements: [mrkdwn(`Page ${page + 1} of ${pages}`)] }, { type: "actions", block_id: "steward-pages", elements: nav });
  return { text: messageText(r), blocks };
}

// ---------------------------------------------------------------- modals

function inputElement(field: FormField): types.InputBlockElement {
  const placeholder = field.placeholder ? { placeholder: plain(field.placeholder, LIMITS.placeholder) } : {};
  switch (field.kind) {
    case "long-text":
      return { type: "plain_text_input", action_id: INPUT_ACTION_ID, multiline: true, ...placeholder };
    case "url":
      return { type: "url_text_input", action_id: INPUT_ACTION_ID, ...placeholder };
    case "number":
      return { type: "number_input", action_id: INPUT_ACTION_ID, is_decimal_allowed: true, ...placeholder };
    case "date":
      return { type: "datepicker", action_id: INPUT_ACTION_ID, ...placeholder };
    case "text":
      return { type: "plain_text_input", action_id: INPUT_ACTION_ID, ...placeholder };
  }
}

export function renderModal(form: Form, ctx: ModalContext): types.ModalView {
  const metadata = JSON.stringify(ctx);
  if (metadata.length > LIMITS.privateMetadata) throw new Error(`Modal metadata too long (${metadata.length} characters)`);
  return {
    type: "modal",
    callback_id: MODAL_CALLBACK_ID,
    private_metadata: metadata,
    title: plain(form.title, LIMITS.modalTitle),
    submit: plain("Submit", LIMITS.modalTitle),
    close: plain("Cancel", LIMITS.modalTitle),
    blocks: [
      // Plain text: the terms come from the pack and are shown, never interpreted.
      ...(form.intro ? [{ type: "context" as const, elements: [plain(form.intro, 2000)] }] : []),
      ...form.fields.slice(0, LIMITS.viewBlocks - 1).map((f) => ({
        type: "input" as const,
        block_id: f.key,
        optional: !f.required,
        label: plain(f.label, 2000),
        element: inputElement(f),
      })),
    ],
  };
}
