// The configuration reference is generated from src/config.ts: the README's table and .env.example
// must be what the schema says today, and `steward config` shows it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { assertDocumented, configCommand, configVariables, renderEnvExample, withConfigTable } from "../../src/cli/config.ts";
import { configSchema } from "../../src/config.ts";

const root = new URL("../..", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, root), "utf8");

function run(env: Record<string, string>) {
  let out = "";
  let err = "";
  const code = configCommand(env, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe("configuration reference", () => {
  it("README's table and .env.example are generated from the schema (npm run config:docs)", () => {
    expect(read(".env.example"), "run npm run config:docs").toBe(renderEnvExample());
    const readme = read("README.md");
    expect(withConfigTable(readme), "run npm run config:docs").toBe(readme);
  });

  it("documents every variable of the schema, each once, with its default", () => {
    assertDocumented();
    const vars = configVariables();
    expect(vars.map((v) => v.name).sort()).toEqual(Object.keys(configSchema.shape).sort());
    const example = read(".env.example");
    for (const v of vars) expect(example).toContain(`\n${v.name}=${v.default}\n`);
    expect(vars.find((v) => v.name === "SLACK_PORT")?.default).toBe("3001");
    expect(vars.find((v) => v.name === "DATABASE_URL")).toMatchObject({ default: "", secret: true, group: "Storage" });
  });

  it("refuses a variable added without a description", () => {
    const schema = configSchema.extend({ STEWARD_UNDOCUMENTED: z.string().optional() });
    expect(() => assertDocumented(schema)).toThrow(/STEWARD_UNDOCUMENTED has no description in src\/config\.ts/);
    // `steward config` still shows it, so an operator is never stopped by a missing description.
    let out = "";
    expect(configCommand({ STEWARD_UNDOCUMENTED: "x" }, (s) => (out += s), () => undefined, schema)).toBe(0);
    expect(out).toMatch(/^STEWARD_UNDOCUMENTED=x {2}\(set\)\n {4}\(not documented yet in src\/config\.ts\)$/m);
  });

  it("shows effective values with secrets masked, and defaults", () => {
    const { code, out } = run({
      SLACK_BOT_TOKEN: "xoxb-1234-abcdefsecret",
      SLACK_APP_TOKEN: "xapp-1-secretvalue",
      DATABASE_URL: "postgresql://steward:hunter2hunter2@db:5432/steward",
      STEWARD_TIMEZONE: "Europe/Berlin",
    });
    expect(code).toBe(0);
    for (const name of Object.keys(configSchema.shape)) expect(out).toMatch(new RegExp(`^${name}=`, "m"));
    expect(out).not.toMatch(/abcdefsecret|secretvalue|hunter2/);
    expect(out).toMatch(/^SLACK_BOT_TOKEN=\*\*\*\* \(set, 22 characters\) {2}\(set\)$/m);
    expect(out).toMatch(/^DATABASE_URL=postgresql:\/\/steward:\*\*\*\*@db:5432\/steward {2}\(set\)$/m);
    expect(out).toMatch(/^STEWARD_TIMEZONE=Europe\/Berlin {2}\(set; default UTC\)$/m);
    expect(out).toMatch(/^SLACK_PORT=3001 {2}\(default\)$/m);
    expect(out).toMatch(/^ {4}The organisation's time zone/m);
  });

  it("exits 1 naming each invalid variable, and a missing companion", () => {
    const bad = run({ STEWARD_TIMEZONE: "Mars/Olympus", SLACK_PORT: "99999" });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^STEWARD_TIMEZONE: expected an IANA time zone/m);
    expect(bad.err).toMatch(/^SLACK_PORT: /m);
    expect(bad.out).toMatch(/^STEWARD_TIMEZONE=Mars\/Olympus .*INVALID/m);
    const half = run({ DISCORD_TOKEN: "abc" });
    expect(half.code).toBe(1);
    expect(half.err).toMatch(/DISCORD_APPLICATION_ID/);
  });
});
