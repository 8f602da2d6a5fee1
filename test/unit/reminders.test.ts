// The reminder DM is worded by the pack: the shipped pack's words, as members read them.
import { describe, expect, it } from "vitest";
import { memberLocalTime } from "../../src/domain/periods.ts";
import { loadPack } from "../../src/programs/load.ts";
import { reminderReply } from "../../src/services/reminders.ts";

describe("the reminder of open commitments", () => {
  const texts = loadPack().texts;
  const deadline = new Date("2026-12-13T23:00:00Z");

  it("counts one commitment in words and several in figures, and lists each", () => {
    const one = reminderReply(texts, "Velo", "week", ["Answer a question"], deadline, "Europe/Berlin");
    expect(one.text).toBe("Velo: one commitment still open this week, due Sun 13 Dec 2026, 23:59 CET");
    const two = reminderReply(texts, "Velo", "month", ["Answer a question", "Write a guide"], deadline, "UTC");
    expect(two.text).toMatch(/^Velo: 2 commitments still open this month, due /);
    expect(two.blocks).toEqual([
      { type: "header", text: "Velo — a friendly reminder" },
      { type: "text", text: "This month you still have:\n• Answer a question\n• Write a guide" },
      { type: "fields", fields: [{ label: "Due by", value: expect.any(String) }] },
      { type: "context", text: "Log what you did with /log; /commitments shows where you stand." },
    ]);
  });

  it("reaches a member at the schedule's time of day in their zone, or now when that is past or after the deadline", () => {
    const fired = new Date("2026-12-10T09:00:00Z"); // 10:00 in Berlin
    const now = fired;
    expect(memberLocalTime(fired, "Europe/Berlin", "America/New_York", now, deadline)).toEqual(new Date("2026-12-10T15:00:00Z"));
    expect(memberLocalTime(fired, "Europe/Berlin", "Asia/Tokyo", now, deadline)).toEqual(now);
    expect(memberLocalTime(fired, "Europe/Berlin", null, now, deadline)).toEqual(now);
    expect(memberLocalTime(fired, "Europe/Berlin", "America/New_York", now, new Date("2026-12-10T12:00:00Z"))).toEqual(now);
  });
});
