// How Slack writes a mention of a person in command text: `<@U123|name>` (the app's manifest
// asks Slack to escape them) or `<@W123>` for an Enterprise Grid user. Read here, before
// dispatch, so the services only see the neutral <@slack:U123>.
import type { Account } from "../../core/mentions.ts";

const SLACK_MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

export function readSlackMention(text: string): Account | undefined {
  const id = SLACK_MENTION.exec(text)?.[1];
  return id ? { platform: "slack", externalId: id } : undefined;
}
