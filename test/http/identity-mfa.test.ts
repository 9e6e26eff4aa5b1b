/**
 * The TOTP policy over HTTP: lab admins and operators must enrol before using
 * the app, an enrolled account must present a code on each new session,
 * codes are single-use and throttled, recovery codes work once, and the
 * secret is sealed at rest.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { base32Decode } from "../../src/auth/totp.js";
import { client, type Client } from "../support/http.js";
import { PASSWORD, codeAt, expectError, freshWorld, signIn, wrongCode, type Ctx } from "./identity-helpers.js";

const STEP = 30_000;

let ctx: Ctx;
beforeEach(async () => {
  ctx = await freshWorld();
});
afterEach(async () => ctx.t.close());

const tenants = () => `/api/tenants/${ctx.w.a.slug}`;

/** Signs `email` in, enrols TOTP, then moves the clock to the next step so a new code is due. */
async function enrolled(email: string): Promise<{ first: Client; secret: string; recoveryCodes: string[] }> {
  const first = await signIn(ctx, email);
  const r = await first.enrolTotp(ctx.t.s.now);
  ctx.t.advance(STEP);
  return { first, ...r };
}

/** A second sign-in of an enrolled account: password only, so the code is still due. */
async function secondSession(email: string): Promise<Client> {
  const c = await signIn(ctx, email);
  const me = await c.get("/api/me");
  expect(me.body.mfa).toBe("code_required");
  return c;
}

describe("enrolment is required for lab admins and operators", () => {
  it("a lab admin without TOTP is 403 mfa_enrolment_required on normal routes, but /api/me works", async () => {
    const c = client(ctx.t.s);
    const login = await c.login(ctx.w.email("a", "lab_admin"), PASSWORD);
    expect(login.body.mfa).toBe("enrolment_required");
    expectError(await c.get("/api/tenants"), 403, "mfa_enrolment_required");
    expectError(await c.get(tenants()), 403, "mfa_enrolment_required");
    expectError(await c.get(`${tenants()}/members`), 403, "mfa_enrolment_required");
    expectError(await c.get("/api/me/sessions"), 403, "mfa_enrolment_required");
    expectError(await c.post(`${tenants()}/tokens`, { name: "x", role: "reviewer" }), 403, "mfa_enrolment_required");
    expect(await ctx.t.s.store.db.selectFrom("api_tokens").select("id").execute()).toHaveLength(0);
    const me = await c.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ mfa: "enrolment_required", user: { totpEnabled: false } });
  });

  it("after enrolment the same session may use the app", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "lab_admin"));
    expectError(await c.get("/api/tenants"), 403, "mfa_enrolment_required");
    await c.enrolTotp(ctx.t.s.now);
    expect((await c.get("/api/tenants")).status).toBe(200);
    expect((await c.get("/api/me")).body).toMatchObject({ mfa: "satisfied", user: { totpEnabled: true } });
  });

  it("the operator is held at enrolment too, then sees every tenant", async () => {
    const c = await signIn(ctx, ctx.w.operator);
    expectError(await c.get("/api/tenants"), 403, "mfa_enrolment_required");
    expectError(await c.post("/api/tenants", { slug: "lab-c", name: "Lab C" }), 403, "mfa_enrolment_required");
    await c.enrolTotp(ctx.t.s.now);
    const r = await c.get("/api/tenants");
    expect(r.status).toBe(200);
    expect(r.body.tenants).toHaveLength(2);
  });

  it("contractors, reviewers and lab auditors are not forced to enrol", async () => {
    for (const role of ["contractor", "reviewer", "lab_auditor"] as const) {
      const c = await signIn(ctx, ctx.w.email("a", role));
      expect((await c.get("/api/me")).body.mfa).toBe("satisfied");
      expect((await c.get("/api/tenants")).status).toBe(200);
    }
  });

  it("a member promoted to lab admin is held at enrolment on their very next request", async () => {
    const reviewer = await signIn(ctx, ctx.w.email("a", "reviewer"));
    expect((await reviewer.get(tenants())).status).toBe(200);
    const admin = await signIn(ctx, ctx.w.email("a", "lab_admin"));
    await admin.enrolTotp(ctx.t.s.now);
    const r = await admin.patch(`${tenants()}/members/${ctx.w.userId("a", "reviewer")}`, { role: "lab_admin" });
    expect(r.status).toBe(200);
    expectError(await reviewer.get(tenants()), 403, "mfa_enrolment_required");
    expect((await reviewer.get("/api/me")).body.mfa).toBe("enrolment_required");
  });

  it("a wrong code cannot confirm enrolment, and TOTP stays off", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "lab_admin"));
    const begin = await c.post("/api/me/mfa/totp/enroll");
    expect(begin.status).toBe(200);
    expect(begin.body.otpauthUri).toContain(`secret=${begin.body.secret}`);
    const wrong = wrongCode(ctx, begin.body.secret);
    expectError(await c.post("/api/me/mfa/totp/confirm", { code: wrong }), 401, "invalid_mfa_code");
    expectError(await c.get("/api/tenants"), 403, "mfa_enrolment_required");
    expect((await c.get("/api/me")).body.user.totpEnabled).toBe(false);
  });
});

