// /metrics labels requests by route; a label per requested path would let anyone grow the series without bound.
import { describe, expect, it } from "vitest";
import { routeLabel, type OpsOptions } from "../../src/http/server.ts";

const options = {
  web: { owns: (path: string) => path === "/admin" || path.startsWith("/admin/") || path === "/leaderboard", listener: () => undefined },
  routes: [{ path: "/webhooks/partner" }],
} as unknown as OpsOptions;

describe("routeLabel", () => {
  it("gives the dashboard's pages and patterns their own labels", () => {
    expect(routeLabel("/admin/audit", options)).toBe("/admin/audit");
    expect(routeLabel("/admin/members/alice", options)).toBe("/admin/members/:handle");
    expect(routeLabel("/webhooks/partner", options)).toBe("/webhooks/partner");
    expect(routeLabel("/nowhere", options)).toBe("other");
  });

  it("puts every /admin path that is no page under one label", () => {
    const labels = new Set(Array.from({ length: 50 }, (_, i) => routeLabel(`/admin/x${i}`, options)));
    expect([...labels]).toEqual(["/admin/other"]);
  });
});
