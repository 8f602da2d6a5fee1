// The rules of applying to a program that are not about the answers.
import type { Program } from "./pack.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** A declined applicant may apply again once the program's cool-down after the decision has passed. */
export function reapplyFrom(program: Pick<Program, "reapplyCooldownDays">, declinedAt: Date): Date {
  return new Date(declinedAt.getTime() + program.reapplyCooldownDays * DAY_MS);
}
