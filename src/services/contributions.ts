// A platform message counted as a community contribution on the hot path of a
// busy workspace: one SQL statement per message. It claims the platform's
// event id (so a retried delivery is answered once), finds the author's member
// and active memberships, and inserts the activity under the message's dedupe
// key, all at once. The program it counts for is chosen before the statement by
// messageProgramId, as for recordMessage (services/activities.ts), which takes
// several round trips. The claim and the insert commit together, so a failure
// leaves nothing to undo and the platform's retry tries again.
//
// The author must already be a member (the adapter met them first: that is
// where a new member is created and their profile read); an unknown author's
// message is ignored, like a non-member's.
import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import type { Platform } from "../core/actor.ts";
import { oldestCountedMessage } from "../domain/activities.ts";
import type { Program } from "../domain/pack.ts";
import { messageProgramId, programsWithChannel } from "./activities.ts";

export interface Contribution {
  platform: Platform;
  /** The channel's name or id, as the platform knows it; either may appear in a program's communityChannels. */
  channel: string;
  externalUserId: string;
  messageId: string;
  at: Date;
  /** The platform's event id, claimed in processed_events so a redelivery is ignored; none when the platform has no retries. */
  eventKey?: string;
  /**
   * Read from the platform's history (`steward backfill`): counted for the memberships the author held at `at`,
   * as the live event would have been then, instead of the ones active now.
   */
  historical?: boolean;
}

export type ContributionOutcome = { status: "counted"; programs: Program[] } | { status: "ignored" } | { status: "duplicate event" };

/**
 * What the statement saw of the author, for the adapter that meets new people (creates the member, reads
 * their profile's time zone): "unknown" has no member yet, "no zone" is a member without a time zone,
 * "known" needs nothing more. "unchecked": the message was not sent to the database (ignored before).
 */
export type Author = "unknown" | "no zone" | "known" | "unchecked";

export interface Recorded {
  outcome: ContributionOutcome;
  author: Author;
}

