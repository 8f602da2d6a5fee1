// Invocation -> dispatch -> reply, the same on every surface. An adapter says who asks and
// where, and how to answer; the kit runs the command and makes sure the person hears something
// even when the surface itself fails: the apology with a reference id (failure.ts).
import type { App } from "../app.ts";
import type { Reply } from "../chat/reply.ts";
import { dispatch, type Invocation, type Outcome, type Registry } from "../dispatch/dispatch.ts";
import type { CommandContext } from "../dispatch/types.ts";
import { failureReply } from "./failure.ts";

export { UNAVAILABLE_TEXT, failureReply } from "./failure.ts";
export type { Invocation, Outcome, Registry } from "../dispatch/dispatch.ts";

/** What every surface holds: the application and the commands it answers. */
export interface Surface {
  app: App;
  registry: Registry;
}

/** Who asks, from where, and the platform's id for the request: the command context without the app. */
export type Caller = Omit<CommandContext, "app">;

/**
 * Runs `request` as `who` (or the caller it resolves to). Never throws: finding out who asks can fail
 * (the database down), and that answers like any failed command, with an apology.
 * `what` goes into the log line of such a failure.
 */
export async function invoke(surface: Surface, request: Invocation, who: Caller | (() => Promise<Caller>), what: Record<string, unknown> = {}): Promise<Outcome> {
  try {
    const caller = typeof who === "function" ? await who() : who;
    return await dispatch(surface.registry, request, { app: surface.app, ...caller });
  } catch (err) {
    return { type: "reply", reply: failureReply(surface.app.log, err, { command: request.command, ...what }) };
  }
}

/**
 * Runs a surface's whole answer to one request (dispatch, rendering, delivery). When it fails,
 * the failure is logged with a reference and `apologise` gets the apology to deliver; if that
 * fails too (the platform is down) there is nobody left to tell, and the result is undefined.
 */
export async function withApology<T>(
  app: Pick<App, "log">,
  what: Record<string, unknown>,
  work: () => Promise<T>,
  apologise: (sorry: Reply) => T | Promise<T>,
  message = "request failed",
): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    const sorry = failureReply(app.log, err, what, message);
    try {
      return await apologise(sorry);
    } catch (again) {
      app.log.warn({ ...what, err: again instanceof Error ? again.message : String(again) }, "the apology could not be delivered");
      return undefined;
    }
  }
}
