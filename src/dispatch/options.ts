// Option builders: each pairs what an adapter needs to know (kind, choices,
// positional) with the zod schema that validates the value. Raw values arrive
// as strings from text (terminal, Slack) and typed from Discord; the schemas
// accept both.
import { z } from "zod";
import type { OptionDef, OptionKind } from "./types.ts";
import type { Pack } from "../domain/pack.ts";
import { parseDay } from "../domain/periods.ts";
import { isStorableText } from "../domain/storable-text.ts";
import { isWebUrl } from "../domain/urls.ts";

interface Extra {
  positional?: boolean;
  rest?: boolean;
}

interface IntegerExtra extends Extra {
  /** Inclusive bounds, or the pack's (e.g. ± maxAdjustment). The dispatcher checks them. */
  range: OptionDef["range"];
}

function def<S extends z.ZodType>(kind: OptionKind, description: string, schema: S, required: boolean, extra: Extra, choices?: OptionDef["choices"]): OptionDef<S> {
  return { kind, description, schema, required, ...extra, ...(choices ? { choices } : {}) };
}

/** The range of an `Int` id column (ledger entries, disputes): a number outside it names nothing. */
export const ID_RANGE = [1, 2_147_483_647] as const;

/** One adjustment or correction of points: within the pack's cap either way. */
export const ADJUSTMENT_RANGE = (pack: Pack) => [-pack.partner.maxAdjustment, pack.partner.maxAdjustment] as const;

/** Every typed string: Postgres cannot store NUL, and a lone surrogate is half a character. */
const plain = z.string().refine(isStorableText, "contains a NUL character or a broken character (half of an emoji); remove it and send again");
const text = plain.trim().min(1, "must not be empty").max(1000, "must be at most 1000 characters");
const integer = z.coerce
  .string()
  .trim()
  .regex(/^[+-]?\d+$/, "must be a whole number, like 50 or -50")
  .transform((s) => Number.parseInt(s, 10));
const number = z.coerce
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, "must be a positive number, like 3 or 1.5")
  .transform((s) => Number.parseFloat(s));
const member = plain.trim().min(1, "must name a member, like alice or @alice").max(200, "must name a member, like alice or @alice");
const url = plain.trim().max(2000, "must be at most 2000 characters").refine(isWebUrl, "must be a web address starting with https://, like https://studio.example.com");
// The zone does not matter for whether a day exists; the services read it in the organisation's timezone.
const date = plain.trim().refine((s) => parseDay(s, "UTC") !== undefined, "must be a real date written YYYY-MM-DD, like 2026-11-20");

export const opt = {
  text: (description: string, extra: Extra = {}) => def("text", description, text, true, extra),
  optionalText: (description: string, extra: Extra = {}) => def("text", description, text.optional(), false, extra),
  string: (description: string, extra: Extra = {}) => def("string", description, text, true, extra),
  optionalString: (description: string, extra: Extra = {}) => def("string", description, text.optional(), false, extra),
  integer: (description: string, extra: IntegerExtra) => def("integer", description, integer, true, extra),
  optionalInteger: (description: string, extra: IntegerExtra) => def("integer", description, integer.optional(), false, extra),
  number: (description: string, extra: Extra = {}) => def("number", description, number, true, extra),
  optionalNumber: (description: string, extra: Extra = {}) => def("number", description, number.optional(), false, extra),
  member: (description: string, extra: Extra = {}) => def("member", description, member, true, extra),
  optionalMember: (description: string, extra: Extra = {}) => def("member", description, member.optional(), false, extra),
  url: (description: string, extra: Extra = {}) => def("url", description, url, true, extra),
  optionalUrl: (description: string, extra: Extra = {}) => def("url", description, url.optional(), false, extra),
  date: (description: string, extra: Extra = {}) => def("date", description, date, true, extra),
  optionalDate: (description: string, extra: Extra = {}) => def("date", description, date.optional(), false, extra),
  /** One of fixed choices; with a default it may be left out. */
  choice: <const T extends readonly [string, ...string[]]>(description: string, choices: T, extra: Extra & { default?: T[number] } = {}) =>
    def(
      "string",
      description,
      z.enum(choices).default((extra.default ?? choices[0]) as never) as unknown as z.ZodType<T[number], string | undefined>,
      false,
      extra,
      choices,
    ),
  requiredChoice: <const T extends readonly [string, ...string[]]>(description: string, choices: T, extra: Extra = {}) =>
    def("string", description, z.enum(choices) as unknown as z.ZodType<T[number], string>, true, extra, choices),
  /** A value from the program pack (program id, tier, activity kind, site kind); checked against the pack in the dispatcher. */
  fromPack: (kind: OptionKind, description: string, choices: (pack: Pack) => string[], extra: Extra = {}) =>
    def(kind, description, text, true, extra, choices),
  optionalFromPack: (kind: OptionKind, description: string, choices: (pack: Pack) => string[], extra: Extra = {}) =>
    def(kind, description, text.optional(), false, extra, choices),
};
