// The terminal as a delivery target: DMs, channel posts, badges and roles are
// printed where the operator can see them.
import { savePictures } from "../../chat/pictures/index.ts";
import { renderText, terminalSafe } from "../../chat/plain-text.ts";
import type { OutboxMessage } from "../../services/outbox.ts";
import type { DeliveryContext, DeliveryTarget } from "../../jobs/target.ts";

export function formatDelivery(message: OutboxMessage, ctx: DeliveryContext): string {
  const who = ctx.member ? `@${ctx.member.handle}` : "someone";
  switch (message.kind) {
    case "dm":
      return `→ DM to ${who}: ${renderText(message.reply)}`;
    case "post":
      return `→ #${message.channel}: ${renderText(message.reply)}`;
    case "badge-grant":
      return `→ badge ${message.badge} granted to ${who}`;
    case "badge-revoke":
      return `→ badge ${message.badge} revoked from ${who}${message.reason ? ` (${message.reason})` : ""}`;
    case "tier-role":
      return `→ tier role for ${who}: ${message.previous ? `${message.previous} → ` : ""}${message.tier}`;
    case "home-refresh":
      return `→ home view of ${who} refreshed`;
    case "role-connection":
      return `→ Discord linked role of ${who} updated`;
  }
}

/** `pictures`: the folder announcements' and reports' pictures are written to; without it they are not drawn. */
export function consoleTarget(write: (text: string) => void, pictures?: string): DeliveryTarget {
  return {
    name: "console",
    wakesPeople: false,
    deliver: async (message, ctx) => {
      // The terminal has no standing view to redraw; /tier shows the fresh numbers.
      if (message.kind === "home-refresh" || message.kind === "role-connection") return "skipped";
      if (pictures && (message.kind === "dm" || message.kind === "post")) message = { ...message, reply: await savePictures(message.reply, pictures) };
      write(terminalSafe(formatDelivery(message, ctx)));
      return "delivered";
    },
  };
}
