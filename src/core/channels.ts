// Logical channels: the pack names channels (announcements, moderators, a program's community
// channel) and each platform's configuration maps those names to its ids (SLACK_CHANNELS,
// DISCORD_CHANNELS). One helper per direction, so every adapter reads the map the same way.

/** Logical name -> platform channel id, as the configuration gives it. */
export type ChannelMap = Readonly<Record<string, string>>;

/** The platform id the map gives a logical name (`#announcements` reads as `announcements`). */
export function mappedChannelId(map: ChannelMap, name: string): string | undefined {
  return map[name] ?? map[name.replace(/^#/, "")];
}

/** The logical name the map gives a platform channel id, if any. */
export function logicalChannelName(map: ChannelMap, channelId: string): string | undefined {
  return Object.entries(map).find(([, id]) => id === channelId)?.[0];
}
