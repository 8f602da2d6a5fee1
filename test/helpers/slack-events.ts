// Events API bodies as Slack posts them (an `event_callback` envelope around one event), shared by the Slack
// tests, the Slack drill and the message-events benchmark.

/** The envelope Slack posts to the Events API URL for `event`, with the delivery's `event_id`. */
export function slackEventBody(eventId: string, event: Record<string, unknown>, eventTime = 1795608000): string {
  return JSON.stringify({ token: "x", team_id: "T1", api_app_id: "A1", type: "event_callback", event_id: eventId, event_time: eventTime, event });
}

/** A plain channel message in #community (CCOM) by `user`. */
export function channelMessage(user: string, ts: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: "message", channel_type: "channel", channel: "CCOM", user, text: "hello", ts, ...extra };
}
