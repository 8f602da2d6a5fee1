// Read models for the moderators' dashboard: a program's compliance grid
// (members × weeks), the partner program at a glance, and the audit log.
// Statuses come from the same evaluation as /commitments and /report
// (evaluateProgramMembers); nothing here judges a member by itself.
import { DateTime } from "luxon";
import type { App } from "../app.ts";
import { UserError } from "../core/errors.ts";
import { compareForReport, type CommitmentEvaluation, type CommitmentStatus } from "../domain/commitments.ts";
import type { Program } from "../domain/pack.ts";
import { demotionDate, tierById, tierFor } from "../domain/partner.ts";
import { LOST_BY_OTHERS, VERIFIABLE_STATES } from "../domain/sites.ts";
import { parseDay, periodOf, previousPeriod, type Period } from "../domain/periods.ts";
import { atLeastShown } from "../chat/commitments.ts";
import { fillTemplate } from "../domain/templates.ts";
import { evaluateProgramMembers, type ProgramEvaluationResult } from "./commitments.ts";
import { heldBadges } from "./badges.ts";
import { leaderboard, ledgerOf, type LeaderboardRow } from "./partner.ts";
import { listSites } from "./sites.ts";
import { findProgram } from "./programs.ts";

export const GRID_WEEKS = 12;
export const GRID_PAGE_SIZE = 50;

export interface GridRow {
  memberId: string;
  handle: string;
  displayName: string;
  /** Weeks missed in a row, as the report shows it ("12+" when it reaches back past the window). */
  missedInARow: string;
  flagged: boolean;
  /** One per week of `GridPage.weeks`: the overall status as that week's report had it. */
  weeks: CommitmentStatus[];
  /** One per week: a cell of that week's report was corrected since the week ended (the report says what). */
  changed: boolean[];
}

/** How the grid can be ordered: repeat missers first (the report's order), by handle, or by join date (earliest first). */
export const GRID_SORTS = ["missed", "name", "joined"] as const;
export type GridSort = (typeof GRID_SORTS)[number];

export interface GridQuery {
  page?: number;
  pageSize?: number;
  /** Only these members (a member's own page). */
  memberIds?: string[];
  /** Part of a handle or display name, any case; a leading @ is ignored. */
  q?: string | undefined;
  /** Only members whose status now is this. */
  status?: CommitmentStatus | undefined;
  sort?: GridSort | undefined;
}

export interface GridPage {
  program: Program;
  /** What was asked, to keep in the pager's links and the form. */
  query: { q?: string | undefined; status?: CommitmentStatus | undefined; sort: GridSort };
  /** Oldest first; the last is the week still running. */
  weeks: Period[];
  rows: GridRow[];
  page: number;
  pages: number;
  /** Members that match the search and filter. */
  total: number;
  /** Every active member of the program. */
  programTotal: number;
}

/** The last `count` weeks, oldest first, ending with the current one. */
export function lastWeeks(app: App, count = GRID_WEEKS): Period[] {
  const weeks = [periodOf("week", app.now(), app.config.STEWARD_TIMEZONE)];
  while (weeks.length < count) weeks.unshift(previousPeriod(weeks[0] as Period));
  return weeks;
}

