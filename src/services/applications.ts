// Applications to programs that must be applied to: submitted with the pack's
// questions, posted to the program's moderators with Approve / Reject buttons,
// and decided by a moderator. Approval makes the membership active and grants
// the program's badge; both outcomes reach the applicant through the outbox.
import { reapplyFrom } from "../domain/applications.ts";
import { isWebUrl } from "../domain/urls.ts";
import { fillTemplate } from "../domain/templates.ts";
import type { App } from "../app.ts";
import { reply, type Block, type Form, type Reply } from "../chat/reply.ts";
import { UserError } from "../core/errors.ts";
import type { Actor } from "../core/actor.ts";
import type { Program, Question, Texts } from "../domain/pack.ts";
import type { Tx } from "../store/client.ts";
import { audit } from "./audit.ts";
import { grantBadge } from "./badges.ts";
import { applyHeldPartnerEvents } from "./partner-events.ts";
import { accountId, linkInTx } from "./links.ts";
import { resolveMember, type MemberRef } from "./members.ts";
import { enqueue } from "./outbox.ts";
import { findProgram, programBadge } from "./programs.ts";
import { transaction } from "../store/transaction.ts";


export type Answers = Record<string, string>;

/** Checks answers against the program's questions; every problem is listed at once. */
export function checkAnswers(program: Program, given: Answers): Answers {
  const answers: Answers = {};
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const q of program.questions) {
    const value = given[q.key]?.trim() ?? "";
    if (!value) {
      if (q.required) missing.push(`${q.key} (${q.prompt})`);
      continue;
    }
    if (q.type === "url" && !isWebUrl(value)) wrong.push(`${q.key} must be a link starting with https://`);
    if (q.type === "urls") {
      const bad = value.split(/[,\s]+/).filter((u) => u && !isWebUrl(u));
      if (bad.length) wrong.push(`${q.key} must be links starting with https://, separated by commas (not ${bad.join(", ")})`);
    }
    answers[q.key] = value;
  }
  const problems = [...(missing.length ? [`missing: ${missing.join("; ")}`] : []), ...wrong];
  if (problems.length)
    throw new UserError(`Your application to ${program.name} is incomplete — ${problems.join("; ")}.`, applyUsage(program), "apply.answers");
  return answers;
}

export function applyUsage(program: Program): string {
  const parts = program.questions.map((q) => (q.required ? `${q.key}:<${q.type}>` : `[${q.key}:<${q.type}>]`));
  return `Usage: /apply ${program.id} ${parts.join(" ")}`;
}

function fieldKind(q: Question): Form["fields"][number]["kind"] {
  return q.type === "url" ? "url" : "long-text";
}

/** The modal (or terminal questions) for applying to a program, its terms shown first. */
export function applicationForm(program: Program, t: Texts): Form {
  return {
    title: `Apply to ${program.name}`.slice(0, 45),
    submit: `/apply ${program.id}`,
    fields: program.questions.map((q) => ({ key: q.key, label: q.prompt, required: q.required, kind: fieldKind(q) })),
    ...(program.terms ? { intro: fillTemplate(t.applyBeforeYouApply, { terms: program.terms }) } : {}),
  };
}

/**
 * Refuses an application that cannot be taken: already a member, one still
 * pending, or declined within the cool-down. Checked before the first
 * question is asked, and again when the answers arrive.
 */
export async function assertCanApply(app: App, memberId: string, program: Program, db: Tx | App["db"] = app.db): Promise<void> {
  const t = app.pack.texts;
  const membership = await db.membership.findFirst({ where: { memberId, programId: program.id, state: "active" } });
  if (membership) throw new UserError(fillTemplate(t.applyMember, { program: program.name }), t.applyMemberHint, "apply.member");
  const last = await db.application.findFirst({ where: { memberId, programId: program.id }, orderBy: { createdAt: "desc" } });
  if (last?.state === "pending")
    throw new UserError(
      fillTemplate(t.applyPending, { program: program.name, date: last.createdAt.toISOString().slice(0, 10) }),
      t.applyPendingHint,
      "apply.pending",
    );
  if (last?.state === "rejected" && last.decidedAt) {
    const again = reapplyFrom(program, last.decidedAt);
    if (again > app.now())
      throw new UserError(
        fillTemplate(t.applyCooldown, { program: program.name, date: last.decidedAt.toISOString().slice(0, 10), again: again.toISOString().slice(0, 10) }),
        last.reason ? fillTemplate(t.applyCooldownHint, { reason: last.reason }) : undefined,
        "apply.cooldown",
      );
  }
}

function answerFields(program: Program, answers: Answers): Block {
  return {
    type: "fields",
    fields: program.questions.filter((q) => answers[q.key]).map((q) => ({ label: q.prompt, value: answers[q.key] as string })),
  };
}

export function rejectForm(handle: string, programId: string): Form {
  return {
    title: "Reject application",
    submit: `/review reject ${handle} ${programId}`,
    fields: [{ key: "reason", label: "Reason (sent to the applicant)", required: true, kind: "long-text" }],
  };
}

