// The terminal chat's plain lines (not commands): counted like any platform's messages in a
// community channel, with a short note when they count.
import { countMessage } from "../../services/activities.ts";
import type { MessageHandler } from "./session.ts";

export const consoleMessageHandler: MessageHandler = async (app, actor, channel, _text, messageId) => {
  const programs = await countMessage(app, {
    platform: actor.platform,
    channel,
    externalUserId: actor.externalId,
    displayName: actor.displayName,
    messageId,
    at: app.now(),
    isBot: false,
  });
  if (programs.length === 0) return undefined;
  return `(counted as a community contribution to ${programs.map((p) => p.name).join(" and ")})`;
};
