// Slack's history for `steward backfill`: conversations.history from `oldest`
// page by page (cursor / response_metadata.next_cursor), each thread's replies
// through conversations.replies. A message counts when the live event would
// have: a person's message (COUNTED_SUBTYPES, no bot), keyed on client_msg_id
// else ts, exactly as handleMessage keys it (events.ts).
//
// Rate limits: conversations.history and .replies are Tier 3 for an
// organisation's own app (50 requests a minute each, pages of up to 999
// messages); for a commercially distributed app outside the Marketplace they
// are 1 request a minute with at most 15 messages. `slow` starts in that mode;
// a 429 asking to wait 30 s or more switches to it.
import type { App } from "../../app.ts";
import type { HistoryMessage, HistorySource, Pacer } from "../../services/backfill.ts";
import { HistoryHttpError } from "../../services/backfill.ts";
import { mappedChannelId } from "../../core/channels.ts";
import { COUNTED_SUBTYPES } from "./events.ts";

interface SlackMessage {
  type?: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  ts: string;
  thread_ts?: string;
  reply_count?: number;
  client_msg_id?: string;
}

interface SlackPage {
  ok: boolean;
  error?: string;
  messages?: SlackMessage[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/** Slack's largest page of conversations.history ("maximum of 999"); Slack advises 200, at a fifth of the messages a request. */
export const TIER3_LIMIT = 999;
/** Tier 3: 50 requests a minute per method and workspace ("50+": bursts may pass, 50 is what Slack promises). */
export const TIER3_PER_MINUTE = 50;
export const SLOW_LIMIT = 15;
export const SLOW_INTERVAL_MS = 60_000;

export interface SlackHistoryOptions {
  token: string;
  apiUrl: string;
  /** The pack's channel names with their Slack ids. */
  channels: { name: string; id: string }[];
  since: Date;
  pacer: Pacer;
  /** Start in the 1-request-a-minute mode. */
  slow?: boolean;
  /** Messages a page in Tier 3 (default 999, Slack's largest). */
  limit?: number;
  /** Tier 3's minute, 60 s: requests are spaced a fiftieth of it apart (a benchmark shrinks it). */
  tier3MinuteMs?: number;
}

/** The Slack ids the pack's community channels have in SLACK_CHANNELS (a name that is itself an id counts as one). */
export function slackCommunityChannels(app: App): { mapped: { name: string; id: string }[]; missing: string[] } {
  const names = [...new Set(app.pack.programs.flatMap((p) => p.communityChannels))];
  const mapped: { name: string; id: string }[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const id = mappedChannelId(app.config.SLACK_CHANNELS, name) ?? (/^[CG][A-Z0-9]{6,}$/.test(name) ? name : undefined);
    if (id) mapped.push({ name, id });
    else missing.push(name);
  }
  return { mapped, missing };
}

const counts = (m: SlackMessage) => COUNTED_SUBTYPES.has(m.subtype) && !m.bot_id && Boolean(m.user);
const toHistory = (channel: string, m: SlackMessage): HistoryMessage => ({
  channel,
  externalUserId: m.user as string,
  messageId: m.client_msg_id ?? m.ts,
  at: new Date(Math.round(Number(m.ts) * 1000)),
});

export function slackHistorySources(options: SlackHistoryOptions): HistorySource[] {
  const base = options.apiUrl.endsWith("/") ? options.apiUrl : `${options.apiUrl}/`;
  // Spaced to Tier 3's rate from the start: waiting out a 429 after a burst of 50 costs the rest of the minute
  // (Retry-After is whole seconds) and reads no faster. Slow mode spaces by a minute.
  const tier3Interval = (options.tier3MinuteMs ?? 60_000) / TIER3_PER_MINUTE;
  options.pacer.intervalMs = Math.max(options.pacer.intervalMs, options.slow ? SLOW_INTERVAL_MS : tier3Interval);
  // In the slow mode (started so, or switched to by a long Retry-After) a page holds at most 15 messages.
  const slow = () => options.pacer.intervalMs >= SLOW_INTERVAL_MS;
  const call = async (method: string, args: Record<string, string>): Promise<SlackPage> => {
    // In Tier 3 each method has its own budget: a thread's replies do not hold back the next history page. The
    // slow mode keeps one minute between any two requests, the cautious reading of "1 request per minute".
    const body = (await options.pacer.json(
      `${base}${method}`,
      () => ({
        method: "POST",
        headers: { authorization: `Bearer ${options.token}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...args, limit: String(slow() ? SLOW_LIMIT : (options.limit ?? TIER3_LIMIT)) }).toString(),
      }),
      () => (slow() ? "" : method),
    )) as SlackPage;
    if (!body?.ok) throw new HistoryHttpError(`Slack ${method}: ${body?.error ?? "no answer"}${body?.error === "missing_scope" || body?.error === "not_in_channel" ? " (the app needs channels:history and groups:history, and must be in the channel)" : ""}`, 200);
    return body;
  };
  const oldest = (options.since.getTime() / 1000).toFixed(6);
  return options.channels.map(({ name, id }) => ({
    key: `slack:${id}`,
    platform: "slack" as const,
    label: `Slack #${name} (${id})`,
    async page(cursor) {
      const page = await call("conversations.history", { channel: id, oldest, ...(cursor ? { cursor } : {}) });
      const messages: HistoryMessage[] = [];
      for (const m of page.messages ?? []) {
        if (counts(m)) messages.push(toHistory(name, m));
        if (!m.reply_count || (m.thread_ts && m.thread_ts !== m.ts)) continue;
        // A thread's replies: every page of it, before this page's cursor is checkpointed.
        let replyCursor: string | undefined;
        do {
          const replies = await call("conversations.replies", { channel: id, ts: m.ts, ...(replyCursor ? { cursor: replyCursor } : {}) });
          for (const r of replies.messages ?? []) if (r.ts !== m.ts && counts(r)) messages.push(toHistory(name, r));
          replyCursor = replies.response_metadata?.next_cursor || undefined;
        } while (replyCursor);
      }
      const times = (page.messages ?? []).map((m) => Number(m.ts) * 1000);
      const next = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
      return { messages, next, reached: times.length ? new Date(Math.min(...times)) : undefined };
    },
  }));
}

/** The 429 handler that switches a Slack backfill to the 1-request-a-minute mode when Slack asks for a minute's wait. */
export function slowDownOnLongWaits(pacer: () => Pacer | undefined): (waitMs: number) => void {
  return (waitMs) => {
    const p = pacer();
    if (p && waitMs >= 30_000) p.intervalMs = Math.max(p.intervalMs, SLOW_INTERVAL_MS);
  };
}
