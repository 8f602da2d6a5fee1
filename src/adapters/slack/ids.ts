// What a Slack button's value carries: `command:action:value` (the kit's codec), plus the form to
// ask first when the button has one.
import type { Form } from "../../chat/reply.ts";
import type { Button } from "../../chat/reply.ts";
import { decodeAction, encodeAction, type ButtonAction } from "../../chat/kit/codec.ts";
import { clip } from "../../chat/kit/text.ts";

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
