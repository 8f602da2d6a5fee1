// The lean message-event path checks Slack's signature itself (one HMAC and a
// constant-time compare) instead of through Bolt's verifySlackRequest: it must
// accept and refuse exactly what Bolt does.
import { verifySlackRequest } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { signedBySlack } from "../../src/adapters/slack/message-events.ts";
import { slackSignature } from "../helpers/fake-slack.ts";
import { channelMessage, slackEventBody } from "../helpers/slack-events.ts";

const SECRET = "signature-secret";
const NOW_MS = 1_795_608_000_000;
const NOW = NOW_MS / 1000;
const body = slackEventBody("EvSig", channelMessage("UA", `${NOW}.000100`));

function bolt(headers: Record<string, string | undefined>, text: string): boolean {
  try {
    verifySlackRequest({
      signingSecret: SECRET,
      body: text,
      headers: { "x-slack-signature": String(headers["x-slack-signature"] ?? ""), "x-slack-request-timestamp": Number(headers["x-slack-request-timestamp"]) },
      nowMilliseconds: NOW_MS,
    });
    return true;
  } catch {
    return false;
  }
}

describe("signedBySlack", () => {
  const signed = (timestamp: number, text = body, secret = SECRET) => ({ "x-slack-request-timestamp": String(timestamp), "x-slack-signature": slackSignature(secret, timestamp, text) });
  const cases: [string, Record<string, string | undefined>, string, boolean][] = [
    ["signed now", signed(NOW), body, true],
    ["signed 4 minutes ago", signed(NOW - 240), body, true],
    ["signed exactly 5 minutes ago", signed(NOW - 300), body, true],
    ["signed 5 minutes and a second ago", signed(NOW - 301), body, false],
    ["another secret", signed(NOW, body, "not-the-secret"), body, false],
    ["a body changed after signing", signed(NOW), body.replace("hello", "hellO"), false],
    ["the timestamp changed after signing", { ...signed(NOW), "x-slack-request-timestamp": String(NOW - 1) }, body, false],
    ["a signature cut short", { ...signed(NOW), "x-slack-signature": signed(NOW)["x-slack-signature"].slice(0, 40) }, body, false],
    ["zeros", { ...signed(NOW), "x-slack-signature": "v0=" + "0".repeat(64) }, body, false],
    ["an unknown version", { ...signed(NOW), "x-slack-signature": signed(NOW)["x-slack-signature"].replace("v0=", "v1=") }, body, false],
    ["no signature", { "x-slack-request-timestamp": String(NOW) }, body, false],
    ["no timestamp", { "x-slack-signature": signed(NOW)["x-slack-signature"] }, body, false],
    ["a timestamp that is not a number", { ...signed(NOW), "x-slack-request-timestamp": "soon" }, body, false],
  ];
  it.each(cases)("%s: as Bolt decides", (_, headers, text, expected) => {
    expect(bolt(headers, text)).toBe(expected);
    expect(signedBySlack(SECRET, headers, Buffer.from(text), NOW_MS)).toBe(expected);
  });
});
