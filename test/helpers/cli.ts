// Steward as an operator or a script runs it: real child processes of bin/steward.mjs.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/steward.mjs", import.meta.url));

/**
 * V8 flags of every child: WebAssembly and JavaScript from the baseline compilers only. A test's process
 * lives a second or two, too short for TurboFan to pay back its compiling (on background threads) of
 * PGlite's and Prisma's hot wasm functions: a chat of four commands took 2.7 s of CPU with it and 1.2 s
 * without, a first `migrate` (initdb) 4.9 s against 3.2 s; TurboFan for JavaScript off too, a tenth
 * less again (chat 1.25 -> 1.11 s, `member export` 0.92 -> 0.84 s, means of three). Nothing a test checks
 * depends on either. Only under vitest: the drills start `steward serve` through these helpers too, and run it
 * for minutes at production's speed, so their takeover and throughput figures stay comparable.
 */
export const CHILD_V8_FLAGS = process.env.VITEST ? ["--liftoff-only", "--no-opt"] : [];

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn", STEWARD_MODERATORS: "mod", ...env };
}

/** Runs `steward ARGS` to the end with `input` on stdin. */
export function steward(args: string[], env: Record<string, string>, input?: string): Promise<Result> {
  const child = startSteward(args, env);
  child.process.stdin.end(input ?? "");
  return child.done;
}

/**
 * Types `lines` into one `steward chat --as AS` and quits: where a test sets data up and checks what the
 * commands left behind rather than `steward run`'s exit codes. A chat starts more than a run (about 3 s
 * of CPU against 1 s), so it pays from about four commands on.
 */
export async function chatLines(as: string, lines: string[], env: Record<string, string>): Promise<Result> {
  const r = await steward(["chat", "--as", as], env, [...lines, "/quit", ""].join("\n"));
  if (r.code !== 0 || /something went wrong|Only moderators/.test(r.stdout)) throw new Error(`steward chat failed (code ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

export interface RunningSteward {
  process: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once stdout (or stderr) matches. */
  waitFor(pattern: RegExp, stream?: "stdout" | "stderr"): Promise<void>;
  done: Promise<Result>;
}

/** Starts `steward ARGS` and leaves stdin open: a chat to type into, or a server. */
export function startSteward(args: string[], env: Record<string, string>): RunningSteward {
  const child = spawn(process.execPath, [...CHILD_V8_FLAGS, BIN, ...args], { env: childEnv(env), stdio: ["pipe", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  const waiters: { pattern: RegExp; stream: "stdout" | "stderr"; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (w.pattern.test(out[w.stream])) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  child.stdout.on("data", (d: Buffer) => ((out.stdout += d.toString()), check()));
  child.stderr.on("data", (d: Buffer) => ((out.stderr += d.toString()), check()));
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, ...out }));
  });
  return {
    process: child,
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    waitFor: (pattern, stream = "stdout") =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, stream, resolve });
        check();
        void done.then((r) => reject(new Error(`steward ended (code ${r.code}) before ${stream} matched ${pattern}:\n${r.stdout}\n${r.stderr}`)));
      }),
    done,
  };
}
