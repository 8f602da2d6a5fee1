#!/usr/bin/env node
// No Docker engine runs in CI here, so the image is checked in two halves.
//
// 1. Read: the Dockerfile and docker-compose.yml say what the issue asks
//    (an LTS Node image, a non-root USER before CMD, a HEALTHCHECK on
//    /healthz, compose waiting for healthy PostgreSQL and Redis, every
//    variable of src/config.ts passed through .env or compose, a volume for
//    an operator's pack, named volumes for PostgreSQL and Redis).
// 1b. Build: the build stage's prune and slim steps on a hard-linked copy, whose installed
//    size is printed, and from which the CMD then runs.
// 2. Run: the final stage's CMD, with the final stage's ENV, outside Docker
//    against a fresh PostgreSQL database (DATABASE_URL) and Redis (REDIS_URL),
//    and the HEALTHCHECK's own command, literally, until it passes; then the
//    database must hold every migration (the CMD migrates at start) and
//    SIGTERM must stop the process cleanly.
// The build stage's RUN steps (npm ci, typecheck, prune) are not repeated:
// .ci/run runs the same commands on the same lock file just before this.
// Usage: DATABASE_URL=postgresql://…/fresh REDIS_URL=redis://… node scripts/check-image.mjs
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

// --- 1. Read --------------------------------------------------------------------
/** Instructions of the Dockerfile, continuation lines joined, by stage. */
function stages(text) {
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const out = [];
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op) continue;
    if (op.toUpperCase() === "FROM") out.push({ from: rest, steps: [] });
    else out.at(-1)?.steps.push({ op: op.toUpperCase(), args: rest });
  }
  return out;
}
const docker = stages(readFileSync(join(root, "Dockerfile"), "utf8"));
const final = docker.at(-1);
for (const s of docker) {
  const major = Number(/^node:(\d+)/.exec(s.from)?.[1]);
  // Even Node majors become LTS; 22 is the oldest still maintained.
  check(major >= 22 && major % 2 === 0, `FROM ${s.from} is an LTS Node image`);
}
const steps = final?.steps ?? [];
const cmdAt = steps.findIndex((s) => s.op === "CMD");
const user = steps.slice(0, cmdAt).filter((s) => s.op === "USER").at(-1)?.args;
check(cmdAt >= 0, "the final stage has a CMD");
check(Boolean(user) && !/^(root|0)(:|$)/.test(user), `the final stage runs as a non-root user (USER ${user ?? "none"})`);
const health = steps.find((s) => s.op === "HEALTHCHECK")?.args ?? "";
const healthCmd = /\bCMD\s+(.*)$/.exec(health)?.[1] ?? "";
check(healthCmd.includes("/healthz"), "the HEALTHCHECK asks /healthz");
const env = {};
for (const s of steps.filter((x) => x.op === "ENV")) for (const [, k, v] of s.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[k] = v.replace(/^"|"$/g, "");
const cmd = JSON.parse(steps[cmdAt]?.args ?? "[]");
check(Array.isArray(cmd) && cmd.length > 0, `CMD is in exec form (${JSON.stringify(cmd)})`);

const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"));
const deps = compose.services?.steward?.depends_on ?? {};
for (const service of ["db", "redis"]) {
  check(deps[service]?.condition === "service_healthy", `compose: steward waits for ${service} to be healthy`);
  check(Array.isArray(compose.services?.[service]?.healthcheck?.test), `compose: ${service} has a healthcheck`);
}

// Every variable the code reads (the schema in src/config.ts) reaches the container: through the
// env_file (.env, made from .env.example, which is generated from the same schema) or set by compose.
const steward = compose.services?.steward ?? {};
const envFiles = [steward.env_file ?? []].flat().map((f) => (typeof f === "string" ? f : f.path));
check(envFiles.includes(".env"), "compose: steward reads .env (env_file)");
const names = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", 'const { configSchema } = await import("./src/config.ts"); console.log(Object.keys(configSchema.shape).join("\\n"));'], { cwd: root, encoding: "utf8" });
const variables = names.stdout.split("\n").filter(Boolean);
check(names.status === 0 && variables.length > 0, `the schema in src/config.ts lists its variables (${variables.length})`);
const example = new Set([...readFileSync(join(root, ".env.example"), "utf8").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
const composeEnv = steward.environment ?? {};
const set = new Set(Array.isArray(composeEnv) ? composeEnv.map((e) => e.split("=")[0]) : Object.keys(composeEnv));
const missing = variables.filter((v) => !example.has(v) && !set.has(v));
check(missing.length === 0, `compose passes every variable the code reads${missing.length ? `; missing: ${missing.join(", ")}` : ""}`);
const unknown = [...example, ...set].filter((v) => !variables.includes(v));
check(unknown.length === 0, `compose and .env.example set no variable the code does not read${unknown.length ? `: ${unknown.join(", ")}` : ""}`);
check(String(composeEnv.STEWARD_HTTP_PORT) === env.STEWARD_HTTP_PORT, `compose keeps the HEALTHCHECK's port (STEWARD_HTTP_PORT=${env.STEWARD_HTTP_PORT}) whatever .env says`);
const mounts = (steward.volumes ?? []).map((v) => (typeof v === "string" ? v.split(":")[1] : v.target));
check(mounts.includes("/app/pack"), "compose: a volume carries an operator's program pack (/app/pack)");
for (const [service, target] of [["db", "/var/lib/postgresql/data"], ["redis", "/data"]]) {
  const named = (compose.services?.[service]?.volumes ?? []).some((v) => typeof v === "string" && v.endsWith(`:${target}`) && compose.volumes && v.split(":")[0] in compose.volumes);
  check(named, `compose: ${service} keeps its data in a named volume (${target})`);
}

// --- 1b. What the image carries -------------------------------------------------------
// The build stage's result, made outside Docker: the build context (without what .dockerignore
// leaves out, but with the generated client and dist/ that npm ci makes there), its node_modules
// hard-linked (pruning unlinks, never edits, except npm's own index, copied first), then the
// Dockerfile's prune and slim steps. Its size is printed; the CMD below runs from it.
const buildSteps = docker[0]?.steps.filter((s) => s.op === "RUN").map((s) => s.args).join(" && ") ?? "";
check(/npm prune --omit=dev/.test(buildSteps) && /slim-image\.mjs/.test(buildSteps), "the build stage prunes dev packages and runs scripts/slim-image.mjs");
const image = mkdtempSync(join(tmpdir(), "steward-image-"));
const left = new Set([".git", "node_modules", "data", "scratch", "coverage", ".env", "test-artifacts"]);
for (const entry of readdirSync(root)) if (!left.has(entry)) cpSync(join(root, entry), join(image, entry), { recursive: true, preserveTimestamps: true });
// Hard links need one filesystem; across two (a tmpfs /tmp), a real copy.
if (spawnSync("cp", ["-al", join(root, "node_modules"), join(image, "node_modules")]).status !== 0) {
  rmSync(join(image, "node_modules"), { recursive: true, force: true });
  spawnSync("cp", ["-a", join(root, "node_modules"), join(image, "node_modules")]);
}
const index = join(image, "node_modules/.package-lock.json");
unlinkSync(index);
copyFileSync(join(root, "node_modules/.package-lock.json"), index);
const prune = spawnSync("npm", ["prune", "--omit=dev", "--offline", "--no-audit", "--no-fund"], { cwd: image, encoding: "utf8" });
const slim = spawnSync(process.execPath, ["scripts/slim-image.mjs"], { cwd: image, encoding: "utf8" });
check(prune.status === 0 && slim.status === 0, `prune and slim-image run (${(slim.stdout || slim.stderr).trim()})`);
const kib = (path) => Number(spawnSync("du", ["-sk", path], { encoding: "utf8" }).stdout.split("\t")[0]);
const total = kib(image);
const modulesKib = kib(join(image, "node_modules"));
console.log(`     installed size: ${Math.round(total / 1024)} MiB in /app (node_modules ${Math.round(modulesKib / 1024)} MiB), on top of node:24-slim`);
const largest = spawnSync("sh", ["-c", "du -sk node_modules/* node_modules/@*/* 2>/dev/null | sort -rn | head -8"], { cwd: image, encoding: "utf8" }).stdout.trim().split("\n").map((l) => l.split("\t")).map(([k, p]) => `${p.replace("node_modules/", "")} ${Math.round(Number(k) / 1024)} MiB`);
console.log(`     largest: ${largest.join(", ")}`);
for (const gone of ["prisma", "typescript", "eslint", "vitest"]) check(!readdirSync(join(image, "node_modules")).includes(gone), `the image carries no ${gone}`);
process.on("exit", () => rmSync(image, { recursive: true, force: true }));

// --- 2. Run ---------------------------------------------------------------------
const { DATABASE_URL, REDIS_URL } = process.env;
if (!DATABASE_URL || !REDIS_URL) {
  check(false, "DATABASE_URL (a fresh database) and REDIS_URL are set, to run the CMD");
} else {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const free = s.address().port;
      s.close(() => resolve(free));
    });
  });
  // The image's environment, with its port moved to a free one (the HEALTHCHECK reads STEWARD_HTTP_PORT).
  const childEnv = { ...process.env, ...env, STEWARD_HTTP_PORT: String(port), NODE_ENV: env.NODE_ENV ?? "production", LOG_LEVEL: "warn" };
  const child = spawn(cmd[0], cmd.slice(1), { cwd: image, env: childEnv, stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let healthy = false;
  const deadline = Date.now() + 60_000;
  while (!healthy && Date.now() < deadline && child.exitCode === null) {
    healthy = spawnSync("sh", ["-c", healthCmd], { env: childEnv, timeout: 5_000 }).status === 0;
    if (!healthy) await sleep(500);
  }
  check(healthy, `the HEALTHCHECK passes against \`${cmd.join(" ")}\``);
  const migrations = readdirSync(join(root, "prisma/migrations"), { withFileTypes: true }).filter((d) => d.isDirectory()).length;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const applied = await client
    .query("SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL")
    .then((r) => r.rows[0].n, () => 0)
    .finally(() => client.end());
  check(applied === migrations, `the CMD applied every migration at start (${applied} of ${migrations})`);
  child.kill("SIGTERM");
  const { code, signal } = await Promise.race([exited, sleep(30_000, undefined, { ref: false }).then(() => (child.kill("SIGKILL"), exited))]);
  check(code === 0, `SIGTERM stops it cleanly (exit ${code ?? signal})`);
}

if (failures.length) {
  console.error(`\nThe image's steps do not hold: ${failures.length} check(s) failed.`);
  process.exit(1);
}
console.log("\nThe image's steps hold.");
