// One snapshot of the Block Kit renderer per Reply shape, the modal per field
// kind, and Slack's limits (fields per section, blocks per message).
import { describe, expect, it } from "vitest";
import { reply, type Block } from "../../src/chat/reply.ts";
import { actionWords } from "../../src/kit/codec.ts";
import { renderBlocks, renderMessage, renderModal, renderPagedMessage } from "../../src/adapters/slack/render.ts";
import { answersOf, decodeButton, encodeButton, fieldForError } from "../../src/adapters/slack/ids.ts";
import { decodePage, encodePage, pageOf, TABLE_PAGE_ROWS } from "../../src/adapters/slack/paging.ts";

const one = (block: Block) => renderBlocks(reply("summary", [block]));

describe("Block Kit renderer", () => {
  it("header", () => {
    expect(one({ type: "header", text: "alice — Pioneer" })).toMatchInlineSnapshot(`
      [
        {
          "text": {
            "emoji": true,
            "text": "alice — Pioneer",
            "type": "plain_text",
          },
          "type": "header",
        },
      ]
    `);
  });

  it("text, with Slack's control characters escaped", () => {
    expect(one({ type: "text", text: "Use <url> & name:value" })).toMatchInlineSnapshot(`
      [
        {
          "text": {
            "text": "Use &lt;url&gt; &amp; name:value",
            "type": "mrkdwn",
          },
          "type": "section",
        },
      ]
    `);
  });

  it("fields", () => {
    expect(one({ type: "fields", fields: [{ label: "Points", value: "450" }, { label: "Tier", value: "Pioneer" }] })).toMatchInlineSnapshot(`
      [
        {
          "fields": [
            {
              "text": "*Points*
      450",
              "type": "mrkdwn",
            },
            {
              "text": "*Tier*
      Pioneer",
              "type": "mrkdwn",
            },
          ],
          "type": "section",
        },
      ]
    `);
  });

  it("progress", () => {
    expect(one({ type: "progress", label: "Pioneer → Creator", value: 50, max: 600, caption: "450/1000" })).toMatchInlineSnapshot(`
      [
        {
          "text": {
            "text": "*Pioneer → Creator*
      \`[██░░░░░░░░░░░░░░░░░░] 8%\`  450/1000",
            "type": "mrkdwn",
          },
          "type": "section",
        },
      ]
    `);
  });

  it("table, preformatted with its caption", () => {
    expect(one({ type: "table", columns: ["member", "points"], rows: [["alice", "450"], ["bob", "100"]], caption: "Top members" })).toMatchInlineSnapshot(`
      [
        {
          "text": {
            "text": "Top members",
            "type": "mrkdwn",
          },
          "type": "section",
        },
        {
          "text": {
            "text": "\`\`\`member  points
      ──────  ──────
      alice   450
      bob     100\`\`\`",
            "type": "mrkdwn",
          },
          "type": "section",
        },
      ]
    `);
  });

  it("empty table", () => {
    expect(one({ type: "table", columns: ["member", "points"], rows: [] })).toMatchInlineSnapshot(`
      [
        {
          "elements": [
            {
              "text": "(none)",
              "type": "mrkdwn",
            },
          ],
          "type": "context",
        },
      ]
    `);
  });

  it("buttons, one carrying a form", () => {
    expect(
      one({
        type: "buttons",
        buttons: [
          { label: "Approve", command: "review", action: "approve", value: "alice community-leaders-velo", style: "primary" },
          {
            label: "Reject",
            command: "review",
            action: "reject",
            value: "alice community-leaders-velo",
            style: "danger",
            form: { title: "Reject", submit: "review reject alice community-leaders-velo", fields: [{ key: "reason", label: "Reason", required: true, kind: "long-text" }] },
          },
        ],
      }),
    ).toMatchInlineSnapshot(`
      [
        {
          "elements": [
            {
              "action_id": "review:approve:0",
              "style": "primary",
              "text": {
                "emoji": true,
                "text": "Approve",
                "type": "plain_text",
              },
              "type": "button",
              "value": "review:approve:alice community-leaders-velo",
            },
            {
              "action_id": "review:reject:1",
              "style": "danger",
              "text": {
                "emoji": true,
                "text": "Reject",
                "type": "plain_text",
              },
              "type": "button",
              "value": "{"run":"review:reject:alice community-leaders-velo","form":{"title":"Reject","submit":"review reject alice community-leaders-velo","fields":[{"key":"reason","label":"Reason","required":true,"kind":"long-text"}]}}",
            },
          ],
          "type": "actions",
        },
      ]
    `);
  });

  it("context and divider", () => {
    expect(renderBlocks(reply("s", [{ type: "context", text: "Options are name:value" }, { type: "divider" }]))).toMatchInlineSnapshot(`
      [
        {
          "elements": [
            {
              "text": "Options are name:value",
              "type": "mrkdwn",
            },
          ],
          "type": "context",
        },
        {
          "type": "divider",
        },
      ]
    `);
  });

  it("a reply without blocks is its text; files are named", () => {
    expect(renderMessage(reply("Done.", [], { files: [{ filename: "report.csv", contentType: "text/csv", content: "a,b\n" }] }))).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "text": "Done.",
              "type": "mrkdwn",
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": "📎 report.csv",
                "type": "mrkdwn",
              },
            ],
            "type": "context",
          },
        ],
        "text": "Done.",
      }
    `);
  });

  it("modal with every field kind", () => {
    expect(
      renderModal(
        {
          title: "Apply to Velo Community Leaders",
          submit: "apply community-leaders-velo",
          fields: [
            { key: "experience", label: "Your experience", required: true, kind: "long-text" },
            { key: "name", label: "Name", required: true, kind: "text", placeholder: "As on your profile" },
            { key: "site", label: "A site", required: true, kind: "url" },
            { key: "hours", label: "Hours", required: false, kind: "number" },
            { key: "date", label: "When", required: false, kind: "date" },
          ],
        },
        { submit: "apply community-leaders-velo", channel: "C1", responseUrl: "http://127.0.0.1/respond/1" },
      ),
    ).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "block_id": "experience",
            "element": {
              "action_id": "value",
              "multiline": true,
              "type": "plain_text_input",
            },
            "label": {
              "emoji": true,
              "text": "Your experience",
              "type": "plain_text",
            },
            "optional": false,
            "type": "input",
          },
          {
            "block_id": "name",
            "element": {
              "action_id": "value",
              "placeholder": {
                "emoji": true,
                "text": "As on your profile",
                "type": "plain_text",
              },
              "type": "plain_text_input",
            },
            "label": {
              "emoji": true,
              "text": "Name",
              "type": "plain_text",
            },
            "optional": false,
            "type": "input",
          },
          {
            "block_id": "site",
            "element": {
              "action_id": "value",
              "type": "url_text_input",
            },
            "label": {
              "emoji": true,
              "text": "A site",
              "type": "plain_text",
            },
            "optional": false,
            "type": "input",
          },
          {
            "block_id": "hours",
            "element": {
              "action_id": "value",
              "is_decimal_allowed": true,
              "type": "number_input",
            },
            "label": {
              "emoji": true,
              "text": "Hours",
              "type": "plain_text",
            },
            "optional": true,
            "type": "input",
          },
          {
            "block_id": "date",
            "element": {
              "action_id": "value",
              "type": "datepicker",
            },
            "label": {
              "emoji": true,
              "text": "When",
              "type": "plain_text",
            },
            "optional": true,
            "type": "input",
          },
        ],
        "callback_id": "steward-form",
        "close": {
          "emoji": true,
          "text": "Cancel",
          "type": "plain_text",
        },
        "private_metadata": "{"submit":"apply community-leaders-velo","channel":"C1","responseUrl":"http://127.0.0.1/respond/1"}",
        "submit": {
          "emoji": true,
          "text": "Submit",
          "type": "plain_text",
        },
        "title": {
          "emoji": true,
          "text": "Apply to Velo Community…",
          "type": "plain_text",
        },
        "type": "modal",
      }
    `);
  });
});

