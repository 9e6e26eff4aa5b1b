/**
 * Session lifetime over HTTP: the idle timeout, the absolute lifetime,
 * logout, and log-out-everywhere, each checked by replaying the old cookie.
 */
import { describe, expect, it } from "vitest";
import { expectError, isUuidV7, replay, sessionToken, sha256Hex, signIn, useWorld, type Ctx } from "./identity-helpers.js";

const MINUTE = 60_000;

let ctx: Ctx;
const fresh = (c: Ctx) => (ctx = c);

async function sessionRows(userId: string) {
  return ctx.t.s.store.db.selectFrom("sessions").selectAll().where("user_id", "=", userId).execute();
}

describe("idle timeout", () => {
  useWorld({}, fresh);

  it("defaults to 30 minutes idle and 12 hours absolute", () => {
    expect(ctx.t.s.config.sessionIdleMs).toBe(30 * MINUTE);
    expect(ctx.t.s.config.sessionMaxMs).toBe(12 * 60 * MINUTE);
  });

  it("a session unused for longer than sessionIdleMs answers 401 unauthenticated and is gone for good", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    const idle = ctx.t.s.config.sessionIdleMs;
    ctx.t.advance(idle - 1000);
    expect((await c.get("/api/me")).status).toBe(200);
    ctx.t.advance(idle + 1000);
    expectError(await c.get("/api/me"), 401, "unauthenticated");
    expect(await sessionRows(ctx.w.userId("a", "contractor"))).toHaveLength(0);
    // Once expired it stays expired, whatever the later activity.
    expectError(await c.get(`/api/tenants/${ctx.w.a.slug}/projects`), 401, "unauthenticated");
  });

  it("activity keeps a session alive past the idle limit", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    for (let i = 0; i < 4; i++) {
      ctx.t.advance(20 * MINUTE);
      expect((await c.get("/api/me")).status).toBe(200);
    }
  });

  it("an idle session does not appear in the session list", async () => {
    const old = await signIn(ctx, ctx.w.email("a", "contractor"));
    ctx.t.advance(ctx.t.s.config.sessionIdleMs + 1000);
    const fresh = await signIn(ctx, ctx.w.email("a", "contractor"));
    const r = await fresh.get("/api/me/sessions");
    expect(r.status).toBe(200);
    expect(r.body.sessions).toHaveLength(1);
    expect(r.body.sessions[0].current).toBe(true);
    expectError(await old.get("/api/me"), 401, "unauthenticated");
  });
});

describe("absolute lifetime", () => {
  useWorld({}, fresh);

  it("ends the session at sessionMaxMs even with activity every 20 minutes", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    const max = ctx.t.s.config.sessionMaxMs;
    let elapsed = 0;
    while (elapsed + 20 * MINUTE < max) {
      ctx.t.advance(20 * MINUTE);
      elapsed += 20 * MINUTE;
      const r = await c.get("/api/me");
      expect(r.status, `after ${elapsed / MINUTE} minutes`).toBe(200);
    }
    ctx.t.advance(max - elapsed + 1000);
    expectError(await c.get("/api/me"), 401, "unauthenticated");
  });
});

describe("configured limits", () => {
  describe("sessionIdleMs of 5 minutes", () => {
    useWorld({ sessionIdleMs: 5 * MINUTE }, fresh);

    it("is honoured", async () => {
      const c = await signIn(ctx, ctx.w.email("a", "contractor"));
      ctx.t.advance(4 * MINUTE);
      expect((await c.get("/api/me")).status).toBe(200);
      ctx.t.advance(5 * MINUTE + 1000);
      expectError(await c.get("/api/me"), 401, "unauthenticated");
    });
  });

  describe("sessionMaxMs of one hour", () => {
    useWorld({ sessionMaxMs: 60 * MINUTE }, fresh);

    it("ends the session after an hour despite activity", async () => {
      const c = await signIn(ctx, ctx.w.email("a", "contractor"));
      for (let i = 0; i < 2; i++) {
        ctx.t.advance(25 * MINUTE);
        expect((await c.get("/api/me")).status).toBe(200);
      }
      ctx.t.advance(10 * MINUTE + 1000);
      expectError(await c.get("/api/me"), 401, "unauthenticated");
    });
  });
});

describe("logout", () => {
  useWorld({}, fresh);

  it("ends the session: the old cookie (and its CSRF token) replayed answers 401 on reads and writes", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "contractor"));
    const cookie = c.cookie;
    const csrf = c.csrf;
    const token = sessionToken(c);
    const r = await c.post("/api/auth/logout");
    expect(r.status).toBe(200);
    expect(c.cookie).toBeUndefined();
    const attacker = replay(ctx, cookie, csrf);
    expectError(await attacker.get("/api/me"), 401, "unauthenticated");
    expectError(await attacker.post("/api/auth/logout-all"), 401, "unauthenticated");
    const left = await ctx.t.s.store.db.selectFrom("sessions").select("id").where("token_hash", "=", sha256Hex(token)).execute();
    expect(left).toHaveLength(0);
  });

  it("ends only the session it is called from", async () => {
    const one = await signIn(ctx, ctx.w.email("a", "contractor"));
    const two = await signIn(ctx, ctx.w.email("a", "contractor"));
    expect((await one.post("/api/auth/logout")).status).toBe(200);
    expect((await two.get("/api/me")).status).toBe(200);
  });
});

describe("log out everywhere", () => {
  useWorld({}, fresh);

  it("ends every session of the caller's account and none of another user's", async () => {
    const { w } = ctx;
    const first = await signIn(ctx, w.email("a", "reviewer"));
    const second = await signIn(ctx, w.email("a", "reviewer"));
    const other = await signIn(ctx, w.email("a", "contractor"));
    const firstCookie = first.cookie;
    const r = await first.post("/api/auth/logout-all");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ended: 2 });
    expectError(await replay(ctx, firstCookie).get("/api/me"), 401, "unauthenticated");
    expectError(await second.get("/api/me"), 401, "unauthenticated");
    expect((await other.get("/api/me")).status).toBe(200);
    expect(await sessionRows(w.userId("a", "reviewer"))).toHaveLength(0);
    expect(await sessionRows(w.userId("a", "contractor"))).toHaveLength(1);
  });

  it("the session list shows only the caller's live sessions, with UUIDv7 ids and no token material", async () => {
    const a = await signIn(ctx, ctx.w.email("a", "reviewer"));
    const b = await signIn(ctx, ctx.w.email("a", "reviewer"));
    await signIn(ctx, ctx.w.email("a", "contractor"));
    const r = await a.get("/api/me/sessions");
    expect(r.status).toBe(200);
    expect(r.body.sessions).toHaveLength(2);
    expect(r.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    for (const s of r.body.sessions) expect(isUuidV7(s.id), s.id).toBe(true);
    const text = JSON.stringify(r.body);
    for (const c of [a, b]) {
      expect(text).not.toContain(sessionToken(c));
      expect(text).not.toContain(sha256Hex(sessionToken(c)));
    }
    expect(Object.keys(r.body.sessions[0]).sort()).toEqual(["createdAt", "current", "expiresAt", "id", "ip", "lastSeenAt", "userAgent"]);
  });
});
