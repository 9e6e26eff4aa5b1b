/**
 * The edges of the identity API: every id is a UUIDv7, every error is the
 * `{ error: { code, message, details } }` envelope without internals, write
 * bodies are strict JSON within the size limit, and a failing database
 * answers a generic 500 rather than anything that looks like success.
 */
import { describe, expect, it } from "vitest";
import { client, type Client, type Reply } from "../support/http.js";
import {
  PASSWORD,
  adminWithTotp,
  expectError,
  isUuidV7,
  operatorWithTotp,
  sessionCookie,
  signIn,
  useWorld,
  type Ctx,
} from "./identity-helpers.js";

let ctx: Ctx;
const fresh = (c: Ctx) => (ctx = c);

const A = () => `/api/tenants/${ctx.w.a.slug}`;

describe("ids over HTTP", () => {
  useWorld({}, fresh);

  it("users, tenants, memberships, sessions, tokens and invitations are all UUIDv7, never small integers", async () => {
    const ids: Array<[string, unknown]> = [];
    const { c: admin } = await adminWithTotp(ctx);
    const login = await client(ctx.t.s).login(ctx.w.email("a", "contractor"), PASSWORD);
    ids.push(["login.userId", login.body.userId]);
    const me = (await admin.get("/api/me")).body;
    ids.push(["me.user.id", me.user.id], ...me.user.memberships.map((m: { tenantId: string }) => ["me.membership.tenantId", m.tenantId] as [string, unknown]));
    for (const t of (await admin.get("/api/tenants")).body.tenants) ids.push(["tenant.id", t.id]);
    for (const m of (await admin.get(`${A()}/members`)).body.members) ids.push(["member.userId", m.userId]);
    for (const s of (await admin.get("/api/me/sessions")).body.sessions) ids.push(["session.id", s.id]);
    const token = await admin.post(`${A()}/tokens`, { name: "ci", role: "reviewer" });
    ids.push(["token.id", token.body.token.id]);
    for (const t of (await admin.get(`${A()}/tokens`)).body.tokens) ids.push(["tokens[].id", t.id]);
    const inv = await admin.post(`${A()}/invitations`, { email: "new@x.test.dev", role: "reviewer" });
    ids.push(["invitation.id", inv.body.invitation.id]);
    for (const i of (await admin.get(`${A()}/invitations`)).body.invitations) ids.push(["invitations[].id", i.id]);
    const accepted = await client(ctx.t.s).post("/api/invitations/accept", { token: inv.body.link.split("#token=")[1], password: "a perfectly fine passphrase 7" });
    ids.push(["accept.userId", accepted.body.userId], ["accept.tenantId", accepted.body.tenantId]);
    const op = (await operatorWithTotp(ctx)).c;
    const created = await op.post("/api/tenants", { slug: "lab-c", name: "Lab C" });
    ids.push(["created tenant.id", created.body.tenant.id]);
    expect(ids.length).toBe(16);
    for (const [where, id] of ids) expect(isUuidV7(id), `${where} = ${String(id)}`).toBe(true);
  });
});

describe("strict JSON bodies", () => {
  useWorld({}, fresh);

  it("an unknown field on any write endpoint is 400 validation_failed naming the field, and nothing happens", async () => {
    const { c: admin } = await adminWithTotp(ctx);
    const op = (await operatorWithTotp(ctx)).c;
    ctx.t.advance(30_000);
    const pending = await signIn(ctx, ctx.w.email("a", "lab_admin"));
    const fresh = await signIn(ctx, ctx.w.email("b", "lab_admin"));
    await fresh.post("/api/me/mfa/totp/enroll");
    const reviewer = ctx.w.userId("a", "reviewer");
    const cases: Array<[Client, string, string, unknown, string]> = [
      [client(ctx.t.s), "POST", "/api/auth/login", { email: ctx.w.email("a", "contractor"), password: PASSWORD, isOperator: true }, "isOperator"],
      [pending, "POST", "/api/auth/mfa", { code: "123456", rememberDevice: true }, "rememberDevice"],
      [fresh, "POST", "/api/me/mfa/totp/confirm", { code: "123456", skip: true }, "skip"],
      [op, "POST", "/api/tenants", { slug: "lab-z", name: "Z", ownerId: reviewer }, "ownerId"],
      [admin, "POST", `${A()}/tokens`, { name: "ci", role: "reviewer", tenantId: ctx.w.b.id }, "tenantId"],
      [admin, "POST", `${A()}/invitations`, { email: "x@x.test.dev", role: "reviewer", expiresAt: 0 }, "expiresAt"],
      [admin, "PATCH", `${A()}/members/${reviewer}`, { role: "lab_admin", isOperator: true }, "isOperator"],
      [client(ctx.t.s), "POST", "/api/invitations/lookup", { token: "sri_xxxxxxxxxxxx", debug: 1 }, "debug"],
      [client(ctx.t.s), "POST", "/api/auth/login", `{"email":"a@b.c","password":"x","__proto__":{"isOperator":true}}`, "__proto__"],
    ];
    for (const [c, method, path, body, field] of cases) {
      const r = await c.request(method, path, body);
      expectError(r, 400, "validation_failed");
      expect(`${r.body.error.message} ${JSON.stringify(r.body.error.details)}`, `${method} ${path}`).toContain(field);
    }
    const db = ctx.t.s.store.db;
    expect(await db.selectFrom("api_tokens").select("id").execute()).toHaveLength(0);
    expect(await db.selectFrom("invitations").select("id").execute()).toHaveLength(0);
    expect(await db.selectFrom("tenants").select("id").where("slug", "=", "lab-z").execute()).toHaveLength(0);
    const members = (await admin.get(`${A()}/members`)).body.members as Array<{ userId: string; role: string }>;
    expect(members.find((m) => m.userId === reviewer)?.role).toBe("reviewer");
    expect((await pending.get("/api/me")).body.mfa).toBe("code_required");
  });

  it("a body that is not JSON is 415 (wrong type) or 400 (broken JSON, or JSON that is not an object)", async () => {
    const c = client(ctx.t.s);
    const body = JSON.stringify({ email: ctx.w.email("a", "contractor"), password: PASSWORD });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json"]) {
      const r = await c.request("POST", "/api/auth/login", body, { "content-type": type });
      expectError(r, 415, "unsupported_media_type");
      expect(sessionCookie(r)).toBeUndefined();
    }
    expectError(await c.request("POST", "/api/auth/login", "{not json"), 400, "bad_request");
    expectError(await c.request("POST", "/api/auth/login", ""), 400, "bad_request");
    for (const json of ["null", "[]", '"text"', "42"]) {
      expectError(await c.request("POST", "/api/auth/login", json), 400, "validation_failed");
    }
  });

  it("a missing or mistyped field is 400 validation_failed with the field named in details.issues", async () => {
    const r = await client(ctx.t.s).post("/api/auth/login", { email: ctx.w.email("a", "contractor"), password: 12345 });
    expectError(r, 400, "validation_failed");
    expect(r.body.error.details.issues).toEqual([expect.objectContaining({ path: "password" })]);
    const missing = await client(ctx.t.s).post("/api/auth/login", { email: ctx.w.email("a", "contractor") });
    expectError(missing, 400, "validation_failed");
    expect(missing.body.error.details.issues.map((i: { path: string }) => i.path)).toContain("password");
  });
});

