// Discord's custom_ids: a button's `command:action:value` (the kit's codec), a modal's command
// line, and the short keys that stand in for ids longer than Discord's 100 characters.
import type { Button, Form } from "../../chat/reply.ts";
import { actionWords, decodeAction, encodeAction } from "../../kit/codec.ts";

/** Discord's limit on a custom_id. */
const CUSTOM_ID_MAX = 100;

/**
 * Ids that do not fit in 100 characters are kept here and replaced by a short
 * key. They live in memory only: after a restart such a button answers that
 * it has expired. The pack's commands stay far below the limit in practice.
 */
const longIds = new Map<string, string>();
const LONG_ID_CAP = 5000;

export function encodeId(prefix: string, body: string): string {
  const id = `${prefix}${body}`;
  if (id.length <= CUSTOM_ID_MAX) return id;
  const key = `~${prefix}${shortHash(id)}`;
  if (longIds.size >= LONG_ID_CAP) longIds.delete(longIds.keys().next().value as string);
  longIds.set(key, id);
  return key;
}

/** The full id behind a custom_id, or undefined when a long id was forgotten (restart). */
export function decodeId(customId: string): string | undefined {
  return customId.startsWith("~") ? longIds.get(customId) : customId;
}

function shortHash(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619);
    h2 = (Math.imul(h2, 31) + s.charCodeAt(i)) | 0;
  }
  return `${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}`;
}

/**
 * A button's custom_id: `command:action:value` (the kit's codec), the text command a click runs.
 * A button that must ask questions first (Reject → reason) is prefixed with `?`.
 */
export function buttonId(b: Button): string {
  return encodeId(b.form ? "?" : "", encodeAction(b));
}

/** `command:action:value` → the command name and the words after it. */
export function parseButtonId(id: string): { command: string; words: string[]; hasForm: boolean } | undefined {
  const hasForm = id.startsWith("?");
  const action = decodeAction(hasForm ? id.slice(1) : id);
  return action ? { command: action.command, words: actionWords(action), hasForm } : undefined;
}

/** Forms of buttons rendered by this process, so a click shows the same questions. */
const buttonForms = new Map<string, Form>();

export function rememberForm(customId: string, form: Form): void {
  if (buttonForms.size >= LONG_ID_CAP) buttonForms.delete(buttonForms.keys().next().value as string);
  buttonForms.set(customId, form);
}

export function formOfButton(customId: string): Form | undefined {
  return buttonForms.get(customId);
}

/**
 * A modal's custom_id carries the command line the answers are appended to,
 * so its submission comes back through the registry like any other command.
 */
export function modalId(form: Form): string {
  return encodeId("form:", form.submit.replace(/^\//, ""));
}

export function parseModalId(customId: string): string | undefined {
  const full = decodeId(customId);
  return full?.startsWith("form:") ? full.slice("form:".length) : undefined;
}
