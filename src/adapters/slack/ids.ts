// What comes back from Slack: a button's value (`command:action:value`, the kit's codec, plus the
// form to ask first when the button has one), and a submitted modal (where it came from, its
// answers as `key:value` words, the field a user error is about).
import type { Button, Form } from "../../chat/reply.ts";
import { answerWords, decodeAction, encodeAction, type ButtonAction } from "../../kit/codec.ts";
import { clip } from "../../chat/fit.ts";

/** Slack's limit on a button's value. */
const BUTTON_VALUE_MAX = 2000;

/** What a click carries: `command:action:value` (the kit's codec), plus the form to ask first when the button has one. */
export interface ButtonPayload extends ButtonAction {
  form?: Form;
}

export function encodeButton(b: Button): string {
  const run = encodeAction(b);
  if (!b.form) return clip(run, BUTTON_VALUE_MAX);
  const withForm = JSON.stringify({ run, form: b.form });
  // A form too large for the button is asked for by the command itself (its subcommand's form).
  return withForm.length <= BUTTON_VALUE_MAX ? withForm : clip(run, BUTTON_VALUE_MAX);
}

export function decodeButton(value: string): ButtonPayload | undefined {
  let run = value;
  let form: Form | undefined;
  if (value.startsWith("{")) {
    try {
      const parsed = JSON.parse(value) as { run?: unknown; form?: Form };
      if (typeof parsed.run !== "string") return undefined;
      run = parsed.run;
      form = parsed.form;
    } catch {
      return undefined;
    }
  }
  const action = decodeAction(run);
  return action ? { ...action, ...(form ? { form } : {}) } : undefined;
}

/** Where a modal came from, carried through Slack in private_metadata. */
export interface ModalContext {
  /** The command line the answers are appended to. */
  submit: string;
  channel?: string;
  /** The slash command's or message's response_url, for the answer after submission. */
  responseUrl?: string;
  /** A message to update once the command ran (the review message a button was on). */
  update?: { channel: string; ts: string };
}

export const MODAL_CALLBACK_ID = "steward-form";
export const INPUT_ACTION_ID = "value";

/** The answers of a submitted modal as `key:value` words (empty answers left out). */
export function answersOf(values: Record<string, Record<string, { value?: string | null; selected_date?: string | null }>>): string[] {
  return answerWords(Object.entries(values).map(([key, actions]) => [key, actions[INPUT_ACTION_ID]?.value ?? actions[INPUT_ACTION_ID]?.selected_date]));
}

/** The field a user error is about: the one it names first, else the first field. */
export function fieldForError(message: string, keys: string[]): string | undefined {
  const lower = message.toLowerCase();
  let best: { key: string; at: number } | undefined;
  for (const key of keys) {
    const m = new RegExp(`(^|[^a-z0-9-])${key.toLowerCase().replace(/[-]/g, "\\-")}([^a-z0-9-]|$)`).exec(lower);
    if (m && (!best || m.index < best.at)) best = { key, at: m.index };
  }
  return best?.key ?? keys[0];
}
