// One person's request, as any surface received it: who, where, and the platform's own id for it.
import type { Actor } from "./actor.ts";
import type { MentionReader } from "./mentions.ts";

export interface Invocation {
  actor: Actor;
  /** Where the command was typed (channel name or id), if anywhere. */
  channel?: string;
  /** True when a person can be asked follow-up questions (terminal chat, modals). */
  interactive: boolean;
  /**
   * The platform's id for this invocation (Slack trigger, Discord interaction,
   * one per terminal line or `steward run`), so a replay has one effect and one audit row.
   */
  invocationId: string;
  /**
   * How this surface writes a mention of a member (Slack `<@U123|name>`, Discord `<@123>`).
   * The dispatcher reads member options with it, so commands and services see only the
   * neutral `<@platform:id>`; a surface without mentions (the terminal) leaves it out.
   */
  readMention?: MentionReader;
  /**
   * The answers were just asked where the reply is shown (the terminal's questions stay on screen
   * above it), so the reply need not repeat what the form said; a modal closes, so it does.
   */
  formInView?: boolean;
}
