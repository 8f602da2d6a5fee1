// A small Discourse on 127.0.0.1 for the forum target: users, badges and
// user_badges behind the real API paths and headers (Api-Key, Api-Username).
// It records every call, and can be told to answer the next calls with a
// status (429 with Retry-After, 500) to test retries.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface DiscourseCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
  apiKey: string | undefined;
}

export class FakeDiscourse {
  readonly calls: DiscourseCall[] = [];
  readonly users = new Set<string>();
  readonly badges = new Map<number, string>();
  /**
   * Each user's replies and topics as /user_actions.json lists them (rows with action_type 5 for a reply, 4 for a
   * topic): newest first, 30 a page from `offset`, only the action types `filter` names.
   */
  readonly actions = new Map<string, Record<string, unknown>[]>();
  /** user_badges rows: id → grant. */
  readonly userBadges = new Map<number, { username: string; badgeId: number }>();
  private readonly queued: { status: number; headers?: Record<string, string>; body?: unknown }[] = [];
  private nextId = 1;
  private server: Server | undefined;
  port = 0;

  constructor(readonly apiKey = "test-api-key") {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next call gets this answer instead of the real one. */
  answerNext(status: number, headers?: Record<string, string>, body?: unknown): void {
    this.queued.push({ status, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}) });
  }

  held(username: string, badgeId: number): number {
    return [...this.userBadges.values()].filter((b) => b.username === username.toLowerCase() && b.badgeId === badgeId).length;
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "/").split("?")[0] as string;
      const apiKey = req.headers["api-key"] as string | undefined;
      this.calls.push({ method: req.method ?? "", path, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, apiKey });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
      const queued = this.queued.shift();
      if (queued) return send(queued.status, queued.body ?? { errors: ["queued answer"] }, queued.headers);
      if (apiKey !== this.apiKey || !req.headers["api-username"]) return send(403, { errors: ["You are not permitted to view the requested resource."] });
      let m: RegExpExecArray | null;
      if (req.method === "GET" && path === "/user_actions.json") {
        const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
        const username = (query.get("username") ?? "").toLowerCase();
        const types = (query.get("filter") ?? "").split(",").filter(Boolean).map(Number);
        const offset = Number(query.get("offset") ?? 0);
        const rows = (this.actions.get(username) ?? [])
          .filter((a) => !types.length || types.includes(Number(a.action_type)))
          .sort((x, y) => Date.parse(String(y.created_at)) - Date.parse(String(x.created_at)));
        return send(200, { user_actions: rows.slice(offset, offset + 30) });
      }
      if (req.method === "GET" && (m = /^\/user-badges\/([^/]+)\.json$/.exec(path))) {
        const username = decodeURIComponent(m[1] as string).toLowerCase();
        if (!this.users.has(username)) return send(404, { errors: ["The requested URL or resource could not be found."] });
        const user_badges = [...this.userBadges].filter(([, b]) => b.username === username).map(([id, b]) => ({ id, badge_id: b.badgeId }));
        return send(200, { badges: [], user_badges });
      }
      if (req.method === "POST" && path === "/user_badges.json") {
        const body = JSON.parse(raw || "{}") as { username?: string; badge_id?: number };
        const username = String(body.username ?? "").toLowerCase();
        if (!this.users.has(username)) return send(404, { errors: ["The requested URL or resource could not be found."] });
        if (!this.badges.has(Number(body.badge_id))) return send(422, { errors: ["Badge not found"] });
        const id = this.nextId++;
        this.userBadges.set(id, { username, badgeId: Number(body.badge_id) });
        return send(200, { badges: [], user_badge: { id, badge_id: body.badge_id } });
      }
      if (req.method === "DELETE" && (m = /^\/user_badges\/(\d+)\.json$/.exec(path))) {
        if (!this.userBadges.delete(Number(m[1]))) return send(404, { errors: ["not found"] });
        return send(200, { success: "OK" });
      }
      return send(404, { errors: ["The requested URL or resource could not be found."] });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
