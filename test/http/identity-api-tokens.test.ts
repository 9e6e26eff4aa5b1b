/**
 * API tokens over HTTP: created by a lab admin, shown once, stored as a hash,
 * scoped to one tenant and role, unable to mint credentials, and dead on the
 * next request after revocation or expiry. A bad Bearer header never falls
 * back to the cookie.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { client, type Client } from "../support/http.js";
import { adminWithTotp, expectError, freshWorld, isUuidV7, sessionToken, sha256Hex, signIn, type Ctx } from "./identity-helpers.js";

const DAY = 86_400_000;

let ctx: Ctx;
let admin: Client;
beforeEach(async () => {
  ctx = await freshWorld();
  admin = (await adminWithTotp(ctx)).c;
});
afterEach(async () => ctx.t.close());

const A = () => `/api/tenants/${ctx.w.a.slug}`;
const B = () => `/api/tenants/${ctx.w.b.slug}`;

async function mint(body: Record<string, unknown> = { name: "ci", role: "lab_admin" }): Promise<{ id: string; secret: string }> {
  const r = await admin.post(`${A()}/tokens`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.token.id, secret: r.body.secret };
}

function bearer(secret: string): Client {
  const c = client(ctx.t.s);
  c.bearer = secret;
  return c;
}

describe("who may create tokens", () => {
  it("anonymous 401, contractor and auditor 403, another tenant's admin 404; nothing is created", async () => {
    expectError(await client(ctx.t.s).post(`${A()}/tokens`, { name: "x", role: "reviewer" }), 401, "unauthenticated");
    for (const role of ["contractor", "reviewer", "lab_auditor"] as const) {
      const c = await signIn(ctx, ctx.w.email("a", role));
      expectError(await c.post(`${A()}/tokens`, { name: "x", role: "reviewer" }), 403, "forbidden");
    }
    const otherAdmin = (await adminWithTotp(ctx, "b")).c;
    expectError(await otherAdmin.post(`${A()}/tokens`, { name: "x", role: "reviewer" }), 404, "not_found");
    expect(await ctx.t.s.store.db.selectFrom("api_tokens").select("id").execute()).toHaveLength(0);
  });
});

describe("creation and listing", () => {
  it("the secret is shown once with the srt_ prefix; the list shows only its last four characters", async () => {
    const r = await admin.post(`${A()}/tokens`, { name: "ci", role: "reviewer", expiresInDays: 30 });
    expect(r.status).toBe(201);
    const secret: string = r.body.secret;
    expect(secret).toMatch(/^srt_[A-Za-z0-9_-]{43}$/);
    expect(isUuidV7(r.body.token.id)).toBe(true);
    expect(r.body.token).toMatchObject({ name: "ci", role: "reviewer", lastFour: secret.slice(-4), revokedAt: null });
    expect(Date.parse(r.body.token.expiresAt) - ctx.t.s.now()).toBe(30 * DAY);
    const list = await admin.get(`${A()}/tokens`);
    expect(list.status).toBe(200);
    expect(list.body.tokens).toHaveLength(1);
    expect(list.body.tokens[0].lastFour).toBe(secret.slice(-4));
    expect(Object.keys(list.body.tokens[0]).sort()).toEqual(["createdAt", "expiresAt", "id", "lastFour", "lastUsedAt", "name", "revokedAt", "role"]);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(4, 20));
    expect(text).not.toContain(sha256Hex(secret));
  });

  it("the secret is in neither the api_tokens table nor the logs; only its SHA-256 is stored", async () => {
    const { secret } = await mint();
    expect((await bearer(secret).get(A())).status).toBe(200);
    const rows = await ctx.t.s.store.db.selectFrom("api_tokens").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(sha256Hex(secret));
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(secret.slice(4, 24));
    const logs = ctx.t.logLines.join("\n");
    expect(logs).not.toContain(secret.slice(4));
    expect(logs).not.toContain(secret.slice(4, 24));
  });
});

describe("what a token can reach", () => {
  it("reads its own tenant (200) and nothing of another tenant (404)", async () => {
    const bot = bearer((await mint()).secret);
    expect((await bot.get(A())).status).toBe(200);
    expect((await bot.get(`${A()}/projects`)).status).toBe(200);
    const all = await bot.get("/api/tenants");
    expect(all.body.tenants.map((t: { slug: string }) => t.slug)).toEqual([ctx.w.a.slug]);
    for (const path of [B(), `${B()}/projects`, `${B()}/members`, `${B()}/tokens`, `/api/tenants/${ctx.w.b.id}`]) {
      expectError(await bot.get(path), 404, "not_found");
    }
    // Another tenant answers exactly like one that does not exist, so tenants cannot be probed.
    expect((await bot.get(B())).body).toEqual((await bot.get("/api/tenants/no-such-lab")).body);
  });

  it("even as lab_admin it cannot create tokens or invitations, change members or revoke tokens (403)", async () => {
    const { id, secret } = await mint();
    const bot = bearer(secret);
    expectError(await bot.post(`${A()}/tokens`, { name: "child", role: "lab_admin" }), 403, "forbidden");
    expectError(await bot.post(`${A()}/invitations`, { email: "mole@x.test.dev", role: "lab_admin" }), 403, "forbidden");
    expectError(await bot.patch(`${A()}/members/${ctx.w.userId("a", "contractor")}`, { role: "lab_admin" }), 403, "forbidden");
    expectError(await bot.delete(`${A()}/members/${ctx.w.userId("a", "contractor")}`), 403, "forbidden");
    expectError(await bot.delete(`${A()}/tokens/${id}`), 403, "forbidden");
    expect(await ctx.t.s.store.db.selectFrom("api_tokens").select("id").execute()).toHaveLength(1);
    expect(await ctx.t.s.store.db.selectFrom("invitations").select("id").execute()).toHaveLength(0);
    expect((await bot.get(A())).status).toBe(200);
  });

  it("cannot use routes meant for people (403)", async () => {
    const bot = bearer((await mint()).secret);
    expectError(await bot.get("/api/me"), 403, "forbidden");
    expectError(await bot.get("/api/me/sessions"), 403, "forbidden");
    expectError(await bot.post("/api/tenants", { slug: "lab-z", name: "Z" }), 403, "forbidden");
    expectError(await bot.post("/api/auth/logout-all"), 403, "forbidden");
  });

  it("is limited to its role: a contractor token cannot list members or tokens", async () => {
    const bot = bearer((await mint({ name: "c", role: "contractor" })).secret);
    expect((await bot.get(`${A()}/projects`)).status).toBe(200);
    expectError(await bot.get(`${A()}/members`), 403, "forbidden");
    expectError(await bot.get(`${A()}/tokens`), 403, "forbidden");
  });
});

describe("revocation and expiry", () => {
  it("a revoked token is 401 on its very next request", async () => {
    const { id, secret } = await mint();
    const bot = bearer(secret);
    expect((await bot.get(A())).status).toBe(200);
    expect((await admin.delete(`${A()}/tokens/${id}`)).status).toBe(200);
    expectError(await bot.get(A()), 401, "unauthenticated");
    expectError(await bot.get(`${A()}/projects`), 401, "unauthenticated");
    expect((await admin.get(`${A()}/tokens`)).body.tokens[0].revokedAt).not.toBeNull();
    expectError(await admin.delete(`${A()}/tokens/${id}`), 404, "not_found");
  });

  it("another tenant's admin cannot revoke it through their own tenant's path", async () => {
    const { id, secret } = await mint();
    const otherAdmin = (await adminWithTotp(ctx, "b")).c;
    expectError(await otherAdmin.delete(`${B()}/tokens/${id}`), 404, "not_found");
    expectError(await otherAdmin.delete(`${A()}/tokens/${id}`), 404, "not_found");
    expect((await bearer(secret).get(A())).status).toBe(200);
  });

  it("an expired token is 401 (expiresInDays passed)", async () => {
    const bot = bearer((await mint({ name: "short", role: "reviewer", expiresInDays: 1 })).secret);
    ctx.t.advance(DAY - 1000);
    expect((await bot.get(A())).status).toBe(200);
    ctx.t.advance(2000);
    expectError(await bot.get(A()), 401, "unauthenticated");
  });

  it("expiresInDays outside 1..365 is refused", async () => {
    for (const days of [0, -1, 366, 1.5, "30"]) {
      expectError(await admin.post(`${A()}/tokens`, { name: "x", role: "reviewer", expiresInDays: days }), 400, "validation_failed");
    }
    expect(await ctx.t.s.store.db.selectFrom("api_tokens").select("id").execute()).toHaveLength(0);
  });
});

describe("a bad Bearer header never falls back to the cookie", () => {
  it("malformed, unknown, revoked or misplaced credentials in Authorization are 401 even with a valid session cookie", async () => {
    const { id, secret } = await mint();
    expect((await admin.delete(`${A()}/tokens/${id}`)).status).toBe(200);
    const session = sessionToken(admin);
    const headers = [
      "Bearer",
      "Bearer ",
      "",
      `Basic ${Buffer.from("a:b").toString("base64")}`,
      `Bearer srt_${"A".repeat(43)}`,
      `Bearer ${secret}`,
      `Bearer ${secret} extra`,
      `Bearer ${session}`,
      `Bearer srt_${"A".repeat(200)}`,
      `Token ${secret}`,
    ];
    for (const authorization of headers) {
      const r = await admin.request("GET", A(), undefined, { authorization });
      expectError(r, 401, "unauthenticated");
    }
    const write = await admin.request("POST", `${A()}/tokens`, { name: "x", role: "reviewer" }, { authorization: "Bearer nope" });
    expectError(write, 401, "unauthenticated");
    expect((await admin.get(A())).status).toBe(200);
  });

  it("a session token in the Authorization header is not accepted as an API token", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    const bot = bearer(sessionToken(c));
    expectError(await bot.get(`${A()}/projects`), 401, "unauthenticated");
  });
});