/** The active members of a program whose handle or display name holds `q` (LIKE's wildcards taken literally). */
async function searchProgram(app: App, programId: string, q: string): Promise<string[]> {
  const pattern = `%${q.replace(/^@/, "").replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await app.sql.query<{ id: string }>(
    `SELECT m.id FROM memberships ms JOIN members m ON m.id = ms.member_id
     WHERE ms.program_id = $1 AND ms.state = 'active' AND (m.handle ILIKE $2 OR m.display_name ILIKE $2)`,
    [programId, pattern],
  );
  return rows.map((r) => r.id);
}

type Judged = ProgramEvaluationResult["rows"][number];

const GRID_ORDER: Record<GridSort, (a: Judged, b: Judged) => number> = {
  missed: (a, b) => compareForReport(a, b) || a.member.handle.localeCompare(b.member.handle),
  name: (a, b) => a.member.handle.localeCompare(b.member.handle),
  joined: (a, b) => a.member.joinedAt.getTime() - b.member.joinedAt.getTime() || a.member.handle.localeCompare(b.member.handle),
};

/**
 * One page of a program's grid, searched, filtered and ordered over the whole
 * program. Every matching member is judged once as of now (a search narrows
 * who is judged, so finding one member among thousands is one small query);
 * only the page's members are then judged week by week.
 */
export async function complianceGrid(app: App, programId: string, opts: GridQuery = {}): Promise<GridPage> {
  const program = findProgram(app, programId);
  const pageSize = opts.pageSize ?? GRID_PAGE_SIZE;
  const sort = opts.sort ?? "missed";
  const q = opts.q?.trim() || undefined;
  const found = q ? await searchProgram(app, program.id, q) : undefined;
  const memberIds = found && opts.memberIds ? found.filter((id) => opts.memberIds?.includes(id)) : (found ?? opts.memberIds);
  const [now, programTotal] = await Promise.all([
    evaluateProgramMembers(app, program.id, memberIds ? { memberIds } : {}),
    app.db.membership.count({ where: { programId: program.id, state: "active" } }),
  ]);
  const ordered = now.rows.filter((r) => !opts.status || r.overall === opts.status).sort(GRID_ORDER[sort]);
  const pages = Math.max(1, Math.ceil(ordered.length / pageSize));
  const page = Math.min(Math.max(1, Math.trunc(opts.page ?? 1)), pages);
  const slice = ordered.slice((page - 1) * pageSize, page * pageSize);
  const weeks = lastWeeks(app);
  const ids = slice.map((r) => r.member.memberId);
  const byWeek = ids.length
    ? await Promise.all(weeks.map((period) => evaluateProgramMembers(app, program.id, { period, memberIds: ids, lookbackWeeks: 0 })))
    : [];
  const statusOf = byWeek.map((w) => new Map(w.rows.map((r) => [r.member.memberId, r.overall])));
  const changedOf = byWeek.map((w) => new Set(w.rows.filter((r) => r.changed?.some((c) => c.length)).map((r) => r.member.memberId)));
  const rows = slice.map((r) => ({
    memberId: r.member.memberId,
    handle: r.member.handle,
    displayName: r.member.displayName,
    missedInARow: atLeastShown(r.missedInARow, r.member, now.windowWeeks),
    flagged: r.flagged,
    weeks: statusOf.map((m) => m.get(r.member.memberId) ?? "not-yet-judged"),
    changed: changedOf.map((m) => m.has(r.member.memberId)),
  }));
  return { program, query: { q, status: opts.status, sort }, weeks, rows, page, pages, total: ordered.length, programTotal };
}

/** The programs a grid can show: those with commitments. */
export function gridPrograms(app: App): Program[] {
  return app.pack.programs.filter((p) => p.commitments.length > 0);
}

/** A member's activities as their page lists them; `label`: the kind as the pack names it. */
export type MemberActivity = { kind: string; label: string; occurredAt: Date; hours: number | null; url: string | null; rejected: boolean };

async function recentActivities(app: App, memberId: string): Promise<MemberActivity[]> {
  const activities = await app.db.activity.findMany({
    where: { memberId },
    orderBy: [{ occurredAt: "desc" }, { id: "asc" }],
    take: 50,
    select: { kind: true, occurredAt: true, hours: true, url: true, rejectedAt: true },
  });
  const label = new Map(app.pack.activityKinds.map((k) => [k.id, k.label]));
  return activities.map((a) => ({ kind: a.kind, label: label.get(a.kind) ?? a.kind, occurredAt: a.occurredAt, hours: a.hours, url: a.url, rejected: a.rejectedAt !== null }));
}

export interface PartnerOverview {
  tiers: Array<{ id: string; name: string; threshold: number; members: number }>;
  leaders: LeaderboardRow[];
  grace: Array<{ handle: string; points: number; tier: string; dropsTo: string; atRiskSince: Date; demotionOn: Date }>;
  lapses: Array<{ handle: string; url: string; state: string; at: Date }>;
  waiting: Array<{ handle: string; url: string; kind: string; role: string; submittedAt: Date }>;
  waitingTotal: number;
}

const LIST_LIMIT = 50;

export async function partnerOverview(app: App): Promise<PartnerOverview> {
  const partner = app.pack.partner;
  const [counts, leaders, atRisk, lapses, waiting, waitingTotal] = await Promise.all([
    // A partner is a member of the partner program: a site, a certification, a ledger entry or a partner membership.
    // Anyone else (a community leader, a lurker the ledger once looked at) is not in a tier at all.
    app.sql.query<{ tier: string; n: string | number }>(
      `SELECT coalesce(b.tier, $1) AS tier, count(*) AS n
         FROM members m LEFT JOIN balances b ON b.member_id = m.id
        WHERE NOT m.is_bot
          AND (EXISTS (SELECT 1 FROM sites s WHERE s.member_id = m.id)
            OR EXISTS (SELECT 1 FROM certifications c WHERE c.member_id = m.id)
            OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.member_id = m.id)
            OR EXISTS (SELECT 1 FROM memberships ms WHERE ms.member_id = m.id AND ms.state = 'active' AND ms.program_id = ANY($2::text[])))
        GROUP BY 1`,
      [partner.tiers[0]?.id ?? "", app.pack.programs.filter((p) => p.type === "partner-verification").map((p) => p.id)],
    ),
    leaderboard(app, null, 20),
    app.db.balance.findMany({
      where: { atRiskSince: { not: null } },
      orderBy: { atRiskSince: "asc" },
      take: LIST_LIMIT,
      include: { member: { select: { handle: true } } },
    }),
    app.db.site.findMany({
      where: { state: { in: [...LOST_BY_OTHERS] } },
      orderBy: { stateChangedAt: "desc" },
      take: LIST_LIMIT,
      include: { member: { select: { handle: true } } },
    }),
    app.db.site.findMany({
      where: { state: { in: [...VERIFIABLE_STATES] }, verifiedAt: null },
      orderBy: { submittedAt: "asc" },
      take: LIST_LIMIT,
      include: { member: { select: { handle: true } } },
    }),
    app.db.site.count({ where: { state: { in: [...VERIFIABLE_STATES] }, verifiedAt: null } }),
  ]);
  const byTier = new Map(counts.map((c) => [c.tier, Number(c.n)]));
  return {
    tiers: partner.tiers.map((t) => ({ id: t.id, name: t.name, threshold: t.threshold, members: byTier.get(t.id) ?? 0 })),
    leaders,
    grace: atRisk.map((b) => ({
      handle: b.member.handle,
      points: b.points,
      tier: tierById(partner.tiers, b.tier).name,
      dropsTo: tierFor(partner.tiers, b.points).name,
      atRiskSince: b.atRiskSince as Date,
      demotionOn: demotionDate(partner, b.atRiskSince as Date),
    })),
    lapses: lapses.map((s) => ({ handle: s.member.handle, url: s.url, state: s.state, at: s.stateChangedAt })),
    waiting: waiting.map((s) => ({ handle: s.member.handle, url: s.url, kind: s.kind, role: s.role, submittedAt: s.submittedAt })),
    waitingTotal,
  };
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  /** Inclusive days, YYYY-MM-DD in the organisation's zone. */
  from?: string | undefined;
  to?: string | undefined;
  /** Keyset paging: entries older than this id. */
  before?: number | undefined;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  details: unknown;
}

export const AUDIT_PAGE_SIZE = 50;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The actions the audit log holds, for the filter's choice. */
export async function auditActions(app: App): Promise<string[]> {
  // DISTINCT in the database: Prisma's `distinct` reads every row's action and removes the repeats in memory.
  const rows = await app.sql.query<{ action: string }>("SELECT DISTINCT action FROM audit_log ORDER BY action LIMIT 500");
  return rows.map((r) => r.action);
}

/** The first instant of a calendar day in the organisation's zone; anything but a real YYYY-MM-DD is refused. */
function dayStart(app: App, day: string, field: string): Date {
  const d = parseDay(day, app.config.STEWARD_TIMEZONE);
  if (!d) throw new UserError(fillTemplate(app.pack.texts.dashboardNotADate, { day: day.slice(0, 20) }), fillTemplate(app.pack.texts.dashboardNotADateHint, { field }), "audit.date");
  return d.toJSDate();
}

function nextDay(app: App, day: Date): Date {
  return DateTime.fromJSDate(day, { zone: app.config.STEWARD_TIMEZONE }).plus({ days: 1 }).toJSDate();
}

/** Audit entries, newest first, filtered; handles shown for member ids. */
export async function auditEntries(app: App, filter: AuditFilter, pageSize = AUDIT_PAGE_SIZE): Promise<{ entries: AuditEntry[]; older: number | undefined }> {
  let actorId: string | undefined;
  if (filter.actor) {
    const handle = filter.actor.trim().replace(/^@/, "").toLowerCase();
    const member = await app.db.member.findUnique({ where: { handle }, select: { id: true } });
    actorId = member?.id ?? handle;
  }
  const createdAt: { gte?: Date; lt?: Date } = {};
  if (filter.from) createdAt.gte = dayStart(app, filter.from, "from");
  if (filter.to) createdAt.lt = nextDay(app, dayStart(app, filter.to, "to"));
  const rows = await app.db.auditLog.findMany({
    where: {
      ...(actorId ? { actor: actorId } : {}),
      ...(filter.action ? { action: { startsWith: filter.action.trim() } } : {}),
      ...(createdAt.gte || createdAt.lt ? { createdAt } : {}),
      ...(filter.before ? { id: { lt: filter.before } } : {}),
    },
    orderBy: { id: "desc" },
    take: pageSize + 1,
  });
  const page = rows.slice(0, pageSize);
  // Member ids in the details too (a merge names both members): shown as handles like the actor and target.
  const inDetails = page.flatMap((r) => JSON.stringify(r.details ?? null).match(UUID) ?? []);
  const ids = [...new Set([...page.flatMap((r) => [r.actor, r.target ?? ""]), ...inDetails].filter(Boolean))];
  const members = await app.db.member.findMany({ where: { id: { in: ids } }, select: { id: true, handle: true } });
  const handleOf = new Map(members.map((m) => [m.id, `@${m.handle}`]));
  return {
    entries: page.map((r) => ({
      id: r.id,
      at: r.createdAt,
      actor: handleOf.get(r.actor) ?? r.actor,
      action: r.action,
      target: r.target === null ? null : (handleOf.get(r.target) ?? r.target),
      outcome: r.outcome,
      details: r.details === null || r.details === undefined ? r.details : JSON.parse(JSON.stringify(r.details).replace(UUID, (id) => handleOf.get(id) ?? id)),
    })),
    older: rows.length > pageSize ? page.at(-1)?.id : undefined,
  };
}

/** One week of a member's program: the status the grid shows and the required commitments that decided it. */
export interface MemberWeek {
  week: Period;
  status: CommitmentStatus;
  /** The required commitments whose status is the week's (the worst of them decides, as in the grid and /commitments). */
  because: CommitmentEvaluation[];
  /** The week was corrected after it ended (its /report says what). */
  changed: boolean;
}

export interface MemberProfile {
  member: { id: string; handle: string; displayName: string; createdAt: Date };
  memberships: Array<{ program: string; state: string; joinedAt: Date; endedAt: Date | null }>;
  /** Each program with commitments the member is in: weeks newest first. */
  programs: Array<{ program: Program; missedInARow: string; flagged: boolean; weeks: MemberWeek[] }>;
  points: { balance: number; tier: string; atRiskSince: Date | null; byKind: Array<{ kind: string; points: number; entries: number }>; recent: Array<{ at: Date; delta: number; reason: string; by: string }> };
  sites: Array<{ url: string; kind: string; role: string; state: string; verifiedAt: Date | null; verifiedBy: string | null }>;
  badges: Array<{ name: string; grantedAt: Date }>;
  leaves: Array<{ startsAt: Date; endsAt: Date; reason: string | null }>;
  activities: MemberActivity[];
}

/**
 * A member on one page: each week of each program judged exactly as the grid
 * judges it (evaluateProgramMembers as of that week), with the commitments
 * that decided it; points and ledger; sites, badges, leaves and activities.
 */
export async function memberProfile(app: App, handle: string): Promise<MemberProfile | undefined> {
  const member = await app.db.member.findUnique({ where: { handle: handle.toLowerCase().replace(/^@/, "") }, select: { id: true, handle: true, displayName: true, createdAt: true } });
  if (!member) return undefined;
  const id = member.id;
  const [memberships, balance, byKind, recent, sites, badges, leaves, activities] = await Promise.all([
    app.db.membership.findMany({ where: { memberId: id }, orderBy: [{ joinedAt: "desc" }, { id: "asc" }] }),
    app.db.balance.findUnique({ where: { memberId: id } }),
    app.db.ledgerEntry.groupBy({ by: ["kind"], where: { memberId: id }, _sum: { delta: true }, _count: { _all: true }, orderBy: { kind: "asc" } }),
    ledgerOf(app, id, 10),
    listSites(app, id),
    heldBadges(app, id),
    app.db.pause.findMany({ where: { memberId: id }, orderBy: [{ startsAt: "desc" }, { id: "asc" }], take: 20 }),
    recentActivities(app, id),
  ]);
  const active = new Set(memberships.filter((m) => m.state === "active").map((m) => m.programId));
  const weeks = lastWeeks(app);
  const programs: MemberProfile["programs"] = [];
  for (const program of gridPrograms(app)) {
    if (!active.has(program.id)) continue;
    const [now, ...byWeek] = await Promise.all([
      evaluateProgramMembers(app, program.id, { memberIds: [id] }),
      // The grid's own call for a week's cell (complianceGrid): the same options, so the same verdict.
      ...weeks.map((period) => evaluateProgramMembers(app, program.id, { period, memberIds: [id], lookbackWeeks: 0 })),
    ]);
    const row = now.rows[0];
    if (!row) continue;
    const judged = byWeek.map((w, i): MemberWeek => {
      const r = w.rows[0];
      const status = r?.overall ?? "not-yet-judged";
      return { week: weeks[i] as Period, status, because: r?.commitments.filter((c) => c.required && c.status === status) ?? [], changed: Boolean(r?.changed?.some((c) => c.length)) };
    });
    programs.push({ program, missedInARow: atLeastShown(row.missedInARow, row.member, now.windowWeeks), flagged: row.flagged, weeks: judged.reverse() });
  }
  const actors = [...new Set([...recent.map((e) => e.actor), ...sites.flatMap((s) => (s.verifiedBy ? [s.verifiedBy] : []))])];
  const handles = new Map((await app.db.member.findMany({ where: { id: { in: actors } }, select: { id: true, handle: true } })).map((m) => [m.id, `@${m.handle}`]));
  const programName = (pid: string) => app.pack.programs.find((p) => p.id === pid)?.name ?? pid;
  const tiers = app.pack.partner.tiers;
  return {
    member,
    memberships: memberships.map((m) => ({ program: programName(m.programId), state: m.state, joinedAt: m.joinedAt, endedAt: m.endedAt })),
    programs,
    points: {
      balance: balance?.points ?? 0,
      tier: balance ? tierById(tiers, balance.tier).name : (tiers[0]?.name ?? ""),
      atRiskSince: balance?.atRiskSince ?? null,
      byKind: byKind.map((k) => ({ kind: k.kind, points: k._sum?.delta ?? 0, entries: typeof k._count === "object" ? (k._count._all ?? 0) : 0 })),
      recent: recent.map((e) => ({ at: e.createdAt, delta: e.delta, reason: e.reason, by: handles.get(e.actor) ?? e.actor })),
    },
    sites: sites.map((s) => ({ url: s.url, kind: app.pack.partner.sites[s.kind]?.label ?? s.kind, role: s.role, state: (app.pack.partner.templates.siteStates as Record<string, string>)[s.state] ?? s.state, verifiedAt: s.verifiedAt, verifiedBy: s.verifiedBy ? (handles.get(s.verifiedBy) ?? s.verifiedBy) : null })),
    badges: badges.map((b) => ({ name: b.def.name, grantedAt: b.grantedAt })),
    leaves: leaves.map((p) => ({ startsAt: p.startsAt, endsAt: p.endsAt, reason: p.reason })),
    activities,
  };
}
