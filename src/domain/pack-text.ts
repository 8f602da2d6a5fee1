// The program pack's words: the partner program's message templates and the
// texts of the commands and messages, each a template with `{placeholders}`
// (domain/templates.ts fills them). The pack (src/programs/wix.yaml) words
// them; this file says which there are and what each may name. The rest of
// the pack's shape is pack.ts.
import { z } from "zod";
import { SITE_REFUSALS, SITE_STATES, type SiteRefusal, type SiteState } from "./sites.ts";

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

export type Templates = z.infer<typeof templatesSchema>;
export type RefusalText = z.infer<typeof refusalText>;
export type Texts = z.infer<typeof textsSchema>;