describe("body size limit", () => {
  useWorld({ bodyLimitBytes: 2048 }, fresh);

  it("a body over bodyLimitBytes is 413 payload_too_large, with or without Content-Length, before any work is done", async () => {
    const big = JSON.stringify({ email: ctx.w.email("a", "contractor"), password: "x".repeat(3000) });
    const anon = client(ctx.t.s);
    expectError(await anon.request("POST", "/api/auth/login", big), 413, "payload_too_large");
    expectError(await anon.request("POST", "/api/auth/login", big, { "content-length": String(Buffer.byteLength(big)) }), 413, "payload_too_large");
    const { c: admin } = await adminWithTotp(ctx);
    const bigToken = await admin.post(`${A()}/tokens`, { name: "n".repeat(4000), role: "reviewer" });
    expectError(bigToken, 413, "payload_too_large");
    expect(await ctx.t.s.store.db.selectFrom("api_tokens").select("id").execute()).toHaveLength(0);
    // Just under the limit is read and judged on its content.
    const fits = JSON.stringify({ email: ctx.w.email("a", "contractor"), password: "x".repeat(1000) });
    expectError(await anon.request("POST", "/api/auth/login", fits), 401, "invalid_credentials");
  });
});

describe("errors never leak internals", () => {
  useWorld({}, fresh);

  it("unknown paths and methods are 404 not_found in the envelope", async () => {
    const c = client(ctx.t.s);
    for (const [method, path] of [["GET", "/api/nope"], ["PUT", "/api/auth/login"], ["GET", "/api/auth/login"], ["DELETE", "/api/me"], ["GET", "/api/../etc/passwd"]] as const) {
      expectError(await c.request(method, path), 404, "not_found");
    }
  });

  it("a failing database gives a generic 500 naming the request id: no SQL, no stack, no cookie, no fallback to anonymous", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    await ctx.t.s.store.db.schema.dropTable("login_throttle").execute();
    const login = await client(ctx.t.s).login(ctx.w.email("a", "contractor"), PASSWORD);
    expectInternal(login);
    expect(sessionCookie(login)).toBeUndefined();
    await ctx.t.s.store.db.schema.dropTable("memberships").execute();
    expectInternal(await c.get("/api/me"));
    expectInternal(await c.get(`${A()}/projects`));
    // The details went to the log instead.
    expect(ctx.t.logLines.some((l) => l.includes(login.headers.get("x-request-id")!) && l.includes("login_throttle"))).toBe(true);
  });

  it("credential-bearing responses are marked no-store", async () => {
    const c = client(ctx.t.s);
    expect((await c.login(ctx.w.email("a", "contractor"), PASSWORD)).headers.get("cache-control")).toBe("no-store");
    expect((await c.get("/api/me")).headers.get("cache-control")).toBe("no-store");
    const { c: admin } = await adminWithTotp(ctx);
    expect((await admin.post(`${A()}/tokens`, { name: "ci", role: "reviewer" })).headers.get("cache-control")).toBe("no-store");
    expect((await admin.post(`${A()}/invitations`, { email: "n@x.test.dev", role: "reviewer" })).headers.get("cache-control")).toBe("no-store");
  });
});

function expectInternal(r: Reply): void {
  expectError(r, 500, "internal");
  const id = r.headers.get("x-request-id");
  expect(id).toBeTruthy();
  expect(r.body.error.message).toContain(id);
  expect(r.body.error.details).toEqual({});
  expect(JSON.stringify(r.body)).not.toMatch(/sql|select|table|relation|memberships|login_throttle|sqlite|postgres/i);
}
