// The program pack: every point value, tier, benefit, commitment, question and
// message template Steward uses. Programs are data; this file only says what
// shape that data must have (the texts' shape is pack-text.ts). The seed's
// pack is src/programs/wix.yaml.
import { Cron } from "croner";
import { z } from "zod";
import { MAX_ENTRY } from "./ledger.ts";
import { templatesSchema, textsSchema } from "./pack-text.ts";

export type { RefusalText, Templates, Texts } from "./pack-text.ts";

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "use lowercase letters, digits and dashes (for example community-leaders-velo)");
/** Checked by the cron library that runs it, so a pattern that loads is one that runs. */
const cron = z.string().superRefine((pattern, ctx) => {
  const problem = cronProblem(pattern);
  if (problem) ctx.addIssue({ code: "custom", message: `not a cron expression the scheduler can run (${problem}); for example '0 9 * * 1'` });
});

export function cronProblem(pattern: string): string | null {
  if (!/^\S+( \S+){4,5}$/.test(pattern.trim())) return "five fields: minute hour day-of-month month day-of-week";
  try {
    new Cron(pattern, { paused: true });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
/** What one ledger entry may move (see MAX_ENTRY). */
const entryPoints = z.number().int().min(0).max(MAX_ENTRY, `at most ${MAX_ENTRY} points, the most one ledger entry may move`);
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day as HH:MM");

/** The badge partner verification grants when its program names none. */
export const VERIFIED_PARTNER_BADGE = "verified-partner";

/** How channels are compared: "#Community" and "community" are one channel. */
export const channelKey = (c: string) => c.trim().replace(/^#/, "").toLowerCase();
const hostPattern = z
  .string()
  .regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/, "a lower-case host name, optionally starting with *. for every subdomain (for example *.wixsite.com or editorx.io)");

export const roleSchema = z.enum(["owner", "collaborator"]);
export type SiteRole = z.infer<typeof roleSchema>;

export const tierSchema = z.object({
  id,
  name: z.string().min(1),
  threshold: z.number().int().min(0),
  /** Discord role (name or id) members of this tier hold, if the server wants one. */
  discordRole: z.string().optional(),
  /** The tier's colour on cards and charts, as #rrggbb; DEFAULT_TIER_COLOURS by position when absent. */
  colour: z
    .string()
    .regex(/^#[0-9a-f]{6}$/i, "a colour as #rrggbb, for example #3b82f6")
    .optional(),
});

/** Tier colours by position for packs that name none: distinct on a dark card and for the common colour blindnesses. */
export const DEFAULT_TIER_COLOURS = ["#2dd4bf", "#60a5fa", "#a78bfa", "#f59e0b", "#f43f5e"] as const;

export const benefitSchema = z.object({
  id,
  name: z.string().min(1),
  /** The lowest tier that unlocks it; benefits are cumulative upwards. */
  fromTier: id,
  /** Whether a person must hand it over (an account manager, training): tracked as fulfilment. */
  needsFulfilment: z.boolean().default(false),
});

export const badgeSchema = z.object({
  id,
  name: z.string().min(1),
  /** Where the badge shows. "forum" badges are recorded but never become a chat role. */
  shownIn: z.enum(["chat", "forum"]).default("chat"),
  slackUserGroup: z.string().optional(),
  discordRole: z.string().optional(),
  /** The badge's id on the Discourse forum (Admin → Badges, the number in its address): granted and revoked there. */
  discourseBadgeId: z.number().int().positive().optional(),
});

export const questionSchema = z.object({
  key: id,
  prompt: z.string().min(1),
  required: z.boolean().default(true),
  /** "url" answers must be http(s) links; "urls" a comma-separated list of them. */
  type: z.enum(["text", "url", "urls"]).default("text"),
  /** The answer is the applicant's account there (their partner dashboard id): approval links it to the member. */
  links: z.enum(["dashboard", "forum"]).optional(),
});

export const activityKindSchema = z.object({
  id,
  label: z.string().min(1),
  /** How /log takes it: a url, a number of hours, or neither. */
  needs: z.array(z.enum(["url", "hours", "date", "note"])).default([]),
  /** Counted automatically from messages in community channels, never logged by hand. */
  automatic: z.boolean().default(false),
  /**
   * Programs run independently: an activity counts for one program (the
   * community channel it was in, or the program the member names). true makes
   * it count for every program of the member that counts this kind, on purpose.
   */
  sharedAcrossPrograms: z.boolean().default(false),
});

export const periodSchema = z.enum(["week", "month", "quarter"]);
export type PeriodUnit = z.infer<typeof periodSchema>;

export const commitmentSchema = z.object({
  id,
  label: z.string().min(1),
  kinds: z.array(id).min(1),
  /** At least this many activities, or this many hours when measure is "hours". */
  atLeast: z.number().positive(),
  measure: z.enum(["count", "hours"]).default("count"),
  per: periodSchema,
  required: z.boolean().default(true),
});

export const programSchema = z.object({
  id,
  name: z.string().min(1),
  description: z.string().default(""),
  /** What a member agrees to (unpaid, no revenue share…): shown by /program and before /apply asks anything. */
  terms: z.string().default(""),
  /** "partner-verification" approves into the partner group; "community" has commitments. */
  type: z.enum(["community", "partner-verification"]).default("community"),
  questions: z.array(questionSchema).default([]),
  badge: id.optional(),
  reapplyCooldownDays: z.number().int().min(0).default(30),
  commitments: z.array(commitmentSchema).default([]),
  perks: z.array(z.object({ id, name: z.string().min(1), needsFulfilment: z.boolean().default(false) })).default([]),
  /** Channels (names or ids, any platform) whose messages count as contributions. */
  communityChannels: z.array(z.string()).default([]),
  /** Discourse category ids whose replies count as forum answers for this program's members; empty counts every category. */
  forumCategories: z.array(z.number().int().positive()).default([]),
  /** Where reviews and reports for this program are posted. */
  moderatorChannel: z.string().default("moderators"),
  reportCron: cron.default("0 9 * * 1"),
  reminderCron: cron.default("0 10 * * 4"),
});

export const partnerSchema = z.object({
  name: z.string().min(1),
  /** Points per site kind and role. */
  sites: z.record(
    id,
    z.object({ label: z.string().min(1), points: z.object({ owner: entryPoints, collaborator: entryPoints }) }),
  ),
  certifications: z.record(id, z.object({ label: z.string().min(1), points: entryPoints })),
  /**
   * Hosts that serve many sites under paths: there the first path segment is part of the site
   * (`alice.wixsite.com/portfolio`); anywhere else a path is a page of the same site. `*.` matches any subdomain.
   */
  pathSiteHosts: z.array(hostPattern).default([]),
  /** "submit": a site pays when submitted (a moderator may verify it later); "verify": only once verified. */
  sitePointsOn: z.enum(["submit", "verify"]).default("submit"),
  tiers: z.array(tierSchema).min(1),
  benefits: z.array(benefitSchema).default([]),
  /** Badges that come with a tier and above, for example the Partner Badge from Creator. */
  tierBadges: z.array(z.object({ badge: id, fromTier: id })).default([]),
  demotionGraceDays: z.number().int().min(0).default(30),
  maxAdjustment: entryPoints.positive().default(1000),
  announcementsChannel: z.string().default("announcements"),
  /** Partner health (/report partner and its weekly post): where it goes, when, and how long a site may wait for verification. */
  moderatorChannel: z.string().default("moderators"),
  healthReportCron: cron.default("0 9 * * 1"),
  unverifiedSiteDays: z.number().int().min(1).default(14),
  templates: templatesSchema,
});

export const packSchema = z
  .object({
    name: z.string().min(1),
    partner: partnerSchema,
    programs: z.array(programSchema).default([]),
    activityKinds: z.array(activityKindSchema).default([]),
    badges: z.array(badgeSchema).default([]),
    backdateDays: z.number().int().min(0).default(14),
    /** Most hours one /log entry may record. */
    maxHoursPerEntry: z.number().positive().default(24),
    texts: textsSchema,
    /** Longest single leave of absence; a longer absence is a matter for the moderators. */
    maxPauseDays: z.number().int().min(1).default(366),
    quietHours: z.object({ start: clock, end: clock }).optional(),
    monthlyReminderDaysBefore: z.number().int().min(0).max(27).default(5),
    /** Lead time of the quarterly reminder: sent when this many days of the quarter are left. */
    quarterlyReminderDaysBefore: z.number().int().min(0).max(88).default(14),
    /** When on the lead-time day the monthly and quarterly reminders go out (the first run of this cron that day, in the member's zone). */
    deadlineReminderCron: cron.default("0 10 * * *"),
    /** After downtime, at most this many missed weekly reports are posted; the last one names the weeks skipped. */
    reportCatchUpWeeks: z.number().int().min(1).max(52).default(4),
    /** Announcements for one member within this many minutes go out as one message. */
    batchMinutes: z.number().int().min(0).default(5),
    /** How forum posts count: a reply is an `answerKind` activity; an accepted solution adds a `solutionKind` one (none: it adds nothing). */
    forum: z.object({ answerKind: id.default("answer"), solutionKind: id.optional() }).default({ answerKind: "answer" }),
    /** Serve the partner leaderboard to anyone at /leaderboard (off: only moderators see it, in the dashboard). */
    publicLeaderboard: z.boolean().default(false),
  })
  .superRefine((pack, ctx) => {
    const tiers = pack.partner.tiers;
    tiers.forEach((tier, i) => {
      if (i === 0 && tier.threshold !== 0)
        ctx.addIssue({ code: "custom", path: ["partner", "tiers", 0, "threshold"], message: "the first tier must start at 0 points" });
      const prev = tiers[i - 1];
      if (prev && tier.threshold <= prev.threshold)
        ctx.addIssue({ code: "custom", path: ["partner", "tiers", i, "threshold"], message: "tiers must be in increasing order of threshold" });
    });
    const tierIds = new Set(tiers.map((t) => t.id));
    const badgeIds = new Set(pack.badges.map((b) => b.id));
    const kindIds = new Set(pack.activityKinds.map((k) => k.id));
    pack.partner.benefits.forEach((b, i) => {
      if (!tierIds.has(b.fromTier))
        ctx.addIssue({ code: "custom", path: ["partner", "benefits", i, "fromTier"], message: `unknown tier '${b.fromTier}'` });
    });
    pack.partner.tierBadges.forEach((b, i) => {
      if (!tierIds.has(b.fromTier))
        ctx.addIssue({ code: "custom", path: ["partner", "tierBadges", i, "fromTier"], message: `unknown tier '${b.fromTier}'` });
      if (!badgeIds.has(b.badge))
        ctx.addIssue({ code: "custom", path: ["partner", "tierBadges", i, "badge"], message: `unknown badge '${b.badge}'` });
    });
    for (const key of ["answerKind", "solutionKind"] as const) {
      const kind = pack.forum[key];
      if (kind && !kindIds.has(kind)) ctx.addIssue({ code: "custom", path: ["forum", key], message: `unknown activity kind '${kind}'` });
    }
    const programIds = new Set<string>();
    const channelOwner = new Map<string, string>();
    const messagesShared = pack.activityKinds.some((k) => k.automatic && k.sharedAcrossPrograms);
    pack.programs.forEach((p, i) => {
      if (programIds.has(p.id)) ctx.addIssue({ code: "custom", path: ["programs", i, "id"], message: `duplicate program '${p.id}'` });
      programIds.add(p.id);
      if (p.badge && !badgeIds.has(p.badge))
        ctx.addIssue({ code: "custom", path: ["programs", i, "badge"], message: `unknown badge '${p.badge}'` });
      if (!p.badge && p.type === "partner-verification" && !badgeIds.has(VERIFIED_PARTNER_BADGE))
        ctx.addIssue({
          code: "custom",
          path: ["programs", i, "badge"],
          message: `a partner-verification program grants a badge: name one, or add a '${VERIFIED_PARTNER_BADGE}' badge to badges`,
        });
      p.communityChannels.forEach((c, j) => {
        const key = channelKey(c);
        const other = channelOwner.get(key);
        if (other !== undefined && !messagesShared)
          ctx.addIssue({
            code: "custom",
            path: ["programs", i, "communityChannels", j],
            message: `channel '${c}' is already a community channel of '${other}'; programs run independently, so a message counts for one program (or mark the automatic activity kind sharedAcrossPrograms)`,
          });
        if (other === undefined) channelOwner.set(key, p.id);
      });
      p.commitments.forEach((c, j) =>
        c.kinds.forEach((k, n) => {
          if (!kindIds.has(k))
            ctx.addIssue({ code: "custom", path: ["programs", i, "commitments", j, "kinds", n], message: `unknown activity kind '${k}'` });
        }),
      );
    });
  });

export type Pack = z.infer<typeof packSchema>;
export type PartnerProgram = Pack["partner"];
export type Tier = z.infer<typeof tierSchema>;
export type Benefit = z.infer<typeof benefitSchema>;
export type BadgeDef = z.infer<typeof badgeSchema>;
export type Program = z.infer<typeof programSchema>;
export type Commitment = z.infer<typeof commitmentSchema>;
export type ActivityKind = z.infer<typeof activityKindSchema>;
export type Question = z.infer<typeof questionSchema>;