describe("an enrolled account needs a code on every new session", () => {
  it("a new login is code_required: 403 mfa_required until a valid code, then 200", async () => {
    const { secret } = await enrolled(ctx.w.email("a", "lab_admin"));
    const c = client(ctx.t.s);
    const login = await c.login(ctx.w.email("a", "lab_admin"), PASSWORD);
    expect(login.body.mfa).toBe("code_required");
    expectError(await c.get("/api/tenants"), 403, "mfa_required");
    expectError(await c.get("/api/me/sessions"), 403, "mfa_required");
    expectError(await c.post(`${tenants()}/tokens`, { name: "x", role: "reviewer" }), 403, "mfa_required");
    expect((await c.get("/api/me")).status).toBe(200);
    expectError(await c.post("/api/auth/mfa", { code: wrongCode(ctx, secret) }), 401, "invalid_mfa_code");
    expectError(await c.get("/api/tenants"), 403, "mfa_required");
    const ok = await c.post("/api/auth/mfa", { code: codeAt(ctx, secret) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ mfa: "satisfied", recoveryCodesLeft: 10 });
    expect((await c.get("/api/tenants")).status).toBe(200);
  });

  it("with only the password, the second factor cannot be replaced or re-enrolled", async () => {
    const { secret } = await enrolled(ctx.w.email("a", "lab_admin"));
    const attacker = await secondSession(ctx.w.email("a", "lab_admin"));
    expectError(await attacker.post("/api/me/mfa/totp/enroll"), 403, "mfa_required");
    expectError(await attacker.post("/api/me/mfa/totp/confirm", { code: "123456" }), 403, "mfa_required");
    // The original secret still works for the owner.
    const owner = await secondSession(ctx.w.email("a", "lab_admin"));
    expect((await owner.post("/api/auth/mfa", { code: codeAt(ctx, secret) })).status).toBe(200);
  });

  it("verifying one session does not verify another session of the same account", async () => {
    const { secret } = await enrolled(ctx.w.email("a", "lab_admin"));
    const one = await secondSession(ctx.w.email("a", "lab_admin"));
    const two = await secondSession(ctx.w.email("a", "lab_admin"));
    expect((await one.post("/api/auth/mfa", { code: codeAt(ctx, secret) })).status).toBe(200);
    expectError(await two.get("/api/tenants"), 403, "mfa_required");
  });
});

