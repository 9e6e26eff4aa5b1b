/**
 * Password login over HTTP: one indistinguishable failure for every wrong
 * case, the session cookie's attributes, and what the database keeps of the
 * session token (only its SHA-256).
 */
import { describe, expect, it } from "vitest";
import { client } from "../support/http.js";
import {
  PASSWORD,
  expectError,
  replay,
  sessionCookie,
  sessionToken,
  sha256Hex,
  signIn,
  useWorld,
  type Ctx,
} from "./identity-helpers.js";

let ctx: Ctx;
const fresh = (c: Ctx) => (ctx = c);

async function disable(email: string): Promise<void> {
  await ctx.t.s.store.db.updateTable("users").set({ status: "disabled" }).where("email", "=", email).execute();
}

describe("login failures are indistinguishable", () => {
  useWorld({}, fresh);

  it("unknown email, wrong password and a disabled account all answer 401 invalid_credentials with the same body and no cookie", async () => {
    const { w } = ctx;
    await disable(w.email("a", "reviewer"));
    const unknown = await client(ctx.t.s).login("nobody@a.test.dev", PASSWORD);
    const wrong = await client(ctx.t.s).login(w.email("a", "contractor"), `${PASSWORD}!`);
    const disabled = await client(ctx.t.s).login(w.email("a", "reviewer"), PASSWORD);
    for (const r of [unknown, wrong, disabled]) {
      expectError(r, 401, "invalid_credentials");
      expect(sessionCookie(r)).toBeUndefined();
    }
    expect(wrong.body).toEqual(unknown.body);
    expect(disabled.body).toEqual(unknown.body);
    expect(unknown.body.error.details).toEqual({});
    const sessions = await ctx.t.s.store.db.selectFrom("sessions").select("id").execute();
    expect(sessions).toHaveLength(0);
  });

  it("a disabled account's open session stops working on its next request", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    expect((await c.get("/api/me")).status).toBe(200);
    await disable(ctx.w.email("a", "contractor"));
    expectError(await c.get("/api/me"), 401, "unauthenticated");
    expectError(await c.get(`/api/tenants/${ctx.w.a.slug}/projects`), 401, "unauthenticated");
  });

  it("a password differing only in case or trailing space is wrong", async () => {
    const email = ctx.w.email("a", "contractor");
    expectError(await client(ctx.t.s).login(email, PASSWORD.toUpperCase()), 401, "invalid_credentials");
    expectError(await client(ctx.t.s).login(email, `${PASSWORD} `), 401, "invalid_credentials");
  });

  it("success returns the user id, MFA state and CSRF token and sets the session cookie", async () => {
    const c = client(ctx.t.s);
    const r = await c.login(ctx.w.email("a", "contractor"), PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ userId: ctx.w.userId("a", "contractor"), mfa: "satisfied", csrfToken: expect.any(String) });
    const cookie = sessionCookie(r);
    expect(cookie?.value).toMatch(/^srs_[A-Za-z0-9_-]{43}$/);
    expect((await c.get("/api/me")).body.user.email).toBe(ctx.w.email("a", "contractor"));
  });

  it("the email is matched case-insensitively and trimmed, to the same account", async () => {
    const r = await client(ctx.t.s).login("  Contractor@A.TEST.dev ", PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body.userId).toBe(ctx.w.userId("a", "contractor"));
  });
});

describe("session cookie attributes", () => {
  useWorld({}, fresh);

  it("over plain http: HttpOnly, SameSite=Strict, Path=/, Max-Age of the absolute lifetime, no Secure, no Domain", async () => {
    const r = await client(ctx.t.s).login(ctx.w.email("a", "contractor"), PASSWORD);
    const cookie = sessionCookie(r);
    expect(cookie).toBeDefined();
    const attrs = cookie!.attrs;
    expect(attrs.has("httponly")).toBe(true);
    expect(attrs.get("samesite")).toBe("Strict");
    expect(attrs.get("path")).toBe("/");
    expect(attrs.get("max-age")).toBe(String(ctx.t.s.config.sessionMaxMs / 1000));
    expect(attrs.has("secure")).toBe(false);
    expect(attrs.has("domain")).toBe(false);
  });

  it("Secure when the request URL itself is https://", async () => {
    const r = await client(ctx.t.s, "https://sealroom.example").login(ctx.w.email("a", "contractor"), PASSWORD);
    const attrs = sessionCookie(r)!.attrs;
    expect(attrs.has("secure")).toBe(true);
    expect(attrs.has("httponly")).toBe(true);
    expect(attrs.get("samesite")).toBe("Strict");
  });

  it("X-Forwarded-Proto: https is ignored unless trustProxy is on", async () => {
    const r = await client(ctx.t.s, undefined, { "x-forwarded-proto": "https" }).login(ctx.w.email("a", "contractor"), PASSWORD);
    expect(r.status).toBe(200);
    expect(sessionCookie(r)!.attrs.has("secure")).toBe(false);
  });

  it("logout over https clears the cookie with the same protective attributes", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"), "https://sealroom.example");
    const r = await c.post("/api/auth/logout");
    expect(r.status).toBe(200);
    const cleared = sessionCookie(r);
    expect(cleared?.value).toBe("");
    expect(cleared!.attrs.get("max-age")).toBe("0");
    expect(cleared!.attrs.get("path")).toBe("/");
    expect(cleared!.attrs.has("secure")).toBe(true);
    expect(cleared!.attrs.has("httponly")).toBe(true);
  });
});

describe("session cookie behind a trusted proxy", () => {
  useWorld({ trustProxy: true }, fresh);

  it("Secure when the proxy says X-Forwarded-Proto: https, and not when it says http", async () => {
    const tls = await client(ctx.t.s, undefined, { "x-forwarded-proto": "https" }).login(ctx.w.email("a", "contractor"), PASSWORD);
    expect(sessionCookie(tls)!.attrs.has("secure")).toBe(true);
    const plain = await client(ctx.t.s, undefined, { "x-forwarded-proto": "http" }).login(ctx.w.email("a", "contractor"), PASSWORD);
    expect(plain.status).toBe(200);
    expect(sessionCookie(plain)!.attrs.has("secure")).toBe(false);
  });
});

describe("session storage", () => {
  useWorld({}, fresh);

  it("the sessions table holds the SHA-256 hex of the cookie token, never the token", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    const token = sessionToken(c);
    const rows = await ctx.t.s.store.db.selectFrom("sessions").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(sha256Hex(token));
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(4));
    expect(ctx.t.logLines.join("\n")).not.toContain(token.slice(4));
  });

  it("the stored hash is not itself a credential", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    const row = await ctx.t.s.store.db.selectFrom("sessions").select("token_hash").executeTakeFirstOrThrow();
    expectError(await replay(ctx, `sealroom_session=${row.token_hash}`).get("/api/me"), 401, "unauthenticated");
    expect((await c.get("/api/me")).status).toBe(200);
  });

  it("forged, truncated and oversized session cookies are anonymous, never a 500", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    const token = sessionToken(c);
    const forged = [`srs_${"A".repeat(43)}`, token.slice(0, -1), `${token}x`, `${token}${"x".repeat(200)}`, "", "%00%ff"];
    for (const value of forged) {
      expectError(await replay(ctx, `sealroom_session=${value}`).get("/api/me"), 401, "unauthenticated");
    }
  });
});
