// `steward backfill`: a community's past messages counted the way the live
// events would have counted them. Each platform's adapter turns its history
// API into pages of messages (a HistorySource); this reads them page by page,
// counts each page's messages through recordContributions (same program, same dedupe
// key `msg:<platform>:<id>` as the live path, so a live event or a retry after
// the backfill counts nothing again), and checkpoints the page cursor after
// each page, so a run that stops resumes at the page it was reading.
//
// The HTTP side honours each platform's limits: a 429's Retry-After is waited
// out (on the injected clock, so tests never wait) and requests can be spaced
// (Slack's 1 request a minute for non-Marketplace commercial apps).
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import type { Platform } from "../core/actor.ts";
import { periodOf } from "../domain/periods.ts";
import type { ForumPost } from "../domain/forum.ts";
import { recordContributions, type ContributionOutcome, type Recorded } from "./contributions.ts";
import { forumHistoryRecorder } from "./forum-history.ts";

export interface HistoryMessage {
  /** The channel as the pack names it (a program's community channel). */
  channel: string;
  externalUserId: string;
  /** What the live event keys the message on (Slack: client_msg_id, else ts; Discord: the message id). */
  messageId: string;
  at: Date;
  /** A forum post (Discourse), counted as the forum webhook counts it instead of as a chat message. */
  forum?: { post: ForumPost; base: string } | undefined;
}

export interface HistoryPage {
  messages: HistoryMessage[];
  /** The cursor of the next page; none at the end (or once the page reached `since`). */
  next?: string | undefined;
  /** The oldest instant this page reached, for the estimate. */
  reached?: Date | undefined;
}

export interface HistorySource {
  /** Stable across runs: slack:C123, discord:456. */
  key: string;
  platform: Platform;
  /** How the operator reads it: "Slack #community". */
  label: string;
  page(cursor: string | undefined): Promise<HistoryPage>;
}

/** Time for the backfill: the wall clock in production, a virtual one in tests. */
export interface BackfillClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: BackfillClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export class HistoryHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Retry-After is seconds (or an HTTP date); Discord's body also says retry_after in seconds. */
function retryAfterMs(res: Response, body: unknown, clock: BackfillClock): number {
  const header = res.headers.get("retry-after");
  if (header && /^\d+(\.\d+)?$/.test(header.trim())) return Math.ceil(Number(header) * 1000);
  if (header && !Number.isNaN(Date.parse(header))) return Math.max(0, Date.parse(header) - clock.now());
  const inBody = (body as { retry_after?: unknown } | null)?.retry_after;
  if (typeof inBody === "number") return Math.ceil(inBody * 1000);
  return 60_000;
}

/**
 * One platform's HTTP for a backfill: requests are spaced at least `intervalMs` apart and a 429 is
 * waited out for as long as its Retry-After says, then retried (a page is never skipped).
 */
export class Pacer {
  /** When each budget's last request went out: one budget unless the caller names them (Slack's are per method). */
  private readonly last = new Map<string, number>();
  waitedMs = 0;
  requests = 0;
  rateLimited = 0;

  constructor(
    readonly clock: BackfillClock,
    public intervalMs = 0,
    private readonly onLimited?: (waitMs: number, url: string) => void,
    private readonly maxAttempts = 8,
  ) {}

