// Bounds for fields of signed inbound events (forum and partner webhooks,
// import lines), the same as chat input gets: a valid signature says who sent
// a body, not that the body can be stored. A field that cannot be is refused
// by name (400) before anything is written.
import { z } from "zod";
import { isStorableText } from "./storable-text.ts";

/** Events Steward can reason about: nothing before 2000 or after 2100 happened on a community platform. */
export const EARLIEST_EVENT = Date.UTC(2000, 0, 1);
export const LATEST_EVENT = Date.UTC(2100, 0, 1);

export const isSaneInstant = (d: Date): boolean => !Number.isNaN(d.getTime()) && d.getTime() >= EARLIEST_EVENT && d.getTime() < LATEST_EVENT;

/** Text that Postgres can store and a person can read: no NUL, no half of a character, at most `max` characters. */
export const inboundText = (max: number) =>
  z
    .string()
    .max(max, `at most ${max} characters`)
    .refine(isStorableText, "contains a NUL character or half of a character (a lone surrogate)");

/** An ISO timestamp between 2000 and 2100. */
export const inboundInstant = z.string().max(40, "an ISO date").refine((s) => isSaneInstant(new Date(s)), "an ISO date between 2000 and 2100");
