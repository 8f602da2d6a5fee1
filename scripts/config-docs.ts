// Regenerates the configuration reference from src/config.ts: .env.example and the README's table.
// `npm run config:docs` writes both; `-- --check` only says whether they are current (exit 1 if not).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderEnvExample, withConfigTable } from "../src/cli/config.ts";

const root = join(import.meta.dirname, "..");
const files = {
  ".env.example": () => renderEnvExample(),
  "README.md": (current: string) => withConfigTable(current),
};
const check = process.argv.includes("--check");
let stale = 0;
for (const [name, render] of Object.entries(files)) {
  const path = join(root, name);
  const current = readFileSync(path, "utf8");
  const fresh = render(current);
  if (fresh === current) continue;
  stale++;
  if (check) console.error(`${name} is not what src/config.ts says: run npm run config:docs`);
  else {
    writeFileSync(path, fresh);
    console.log(`wrote ${name}`);
  }
}
process.exit(check && stale ? 1 : 0);