  /**
   * `init` may be a function: a retry after a 429 builds the request again (Slack's page size may have changed).
   * `budget`: requests of one budget are spaced `intervalMs` apart, those of different budgets independently
   * (a function: asked again before each attempt, as a 429 may change it).
   */
  async json(url: string, init: RequestInit | (() => RequestInit) = {}, budgetOf: string | (() => string) = ""): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const budget = typeof budgetOf === "function" ? budgetOf() : budgetOf;
      const wait = (this.last.get(budget) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - this.clock.now();
      if (wait > 0) {
        this.waitedMs += wait;
        await this.clock.sleep(wait);
      }
      this.last.set(budget, this.clock.now());
      this.requests++;
      const res = await fetch(url, typeof init === "function" ? init() : init);
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (res.status === 429 && attempt < this.maxAttempts) {
        const ms = retryAfterMs(res, body, this.clock);
        this.rateLimited++;
        this.onLimited?.(ms, url);
        this.waitedMs += ms;
        await this.clock.sleep(ms);
        continue;
      }
      // Discord says when a route's bucket is empty: the next request waits for it to refill instead of earning a 429.
      const remaining = res.headers.get("x-ratelimit-remaining");
      const resetAfter = Number(res.headers.get("x-ratelimit-reset-after"));
      if (remaining === "0" && Number.isFinite(resetAfter) && resetAfter > 0)
        this.last.set(budget, Math.max(this.last.get(budget) ?? Number.NEGATIVE_INFINITY, this.clock.now() + Math.ceil(resetAfter * 1000) - this.intervalMs));
      if (!res.ok) throw new HistoryHttpError(`${res.status} from ${new URL(url).pathname}: ${text.slice(0, 200)}`, res.status);
      return body;
    }
  }
}

export interface BackfillProgress {
  source: HistorySource;
  pages: number;
  messages: number;
  counted: number;
  /** 0..1 of the period from now back to `since` this source has covered. */
  covered: number;
  /** Milliseconds left, from the pace so far; undefined until there is a pace. */
  etaMs: number | undefined;
}

export interface BackfillOptions {
  since: Date;
  clock?: BackfillClock;
  dryRun?: boolean;
  onProgress?: (p: BackfillProgress) => void;
  /** Asked before each page: true stops the run there (Ctrl-C), its checkpoints kept for the next run. */
  stop?: () => boolean;
  /**
   * false: read without resuming or writing checkpoints (a gateway shard filling the minutes a refused resume
   * missed is not `steward backfill`, and must not move "history imported up to").
   */
  checkpoints?: boolean;
}

export interface SourceResult {
  key: string;
  label: string;
  status: "done" | "already done" | "interrupted";
  messages: number;
  counted: number;
  error?: string;
}

export interface BackfillResult {
  sources: SourceResult[];
  /** program id → ISO week → messages counted for it this run. */
  perProgramWeek: Map<string, Map<string, number>>;
  interrupted: boolean;
}

class Interrupted extends Error {}

