// Drives commands the way a person does in the terminal chat, and collects
// what the outbox delivers, so tests read like a conversation.
import { registry } from "../../commands/index.ts";
import { ConsoleSession, type LineResult } from "../../src/adapters/console/session.ts";
import { consoleTarget } from "../../src/adapters/console/target.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import type { Runtime } from "../../src/runtime.ts";

export class ChatDriver {
  private readonly session: ConsoleSession;
  readonly delivered: string[] = [];

  constructor(private readonly runtime: Runtime) {
    this.session = new ConsoleSession(runtime.app, registry, "nobody");
  }

  async say(handle: string, line: string): Promise<LineResult> {
    this.session.handle = handle;
    return this.session.handleLine(line);
  }

  /** Runs a command that must succeed and returns its text. */
  async ok(handle: string, line: string): Promise<string> {
    const r = await this.say(handle, line);
    if (r.status !== "ok") throw new Error(`${line} → ${r.status}: ${r.output}`);
    return r.output;
  }

  /** Delivers everything due and returns the lines delivered this time. */
  async deliver(): Promise<string[]> {
    const lines: string[] = [];
    const target = consoleTarget((t) => lines.push(t));
    while ((await deliverDue(this.runtime.app, [target])) > 0) {
      /* until nothing is due */
    }
    this.delivered.push(...lines);
    return lines;
  }
}
