#!/usr/bin/env node
// Compiles src/ into dist/ (gitignored) with esbuild, so a start runs plain
// JavaScript instead of transpiling every file through tsx. Run by `npm ci`
// (postinstall, after the Prisma client is generated) and `npm run build`.
// bin/steward.mjs uses dist/ only while every input listed in
// dist/build.json is older than the build; otherwise it runs the sources.
//
// One bundle of our own code and a few small pure-JavaScript packages (the
// rest stay external, loaded from node_modules as usual), split at the dynamic imports so `steward run` does
// not read the Slack, Discord, BullMQ or HTTP code. A second entry is the drawing thread's.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = resolve(root, "dist");
const entry = resolve(root, "src/cli.ts");

// `npm ci` in the Dockerfile runs before the sources are copied in; it builds later.
if (!existsSync(entry)) {
  console.log("build: no src/cli.ts yet, nothing to compile");
  process.exit(0);
}

/**
 * Prisma ships its query compiler (WebAssembly) in two builds and the generated client names one: "fast"
 * (3.4 MB) compiles a query shape sooner, "small" (1.7 MB) loads with less: a `steward run` on PostgreSQL
 * peaks about 15 MiB lower with it. The compiled client takes the small one when the process said so
 * before its first query (src/cli.ts: `steward run` and `steward chat`); `steward serve` keeps the fast one.
 * Should Prisma change the generated lines, the client keeps its own choice and the build says so.
 */
const GENERATED_CLASS = "src/generated/prisma/internal/class.ts";
const SMALL = 'globalThis[Symbol.for("steward.smallQueryCompiler")] === true';
function eitherQueryCompiler(contents) {
  const out = contents
    .replace(/import\("(@prisma\/client\/runtime\/query_compiler)_fast(_bg\.[\w.-]+\.mjs)"\)/g, (m, base, rest) => `(${SMALL} ? import("${base}_small${rest}") : ${m})`)
    .replace('importName: "./query_compiler_fast_bg.js"', `get importName() { return ${SMALL} ? "./query_compiler_small_bg.js" : "./query_compiler_fast_bg.js"; }`);
  if ((out.match(/query_compiler_small_bg/g) ?? []).length !== 3) {
    console.warn(`build: ${GENERATED_CLASS} no longer names Prisma's query compiler as expected; every process uses the client's own`);
    return contents;
  }
  return out;
}

// Sources find their files (the program pack, the migrations, Prisma's runtime) next to themselves
// through import.meta.url; in the bundle that would be dist/. Point each at its source file instead,
// relative to the output, so dist/ keeps working if the checkout is moved.
const keepSourceLocation = {
  name: "keep-source-location",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      if (args.path.endsWith(GENERATED_CLASS)) contents = eitherQueryCompiler(contents);
      if (contents.includes("import.meta.url")) {
        const rel = relative(outdir, args.path).split("\\").join("/");
        contents = contents.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents, loader: "ts" };
    });
  },
};

/**
 * Pure-JavaScript packages on every start's path, bundled into dist/ with our code: zod alone is ~100 small
 * files that a start would find, read and compile one by one (a fifth of a `steward run`). Every other
 * package stays external, loaded from node_modules: native modules, WebAssembly, worker threads, and what
 * only a long-running process loads.
 */
const BUNDLED = new Set(["zod", "yaml", "luxon", "csv-stringify", "csv-parse", "croner", "p-limit", "yocto-queue"]);
const packageOf = (spec) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
const bundleSome = {
  name: "bundle-some-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.has(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
  },
};

/**
 * zod's namespace (`z`) carries every locale's error messages (`z.locales`, 60 files, half of zod's bundle) and
 * the namespace keeps them all. Steward speaks through its pack and uses zod's default English only, which
 * zod's schemas import themselves: the bundle gets `z.locales.en` alone (about 350 KB less to parse at every start).
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: resolve(dirname(args.importer), "../locales/index.js"), namespace: "zod-locales" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({ contents: 'export { default as en } from "./en.js";', loader: "js", resolveDir: dirname(args.path) }));
  },
};

const started = Date.now();
rmSync(outdir, { recursive: true, force: true });

/**
 * The packs shipped in src/programs, validated now with the loader this build compiles, keyed by a hash of
 * their text: a start that reads the same text skips the YAML parse and the schema check (a quarter of a
 * `steward run`). Any other text (an operator's own pack, an edited one) is parsed as usual.
 */
async function builtPacks() {
  const loader = resolve(outdir, "pack-loader.mjs");
  await build({ entryPoints: [resolve(root, "src/programs/load.ts")], outfile: loader, bundle: true, format: "esm", platform: "node", packages: "external", logLevel: "warning", plugins: [keepSourceLocation] });
  const { parsePack } = await import(pathToFileURL(loader).href);
  rmSync(loader);
  const dir = resolve(root, "src/programs");
  const packs = {};
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const text = readFileSync(resolve(dir, name), "utf8");
    packs[createHash("sha256").update(text).digest("hex")] = JSON.stringify(parsePack(text, name));
  }
  return packs;
}

const result = await build({
  // The drawing thread (src/chat/pictures/thread.mjs) loads its own entry.
  entryPoints: { cli: entry, "pictures-worker": resolve(root, "src/chat/pictures/worker.ts") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
  plugins: [keepSourceLocation, bundleSome, zodEnglishOnly],
  // A bundled CommonJS package (yaml) requires Node's built-ins; an ES module has no require of its own.
  banner: { js: 'import { createRequire as __stewardRequire } from "node:module"; const require = __stewardRequire(import.meta.url);' },
  define: { STEWARD_BUILT_PACKS: JSON.stringify(await builtPacks()) },
});
// Files only: esbuild lists a define as a virtual input (`<define:…>`), and a plugin's module by its namespace (`zod-locales:…`).
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith("node_modules/") && !p.startsWith("<") && !/^[a-z-]+:/.test(p));
writeFileSync(resolve(outdir, "build.json"), `${JSON.stringify({ builtAt: started, inputs }, null, 1)}\n`);
console.log(`build: ${inputs.length} files compiled into dist/ in ${Date.now() - started} ms`);
