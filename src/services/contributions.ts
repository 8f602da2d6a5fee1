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
import type { App } from "../app.ts";
import type { Platform } from "../core/actor.ts";
import { messageDateCounts } from "../domain/activities.ts";
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

// `claim` inserts nothing without an event key; `who` has no row unless the author has an active membership in a
// program counting the channel. The activity is inserted only when both hold (and the event was not seen before),
// under the program messageProgramId chose ($7): the statement applies no rule of its own.
const CLAIM_AND_INSERT = `
WITH claim AS (
  INSERT INTO processed_events (key) SELECT $1::text WHERE $1::text IS NOT NULL
  ON CONFLICT (key) DO NOTHING RETURNING key
), who AS (
  SELECT i.member_id, array_agg(DISTINCT ms.program_id) AS programs
  FROM identities i
  JOIN memberships ms ON ms.member_id = i.member_id AND ms.program_id = ANY($4::text[])
   AND CASE WHEN $12::boolean THEN ms.joined_at <= $8::timestamptz AND (ms.ended_at IS NULL OR ms.ended_at > $8::timestamptz)
            ELSE ms.state = 'active' END
  WHERE i.platform = $2 AND i.external_id = $3
  GROUP BY i.member_id
), added AS (
  INSERT INTO activities (id, member_id, kind, program_id, occurred_at, source, dedupe_key, created_at)
  SELECT $5, who.member_id, $6,
         $7::text,
         $8::timestamptz, $9, $10, $11::timestamptz
  FROM who
  WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM claim)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id
)
SELECT (SELECT count(*) FROM claim)::int AS claimed, (SELECT programs FROM who) AS programs, (SELECT count(*) FROM added)::int AS added`;

/** Counts a member's message in a community channel: once per message id, once per event id, for their programs there. */
export async function recordContribution(app: App, c: Contribution): Promise<ContributionOutcome> {
  const programs = programsWithChannel(app, c.channel);
  const kind = app.pack.activityKinds.find((k) => k.automatic);
  // The backdating limit bounds how late a live event may arrive; history read on purpose by `steward backfill`
  // is as old as the operator asked for.
  const dateCounts = c.historical ? Number.isFinite(c.at.getTime()) : messageDateCounts(c.at, app.now(), app.config.STEWARD_TIMEZONE, app.pack.backdateDays);
  if (programs.length === 0 || !kind || !dateCounts) return { status: "ignored" };
  const [row] = await app.sql.query<{ claimed: number; programs: string[] | null; added: number }>(CLAIM_AND_INSERT, [
    c.eventKey ?? null,
    c.platform,
    c.externalUserId,
    programs.map((p) => p.id),
    randomUUID(),
    kind.id,
    messageProgramId(programs, kind),
    c.at.toISOString(),
    // History read on purpose is not a correction of a posted week (the report marks those by this source).
    c.historical ? `history:${c.platform}` : `message:${c.platform}`,
    `msg:${c.platform}:${c.messageId}`,
    app.now().toISOString(),
    c.historical ?? false,
  ]);
  if (c.eventKey !== undefined && row?.claimed === 0) return { status: "duplicate event" };
  if (!row || row.added === 0) return { status: "ignored" };
  const ids = new Set(row.programs ?? []);
  return { status: "counted", programs: programs.filter((p) => ids.has(p.id)) };
}
