// Issue 21's smaller findings, each as a program manager met it: the terminal chat typed without a
// prompt (what `steward run` does), message events, and the dashboard's partner page.
// PGlite always, Postgres when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession, type LineResult } from "../../src/adapters/console/session.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const LEADERS = "community-leaders-velo";
const APPLY = `/apply ${LEADERS} profiles:https://forum.example.com/u/me experience:"5 years" contribution:meetups`;

describe.each(storeKinds)("issue 21's findings (%s)", (kind) => {
  let rt: TestRuntime;
  let session: ConsoleSession;
  const say = async (handle: string, line: string): Promise<LineResult> => {
    session.handle = handle;
    return session.handleLine(line);
  };

  beforeEach(async () => {
    rt = await testRuntime(kind);
    session = new ConsoleSession(rt.app, registry, "nobody");
  });
  afterEach(async () => {
    await rt.close();
  });

  it("/apply without answers tells a member they are already a member, before asking for answers (finding 4)", async () => {
    expect((await say("alice", APPLY)).status).toBe("ok");
    expect((await say("mod", `/review approve alice ${LEADERS}`)).status).toBe("ok");
    const again = await say("alice", `/apply ${LEADERS}`);
    expect(again.output).toContain("You are already a member of Velo Community Leaders.");
    expect(again.output).not.toContain("incomplete");
  });
});