/** Reads every source to `since` (resuming at its checkpoint) and counts its messages as the live path would. */
export async function backfill(app: App, sources: HistorySource[], options: BackfillOptions): Promise<BackfillResult> {
  const clock = options.clock ?? realClock;
  const tz = app.config.STEWARD_TIMEZONE;
  const perProgramWeek = new Map<string, Map<string, number>>();
  const results: SourceResult[] = [];
  let interrupted = false;
  const recordForumPost = forumHistoryRecorder(app);
  for (const source of sources) {
    const saved = options.checkpoints === false ? null : await app.db.backfillCheckpoint.findUnique({ where: { source: source.key } });
    // A checkpoint for another `since` is another run's: start over (counting again is harmless, keys dedupe).
    const resume = saved && saved.since.getTime() === options.since.getTime() ? saved : undefined;
    if (resume?.done) {
      results.push({ key: source.key, label: source.label, status: "already done", messages: resume.messages, counted: resume.counted });
      continue;
    }
    let cursor = resume?.cursor ?? undefined;
    let messages = resume?.messages ?? 0;
    let counted = resume?.counted ?? 0;
    let pages = 0;
    const started = clock.now();
    const span = Math.max(1, app.now().getTime() - options.since.getTime());
    try {
      for (;;) {
        if (options.stop?.()) throw new Interrupted();
        const page = await source.page(cursor);
        pages++;
        const inPeriod = page.messages.filter((m) => m.at >= options.since && m.at <= app.now());
        messages += inPeriod.length;
        const outcomes: { m: HistoryMessage; outcome: ContributionOutcome }[] = [];
        if (!options.dryRun) {
          // A page's chat messages in one statement (one a message before: at Slack's 999 a page, the database,
          // not the platform's limit, set the pace); forum posts go one by one, as the forum webhook counts them.
          const chat = inPeriod.filter((m) => !m.forum);
          const recorded = await recordContributions(
            app,
            chat.map((m) => ({ platform: source.platform, channel: m.channel, externalUserId: m.externalUserId, messageId: m.messageId, at: m.at, historical: true })),
          );
          chat.forEach((m, i) => outcomes.push({ m, outcome: (recorded[i] as Recorded).outcome }));
          for (const m of inPeriod) if (m.forum) outcomes.push({ m, outcome: await recordForumPost(m.forum.post, m.forum.base) });
        }
        for (const { m, outcome } of outcomes) {
          if (outcome.status !== "counted") continue;
          counted++;
          const week = periodOf("week", m.at, tz).key;
          for (const p of outcome.programs) {
            const weeks = perProgramWeek.get(p.id) ?? new Map<string, number>();
            weeks.set(week, (weeks.get(week) ?? 0) + 1);
            perProgramWeek.set(p.id, weeks);
          }
        }
        cursor = page.next;
        const reached = page.reached ?? (cursor ? undefined : options.since);
        const covered = reached ? Math.min(1, Math.max(0, (app.now().getTime() - reached.getTime()) / span)) : 0;
        const elapsed = clock.now() - started;
        const etaMs = covered > 0 && covered < 1 && elapsed > 0 ? Math.round((elapsed * (1 - covered)) / covered) : covered >= 1 ? 0 : undefined;
        if (!options.dryRun && options.checkpoints !== false) {
          const data = { since: options.since, cursor: cursor ?? null, done: !cursor, messages, counted, oldestSeen: reached ?? null, updatedAt: app.now() };
          await app.db.backfillCheckpoint.upsert({ where: { source: source.key }, create: { source: source.key, ...data }, update: data });
        }
        options.onProgress?.({ source, pages, messages, counted, covered: cursor ? covered : 1, etaMs });
        if (!cursor) break;
      }
      results.push({ key: source.key, label: source.label, status: "done", messages, counted });
    } catch (err) {
      interrupted = true;
      const error = err instanceof Interrupted ? "stopped" : (err as Error).message;
      results.push({ key: source.key, label: source.label, status: "interrupted", messages, counted, error });
      if (err instanceof Interrupted) break;
      app.log.warn({ err, source: source.key }, "backfill source stopped; its checkpoint is kept for the next run");
    }
  }
  return { sources: results, perProgramWeek, interrupted };
}

/** The instant up to which every finished source's history was read: the first report after a backfill names it. */
export async function historyImportedUpTo(app: App): Promise<Date | undefined> {
  const rows = await app.db.backfillCheckpoint.findMany({ where: { done: true }, select: { updatedAt: true } });
  return rows.length ? new Date(Math.min(...rows.map((r) => r.updatedAt.getTime()))) : undefined;
}

/** The schedule_runs row that says a program's report has named the import: one per program and import date. */
export const historyNoteRun = (programId: string, upTo: Date) => ({ scheduleId: `history-note/${programId}`, period: upTo.toISOString().slice(0, 10) });

/**
 * The line the first weekly report after a backfill carries: how far the platforms' history was read, so a
 * moderator knows the weeks before it were counted from history. Undefined once a report has said it.
 */
export async function historyNote(app: App, programId: string): Promise<{ text: string; run: { scheduleId: string; period: string } } | undefined> {
  const upTo = await historyImportedUpTo(app);
  if (!upTo) return undefined;
  const run = historyNoteRun(programId, upTo);
  if (await app.db.scheduleRun.findUnique({ where: { scheduleId_period: run } })) return undefined;
  const day = DateTime.fromJSDate(upTo, { zone: app.config.STEWARD_TIMEZONE }).toISODate();
  return { text: `Community history was imported from the platforms up to ${day}: messages before then were counted from the channels' history (steward backfill).`, run };
}

/** The Monday `weeks` weeks before this week's, in the organisation's timezone: `--weeks N`. */
export function sinceWeeks(app: App, weeks: number): Date {
  return DateTime.fromJSDate(app.now(), { zone: app.config.STEWARD_TIMEZONE }).startOf("week").minus({ weeks }).toJSDate();
}