/** What moderators see for one application, with the buttons that decide it. */
export function applicationCard(program: Program, member: MemberRef, answers: Answers, createdAt: Date): Block[] {
  const value = `${member.handle} ${program.id}`;
  return [
    { type: "header", text: `${member.displayName} applied to ${program.name}` },
    answerFields(program, answers),
    { type: "context", text: `@${member.handle} · ${createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC` },
    {
      type: "buttons",
      buttons: [
        { label: "Approve", command: "review", action: "approve", value, style: "primary" },
        { label: "Reject", command: "review", action: "reject", value, style: "danger", form: rejectForm(member.handle, program.id) },
      ],
    },
  ];
}

/** Serialises decisions about one member, so two submissions or reviews cannot interleave. */
async function lockMember(tx: Tx, memberId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM members WHERE id = ${memberId} FOR UPDATE`;
}

/** `termsInView`: the terms were shown with the questions just now, where this answer is shown too (the terminal). */
export async function submitApplication(app: App, actor: Actor, programId: string, given: Answers, termsInView = false): Promise<Reply> {
  const program = findProgram(app, programId);
  // Who may apply is answered before the answers are checked, as the form does (and again below, under the lock).
  await assertCanApply(app, actor.memberId, program);
  const answers = checkAnswers(program, given);
  const member: MemberRef = { id: actor.memberId, handle: actor.handle, displayName: actor.displayName };
  const now = app.now();
  const t = app.pack.texts;
  await transaction(app, async (tx) => {
    await lockMember(tx, member.id);
    await assertCanApply(app, member.id, program, tx);
    const created = await tx.application.create({ data: { memberId: member.id, programId: program.id, answers, state: "pending", createdAt: now } });
    await enqueue(
      tx,
      {
        kind: "post",
        channel: program.moderatorChannel,
        reply: reply(fillTemplate(t.applyPost, { name: member.displayName, program: program.name }), applicationCard(program, member, answers, now)),
      },
      { now: app.now(), dedupeKey: `application:${created.id}:review` },
    );
  });
  const submitted = fillTemplate(t.applySubmitted, { program: program.name });
  return reply(submitted, [
    { type: "text", text: submitted },
    answerFields(program, answers),
    ...(program.terms && !termsInView ? [{ type: "context" as const, text: fillTemplate(t.applySubmittedTerms, { terms: program.terms }) }] : []),
    { type: "context", text: t.applySubmittedNext },
  ]);
}

export interface PendingApplication {
  id: string;
  program: Program;
  member: MemberRef;
  answers: Answers;
  createdAt: Date;
}

export async function pendingApplications(app: App, programId?: string): Promise<PendingApplication[]> {
  const rows = await app.db.application.findMany({
    where: { state: "pending", ...(programId ? { programId } : {}) },
    include: { member: { select: { id: true, handle: true, displayName: true } } },
    orderBy: { createdAt: "asc" },
    take: 100,
  });
  return rows.flatMap((r) => {
    const program = app.pack.programs.find((p) => p.id === r.programId);
    return program ? [{ id: r.id, program, member: r.member, answers: r.answers as Answers, createdAt: r.createdAt }] : [];
  });
}

export type Decision = { approve: true } | { approve: false; reason: string };

/** A moderator approves or rejects a member's pending application, in one transaction with its audit row. */
export async function decideApplication(app: App, actor: Actor, memberRef: string, programId: string, decision: Decision): Promise<{ member: MemberRef; program: Program }> {
  const program = findProgram(app, programId);
  const member = await resolveMember(app, memberRef);
  const now = app.now();
  const t = app.pack.texts;
  // Assigned, not appended to: a retried transaction runs the closure again.
  let linkedDashboards: string[] = [];
  await transaction(app, async (tx) => {
    await lockMember(tx, member.id);
    const pending = await tx.application.findFirst({ where: { memberId: member.id, programId: program.id, state: "pending" }, orderBy: { createdAt: "desc" } });
    if (!pending) {
      const last = await tx.application.findFirst({ where: { memberId: member.id, programId: program.id }, orderBy: { createdAt: "desc" } });
      const none =
        last && last.state !== "pending"
          ? fillTemplate(t.reviewNoneDecided, { handle: member.handle, program: program.name, state: last.state, date: last.decidedAt?.toISOString().slice(0, 10) ?? "?" })
          : fillTemplate(t.reviewNone, { handle: member.handle, program: program.name });
      throw new UserError(none, t.reviewNoneHint, "review.none");
    }
    if (decision.approve) {
      await tx.application.update({ where: { id: pending.id }, data: { state: "approved", decidedBy: actor.memberId, decidedAt: now } });
      // A new interval: an earlier membership keeps its dates for the reports of its weeks.
      await tx.membership.create({ data: { memberId: member.id, programId: program.id, state: "active", joinedAt: now } });
      const badge = programBadge(program);
      if (badge) await grantBadge(app, tx, member.id, badge, actor.memberId, fillTemplate(t.reviewBadgeReason, { program: program.name }));
      const links = await linkAnswers(app, tx, program, member.id, pending.answers as Answers);
      linkedDashboards = links.filter((l) => l.platform === "dashboard" && l.linked).map((l) => l.externalId);
      const welcome = fillTemplate(t.reviewApprovedDm, { program: program.name });
      const dm = program.commitments.length ? `${welcome} ${t.reviewApprovedCommitments}` : welcome;
      await enqueue(tx, { kind: "dm", memberId: member.id, reply: reply(dm) }, { now: app.now(), dedupeKey: `application:${pending.id}:approved` });
      await audit(tx, actor, "review approve", member.id, { program: program.id, application: pending.id, ...(links.length ? { links } : {}) });
    } else {
      await tx.application.update({ where: { id: pending.id }, data: { state: "rejected", reason: decision.reason, decidedBy: actor.memberId, decidedAt: now } });
      const again = reapplyFrom(program, now).toISOString().slice(0, 10);
      await enqueue(
        tx,
        { kind: "dm", memberId: member.id, reply: reply(fillTemplate(t.reviewRejectedDm, { program: program.name, reason: decision.reason, again })) },
        { now: app.now(), dedupeKey: `application:${pending.id}:rejected` },
      );
      await audit(tx, actor, "review reject", member.id, { program: program.id, application: pending.id, reason: decision.reason });
    }
  });
  // The approval stands either way: an event that fails here stays held, and /link dashboard:<id> applies it later.
  for (const id of linkedDashboards) await applyHeldPartnerEvents(app, id).catch((err: unknown) => app.log.error({ err, dashboard: id }, "held dashboard events not applied"));
  return { member, program };
}

/**
 * Answers to questions marked `links` (the partner dashboard id) become the
 * member's linked account once a moderator approves them. An account linked
 * to someone else already is left alone and noted in the audit record.
 */
async function linkAnswers(app: App, tx: Tx, program: Program, memberId: string, answers: Answers) {
  const links: { platform: "dashboard" | "forum"; externalId: string; linked: boolean; reason?: string }[] = [];
  for (const q of program.questions) {
    const answer = answers[q.key];
    if (!q.links || !answer) continue;
    try {
      const externalId = accountId(app, q.links, answer);
      await linkInTx(app, tx, memberId, q.links, externalId);
      links.push({ platform: q.links, externalId, linked: true });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      links.push({ platform: q.links, externalId: answer.slice(0, 100), linked: false, reason: err.message });
    }
  }
  return links;
}

export const APPLICATION_PAGE_SIZE = 20;

/** What a moderator weighs beside the answers: the applicant's memberships (any program, now or ended) and their other applications. */
export interface ApplicantHistory {
  memberships: Array<{ program: string; state: string; joinedAt: Date; endedAt: Date | null }>;
  applications: Array<{ program: string; state: string; createdAt: Date; decidedAt: Date | null; reason: string | null }>;
}

export interface ApplicationQueue {
  applications: Array<PendingApplication & { history: ApplicantHistory }>;
  total: number;
  page: number;
  pages: number;
}

/** One page of the pending applications, oldest first, each with its applicant's history. */
export async function applicationQueue(app: App, opts: { page?: number | undefined; pageSize?: number } = {}): Promise<ApplicationQueue> {
  const known = app.pack.programs.map((p) => p.id);
  const where = { state: "pending", programId: { in: known } };
  const pageSize = opts.pageSize ?? APPLICATION_PAGE_SIZE;
  const total = await app.db.application.count({ where });
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.trunc(opts.page ?? 1)), pages);
  const rows = await app.db.application.findMany({
    where,
    include: { member: { select: { id: true, handle: true, displayName: true } } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    skip: (page - 1) * pageSize,
    take: pageSize,
  });
  const memberIds = [...new Set(rows.map((r) => r.memberId))];
  const [memberships, others] = await Promise.all([
    app.db.membership.findMany({ where: { memberId: { in: memberIds } }, orderBy: [{ joinedAt: "desc" }, { id: "asc" }] }),
    app.db.application.findMany({ where: { memberId: { in: memberIds } }, orderBy: [{ createdAt: "desc" }, { id: "asc" }], select: { id: true, memberId: true, programId: true, state: true, createdAt: true, decidedAt: true, reason: true } }),
  ]);
  const name = (id: string) => app.pack.programs.find((p) => p.id === id)?.name ?? id;
  const applications = rows.flatMap((r) => {
    const program = app.pack.programs.find((p) => p.id === r.programId);
    if (!program) return [];
    const history: ApplicantHistory = {
      memberships: memberships.filter((m) => m.memberId === r.memberId).map((m) => ({ program: name(m.programId), state: m.state, joinedAt: m.joinedAt, endedAt: m.endedAt })),
      applications: others
        .filter((o) => o.memberId === r.memberId && o.id !== r.id)
        .map((o) => ({ program: name(o.programId), state: o.state, createdAt: o.createdAt, decidedAt: o.decidedAt, reason: o.reason })),
    };
    return [{ id: r.id, program, member: r.member, answers: r.answers as Answers, createdAt: r.createdAt, history }];
  });
  return { applications, total, page, pages };
}
