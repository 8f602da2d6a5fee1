// Leases for a platform gateway (Discord's shards), on the same table and
// statements as the inbound-event claims (store/lease.ts): a shard is held
// under "discord-shard:<n>" while its holder renews it, with the session the
// holder leaves for a successor in the lease's state; an interaction that came
// over the gateway is claimed once under "discord-interaction:<id>", so one
// replayed after a resume is not answered a second time.
import type { App } from "../app.ts";
import { dropExpiredLeases, handOverLease, keepLease, liveLeases, readLease, saveLeaseState, takeLease, type KeepOptions, type KeptLease } from "../store/lease.ts";

export type { KeptLease };

export const SHARD_LEASE_PREFIX = "discord-shard:";
const shardLease = (shardId: number) => `${SHARD_LEASE_PREFIX}${shardId}`;

/**
 * An interaction is claimed while it is answered, for less than a shard's lease: a holder killed mid-answer
 * leaves a claim that has run out by the time its successor replays the interaction. Answered, the claim
 * lasts as long as the interaction's token (15 minutes), so a replay is not answered again.
 */
const ANSWERING_MS = 10_000;
const ANSWERED_MS = 15 * 60_000;

/** The shard's lease as it stands (who holds it until when) and the session its last holder saved. */
export function readShard<S>(app: App, shardId: number) {
  return readLease<S>(app.sql, shardLease(shardId));
}

export async function takeShard(app: App, shardId: number, holder: string, ttlMs: number): Promise<boolean> {
  return (await takeLease(app.sql, shardLease(shardId), holder, ttlMs, app.now())).taken;
}

export function keepShard(app: App, shardId: number, holder: string, options: Omit<KeepOptions, "now">): KeptLease {
  return keepLease(app.sql, shardLease(shardId), holder, { ...options, now: () => app.now() });
}

export function saveShardSession(app: App, shardId: number, holder: string, session: unknown): Promise<boolean> {
  return saveLeaseState(app.sql, shardLease(shardId), holder, session);
}

/** Gives the shard up now, keeping the session saved in its lease for whoever takes it next. */
export function releaseShard(app: App, shardId: number, holder: string): Promise<void> {
  return handOverLease(app.sql, shardLease(shardId), holder, app.now());
}

/** Shards held now, with the sessions their holders saved. */
export function liveShards<S>(app: App) {
  return liveLeases<S>(app.sql, SHARD_LEASE_PREFIX, app.now());
}

/** The claim of the first holder to ask about this interaction (undefined for a replay of one answered or being answered). */
export async function claimGatewayInteraction(app: App, interactionId: string, holder: string): Promise<{ answered(): Promise<void> } | undefined> {
  const name = `discord-interaction:${interactionId}`;
  if (!(await takeLease(app.sql, name, holder, ANSWERING_MS, app.now())).taken) return undefined;
  return { answered: async () => void (await takeLease(app.sql, name, holder, ANSWERED_MS, app.now())) };
}

/** Interaction claims whose 15 minutes are over: only their rows are left, and nobody asks about them again. */
export function dropAnsweredInteractionClaims(app: App): Promise<number> {
  return dropExpiredLeases(app.sql, "discord-interaction:", app.now());
}
