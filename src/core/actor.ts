// Who acts, and where their account lives. Every layer may import this: it sits below the
// command framework, the services and the adapters.

/**
 * Where a member has an account: an open identifier, so a new platform is a new adapter folder
 * and its registration, not an edit here. The built-in ones are listed for readability.
 */
export type Platform = BuiltInPlatform | (string & {});
export type BuiltInPlatform = "console" | "slack" | "discord" | "forum" | "dashboard";

/** The person running a command, as the adapter identified them. */
export interface Actor {
  memberId: string;
  handle: string;
  displayName: string;
  platform: Platform;
  externalId: string;
  isModerator: boolean;
}

/** A member as a command or service names them: enough to say who, and to look them up. */
export interface MemberRef {
  id: string;
  handle: string;
  displayName: string;
}
