// The program pack: every point value, tier, benefit, commitment, question and
// message template Steward uses. Programs are data; this file only says what
// shape that data must have. The seed's pack is src/programs/wix.yaml.
import { Cron } from "croner";
import { z } from "zod";
import { MAX_ENTRY } from "./ledger.ts";
import { SITE_REFUSALS, SITE_STATES, type SiteRefusal, type SiteState } from "./sites.ts";

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

/** Why a balance fell, and what restores it: filled into tierAtRiskDm as {cause} and {advice}. */
const atRiskCause = z.object({ cause: z.string(), advice: z.string() });
/** A refusal the person hears, and what to do instead when there is something. */
const refusalText = z.object({ message: z.string(), hint: z.string().optional() });

export const templatesSchema = z.object({
  tierUpPublic: z.string(),
  tierUpDm: z.string(),
  tierAtRiskDm: z.string(),
  /** Per cause: a site's premium lapsed, the partner was removed as its contributor, withdrew it, or anything else (an adjustment). */
  tierAtRiskCauses: z.object({ lapsed: atRiskCause, removed: atRiskCause, withdrawn: atRiskCause, other: atRiskCause }),
  tierDownDm: z.string(),
  siteLapsedDm: z.string(),
  siteRemovedDm: z.string(),
  /** A lapsed site's premium plan is back: {site}, {kind}, {role}. */
  siteReactivatedDm: z.string(),
  /** A moderator moved the site's ownership away: {site}, and {lost} in the variant for when it took points. */
  siteDisownedDm: z.string(),
  siteDisownedLostDm: z.string(),
  /** A moderator made the partner the site's owner: {site}, and {gained} in the variant for when it paid. */
  siteOwnerDm: z.string(),
  siteOwnerGainedDm: z.string(),
  /** Why the site lifecycle refused a request, by refusal ({site} is the site's address), with what to do instead. */
  siteRefusals: z.object(Object.fromEntries(SITE_REFUSALS.map((r) => [r, refusalText])) as Record<SiteRefusal, typeof refusalText>),
  /** Site requests refused before the lifecycle is asked: {site}; invalidUrl's {problem} (what is wrong with the address), owned's {kind}, alreadyOwner's {handle}. */
  siteProblems: z.object({
    invalidUrl: refusalText,
    owned: refusalText,
    notSubmitted: refusalText,
    notSubmittedByMember: refusalText,
    alreadyOwner: refusalText,
  }),
  /** Reasons of the ledger entries a site posts, kept in the ledger and shown by /points: {site}; award's {kind} (its label) and {role}, transferred's {handle} (the new owner). */
  siteLedgerReasons: z.object({
    award: z.string(),
    withdrawn: z.string(),
    lapsed: z.string(),
    removed: z.string(),
    transferred: z.string(),
    becameOwner: z.string(),
  }),
  /**
   * /site's replies: {site}, {kind} (its label), {role}, {handle}, {count} (partners concerned), {day};
   * submitted's {paid} (one of the paid* texts, paidPoints' {points}) and {points} (the balance);
   * transferred's {gained} and {lost} (pointsChange with {points} signed, or nothing), {from} (the old owner).
   */
  siteReplies: z.object({
    submitted: z.string(),
    resubmitted: z.string(),
    paidPoints: z.string(),
    paidOnVerify: z.string(),
    paidNothing: z.string(),
    listSummary: z.string(),
    listHeader: z.string(),
    listColumns: z.object({ site: z.string(), kind: z.string(), role: z.string(), state: z.string(), verified: z.string() }),
    listVerified: z.string(),
    listUnverified: z.string(),
    listEmpty: z.string(),
    withdrawn: z.string(),
    verified: z.string(),
    lapseScheduled: z.string(),
    lapsed: z.string(),
    reactivated: z.string(),
    contributorRemoved: z.string(),
    contributorRemovedLost: z.string(),
    transferred: z.string(),
    transferredFrom: z.string(),
    pointsChange: z.string(),
  }),
  /** How /site list shows each state. */
  siteStates: z.object(Object.fromEntries(SITE_STATES.map((s) => [s, z.string()])) as Record<SiteState, z.ZodString>),
  badgeGrantedDm: z.string(),
  badgeRevokedDm: z.string(),
  /**
   * Partner health's headings (/report partner and its weekly post): {program}, {week}; {count} in belowCaption and more,
   * {days} in unverified; summary's {title}, {below}, {promoted}, {demoted}, {lapses}, {removals}, {unverified} (counts).
   */
  healthReport: z.object({
    title: z.string(),
    titleSoFar: z.string(),
    belowColumns: z.object({ partner: z.string(), tier: z.string(), points: z.string(), needs: z.string(), demotedOn: z.string() }),
    belowCaption: z.string(),
    belowNone: z.string(),
    promotions: z.string(),
    demotions: z.string(),
    lapses: z.string(),
    removals: z.string(),
    unverified: z.string(),
    none: z.string(),
    more: z.string(),
    summary: z.string(),
  }),
});