// One statement for a batch of messages (one row of `input` each, with its index `n`). `claim` inserts
// nothing for a row without an event key; `who` has no row unless the author has a membership in a program
// counting the channel (active now, or at `at` for history). An activity is inserted only when both hold and
// its event was not seen before, under the program messageProgramId chose: the statement applies no rule of
// its own. The batch commits as one, claims and activities together: a failure leaves nothing to undo.
const CLAIM_AND_INSERT = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::boolean[])
    WITH ORDINALITY AS t(event_key, platform, external_id, programs, id, program_id, at, source, dedupe_key, historical, n)
), claim AS (
  INSERT INTO processed_events (key) SELECT event_key FROM input WHERE event_key IS NOT NULL
  ON CONFLICT (key) DO NOTHING RETURNING key
), who AS (
  SELECT input.n, min(i.member_id) AS member_id, array_agg(DISTINCT ms.program_id) AS programs
  FROM input
  JOIN identities i ON i.platform = input.platform AND i.external_id = input.external_id
  JOIN memberships ms ON ms.member_id = i.member_id AND ms.program_id = ANY(string_to_array(input.programs, ' '))
   AND CASE WHEN input.historical THEN ms.joined_at <= input.at AND (ms.ended_at IS NULL OR ms.ended_at > input.at)
            ELSE ms.state = 'active' END
  GROUP BY input.n
), author AS (
  SELECT input.n, m.timezone IS NOT NULL AS zoned
  FROM input JOIN identities i ON i.platform = input.platform AND i.external_id = input.external_id JOIN members m ON m.id = i.member_id
), added AS (
  INSERT INTO activities (id, member_id, kind, program_id, occurred_at, source, dedupe_key, created_at)
  SELECT input.id, who.member_id, $11, input.program_id, input.at, input.source, input.dedupe_key, $12::timestamptz
  FROM input JOIN who ON who.n = input.n
  WHERE input.event_key IS NULL OR input.event_key IN (SELECT key FROM claim)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id
)
SELECT input.n::int AS n, input.event_key IN (SELECT key FROM claim) AS claimed, who.programs, input.id IN (SELECT id FROM added) AS added, author.zoned
FROM input LEFT JOIN who ON who.n = input.n LEFT JOIN author ON author.n = input.n`;

/**
 * oldestCountedMessage for `now`, read once per day in the organisation's zone (the bound moves at its midnight)
 * instead of once per batch: luxon's zone arithmetic cost about 0.1 ms a batch, a tenth of this process's work
 * for a batch of 8 messages.
 */
let bound: { tz: string; days: number; from: number; to: number; oldest: number } | undefined;
function oldestCounted(now: Date, tz: string, days: number): number {
  const t = now.getTime();
  if (!bound || bound.tz !== tz || bound.days !== days || t < bound.from || t >= bound.to) {
    const day = DateTime.fromJSDate(now, { zone: tz }).startOf("day");
    bound = { tz, days, from: day.toMillis(), to: day.plus({ days: 1 }).toMillis(), oldest: oldestCountedMessage(now, tz, days) };
  }
  return bound.oldest;
}

interface Row {
  n: number;
  claimed: boolean | null;
  programs: string[] | null;
  added: boolean;
  zoned: boolean | null;
}

/** Counts a member's message in a community channel: once per message id, once per event id, for their programs there. */
export async function recordContribution(app: App, c: Contribution): Promise<ContributionOutcome> {
  return ((await recordContributions(app, [c]))[0] as Recorded).outcome;
}

/**
 * Counts a batch of messages in one statement (one transaction), each as recordContribution would, outcomes in
 * order. An event id twice in the batch is claimed by its first message; the later ones answer "duplicate event".
 */
export async function recordContributions(app: App, cs: readonly Contribution[]): Promise<Recorded[]> {
  const kind = app.pack.activityKinds.find((k) => k.automatic);
  const now = app.now();
  const oldest = oldestCounted(now, app.config.STEWARD_TIMEZONE, app.pack.backdateDays);
  const outcomes: Recorded[] = cs.map(() => ({ outcome: { status: "ignored" }, author: "unchecked" }));
  const sent: { index: number; c: Contribution; programs: Program[] }[] = [];
  const keys = new Set<string>();
  cs.forEach((c, index) => {
    const programs = programsWithChannel(app, c.channel);
    // The backdating limit bounds how late a live event may arrive; history read on purpose by `steward backfill`
    // is as old as the operator asked for.
    const dateCounts = Number.isFinite(c.at.getTime()) && (c.historical || c.at.getTime() >= oldest);
    if (programs.length === 0 || !kind || !dateCounts) return;
    if (c.eventKey !== undefined) {
      if (keys.has(c.eventKey)) {
        outcomes[index] = { outcome: { status: "duplicate event" }, author: "unchecked" };
        return;
      }
      keys.add(c.eventKey);
    }
    sent.push({ index, c, programs });
  });
  if (sent.length === 0 || !kind) return outcomes;
  const column = <T,>(f: (s: (typeof sent)[number]) => T) => sent.map(f);
  const params = [
    column((s) => s.c.eventKey ?? null),
    column((s) => s.c.platform),
    column((s) => s.c.externalUserId),
    // Program ids are slugs: a space cannot be in one.
    column((s) => s.programs.map((p) => p.id).join(" ")),
    column(() => randomUUID()),
    column((s) => messageProgramId(s.programs, kind)),
    column((s) => s.c.at.toISOString()),
    // History read on purpose is not a correction of a posted week (the report marks those by this source).
    column((s) => (s.c.historical ? `history:${s.c.platform}` : `message:${s.c.platform}`)),
    column((s) => `msg:${s.c.platform}:${s.c.messageId}`),
    column((s) => s.c.historical ?? false),
    kind.id,
    now.toISOString(),
  ];
  // Sent once per batch on the busiest path: PostgreSQL parses it once per connection, not every time.
  const rows = await app.sql.query<Row>(CLAIM_AND_INSERT, params, "record_contributions");
  for (const row of rows) {
    const s = sent[Number(row.n) - 1];
    if (!s) continue;
    const author: Author = row.zoned === null ? "unknown" : row.zoned ? "known" : "no zone";
    if (s.c.eventKey !== undefined && !row.claimed) outcomes[s.index] = { outcome: { status: "duplicate event" }, author };
    else if (row.added) {
      const ids = new Set(row.programs ?? []);
      outcomes[s.index] = { outcome: { status: "counted", programs: s.programs.filter((p) => ids.has(p.id)) }, author };
    } else outcomes[s.index] = { outcome: { status: "ignored" }, author };
  }
  return outcomes;
}

interface Waiting {
  c: Contribution;
  resolve(r: Recorded): void;
  reject(err: unknown): void;
}

export interface BatchLimits {
  /** The most messages in one statement. */
  batch: number;
  /** Statements at once (each holds a pool connection while it runs). */
  inFlight: number;
  /** The fewest messages a batch is cut to when spreading a queue over the free statements. */
  spreadTo: number;
}

/**
 * Gathers the messages that arrive together into one statement each batch (recordContributions), so a busy
 * workspace costs a statement per batch rather than per message, and answers each caller once its batch
 * committed: a platform is told "stored" only of what is. While `inFlight` batches run, new messages wait
 * for the next. A batch that fails is tried again message by message, so one message the database refuses
 * fails alone and the others are stored (each caller then hears its own outcome or error).
 */
export class ContributionBatcher {
  private queue: Waiting[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly app: App,
    private readonly limits: BatchLimits = { batch: 200, inFlight: 4, spreadTo: 8 },
  ) {}

  add(c: Contribution): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      this.queue.push({ c, resolve, reject });
      this.schedule();
    });
  }

  // The requests that arrive in one turn of the event loop go out together.
  private schedule(): void {
    if (this.scheduled || this.running >= this.limits.inFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  // What waits is spread over the free statements rather than sent as one: a caller's latency is its batch's
  // (commit included), and while the database works on one part this process reads the next requests, so a
  // burst of 32 is four statements of 8 side by side instead of one of 32 and then nothing in flight.
  private flush(): void {
    while (this.running < this.limits.inFlight && this.queue.length > 0) {
      const free = this.limits.inFlight - this.running;
      const size = Math.min(this.limits.batch, Math.max(this.limits.spreadTo, Math.ceil(this.queue.length / free)));
      const batch = this.queue.splice(0, size);
      this.running++;
      void this.store(batch).finally(() => {
        this.running--;
        this.schedule();
      });
    }
  }

  private async store(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await recordContributions(this.app, batch.map((w) => w.c));
      batch.forEach((w, i) => w.resolve(outcomes[i] as Recorded));
    } catch (err) {
      if (batch.length === 1) return batch[0]?.reject(err);
      await Promise.all(
        batch.map((w) =>
          recordContributions(this.app, [w.c]).then(
            ([r]) => w.resolve(r as Recorded),
            (e: unknown) => w.reject(e),
          ),
        ),
      );
    }
  }
}
