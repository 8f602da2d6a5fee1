// The dashboard's query parameters and path segments, read like chat input:
// bounded, storable text (no NUL, no lone surrogate, no control character),
// real days in a sane range, whole numbers inside their column, one of the
// listed choices. A bad value is a BadParam, which the web adapter answers
// with a 400 page naming the parameter; it never reaches the database.
import { isStorableText } from "../../domain/storable-text.ts";
import { parseDay } from "../../domain/periods.ts";

export class BadParam extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Trimmed text of at most `max` characters, or undefined when absent or empty. */
export function textParam(value: string | undefined, field: string, max = 64): string | undefined {
  if (value === undefined) return undefined;
  if (!isStorableText(value) || CONTROL.test(value)) throw new BadParam(field, "contains a control character or a broken character (half of an emoji)");
  const text = value.trim();
  if (text.length > max) throw new BadParam(field, `must be at most ${max} characters`);
  return text || undefined;
}

/** The days a dashboard filter can name: anything outside is a typo, and outside what dates can hold. */
const YEARS = [1970, 2999] as const;

/** A day filter; one that is not a real day is left for the service, which refuses it in the pack's words. */
export function dayParam(value: string | undefined, field: string, tz: string): string | undefined {
  const text = textParam(value, field, 20);
  const day = text === undefined ? undefined : parseDay(text, tz);
  if (day && (day.year < YEARS[0] || day.year > YEARS[1])) throw new BadParam(field, `must be a day between ${YEARS[0]} and ${YEARS[1]}`);
  return text;
}

export function intParam(value: string | undefined, field: string, range: readonly [number, number]): number | undefined {
  const text = textParam(value, field, 12);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range[0] || n > range[1]) throw new BadParam(field, `must be a whole number from ${range[0]} to ${range[1]}`);
  return n;
}

export function choiceParam<T extends string>(value: string | undefined, field: string, choices: readonly T[]): T | undefined {
  const text = textParam(value, field, 64);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new BadParam(field, `must be one of ${choices.join(", ")}`);
  return text as T;
}