describe("codes are single-use and throttled", () => {
  it("the code that confirmed enrolment cannot complete a login in the same time step", async () => {
    const first = await signIn(ctx, ctx.w.email("a", "lab_admin"));
    const { secret } = await first.enrolTotp(ctx.t.s.now);
    const c = await secondSession(ctx.w.email("a", "lab_admin"));
    expectError(await c.post("/api/auth/mfa", { code: codeAt(ctx, secret) }), 401, "invalid_mfa_code");
    ctx.t.advance(STEP);
    expect((await c.post("/api/auth/mfa", { code: codeAt(ctx, secret) })).status).toBe(200);
  });

  it("a code used once is refused when replayed in another session, as is the previous step's code", async () => {
    const { secret } = await enrolled(ctx.w.email("a", "lab_admin"));
    const code = codeAt(ctx, secret);
    const previous = codeAt(ctx, secret, -1);
    const one = await secondSession(ctx.w.email("a", "lab_admin"));
    expect((await one.post("/api/auth/mfa", { code })).status).toBe(200);
    const two = await secondSession(ctx.w.email("a", "lab_admin"));
    expectError(await two.post("/api/auth/mfa", { code }), 401, "invalid_mfa_code");
    expectError(await two.post("/api/auth/mfa", { code: previous }), 401, "invalid_mfa_code");
    expectError(await two.get("/api/tenants"), 403, "mfa_required");
  });

  it("5 wrong codes lock MFA for 15 minutes: the 6th attempt is 429 even with the right code", async () => {
    const { secret } = await enrolled(ctx.w.email("a", "lab_admin"));
    const c = await secondSession(ctx.w.email("a", "lab_admin"));
    for (let i = 0; i < 5; i++) expectError(await c.post("/api/auth/mfa", { code: wrongCode(ctx, secret) }), 401, "invalid_mfa_code");
    const locked = await c.post("/api/auth/mfa", { code: codeAt(ctx, secret) });
    expectError(locked, 429, "too_many_requests");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // The lock is per account: a fresh session does not reset it, nor does a recovery code bypass it.
    const other = await secondSession(ctx.w.email("a", "lab_admin"));
    expectError(await other.post("/api/auth/mfa", { code: codeAt(ctx, secret) }), 429, "too_many_requests");
    expectError(await c.get("/api/tenants"), 403, "mfa_required");
    ctx.t.advance(15 * 60_000 + 1000);
    expect((await c.post("/api/auth/mfa", { code: codeAt(ctx, secret) })).status).toBe(200);
  });

  // BUG (src/services/mfa.ts verifyMfa): same check-then-count race as the login throttle:
  // concurrent wrong codes all pass assertNotLocked before any failure is recorded.
  it("concurrent wrong codes get at most 5 checks; the rest are 429", async () => {
    const { secret } = await enrolled(ctx.w.email("a", "lab_admin"));
    const c = await secondSession(ctx.w.email("a", "lab_admin"));
    const code = wrongCode(ctx, secret);
    const replies = await Promise.all(Array.from({ length: 20 }, () => c.post("/api/auth/mfa", { code })));
    expect(replies.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(replies.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
  });
});

describe("recovery codes", () => {
  it("a recovery code completes sign-in once and never again", async () => {
    const { recoveryCodes } = await enrolled(ctx.w.email("a", "lab_admin"));
    expect(recoveryCodes).toHaveLength(10);
    const one = await secondSession(ctx.w.email("a", "lab_admin"));
    const ok = await one.post("/api/auth/mfa", { recoveryCode: recoveryCodes[0] });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ mfa: "satisfied", recoveryCodesLeft: 9 });
    expect((await one.get("/api/tenants")).status).toBe(200);
    const two = await secondSession(ctx.w.email("a", "lab_admin"));
    expectError(await two.post("/api/auth/mfa", { recoveryCode: recoveryCodes[0] }), 401, "invalid_mfa_code");
    expectError(await two.get("/api/tenants"), 403, "mfa_required");
  });

  it("wrong recovery codes count toward the same MFA lock", async () => {
    const { secret, recoveryCodes } = await enrolled(ctx.w.email("a", "lab_admin"));
    const c = await secondSession(ctx.w.email("a", "lab_admin"));
    for (let i = 0; i < 5; i++) expectError(await c.post("/api/auth/mfa", { recoveryCode: `zzzz-zzzz-zzz${i}` }), 401, "invalid_mfa_code");
    expectError(await c.post("/api/auth/mfa", { recoveryCode: recoveryCodes[1] }), 429, "too_many_requests");
    expectError(await c.post("/api/auth/mfa", { code: codeAt(ctx, secret) }), 429, "too_many_requests");
  });

  it("one account's recovery code does not work for another account", async () => {
    const a = await enrolled(ctx.w.email("a", "lab_admin"));
    await enrolled(ctx.w.email("b", "lab_admin"));
    const c = await secondSession(ctx.w.email("b", "lab_admin"));
    expectError(await c.post("/api/auth/mfa", { recoveryCode: a.recoveryCodes[0] }), 401, "invalid_mfa_code");
  });
});

describe("the TOTP secret at rest", () => {
  it("users.totp_secret holds neither the raw secret bytes nor its base32 or hex form, before and after confirmation", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "lab_admin"));
    const begin = await c.post("/api/me/mfa/totp/enroll");
    const check = async () => {
      const row = await ctx.t.s.store.db.selectFrom("users").selectAll().where("id", "=", ctx.w.userId("a", "lab_admin")).executeTakeFirstOrThrow();
      const stored = Buffer.from(row.totp_secret!);
      const raw = base32Decode(begin.body.secret);
      expect(raw).toHaveLength(20);
      expect(stored.length).toBeGreaterThan(raw.length);
      expect(stored.includes(raw)).toBe(false);
      expect(stored.includes(raw.subarray(0, 10))).toBe(false);
      expect(stored.includes(Buffer.from(begin.body.secret, "ascii"))).toBe(false);
      expect(stored.toString("latin1").toUpperCase()).not.toContain(begin.body.secret);
      expect(stored.toString("latin1")).not.toContain(raw.toString("hex"));
      expect(JSON.stringify(row)).not.toContain(begin.body.secret);
    };
    await check();
    const confirm = await c.post("/api/me/mfa/totp/confirm", { code: codeAt(ctx, begin.body.secret) });
    expect(confirm.status).toBe(200);
    await check();
    expect(ctx.t.logLines.join("\n")).not.toContain(begin.body.secret);
  });

  it("recovery codes are stored only as hashes", async () => {
    const { recoveryCodes } = await enrolled(ctx.w.email("a", "lab_admin"));
    const rows = await ctx.t.s.store.db.selectFrom("recovery_codes").selectAll().execute();
    expect(rows).toHaveLength(10);
    const dump = JSON.stringify(rows);
    for (const code of recoveryCodes) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replace(/-/g, ""));
    }
  });
});

