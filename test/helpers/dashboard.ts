// The dashboard served for tests: a test runtime (PGlite, or Postgres), the
// ops server on an ephemeral port with the web adapter mounted, terminal
// moderators checked the way `steward serve` checks them, and a chat driver
// for /dashboard and /review. Requests are real HTTP against 127.0.0.1.
import { createServer } from "node:net";
import { registry } from "../../commands/index.ts";
import { consoleIsModerator } from "../../src/adapters/console/session.ts";
import { mountWeb } from "../../src/adapters/web/routes.ts";
import { startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { ChatDriver } from "./chat.ts";
import { testRuntime, type StoreKind, type TestRuntime } from "./runtime.ts";

export const SECRET = "a-test-secret-that-is-long-enough-0123456789";

export interface DashboardHarness {
  runtime: TestRuntime;
  chat: ChatDriver;
  ops: OpsServer;
  /** Where requests go (127.0.0.1 and the ephemeral port). */
  base: string;
  /** STEWARD_PUBLIC_URL, the origin forms must come from. */
  publicUrl: string;
  /** A fresh sign-in link from `/dashboard`, run by `handle` in the terminal chat. */
  link(handle?: string): Promise<string>;
  /** Signs in with a new link and returns the session cookie ("steward_session=…"). */
  signIn(handle?: string): Promise<string>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startDashboard(kind: StoreKind = "pglite", env: Record<string, string> = {}): Promise<DashboardHarness> {
  // The public URL is the server's own address when a browser must reach it; otherwise any origin will do.
  const port = env.STEWARD_PUBLIC_URL ? 0 : await freePort();
  const publicUrl = env.STEWARD_PUBLIC_URL ?? `http://127.0.0.1:${port}`;
  const runtime = await testRuntime(kind, { STEWARD_PUBLIC_URL: publicUrl, STEWARD_SECRET: SECRET, ...env });
  const { app } = runtime;
  const web = mountWeb({ app, registry, isModerator: async (platform, id) => platform === "console" && consoleIsModerator(app.config, id) });
  const ops = await startOpsServer(app, port, { host: "127.0.0.1", web });
  const base = `http://127.0.0.1:${ops.port}`;
  const chat = new ChatDriver(runtime);
  const link = async (handle = "mod") => {
    const out = await chat.ok(handle, "/dashboard");
    const url = /(https?:\/\/\S+\/admin\/login\?token=[\w-]+)/.exec(out)?.[1];
    if (!url) throw new Error(`no link in: ${out}`);
    return url;
  };
  const signIn = async (handle = "mod") => {
    const token = new URL(await link(handle)).searchParams.get("token") ?? "";
    const res = await post(base, "/admin/login", { token }, { origin: publicUrl });
    const cookie = res.headers.get("set-cookie")?.split(";")[0];
    if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
    return cookie;
  };
  return {
    runtime,
    chat,
    ops,
    base,
    publicUrl,
    link,
    signIn,
    close: async () => {
      await ops.close();
      await runtime.close();
    },
  };
}

export function post(base: string, path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export function get(base: string, path: string, cookie?: string): Promise<Response> {
  return fetch(`${base}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
}

/** The CSRF token a page's forms carry. */
export function csrfOf(html: string): string {
  const token = /name="csrf" value="([0-9a-f]+)"/.exec(html)?.[1];
  if (!token) throw new Error("no CSRF token on the page");
  return token;
}
