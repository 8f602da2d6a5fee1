// Partner dashboard events (webhooks and `steward import` lines): their shape,
// checked against the pack, and the content key that makes a line count once.
import { z } from "zod";
import { inboundText, isSaneInstant } from "./inbound.ts";
import type { Pack, SiteRole } from "./pack.ts";
import { isWebUrl } from "./urls.ts";

export const PARTNER_EVENT_TYPES = ["site.published", "site.premium_expired", "site.premium_reactivated", "site.contributor_removed", "certification.earned"] as const;
export type PartnerEventType = (typeof PARTNER_EVENT_TYPES)[number];

export interface PartnerEvent {
  type: PartnerEventType;
  partner: string;
  url?: string;
  kind?: string;
  role?: SiteRole;
  /** When it happened on the dashboard, if it said. */
  at?: Date;
}

const field = inboundText(2000).trim().optional();
/** A JSON number id is read as a double: beyond 2^53 it has already lost digits, and would name another partner. */
const numericId = z.number().refine(Number.isSafeInteger, "a string: a number this large loses digits in JSON (send the id in quotes)");
const rawSchema = z.object({
  type: inboundText(100),
  data: z.object({ partner: z.union([inboundText(200), numericId], { message: "a string (the dashboard id)" }).optional(), url: field, kind: field, role: field, at: field }),
});

/** Dashboard ids: letters, digits and - _ . : (a UUID or a number), at most 100 characters. */
export const DASHBOARD_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/** A real calendar date (YYYY-MM-DD) or an ISO timestamp; `2026-02-30` is not one. */
export function parseEventDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  const at = new Date(m[4] ? text : `${text}T00:00:00Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** A union's failure says only "invalid input": its branches say what was wrong. */
function issueText(i: z.core.$ZodIssue): string {
  if (i.code === "invalid_union") {
    const inner = i.errors.flat().find((e) => e.code === "custom" || e.code === "too_big");
    if (inner) return inner.message;
  }
  return i.message;
}

/** Checks an event against the pack; every problem is listed at once, each saying what is expected. */
export function checkPartnerEvent(pack: Pack, raw: unknown): { event: PartnerEvent } | { problems: string[] } {
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    // A field of the right envelope is named; anything else is the wrong shape altogether.
    const fields = parsed.error.issues.filter((i) => i.path.length === 2 || (i.path.length === 1 && i.path[0] === "type" && i.code !== "invalid_type"));
    if (fields.length === 0) return { problems: ['expected {"type": …, "data": {"partner", "url", "kind", "role", "at"}}'] };
    return { problems: fields.map((i) => `${String(i.path[i.path.length - 1])}: ${issueText(i)}`) };
  }
  const { type, data } = parsed.data;
  const problems: string[] = [];
  if (!(PARTNER_EVENT_TYPES as readonly string[]).includes(type)) problems.push(`event "${type.slice(0, 60)}" is not one of ${PARTNER_EVENT_TYPES.join(", ")}`);
  const values = [data.partner, data.url, data.kind, data.role, data.at].map((v) => (v === undefined ? "" : String(v)));
  if (values.some((v) => v.includes("\u0000"))) return { problems: ["a field contains a NUL character"] };
  const partner = String(data.partner ?? "").trim();
  if (!partner) problems.push("partner (the dashboard id) is missing");
  else if (!DASHBOARD_ID.test(partner)) problems.push(`partner "${partner.slice(0, 60)}" is not a dashboard id (letters, digits, - _ . :, at most 100)`);
  const url = data.url || undefined;
  const isSite = type.startsWith("site.");
  if (isSite && !url) problems.push("url (the site's address) is missing");
  if (url && !isWebUrl(url)) problems.push(`url "${url.slice(0, 80)}" must be a web address starting with https://, like https://studio.example.com`);
  const kind = data.kind?.toLowerCase() || undefined;
  if (type === "site.published") {
    const kinds = Object.keys(pack.partner.sites);
    if (!kind || !kinds.includes(kind)) problems.push(`kind must be one of ${kinds.join(", ")} for a published site`);
  }
  if (type === "certification.earned") {
    const certs = Object.keys(pack.partner.certifications);
    if (kind && !certs.includes(kind)) problems.push(`kind must be one of ${certs.join(", ")} for a certification`);
  }
  const role = data.role?.toLowerCase() || undefined;
  if (role && role !== "owner" && role !== "collaborator") problems.push(`role must be owner or collaborator, not "${role.slice(0, 40)}"`);
  let at: Date | undefined;
  if (data.at) {
    at = parseEventDate(data.at);
    if (!at) problems.push(`date "${data.at.slice(0, 40)}" is not a real date: write it YYYY-MM-DD or as an ISO timestamp`);
    else if (!isSaneInstant(at)) problems.push(`date "${data.at.slice(0, 40)}" must be between 2000 and 2100`);
  }
  if (problems.length) return { problems };
  return {
    event: {
      type: type as PartnerEventType,
      partner,
      ...(url ? { url } : {}),
      ...(kind ? { kind } : {}),
      ...(role ? { role: role as SiteRole } : {}),
      ...(at ? { at } : {}),
    },
  };
}

/** The event's content, written one way: however a line was spaced or capitalised, the same event reads the same (hashed into an import key). */
export function canonicalPartnerEvent(e: PartnerEvent): string {
  return JSON.stringify([e.type, e.partner, e.url ?? "", e.kind ?? "", e.role ?? "", e.at?.toISOString() ?? ""]);
}
