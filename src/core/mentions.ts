// A member named by one of their platform accounts. Each adapter reads its own platform's mention
// markup (Slack `<@U123|name>`, Discord `<@123>` or a picked user) before the command runs and
// hands over this neutral form, so no service or command knows any platform's syntax.
import type { Platform } from "./actor.ts";

export interface Account {
  platform: Platform;
  externalId: string;
}

/** How one surface writes a mention of a member; undefined when the text is not one. */
export type MentionReader = (text: string) => Account | undefined;

const NEUTRAL = /^<@([a-z][a-z0-9-]*):([^\s>]+)>$/;

/** The neutral mention an adapter passes on: `<@platform:externalId>`. */
export function accountMention(account: Account): string {
  return `<@${account.platform}:${account.externalId}>`;
}

/** The account a neutral mention names; undefined for anything else (a handle, say). */
export function readAccountMention(text: string): Account | undefined {
  const m = NEUTRAL.exec(text.trim());
  return m?.[1] && m[2] ? { platform: m[1], externalId: m[2] } : undefined;
}
