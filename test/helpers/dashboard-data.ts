// A realistic data set for looking at the dashboard: Community Leaders with
// long display names who keep up, fade, stop or take a leave; partners with
// verified, waiting and lapsed sites; applications with long answers and
// links; and the audit entries all of that leaves. Written through the chat
// commands where a person would use them, and straight into the tables for
// the weeks of history (a person cannot backdate a message).
import { ensureMember } from "../../src/services/members.ts";
import type { DashboardHarness } from "./dashboard.ts";

export const PROGRAM = "community-leaders-velo";
const DAY = 24 * 60 * 60 * 1000;

const FIRST = ["Ana", "Bruno", "Chiara", "Dmitri", "Efua", "Farhan", "Greta", "Hiroshi", "Ines", "Jonas", "Kwame", "Lucía", "Mateus", "Nadia", "Olek", "Priya", "Quentin"];
const LAST = ["Rodríguez-Almeida", "Okonkwo", "Van der Berg", "Srinivasan", "Kowalczyk", "Nakamura-Whitfield", "Haddad", "Lindqvist"];

/** The members' handles (made from their display names, as a platform's names make them). */
export interface SeenData {
  leaders: string[];
  partners: string[];
  applicants: string[];
}

/** `leaders` members of the Velo Community Leaders with 16 weeks of history, and the rest of the data set. */
export async function seedDashboard(d: DashboardHarness, leaders = 33): Promise<SeenData> {
  const app = d.runtime.app;
  const db = app.db;
  const now = d.runtime.clock.now().getTime();
  const start = now - 16 * 7 * DAY;
  const handles: string[] = [];
  const activities: Array<{ memberId: string; kind: string; occurredAt: Date; source: string; dedupeKey: string; hours?: number; url?: string }> = [];
  for (let i = 0; i < leaders; i++) {
    const handle = `leader${String(i + 1).padStart(2, "0")}`;
    const name = `${FIRST[i % FIRST.length]} ${LAST[i % LAST.length]}`;
    const m = await ensureMember(app, "console", handle, name);
    handles.push(m.handle);
    await db.membership.create({ data: { memberId: m.id, programId: PROGRAM, state: "active", joinedAt: new Date(start) } });
    // Patterns: most keep up, some fade after a number of weeks, a few never started, one is on leave.
    const pattern = i % 7;
    const stopsAfter = pattern === 3 ? 8 : pattern === 5 ? 13 : pattern === 6 ? 0 : 99;
    if (pattern === 4) await db.pause.create({ data: { memberId: m.id, startsAt: new Date(now - 3 * 7 * DAY), endsAt: new Date(now + 2 * 7 * DAY) } });
    for (let w = 0; w < 16 && w < stopsAfter; w++) {
      const at = start + w * 7 * DAY + DAY;
      if (pattern === 4 && at >= now - 3 * 7 * DAY) continue;
      activities.push({ memberId: m.id, kind: "message", occurredAt: new Date(at), source: "test", dedupeKey: `seen-msg-${handle}-${w}` });
    }
    if (stopsAfter === 0) continue;
    for (let mo = 0; mo < 4; mo++) {
      const at = new Date(start + mo * 30 * DAY + 2 * DAY);
      activities.push({ memberId: m.id, kind: "hours", occurredAt: at, source: "test", dedupeKey: `seen-h-${handle}-${mo}`, hours: 3 });
      activities.push({ memberId: m.id, kind: "content", occurredAt: at, source: "test", dedupeKey: `seen-c-${handle}-${mo}`, url: `https://blog.example.com/${handle}/post-${mo}` });
      activities.push({ memberId: m.id, kind: "social", occurredAt: at, source: "test", dedupeKey: `seen-s-${handle}-${mo}` });
    }
    activities.push({ memberId: m.id, kind: "meetup", occurredAt: new Date(start + 3 * DAY), source: "test", dedupeKey: `seen-m-${handle}` });
  }
  // Recorded as they happened: an activity written after its week would be a correction of that week (marked *).
  await db.activity.createMany({ data: activities.map((a) => ({ ...a, createdAt: a.occurredAt })) });

  const partners: string[] = [];
  for (let i = 0; i < 12; i++) {
    const handle = `studio${i + 1}`;
    partners.push((await ensureMember(app, "console", handle, `${FIRST[(i + 5) % FIRST.length]} Studio ${LAST[(i + 3) % LAST.length]}`)).handle);
    const sites = 1 + (i % 4);
    for (let s = 0; s < sites; s++) {
      const url = `https://www.${handle}-client-${s + 1}-long-business-name.example.com`;
      await d.chat.ok(handle, `/site submit ${url} kind:${s % 2 ? "editorx" : "classic"} role:owner`);
      if (i % 3 !== 2) await d.chat.ok("mod", `/site verify ${url}`);
    }
  }
  await d.chat.ok("mod", `/site lapse https://www.studio1-client-1-long-business-name.example.com`);

  const applicants: string[] = [];
  for (let i = 0; i < 6; i++) {
    const handle = `applicant${i + 1}`;
    applicants.push((await ensureMember(app, "console", handle, `${FIRST[(i + 9) % FIRST.length]} ${LAST[(i + 1) % LAST.length]}`)).handle);
    await d.chat.ok(
      handle,
      `/apply ${PROGRAM} profiles:https://forum.example.com/u/${handle},https://www.youtube.com/@${handle}-channel-with-a-long-name experience:"${"Five years of building client sites with Velo, from bookings to dashboards; ".repeat(2 + i)}" contribution:"meetups in Lisbon, a monthly tutorial video and answers in the forum"`,
    );
  }
  // History a moderator weighs: an earlier application that was declined, and a membership of another program.
  const first = await db.member.findUniqueOrThrow({ where: { handle: applicants[0] } });
  await db.application.create({
    data: { memberId: first.id, programId: "velo-masters", state: "rejected", reason: "Not enough public Velo work yet", answers: {}, createdAt: new Date(now - 200 * DAY), decidedAt: new Date(now - 198 * DAY) },
  });
  await db.membership.create({ data: { memberId: first.id, programId: "velo-masters", state: "active", joinedAt: new Date(now - 120 * DAY) } });
  // A partner group application: its questions' keys are in an order the database does not keep.
  await d.chat.ok("studio1", "/apply partner dashboard-id:D-4471 site:https://www.studio1-client-2-long-business-name.example.com");
  return { leaders: handles, partners, applicants };
}
