import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "../support/http.js";
import { makeServices, type TestContext } from "../support/services.js";
import { PASSWORD, seedWorld, type World } from "../support/world.js";

let t: TestContext;
let w: World;
beforeAll(async () => {
  t = await makeServices();
  w = await seedWorld(t.s);
});
afterAll(async () => t.close());

describe("smoke", () => {
  it("health and a contractor login", async () => {
    const c = client(t.s);
    expect((await c.get("/healthz")).status).toBe(200);
    expect((await c.get("/readyz")).status).toBe(200);
    const r = await c.login(w.email("a", "contractor"), PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body.mfa).toBe("satisfied");
    const me = await c.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.body.user.memberships).toHaveLength(1);
    const projects = await c.get(`/api/tenants/${w.a.slug}/projects`);
    expect(projects.status).toBe(200);
    expect((await c.get(`/api/tenants/${w.b.slug}/projects`)).status).toBe(404);
  });
});
