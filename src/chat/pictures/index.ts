// Drawing a reply's pictures when a surface shows it. Adapters call this after
// they acknowledged or deferred the request (drawing can take a while the first
// time, when the fonts load), never before.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { ImageBlock, Picture, Reply } from "../reply.ts";

/** How long one picture may take before it counts as failed (its alt text stands in). */
const DRAW_TIMEOUT_MS = 30_000;

let worker: Worker | undefined;
/** Set by a process that runs one command: its pictures are drawn on the main thread, with no thread to start. */
let inThisThread = false;
let nextId = 0;
const waiting = new Map<number, { resolve: (png: Uint8Array) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();

function failAll(err: Error): void {
  for (const [id, w] of waiting) {
    clearTimeout(w.timer);
    w.reject(err);
    waiting.delete(id);
  }
}

/** One drawing thread per process, started on first use; unref'd, so it never keeps the process alive. */
function drawingThread(): Worker {
  if (worker) return worker;
  // The thread runs the TypeScript sources the way the process does: through tsx.
  const w = new Worker(new URL("./thread.mjs", import.meta.url));
  w.unref();
  w.on("message", (m: { id: number; png?: Uint8Array; error?: string }) => {
    const job = waiting.get(m.id);
    if (!job) return;
    waiting.delete(m.id);
    clearTimeout(job.timer);
    if (m.png) job.resolve(m.png);
    else job.reject(new Error(m.error ?? "the drawing thread answered nothing"));
  });
  const gone = (err: Error) => {
    if (worker === w) worker = undefined;
    failAll(err);
  };
  w.on("error", gone);
  w.on("exit", (code) => gone(new Error(`the drawing thread stopped (exit ${code})`)));
  worker = w;
  return w;
}

/**
 * Draws on the main thread from now on: for a process that runs one command and exits (`steward run`), where
 * no event loop has to stay free, and a thread would cost its own start, module loading and memory.
 */
export function drawOnThisThread(): void {
  inThisThread = true;
}

/** The picture as PNG bytes, drawn on the drawing thread (or this one: drawOnThisThread). */
export async function drawPicture(picture: Picture): Promise<Uint8Array> {
  if (inThisThread) return (await import("./worker.ts")).drawNow(picture);
  const w = drawingThread();
  const id = ++nextId;
  return new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`drawing ${picture.kind} took longer than ${DRAW_TIMEOUT_MS} ms`));
    }, DRAW_TIMEOUT_MS);
    waiting.set(id, { resolve, reject, timer });
    w.postMessage({ id, picture });
  });
}

/**
 * Starts the drawing thread and loads its fonts, so the first picture a person
 * asks for is quick; resolves when the thread is ready (never rejects: a
 * failure shows up again, and is logged, when a picture is drawn).
 */
export async function warmPictures(): Promise<void> {
  const card = { name: "Steward", tier: { name: "Explorer", colour: "#2dd4bf", threshold: 0 }, points: 0, unlocked: [], upcoming: [], badges: ["你好 🎉 مرحبا"] };
  await drawPicture({ kind: "tier-card", card }).catch(() => undefined);
}

/** Stops the drawing thread (shutdown, tests); the next picture starts a new one. */
export async function stopPictures(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}

export function images(reply: Reply): ImageBlock[] {
  return reply.blocks.filter((b): b is ImageBlock => b.type === "image");
}

/**
 * The reply with every picture drawn (`png` set). A picture that fails to draw
 * is left undrawn, so the surface shows its alt text: a picture never costs a
 * person the answer.
 */
export async function drawPictures(reply: Reply, onError?: (err: unknown, block: ImageBlock) => void): Promise<Reply> {
  if (!reply.blocks.some((b) => b.type === "image" && !b.png)) return reply;
  const blocks = await Promise.all(
    reply.blocks.map(async (b) => {
      if (b.type !== "image" || b.png) return b;
      try {
        return { ...b, png: await drawPicture(b.picture) };
      } catch (err) {
        onError?.(err, b);
        return b;
      }
    }),
  );
  return { ...reply, blocks };
}

/** Filenames come from member handles: only safe characters reach the file system. */
function safeFilename(name: string): string {
  const base = name.replace(/\.png$/i, "").replace(/[^a-z0-9._-]+/gi, "-").replace(/^[.-]+/, "").slice(0, 80) || "picture";
  return `${base}.png`;
}

/** Where the terminal writes pictures: a folder in the data folder. */
export function picturesDir(dataDir: string): string {
  return resolve(dataDir, "pictures");
}

/**
 * For the terminal: draws the pictures and writes each into `dir`, setting
 * `src` to the file's path (renderText prints it as `image: <path>`). Names
 * get a time stamp, so an earlier picture is never overwritten.
 */
export async function savePictures(reply: Reply, dir: string, onError?: (err: unknown, block: ImageBlock) => void): Promise<Reply> {
  const drawn = await drawPictures(reply, onError);
  if (!images(drawn).some((b) => b.png)) return drawn;
  await mkdir(dir, { recursive: true });
  const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const blocks = await Promise.all(
    drawn.blocks.map(async (b) => {
      if (b.type !== "image" || !b.png) return b;
      const path = join(dir, safeFilename(`${b.filename.replace(/\.png$/i, "")}-${stamp}`));
      await writeFile(path, b.png);
      return { ...b, src: path };
    }),
  );
  return { ...drawn, blocks };
}