describe("Slack limits and encodings", () => {
  it("splits fields ten to a section and cuts a long reply to 50 blocks, saying what was left out", () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `f${i}`, value: String(i) }));
    const sections = renderBlocks(reply("s", [{ type: "fields", fields }]));
    expect(sections.map((b) => (b.type === "section" ? b.fields?.length : 0))).toEqual([10, 10, 3]);
    const many: Block[] = Array.from({ length: 80 }, (_, i) => ({ type: "text", text: `line ${i}` }));
    const cut = renderBlocks(reply("s", many));
    expect(cut).toHaveLength(50);
    expect(JSON.stringify(cut.at(-1))).toContain("31 more blocks not shown");
  });

  it("splits a long table into preformatted blocks under Slack's 3000 characters, each with the header", () => {
    const rows = Array.from({ length: 200 }, (_, i) => [`member-${i}`, String(i * 10)]);
    const blocks = renderBlocks(reply("s", [{ type: "table", columns: ["member", "points"], rows }]));
    expect(blocks.length).toBeGreaterThan(1);
    for (const b of blocks) {
      const text = b.type === "section" ? (b.text?.text ?? "") : "";
      expect(text.length).toBeLessThanOrEqual(3000);
      expect(text.startsWith("```member")).toBe(true);
    }
  });

  it("a button value round-trips to the command words it runs", () => {
    const value = encodeButton({ label: "Approve", command: "review", action: "approve", value: 'alice "two words"' });
    expect(value).toBe('review:approve:alice "two words"');
    const decoded = decodeButton(value);
    expect(decoded && actionWords(decoded)).toEqual(["approve", "alice", "two words"]);
    expect(decodeButton("not a command")).toBeUndefined();
    expect(decodeButton("{broken")).toBeUndefined();
  });

  it("reads modal answers as key:value words and puts an error on the field it names", () => {
    expect(
      answersOf({ reason: { value: { value: " too slow " } }, when: { value: { selected_date: "2026-11-20" } }, empty: { value: { value: "" } } }),
    ).toEqual(["reason:too slow", "when:2026-11-20"]);
    expect(fieldForError("/log: url must be an http(s) link", ["kind", "url", "date"])).toBe("url");
    expect(fieldForError("Something else went wrong", ["kind", "url"])).toBe("kind");
    expect(fieldForError("dashboard-id is missing", ["site", "dashboard-id"])).toBe("dashboard-id");
    expect(fieldForError("incomplete — experience must say more; profiles must be links", ["profiles", "experience"])).toBe("experience");
  });
  it("pages tables longer than a page; short tables and other blocks show on every page", () => {
    const long = Array.from({ length: 60 }, (_, i) => [`m${i + 1}`]);
    const r = reply("s", [
      { type: "header", text: "List" },
      { type: "table", columns: ["member"], rows: long, caption: "Members" },
      { type: "table", columns: ["x"], rows: [["short"]] },
    ]);
    const p2 = pageOf(r, 1);
    expect([p2.page, p2.pages]).toEqual([1, 3]);
    expect(p2.reply.blocks[0]).toEqual({ type: "header", text: "List" });
    expect(p2.reply.blocks[1]).toMatchObject({ caption: "Members (Rows 26–50 of 60)", rows: long.slice(25, 50) });
    expect(p2.reply.blocks[2]).toEqual({ type: "table", columns: ["x"], rows: [["short"]] });
    // A page past the end (the list shrank since the button was drawn) is the last page.
    expect(pageOf(r, 9).page).toBe(2);
    expect(pageOf(r, 9).reply.blocks[1]).toMatchObject({ rows: long.slice(50) });
    // Nothing to page: the reply as it is.
    const small = reply("s", [{ type: "table", columns: ["a"], rows: long.slice(0, TABLE_PAGE_ROWS) }]);
    expect(pageOf(small, 3)).toEqual({ reply: small, page: 0, pages: 1 });
    expect(renderPagedMessage(small, { command: "x", words: [], page: 0 })).toEqual(renderMessage(small));
  });

  it("keeps the old cut when there is no command line to run again, or it does not fit a button", () => {
    const r = reply("s", [{ type: "table", columns: ["member"], rows: Array.from({ length: 60 }, (_, i) => [`m${i}`]) }]);
    expect(renderPagedMessage(r, undefined)).toEqual(renderMessage(r));
    expect(renderPagedMessage(r, { command: "x", words: ["y".repeat(2100)], page: 0 })).toEqual(renderMessage(r));
    const paged = renderPagedMessage(r, { command: "x", words: ["team:blue"], page: 0 });
    expect(paged.blocks.at(-1)).toMatchObject({ type: "actions", block_id: "steward-pages", elements: [{ action_id: "steward_page_next" }] });
  });

  it("a page button's value round-trips, and anything else is refused", () => {
    const p = { command: "report", words: ["velo", "week:2026-W48"], page: 2, invocationId: "slack:t1" };
    expect(decodePage(encodePage(p))).toEqual(p);
    expect(decodePage(encodePage({ command: "points", words: [], page: 0 }))).toEqual({ command: "points", words: [], page: 0 });
    for (const bad of ["", "points", "{}", '{"page":-1,"run":["points"]}', '{"page":1.5,"run":["points"]}', '{"page":1,"run":[]}', '{"page":1,"run":[3]}'])
      expect(decodePage(bad)).toBeUndefined();
  });
});
