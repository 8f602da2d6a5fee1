// What a platform supplies to answer a person: the primitives only. Everything that is the same
// on every platform — running the command, meeting the platform's deadline by deferring, a form
// versus a reply, a moderator's decision updating the message it was made on, drawing the
// pictures, the answers still missing, the apology — is the kit's `answer()` (answer.ts).
import type { Actor } from "../core/actor.ts";
import type { Form, Reply } from "../chat/reply.ts";
import type { Caller, Invocation } from "./invoke.ts";

/** One request as a platform received it. */
export interface Request {
  /** The command line (terminal, Slack, a button), or Discord's subcommand and typed options. */
  invocation: Invocation;
  /**
   * Whether missing answers may be asked for now (a modal, questions in the terminal). A submitted
   * form cannot open another one, and a page button never asks.
   */
  interactive: boolean;
  /** The questions a button carries (Reject → reason): asked before the command runs. */
  form?: Form;
  /**
   * Made on a message everyone sees (a review card's button, a form opened from it): a moderator's
   * decision that succeeds updates that message to show who decided.
   */
  onMessage?: boolean;
  /** Goes into the log line of a failure. */
  what: Record<string, unknown>;
}

/** How far the answer has got, for the primitives that must answer differently after a deferral. */
export interface Progress {
  /** Acknowledged without an answer yet: a reply ("thinking…") or an update of the message clicked. */
  deferred?: "reply" | "update";
  /** The caller resolved for this request (undefined when finding out who asks failed). */
  actor?: Actor;
}

/** What a form shown to a person gave back. */
export type FormResult =
  /** Shown where it closes (a modal): the answers come back later as a request of their own. */
  | { shown: true }
  /** Asked where the answer is shown too (the terminal): the answers, as `key:value` words. */
  | { answers: string[] }
  /** The person left without answering. */
  | { cancelled: true };

export interface Adapter {
  /**
   * How long the work may take before the platform needs a first response; past it the kit defers
   * and answers later. 0: the platform was acknowledged already (Slack's `ack()` first), or a
   * deployment that always defers. Undefined: the platform waits (the terminal).
   */
  deferAfterMs?: number;
  /** Draw the reply's pictures before it is handed over (platforms that show them; a terminal that saves them). */
  pictures: boolean;
  /** Who asks and from where. May read the database: it runs inside the kit, whose apology covers it. */
  caller(): Promise<Omit<Caller, "interactive">>;
  /** Acknowledges now; the reply, or the update of the message clicked (`update`), follows. */
  defer?(how: "reply" | "update", ephemeral: boolean): Promise<void>;
  /** Shows a form; only before any first response. Without it, missing answers are said in a reply. */
  showForm?(form: Form, given: readonly string[], progress: Progress): Promise<FormResult>;
  /** Posts the reply, or after a deferral puts it where the "thinking…" was. Pictures are drawn. */
  reply(reply: Reply, progress: Progress): Promise<void>;
  /** Updates the message a moderator's decision was made on, saying who decided. Without it, the decision is a reply. */
  decide?(reply: Reply, actor: Actor, progress: Progress): Promise<void>;
  /** The apology after a failure (the kit logged it with its reference); may throw, then nobody is left to tell. */
  apologise(sorry: Reply, progress: Progress): Promise<void>;
}
