// Who is clicking or typing: the Slack user as a Steward member, and whether
// they are a moderator (a configured user id, or a member of the configured
// user group — looked up with usergroups.users.list and cached briefly, so a
// busy channel does not ask Slack on every command).
import type { webApi } from "@slack/bolt";
import type { App } from "../../app.ts";
import type { Actor } from "../../core/actor.ts";
import { actorFor } from "../../services/members.ts";
import { defaultTimezone } from "../../services/settings.ts";

const GROUP_TTL_MS = 60_000;

export class SlackActors {
  private group: { users: Set<string>; until: number } | undefined;
  /** Users whose profile zone this process has looked at: users.info at most once each. */
  private readonly zoneChecked = new Set<string>();
  private readonly zones = new Map<string, string>();
  private groupLoading: Promise<Set<string>> | undefined;

  constructor(
    private readonly app: App,
    private readonly client: webApi.WebClient,
  ) {}

  async isModerator(userId: string): Promise<boolean> {
    if (this.app.config.SLACK_MODERATOR_IDS.includes(userId)) return true;
    if (!this.app.config.SLACK_MODERATOR_GROUP) return false;
    return (await this.groupMembers()).has(userId);
  }

  private async groupMembers(): Promise<Set<string>> {
    const usergroup = this.app.config.SLACK_MODERATOR_GROUP;
    if (!usergroup) return new Set();
    // Real time, not app.now(): this is a cache lifetime, not a business rule.
    if (this.group && this.group.until > Date.now()) return this.group.users;
    this.groupLoading ??= this.client.usergroups.users
      .list({ usergroup })
      .then((res) => {
        const users = new Set(res.users ?? []);
        this.group = { users, until: Date.now() + GROUP_TTL_MS };
        return users;
      })
      .catch((err: unknown) => {
        // Without the list nobody is a moderator through the group; ids still work.
        this.app.log.warn({ err, usergroup }, "could not read the Slack moderator group");
        return this.group?.users ?? new Set<string>();
      })
      .finally(() => {
        this.groupLoading = undefined;
      });
    return this.groupLoading;
  }

  /** A name for a user seen for the first time; the id when Slack will not say. */
  private async nameOf(userId: string): Promise<string> {
    try {
      const res = await this.client.users.info({ user: userId });
      const u = res.user;
      if (u?.tz) this.zones.set(userId, u.tz);
      return u?.profile?.display_name || u?.name || u?.real_name || userId;
    } catch (err) {
      this.app.log.warn({ err, userId }, "users.info failed; using the user id as the name");
      return userId;
    }
  }

  /** The member behind a Slack user; `name` is used only when the member is new. */
  async actor(userId: string, name?: string): Promise<Actor> {
    // users.info is asked only for someone Steward has not met yet.
    const actor = await actorFor(this.app, "slack", userId, name || (() => this.nameOf(userId)), () => this.isModerator(userId));
    if (!this.zoneChecked.has(userId)) {
      this.zoneChecked.add(userId);
      await this.defaultZone(actor.memberId, userId);
    }
    return actor;
  }

  /** The Slack profile's time zone becomes the member's until they choose one with /settings. */
  private async defaultZone(memberId: string, userId: string): Promise<void> {
    const member = await this.app.db.member.findUnique({ where: { id: memberId }, select: { timezone: true } });
    if (member?.timezone) return;
    let tz = this.zones.get(userId);
    if (tz === undefined) {
      try {
        tz = (await this.client.users.info({ user: userId })).user?.tz;
      } catch (err) {
        this.app.log.warn({ err, userId }, "users.info failed; the organisation's time zone applies");
      }
    }
    await defaultTimezone(this.app, memberId, tz);
  }
}
