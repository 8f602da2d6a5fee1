// Member text in the terminal cannot garble it: control characters (escape
// sequences that clear the screen, retitle the window or move the cursor) are
// shown as visible symbols in replies and in what the outbox prints; line
// breaks stay.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureMember } from "../../src/services/members.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = "\u001b[2J\u001b]0;pwned\u0007eve\r\u009b31m";

describe("member text in the terminal", () => {
  let rt: TestRuntime;
  let chat: ChatDriver;
  beforeAll(async () => {
    rt = await testRuntime("pglite");
    chat = new ChatDriver(rt);
  });
  afterAll(() => rt?.close());

  it("prints a hostile display name and reason without their control characters, in replies and deliveries", async () => {
    const eve = await ensureMember(rt.app, "console", "eve", HOSTILE);
    const answer = await chat.ok("mod", `/adjust ${eve.handle} 400 "welcome ${HOSTILE}"`);
    expect(answer).toContain("welcome");
    expect(answer).not.toMatch(CONTROL);
    const lines = await chat.deliver();
    const announcement = lines.find((l) => l.includes("reached Pioneer"));
    expect(announcement).toBeDefined();
    expect(announcement).toContain("eve");
    for (const line of lines) expect(line).not.toMatch(CONTROL);
  });

  it("keeps line breaks", async () => {
    const help = await chat.ok("mod", "/help");
    expect(help).toContain("\n");
  });
});