/** Texts of the community programs' commands and messages, with `{placeholders}`. */
export const textsSchema = z.object({
  /** An amount of hours, wherever one is shown (/log, /activity, /commitments, /program): {hours}. */
  hours: z.string(),
  /**
   * /points: the ledger's {handle}, {points} (the balance) and {tier} (its name); a merge line's {from} (the handle joined in),
   * {date} and moved {entries}, {sites} and {activities}; pointsDisputeSent's {dispute} and {entry} (numbers).
   */
  pointsLedgerSummary: z.string(),
  pointsLedgerTitle: z.string(),
  pointsLedgerDisputeHint: z.string(),
  pointsLedgerEmpty: z.string(),
  pointsLedgerMerged: z.string(),
  pointsDisputeSent: z.string(),
  /** /dispute list's {count} (open disputes), and what accept and decline answer the moderator: {dispute} (its number). */
  disputeListSummary: z.string(),
  disputeListTitle: z.string(),
  disputeListHint: z.string(),
  disputeAccepted: z.string(),
  disputeDeclined: z.string(),
  /**
   * /tier: {name} (the member's display name), {tier} and {next} (tier names), {points}, {toNext} (points still to go),
   * {threshold} (of the next tier, or in tierAtRisk of the tier held), {date} (at risk since), {benefits} (names, joined by ", ").
   */
  tierHeadline: z.string(),
  tierHeadlineTop: z.string(),
  tierTitle: z.string(),
  tierFieldPoints: z.string(),
  tierFieldTier: z.string(),
  tierFieldNext: z.string(),
  tierNextValue: z.string(),
  tierProgressCaption: z.string(),
  tierAtRisk: z.string(),
  tierBenefitsUnlocked: z.string(),
  tierBenefitsNone: z.string(),
  tierNextBenefits: z.string(),
  tierNextBenefitsNone: z.string(),
  /** /badges: {handle}; badgesNoneHint's {badges} (the pack's badge names, joined by ", "). */
  badgesTitle: z.string(),
  badgesNone: z.string(),
  badgesNoneHint: z.string(),
  /**
   * /benefits: a benefit's state in the "you" column; the title's {tier} (its name) and {count} (its benefits);
   * deliver's {handle}, {benefit} (the id as typed) and, once delivered, {name} (the benefit's or perk's).
   */
  benefitsStateUnlocked: z.string(),
  benefitsStateDelivered: z.string(),
  benefitsStateAwaiting: z.string(),
  benefitsTitle: z.string(),
  benefitsTierTitle: z.string(),
  benefitsNotUnlocked: z.string(),
  benefitsNotUnlockedHint: z.string(),
  benefitsMarkedDelivered: z.string(),
  /** /leaderboard: {period} (week or month); a partner's {tier} in the grace period and the {date} it lasts until. */
  leaderboardTitle: z.string(),
  leaderboardPeriodTitle: z.string(),
  leaderboardGrace: z.string(),
  leaderboardGraceNote: z.string(),
  /**
   * /commitments: why a period is not judged (one text per reason); commitmentsNoneOther's {handle};
   * an encouraged commitment's {commitment} (its label); {hours} (a number of hours); the streak's {weeks}; field labels.
   */
  commitmentsNotJudgedJoinedMidPeriod: z.string(),
  commitmentsNotJudgedBeforeJoining: z.string(),
  commitmentsNotJudgedMembershipEnded: z.string(),
  commitmentsNotJudgedFuture: z.string(),
  commitmentsNone: z.string(),
  commitmentsNoneOther: z.string(),
  commitmentsEncouraged: z.string(),
  commitmentsMemberSince: z.string(),
  commitmentsStreak: z.string(),
  commitmentsStreakValue: z.string(),
  commitmentsMissedInARow: z.string(),
  commitmentsLeave: z.string(),
  commitmentsOnLeave: z.string(),
  /** /certify: {kind} (as typed), {certifications} (the pack's, joined by ", "), {certification} (its label). */
  pointsUnknownCertification: z.string(),
  pointsCertificationsHint: z.string(),
  pointsCertifiedTwice: z.string(),
  /** /adjust: {max} (the pack's maxAdjustment), {points} (as asked, signed). */
  pointsAdjustZero: z.string(),
  pointsAdjustUsage: z.string(),
  pointsAdjustTooMuch: z.string(),
  pointsAdjustTooMuchHint: z.string(),
  /**
   * /dispute: {entry} and {dispute} (numbers), {state} (open, accepted or declined), {name} (who disputes);
   * the accepted reason is the correcting entry's in the ledger, with the moderator's {note}; the DMs' {points} (signed) and {reason}.
   */
  pointsDisputeNotYours: z.string(),
  pointsDisputeNotYoursHint: z.string(),
  pointsDisputeTwice: z.string(),
  pointsDisputeDecided: z.string(),
  pointsDisputeDecidedHint: z.string(),
  pointsDisputeOpened: z.string(),
  pointsDisputeTitle: z.string(),
  pointsDisputeDeclineAsk: z.string(),
  pointsDisputeUnknown: z.string(),
  pointsDisputeUnknownHint: z.string(),
  pointsDisputeAlreadyDecided: z.string(),
  pointsDisputeAcceptUsage: z.string(),
  pointsDisputeAcceptedReason: z.string(),
  pointsDisputeAcceptedReasonWithNote: z.string(),
  pointsDisputeAcceptedDm: z.string(),
  pointsDisputeDeclinedDm: z.string(),
  /**
   * The ledger: pointsBeyondBound's {limit} (signed) and {max}; what tierUpDm's {benefits} and tierAtRiskDm's {sites}
   * say when there is nothing to name; the tier card's banner; the badge reasons' {tier} (its name).
   */
  pointsBeyondBound: z.string(),
  pointsNoNewBenefits: z.string(),
  pointsNoSite: z.string(),
  pointsTierCardBanner: z.string(),
  pointsBadgeReached: z.string(),
  pointsBadgeTierNow: z.string(),
  /** Naming another member where only moderators may: {what} and {own} (the command for one's own), given by the command. */
  memberPrivate: z.string(),
  /** /settings timezone: {zone} (as typed). */
  settingsBadZone: z.string(),
  settingsBadZoneHint: z.string(),
  /**
   * /report and its weekly post: {program}, {week} (its key; in reportTitle with its days and zone), {example} (this week's key);
   * the flagged line's {label} and {members} (reportAndMore when cut, with {list} and {count}); a row's {date};
   * {shown} and {count} (members); reportAwaiting's {lines} (reportAwaitingMore when cut); the summary's counts
   * {total}, {met}, {atRisk}, {missed}, {paused}, {flagged} and {flaggedLabel}; the heatmap's {weeks}.
   */
  reportUsage: z.string(),
  reportNotAWeek: z.string(),
  reportNotStarted: z.string(),
  reportTitle: z.string(),
  reportFlagged: z.string(),
  reportAndMore: z.string(),
  reportRowFlagged: z.string(),
  reportRowOnLeave: z.string(),
  reportRowLeft: z.string(),
  reportFirstRows: z.string(),
  reportAwaiting: z.string(),
  reportAwaitingMore: z.string(),
  reportAsOf: z.string(),
  /** A past week's cells corrected since it was posted: {lines} (one "@handle commitment: what" per cell). */
  reportChanged: z.string(),
  reportSummary: z.string(),
  reportHeatmapTitle: z.string(),
  /** The dashboard: its audit log's {day} (as given, cut at 20 characters) and {field} (from or to). */
  dashboardOff: z.string(),
  dashboardOffHint: z.string(),
  dashboardNotADate: z.string(),
  dashboardNotADateHint: z.string(),
  /**
   * /link's replies: {label} (linkForumLabel or linkDashboardLabel) and {id} (the account), {handle}, {notes} (the
   * linkHeld* texts joined by "; ", each with its {count}); a code's {code}, {time} (when it expires, UTC) and {minutes} (how long it lasts), and once
   * entered {merged} (the handle that joined), {handle} (the member both are now) and {points} (the joined balance).
   */
  linkCodeAlone: z.string(),
  linkCodeOwnOnly: z.string(),
  linkOneAtATime: z.string(),
  linkUsageAll: z.string(),
  linkCodeSent: z.string(),
  linkCodeSentNote: z.string(),
  linkCodeJoined: z.string(),
  linkCodeJoinedAlready: z.string(),
  linkRequested: z.string(),
  linkLinked: z.string(),
  linkLinkedWithNotes: z.string(),
  linkHeldAppliedForum: z.string(),
  linkHeldAppliedDashboard: z.string(),
  linkHeldExpired: z.string(),
  linkHeldNotCounted: z.string(),
  /** /link pending: {requests} and {held} (counts). */
  linkPendingSummary: z.string(),
  linkPendingRequests: z.string(),
  linkPendingHeld: z.string(),
  linkPendingHint: z.string(),
  /** /unlink's reply: {handle}, {label} (linkForumLabel or linkDashboardLabel), {id} (the account). */
  unlinkDone: z.string(),
  /**
   * /program <program>: {name} and {description} (or its id), a commitment's amount (`hours` for hours) and how often,
   * {perks} (programPerk lines joined by newlines, each with its {perk}), a badge's {badge} and {place}, {terms}, {id}.
   */
  programDetailSummary: z.string(),
  programPerWeek: z.string(),
  programPerMonth: z.string(),
  programPerQuarter: z.string(),
  programRequired: z.string(),
  programEncouraged: z.string(),
  programPerks: z.string(),
  programPerk: z.string(),
  programPerkBadge: z.string(),
  programTerms: z.string(),
  programYouAreMember: z.string(),
  programApplyWith: z.string(),
  /** /program's list: programListMember marks the programs one is in. */
  programListTitle: z.string(),
  programListMember: z.string(),
  programListHint: z.string(),
  /** /program members and remove: {program} (its name), {count} (members), {handle}. */
  programMembersSummary: z.string(),
  programMembersOne: z.string(),
  programMembersMany: z.string(),
  programRemoved: z.string(),
  /** /program add: {handle}, {program} (its name), {date} (since), {why} (the conflict). */
  programAdded: z.string(),
  programAddedDm: z.string(),
  programAddedReason: z.string(),
  programAddConflict: z.string(),
  programAddHint: z.string(),
  /** /review and its decisions: {count} (applications waiting), {handle}, {program} (its name). */
  reviewNoneWaiting: z.string(),
  reviewWaitingSummary: z.string(),
  reviewWaitingOne: z.string(),
  reviewWaitingMany: z.string(),
  reviewApproved: z.string(),
  reviewRejected: z.string(),
  /** /activity list and reject: {count} (activities shown), {handle}, a row's {reason} (its hours are `hours`), {id} (short). */
  activityListSummary: z.string(),
  activityListTitle: z.string(),
  activityListRejected: z.string(),
  activityListCounts: z.string(),
  activityRejected: z.string(),
  /** /adjust's reply: {points} (signed), {handle}, {reason}, {balance}. */
  adjustDone: z.string(),
  /** /certify's reply: {handle}, {certification} (its label), {points} (what it pays), {balance}. */
  certifyDone: z.string(),
  /** A moderator rejected a logged activity: {activity} (its kind, day and link), {reason}. */
  activityRejectedDm: z.string(),
  /** /log's refusals: {kind} (the kind asked for, or its label), {kinds} (the kinds that can be logged), {date}, {today}, {days} and {oldest} (the backdating limit). */
  logUnknownKind: z.string(),
  logAutomatic: z.string(),
  logKindsHint: z.string(),
  logNotADate: z.string(),
  logInFuture: z.string(),
  logTooOld: z.string(),
  logTooOldHint: z.string(),
  /** /log with something missing or wrong: {kind} (its label) and {problems} (the texts below, joined by "; "); logNotALink's {url}. */
  logInvalid: z.string(),
  logNotALink: z.string(),
  logLinkMissing: z.string(),
  logHoursMissing: z.string(),
  /** /log with hours out of range: {max}. */
  logHoursOutOfRange: z.string(),
  /** /log of a link logged before: {url}, {date} (when it happened), {handle} (who logged it). */
  logAlreadyYours: z.string(),
  logAlreadyTheirs: z.string(),
  logDuplicateHint: z.string(),
  logLinkTaken: z.string(),
  /** /log's reply: {what} (the kind's label, `hours`, the link), {date}, {commitments} (joined by "; "), {id}. */
  logged: z.string(),
  loggedCountsToward: z.string(),
  loggedCountsNothing: z.string(),
  /** /log's form, where a platform shows one: {kind} (its label, the title cut at 45 characters), {programs} (the choices, joined by " or "). */
  logFormTitle: z.string(),
  logFormLink: z.string(),
  logFormHours: z.string(),
  logFormDate: z.string(),
  logFormNote: z.string(),
  logFormProgram: z.string(),
  /**
   * /log when the program is not clear (programs run independently): {program} (the one named), {programs} (the
   * member's, joined by " and "), {kind} (its label, lower case), {choices} (`program:<id>` joined by " or "), {usage}.
   */
  logProgramNotYours: z.string(),
  logProgramNameOne: z.string(),
  logProgramNone: z.string(),
  logProgramAsk: z.string(),
  logProgramAskHint: z.string(),
  /** /activity reject: {id} (as typed), {date}; activityDescribed fills activityRejectedDm's {activity} with {kind} (its label), {date} and {url}. */
  activityNotAnId: z.string(),
  activityNotAnIdHint: z.string(),
  activityUnknown: z.string(),
  activityUnknownHint: z.string(),
  activityAmbiguous: z.string(),
  activityAlreadyRejected: z.string(),
  activityDescribed: z.string(),
  activityDescribedWithLink: z.string(),
  /** /pause: {until} (the last day, inclusive), {reason}, {max} and {longest} (the furthest day a leave may end). */
  pauseUsage: z.string(),
  pauseNotADate: z.string(),
  pauseInPast: z.string(),
  pauseTooLong: z.string(),
  pauseStarted: z.string(),
  pauseEnded: z.string(),
  pauseNone: z.string(),
  pauseStatus: z.string(),
  pauseStatusWithReason: z.string(),
  /**
   * /link forum:… and dashboard:…, /unlink: {label} (linkForumLabel or linkDashboardLabel), {id} (the account), {handle},
   * {platform} (forum or dashboard; unlinkUnknownPlatform's is as typed, cut at 40), {account} (the option as typed, like forum:<username>), {raw} (what was typed, cut at 60).
   */
  linkForumLabel: z.string(),
  linkDashboardLabel: z.string(),
  linkNotAForumUser: z.string(),
  linkNotADashboardId: z.string(),
  linkUsage: z.string(),
  linkOthersForbidden: z.string(),
  linkAlreadyTheirs: z.string(),
  linkTakenBy: z.string(),
  linkTakenByHint: z.string(),
  linkHasOther: z.string(),
  linkHasHint: z.string(),
  linkAlreadyYours: z.string(),
  linkTaken: z.string(),
  linkTakenHint: z.string(),
  linkRequestPost: z.string(),
  unlinkUnknownPlatform: z.string(),
  unlinkUsage: z.string(),
  unlinkOthersForbidden: z.string(),
  unlinkNone: z.string(),
  unlinkNoneHint: z.string(),
  /** /link code:<code>: {max} wrong codes in {minutes} minutes, {time} (when to try again), {length} (of a code), {minutes} (how long a code lasts), {usage} (linkCodeUsage). */
  linkCodeTooMany: z.string(),
  linkCodeTooManyHint: z.string(),
  linkCodeWrong: z.string(),
  linkCodeNotACode: z.string(),
  linkCodeUsed: z.string(),
  linkCodeExpired: z.string(),
  linkCodeHint: z.string(),
  linkCodeUsage: z.string(),
  linkCodeOwn: z.string(),
  linkCodeOwnHint: z.string(),
  /** Why two members cannot be joined yet: {a} and {b} (their handles), {problems} (the texts below, joined by " "), {url}, {program} (its id), {stateA} and {stateB}, {platform}, {idA} and {idB}. */
  mergeConflict: z.string(),
  mergeConflictHint: z.string(),
  mergeSiteConflict: z.string(),
  mergeMembershipConflict: z.string(),
  mergeApplicationConflict: z.string(),
  mergeAccountConflict: z.string(),
  /** /apply: {program} (its name), {date} (of the application or decision), {again} (first day to apply again), {reason}, {name} (the applicant's), {terms}. */
  applyMember: z.string(),
  applyMemberHint: z.string(),
  applyPending: z.string(),
  applyPendingHint: z.string(),
  applyCooldown: z.string(),
  applyCooldownHint: z.string(),
  applyPost: z.string(),
  applySubmitted: z.string(),
  applySubmittedTerms: z.string(),
  /** The form's opening line before the questions: {terms}. */
  applyBeforeYouApply: z.string(),
  applySubmittedNext: z.string(),
  /** /review: {handle}, {program} (its name), {state} and {date} (of an application decided already), {reason}, {again} (first day to apply again); reviewApprovedCommitments follows reviewApprovedDm when the program has commitments; reviewBadgeReason is the badge's reason. */
  reviewNone: z.string(),
  reviewNoneDecided: z.string(),
  reviewNoneHint: z.string(),
  reviewApprovedDm: z.string(),
  reviewApprovedCommitments: z.string(),
  reviewRejectedDm: z.string(),
  reviewBadgeReason: z.string(),
  /** /program: {id} (as typed, or the program's), {programs} (the ids), {handle}, {program} (its name), {reason}. */
  programUnknown: z.string(),
  programUnknownHint: z.string(),
  programNotMember: z.string(),
  programNotMemberHint: z.string(),
  programRemovedDm: z.string(),
  /**
   * /schedule: the list's {count} (schedules) and {tz} (the organisation's zone), scheduleContinuous in place of a next run;
   * /schedule run's {id} (as typed) and {choices} (the kinds and ids, joined by ", ");
   * /schedule subscribe and unsubscribe: {programs} (the ids still subscribed, joined by ", ").
   */
  scheduleListSummary: z.string(),
  scheduleListTitle: z.string(),
  scheduleContinuous: z.string(),
  scheduleListHint: z.string(),
  scheduleUnknown: z.string(),
  scheduleRan: z.string(),
  /**
   * The reminder of open commitments (a DM): {program} (its name), {unit} (week, month or quarter), {when} (the deadline in the
   * member's zone), {commitments} (reminderOneCommitment, or reminderCommitments' {count}), {list} (the open ones, a "• " line each).
   * In /schedule's list: the reminder schedules' descriptions ({program}, {unit}, {days}: the lead time) and when a deadline
   * reminder runs ({days}, {unit}, {cron}).
   */
  reminderSummary: z.string(),
  reminderOneCommitment: z.string(),
  reminderCommitments: z.string(),
  reminderTitle: z.string(),
  reminderList: z.string(),
  reminderDueBy: z.string(),
  reminderHint: z.string(),
  reminderWeeklySchedule: z.string(),
  reminderDeadlineSchedule: z.string(),
  reminderDeadlineWhen: z.string(),
  /** The last of the weekly reports caught up after downtime: {weeks} (the pack's reportCatchUpWeeks), {skipped} (the weeks left out), {program} (its id). */
  reportCatchUpSkipped: z.string(),
  scheduleSubscribedAll: z.string(),
  scheduleSubscribed: z.string(),
  scheduleUnsubscribedAll: z.string(),
  scheduleUnsubscribedSome: z.string(),
  scheduleUnsubscribedNone: z.string(),
  /** /settings: {zone} (the member's, or settingsHint's the organisation's), {local} (the time there now); settingsZoneOrganisation when the member has set none. */
  settingsZoneSet: z.string(),
  settingsZone: z.string(),
  settingsZoneLabel: z.string(),
  settingsZoneOrganisation: z.string(),
  settingsHint: z.string(),
  /** /dashboard's sign-in link: {url}, {minutes} (how long it lasts), {time} (when it expires, HH:mm UTC). */
  dashboardSignIn: z.string(),
  dashboardSignInIntro: z.string(),
  dashboardSignInValid: z.string(),
  /** /member: {handle}, {filename}; the forget preview's and result's {becomes} (forgotten-<n>), {was} and {changes} (rows per table). */
  memberExportDone: z.string(),
  memberForgetPreview: z.string(),
  memberForgetDone: z.string(),
  memberAlreadyForgotten: z.string(),
  /** /help: {name} (the command asked for, as typed); the list's title and hint. */
  helpUnknownCommand: z.string(),
  helpUnknownCommandHint: z.string(),
  helpTitle: z.string(),
  helpHint: z.string(),
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
export type Templates = z.infer<typeof templatesSchema>;
export type RefusalText = z.infer<typeof refusalText>;
export type Texts = z.infer<typeof textsSchema>;
