// Members and their platform identities. A person is one member whichever
// platforms they use; commands name members by handle (alice, @alice) or by a
// mention, which the adapter has turned into the neutral <@platform:id> (core/mentions.ts).
import { UserError } from "../core/errors.ts";
import type { Actor, MemberRef, Platform } from "../core/actor.ts";
import { readAccountMention } from "../core/mentions.ts";
import type { App } from "../app.ts";
import type { Db, Tx } from "../store/client.ts";
import { isUniqueViolation, transaction } from "../store/transaction.ts";
import { storableText } from "../domain/storable-text.ts";

export type { MemberRef };

export function handleFrom(name: string): string {
  const h = name
    .normalize("NFKD")
    .replace(/[^\w.-]+/g, "")
    .toLowerCase()
    .slice(0, 32);
  return h || "member";
}

/**
 * Finds the member behind a platform account, creating both on first contact.
 * `name` may be a lookup (a platform API call), made only for a new member.
 */
export async function ensureMember(app: App, platform: Platform, externalId: string, name: string | (() => Promise<string>), opts: { isBot?: boolean } = {}): Promise<MemberRef> {
  const found = await app.db.identity.findUnique({ where: { platform_externalId: { platform, externalId } }, include: { member: true } });
  if (found) return found.member;
  const firstTier = app.pack.partner.tiers[0]?.id ?? "none";
  // A platform's display name is kept as text Postgres can store, whatever the platform sent.
  const displayName = storableText(typeof name === "function" ? await name() : name);
  const base = handleFrom(displayName);
  for (let attempt = 0; attempt < 20; attempt++) {
    const handle = attempt === 0 ? base : `${base}${attempt + 1}`;
    try {
      return await transaction(app, async (tx) => {
        const member = await tx.member.create({ data: { handle, displayName, isBot: opts.isBot ?? false } });
        await tx.identity.create({ data: { platform, externalId, memberId: member.id } });
        await tx.balance.create({ data: { memberId: member.id, points: 0, tier: firstTier } });
        return member;
      }, { attempts: 1 }); // a taken handle is not a conflict to run again: the next handle is tried below
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Either the handle is taken (try the next) or the same account was created concurrently (use it).
      const raced = await app.db.identity.findUnique({ where: { platform_externalId: { platform, externalId } }, include: { member: true } });
      if (raced) return raced.member;
    }
  }
  throw new Error(`Could not find a free handle for ${displayName}`);
}

/** "slack" -> "Slack": how a platform is named in a sentence. */
const platformLabel = (platform: string) => platform.charAt(0).toUpperCase() + platform.slice(1);

/**
 * Resolves how a command names a member: a handle, or a mention the adapter already turned into
 * the neutral `<@platform:id>`. An unknown name is a user error that says how to name one.
 */
export async function resolveMember(app: { db: Db | Tx }, ref: string): Promise<MemberRef> {
  const { db } = app;
  const text = ref.trim();
  const account = readAccountMention(text);
  if (account) {
    const identity = await db.identity.findUnique({ where: { platform_externalId: account }, include: { member: true } });
    if (identity) return identity.member;
    // The mention itself is not repeated: renderers show member text as written, so it would read as raw markup.
    throw new UserError(
      `The ${platformLabel(account.platform)} account you mentioned is not a member yet (they have not used Steward).`,
      "Name a member by their handle (alice or @alice) or mention someone who has used Steward.",
      "member.unknown",
    );
  }
  const handle = text.replace(/^@/, "").toLowerCase();
  const member = await db.member.findUnique({ where: { handle } });
  if (member) return member;
  // A member joined into another by /link code is still named by their old handle.
  const merged = await db.memberMerge.findFirst({ where: { mergedHandle: handle }, orderBy: { id: "desc" }, include: { survivor: true } });
  if (merged) return merged.survivor;
  throw new UserError(`There is no member called ${text}.`, "Name a member by their handle (alice or @alice) or mention them.", "member.unknown");
}

/** The person running a command, as every adapter builds them. */
export async function actorFor(
  app: App,
  platform: Platform,
  externalId: string,
  name: string | (() => Promise<string>),
  isModerator: () => boolean | Promise<boolean>,
): Promise<Actor> {
  const member = await ensureMember(app, platform, externalId, name);
  return { memberId: member.id, handle: member.handle, displayName: member.displayName, platform, externalId, isModerator: await isModerator() };
}
