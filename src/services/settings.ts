// A member's own settings. The time zone is theirs: reminders arrive at their
// local time and quiet hours are theirs; weeks, months and reports stay in the
// organisation's zone so everyone is judged on the same calendar.
import type { App } from "../app.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import { isValidTimeZone } from "../domain/periods.ts";
import { fillTemplate } from "../domain/templates.ts";
import { audit } from "./audit.ts";
import { transaction } from "../store/transaction.ts";

/** The zone's canonical spelling ("europe/berlin" -> "Europe/Berlin"), or null when it is not a zone. */
export function canonicalZone(tz: string): string | null {
  const name = tz.trim();
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(name) || !isValidTimeZone(name)) return null;
  return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
}

export interface MemberSettings {
  timezone: string;
  /** "yours" when the member (or their platform profile) set it, else the organisation's default. */
  source: "yours" | "organisation";
}

export async function memberSettings(app: App, memberId: string): Promise<MemberSettings> {
  const member = await app.db.member.findUnique({ where: { id: memberId }, select: { timezone: true } });
  const zone = member?.timezone && isValidTimeZone(member.timezone) ? member.timezone : null;
  return zone ? { timezone: zone, source: "yours" } : { timezone: app.config.STEWARD_TIMEZONE, source: "organisation" };
}

/** /settings timezone:<zone>: refused, changing nothing, when the zone is unknown. */
export async function setTimezone(app: App, actor: Actor, tz: string): Promise<string> {
  const zone = canonicalZone(tz);
  if (!zone)
    throw new UserError(fillTemplate(app.pack.texts.settingsBadZone, { zone: tz.slice(0, 64) }), app.pack.texts.settingsBadZoneHint, "settings.timezone");
  await transaction(app, async (tx) => {
    await tx.member.update({ where: { id: actor.memberId }, data: { timezone: zone } });
    await audit(tx, actor, "settings timezone", actor.memberId, { timezone: zone });
  });
  return zone;
}

/** A platform's profile zone (Slack's users.info `tz`) as the default: never over one the member chose. */
export async function defaultTimezone(app: App, memberId: string, tz: string | undefined | null): Promise<void> {
  const zone = tz ? canonicalZone(tz) : null;
  if (zone) await app.db.member.updateMany({ where: { id: memberId, timezone: null }, data: { timezone: zone } });
}
