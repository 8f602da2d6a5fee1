// Renders a Reply as plain text for the terminal chat and `steward run`.
import type { Block, Reply } from "./reply.ts";
import { tabulate, tabulateWithin, wrapWords } from "./fit.ts";

export interface TextOptions {
  /** The terminal's columns: tables and lines are fitted to it (words are not cut). Without it lines run as long as they are. */
  width?: number | undefined;
}

const BAR_WIDTH = 20;

export function progressBar(value: number, max: number, width = BAR_WIDTH): string {
  const fraction = max > 0 ? Math.min(1, Math.max(0, value / max)) : 1;
  const filled = Math.round(fraction * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${Math.round(fraction * 100)}%`;
}

function renderBlock(block: Block, width = Number.POSITIVE_INFINITY): string[] {
  switch (block.type) {
    case "header":
      return [block.text, "═".repeat(Math.min(block.text.length, width))];
    case "text":
      return [block.text];
    case "context":
      return [block.text];
    case "fields": {
      const labels = Math.max(...block.fields.map((f) => f.label.length));
      // Values wrap under themselves, beside their labels, while the labels leave them half the width.
      const room = width - labels - 2;
      if (room < width / 2) return block.fields.map((f) => `${(f.label + ":").padEnd(labels + 1)} ${f.value}`);
      return block.fields.flatMap((f) =>
        f.value.split("\n").flatMap((part, p) => wrapWords(part, room).map((l, i) => `${p === 0 && i === 0 ? (f.label + ":").padEnd(labels + 1) : " ".repeat(labels + 1)} ${l}`)),
      );
    }
    case "progress":
      return [`${block.label} ${progressBar(block.value, block.max)}${block.caption ? ` ${block.caption}` : ""}`];
    case "table":
      return [
        ...(block.caption ? [block.caption] : []),
        ...(block.rows.length ? (Number.isFinite(width) ? tabulateWithin(block.columns, block.rows, width) : tabulate(block.columns, block.rows)) : ["(none)"]),
      ];
    case "buttons":
      return [block.buttons.map((b) => `[${b.label}: /${b.command} ${b.action} ${b.value}]`).join("  ")];
    case "divider":
      return ["─".repeat(Math.min(40, width))];
    case "image":
      // savePictures sets src; undrawn, the alt text says what the picture would.
      return [block.src ? `image: ${block.src}` : `[picture ${block.filename}: ${block.alt}]`];
  }
}

/**
 * Text as a terminal may print it: C0 and C1 control characters (escape
 * sequences that clear the screen, retitle the window, move the cursor) become
 * visible symbols — the Control Pictures for C0 and DEL, U+FFFD for C1 —
 * while line breaks and tabs stay.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n/g, "\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? "\u2421" : "\ufffd";
  });
}

export function renderText(r: Reply, opts: TextOptions = {}): string {
  const width = opts.width && opts.width > 0 ? Math.max(20, opts.width) : undefined;
  // The terminal's accounts are handles: the people a reply addresses are named first, as @handle.
  const lead = (r.mentions ?? []).filter((m) => m.platform === "console").map((m) => `@${m.userId}`);
  const fit = (lines: string[]) => (width ? lines.flatMap((l) => l.split("\n")).flatMap((l) => wrapWords(l, width)) : lines);
  if (r.blocks.length === 0) return fit([[...lead, r.text].join(" ")]).join("\n");
  const out: string[] = lead.length ? [lead.join(" ")] : [];
  for (const block of r.blocks) {
    if (out.length > 0 && block.type !== "context") out.push("");
    // A picture's `image: <path>` line is read by scripts and opened by people: never broken (the terminal wraps it for the eye).
    out.push(...(block.type === "image" && block.src ? renderBlock(block, width) : fit(renderBlock(block, width))));
  }
  // A file written to disk is named as pictures are ("csv: <path>"); otherwise it is printed whole.
  for (const file of r.files ?? []) out.push("", ...(file.path ? [`${file.filename.split(".").pop() ?? "file"}: ${file.path}`] : [`── ${file.filename} ──`, file.content.trimEnd()]));
  return out.join("\n");
}
