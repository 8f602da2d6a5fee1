#!/usr/bin/env node
// Leaves in an installed tree only what the running image uses (the Dockerfile runs it after
// `npm prune --omit=dev`; scripts/check-image.mjs runs it on a hard-linked copy to measure the result):
//  - packages nothing at runtime reaches: npm keeps the optional peers of production packages (the
//    Prisma CLI and its tree, TypeScript, as optional peers of @prisma/client), which only `prisma
//    generate` in the build stage uses;
//  - font files the pictures never register: fontsource ships every weight, style and format, while
//    src/chat/pictures/canvas.ts registers the weights it lists, upright, WOFF2 only;
//  - Prisma's query compilers for databases other than PostgreSQL (the generated client loads only it).
// Usage: node scripts/slim-image.mjs [DIR]   (DIR: the app folder, default the current one)
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? process.cwd();
const modules = join(dir, "node_modules");
const pkgJson = (path) => JSON.parse(readFileSync(join(path, "package.json"), "utf8"));

/** Where `name` resolves from a package at `from` (node's lookup: nested node_modules first). */
function locate(name, from) {
  for (let at = from; at.startsWith(modules) || at === dir; at = join(at, "..")) {
    const candidate = join(at, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (at === dir) break;
  }
  return undefined;
}

// 1. Walk what production code reaches: dependencies, installed optional dependencies, and required peers.
const reached = new Set();
const queue = [dir];
while (queue.length) {
  const at = queue.pop();
  const p = pkgJson(at);
  const optionalPeers = new Set(Object.entries(p.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n));
  const names = [...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {}), ...Object.keys(p.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n))];
  for (const name of names) {
    const found = locate(name, at);
    if (found && !reached.has(found)) {
      reached.add(found);
      queue.push(found);
    }
  }
}
const removed = [];
function sweep(folder) {
  for (const entry of readdirSync(folder)) {
    if (entry.startsWith(".")) continue;
    const path = join(folder, entry);
    if (entry.startsWith("@")) {
      sweep(path);
      continue;
    }
    if (!existsSync(join(path, "package.json"))) continue;
    if (!reached.has(path)) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path.slice(modules.length + 1));
      continue;
    }
    if (existsSync(join(path, "node_modules"))) sweep(join(path, "node_modules"));
  }
}
sweep(modules);

// 2. Fonts: the files canvas.ts registers (its FAMILIES list: package and weights).
const canvas = readFileSync(join(dir, "src/chat/pictures/canvas.ts"), "utf8");
let fontFiles = 0;
for (const [, pkg, weights] of canvas.matchAll(/pkg: "([^"]+)",[^}]*weights: \[([^\]]*)\]/g)) {
  const files = join(modules, pkg, "files");
  if (!existsSync(files)) continue;
  const keep = [...weights.matchAll(/"(\d+)"/g)].map((m) => `-${m[1]}-normal.woff2`);
  for (const file of readdirSync(files))
    if (!keep.some((k) => file.endsWith(k))) {
      rmSync(join(files, file));
      fontFiles++;
    }
}

// 3. Prisma's query compilers for the other databases.
const runtime = join(modules, "@prisma/client/runtime");
let compilers = 0;
if (existsSync(runtime))
  for (const file of readdirSync(runtime))
    if (/^query_compiler_(fast|small)_bg\.(mysql|sqlite|sqlserver|cockroachdb)\./.test(file)) {
      rmSync(join(runtime, file));
      compilers++;
    }

console.log(`slim-image: removed ${removed.length} packages nothing at runtime reaches (${removed.slice(0, 8).join(", ")}${removed.length > 8 ? ", …" : ""}), ${fontFiles} font files the pictures never register, ${compilers} query compilers for other databases`);

