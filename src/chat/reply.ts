// The platform-neutral reply: what a command answers, before any platform sees
// it. Renderers (text.ts here, Slack Block Kit and Discord embeds in their
// adapters) turn it into something native; none of them decides anything
// about points or tiers.
//
// Every renderer escapes all the text it is given, so text from members
// (names, reasons, notes, answers, URLs) is shown as written and can never
// mention a person, a role or a channel. The only mentions in a reply are the
// ones Steward means: its `mentions`.
import type { Platform } from "../core/actor.ts";
import type { Heatmap } from "./pictures/heatmap.ts";
import type { TierCard } from "./pictures/tier-card.ts";
import type { TierChart } from "./pictures/tier-chart.ts";

export interface Field {
  label: string;
  value: string;
}

/** A click that comes back through the command registry: `command:action:value`. */
export interface Button {
  label: string;
  command: string;
  action: string;
  /** The rest of the command line, e.g. "alice community-leaders-velo". */
  value: string;
  style?: "primary" | "danger";
  /** Ask for these before running, e.g. a rejection reason. */
  form?: Form;
}

export type Block =
  | { type: "header"; text: string }
  | { type: "text"; text: string }
  | { type: "fields"; fields: Field[] }
  | { type: "progress"; label: string; value: number; max: number; caption?: string }
  | { type: "table"; columns: string[]; rows: string[][]; caption?: string }
  | { type: "buttons"; buttons: Button[] }
  | { type: "context"; text: string }
  | { type: "divider" }
  | ImageBlock;

/**
 * A picture (tier card, heatmap, chart) as the data it is drawn from, so a
 * reply stays plain JSON: an outbox row carries the few fields, not the PNG.
 * Each surface draws it when it shows it (src/chat/pictures) and shows `alt`
 * where it cannot show a picture.
 */
export interface ImageBlock {
  type: "image";
  picture: Picture;
  /** Says what the picture says, in words. */
  alt: string;
  /** e.g. "tier-alice.png": the upload's or attachment's name. */
  filename: string;
  /** The drawn PNG, once a surface has drawn it (drawPictures); never stored. */
  png?: Uint8Array;
  /** Where the surface put the drawn picture: a file path in the terminal. */
  src?: string;
}

export type Picture =
  | { kind: "tier-card"; card: TierCard }
  | { kind: "heatmap"; heatmap: Heatmap }
  | { kind: "tier-chart"; chart: TierChart };

export interface ReplyFile {
  filename: string;
  contentType: string;
  content: string;
  /** Where the terminal wrote it (printed instead of the content). */
  path?: string;
}

/** Questions a platform asks in a modal (the terminal asks them one by one). */
export interface Form {
  title: string;
  /** The command line the answers are appended to, as `key:value` options. */
  submit: string;
  fields: FormField[];
  /** Read before answering (a program's terms): shown above the questions where the platform can. */
  intro?: string;
}

export interface FormField {
  key: string;
  label: string;
  required: boolean;
  kind: "text" | "long-text" | "url" | "number" | "date";
  placeholder?: string;
}

/** A person Steward itself addresses, as their account on one platform. */
export interface Mention {
  platform: Platform;
  userId: string;
}

/** "unavailable": the database could not be reached, so nothing was done (try again). */
export type ReplyStatus = "ok" | "user-error" | "internal-error" | "unavailable";

export interface Reply {
  /** One-line summary: notification text, and the fallback where blocks cannot show. */
  text: string;
  blocks: Block[];
  visibility: "ephemeral" | "public";
  status: ReplyStatus;
  files?: ReplyFile[];
  /**
   * Who the message is addressed to: each platform shows its own accounts here
   * as a real mention ahead of the text, and notifies only them.
   */
  mentions?: Mention[];
}

/** Small builder so commands read as what they say, not as object literals. */
export function reply(text: string, blocks: Block[] = [], extra: Partial<Omit<Reply, "text" | "blocks">> = {}): Reply {
  return { text, blocks, visibility: "ephemeral", status: "ok", ...extra };
}
