/**
 * Invitations over HTTP: the only way into a tenant. One-time links, checked
 * password policy, single use, revocation, expiry, the operator's limits, and
 * existing accounts that must be signed in to accept.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { client, type Client } from "../support/http.js";
import {
  PASSWORD,
  adminWithTotp,
  expectError,
  freshWorld,
  isUuidV7,
  operatorWithTotp,
  sha256Hex,
  signIn,
  type Ctx,
} from "./identity-helpers.js";

const DAY = 86_400_000;
const NEW_EMAIL = "newbie@x.test.dev";
const GOOD_PASSWORD = "a perfectly fine passphrase 7";

let ctx: Ctx;
let admin: Client;
beforeEach(async () => {
  ctx = await freshWorld();
  admin = (await adminWithTotp(ctx)).c;
});
afterEach(async () => ctx.t.close());

const invitations = () => `/api/tenants/${ctx.w.a.slug}/invitations`;

async function invite(email = NEW_EMAIL, role = "reviewer", by: Client = admin): Promise<{ id: string; token: string; link: string }> {
  const r = await by.post(invitations(), { email, role });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const token = /#token=(sri_[A-Za-z0-9_-]+)$/.exec(r.body.link)?.[1];
  expect(token).toBeDefined();
  return { id: r.body.invitation.id, token: token!, link: r.body.link };
}

const anon = () => client(ctx.t.s);

async function userCount(email: string): Promise<number> {
  return (await ctx.t.s.store.db.selectFrom("users").select("id").where("email", "=", email).execute()).length;
}

describe("bad tokens and wrong inviters", () => {
  it("an unknown, malformed or foreign-prefixed token is 400 invitation_invalid for lookup and accept", async () => {
    const { token } = await invite();
    for (const bad of [`sri_${"A".repeat(43)}`, token.slice(0, -2), `srt_${token.slice(4)}`, `srs_${token.slice(4)}`]) {
      expectError(await anon().post("/api/invitations/lookup", { token: bad }), 400, "invitation_invalid");
      expectError(await anon().post("/api/invitations/accept", { token: bad, password: GOOD_PASSWORD }), 400, "invitation_invalid");
    }
    expect(await userCount(NEW_EMAIL)).toBe(0);
  });

  it("non-admins cannot invite (403); another tenant's admin gets 404; inviting a member is 409", async () => {
    for (const role of ["contractor", "reviewer", "lab_auditor"] as const) {
      const c = await signIn(ctx, ctx.w.email("a", role));
      expectError(await c.post(invitations(), { email: NEW_EMAIL, role: "contractor" }), 403, "forbidden");
    }
    const otherAdmin = (await adminWithTotp(ctx, "b")).c;
    expectError(await otherAdmin.post(invitations(), { email: NEW_EMAIL, role: "lab_admin" }), 404, "not_found");
    expectError(await admin.post(invitations(), { email: ctx.w.email("a", "reviewer").toUpperCase(), role: "lab_admin" }), 409, "conflict");
    expect(await ctx.t.s.store.db.selectFrom("invitations").select("id").execute()).toHaveLength(0);
  });
});

describe("the invitation link", () => {
  it("carries a one-time sri_ token in the URL fragment; only its hash is stored; lookup shows email, role and tenant", async () => {
    const r = await admin.post(invitations(), { email: "NewBie@X.test.dev", role: "reviewer" });
    expect(r.status).toBe(201);
    expect(r.body.link).toMatch(/^https?:\/\/[^?#]+\/invite#token=sri_[A-Za-z0-9_-]{43}$/);
    expect(isUuidV7(r.body.invitation.id)).toBe(true);
    expect(r.body.invitation).toMatchObject({ email: NEW_EMAIL, role: "reviewer", state: "open" });
    const token = r.body.link.split("#token=")[1] as string;
    const rows = await ctx.t.s.store.db.selectFrom("invitations").selectAll().execute();
    expect(rows[0]!.token_hash).toBe(sha256Hex(token));
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
    const listed = JSON.stringify((await admin.get(invitations())).body);
    expect(listed).not.toContain(token.slice(4));
    expect(listed).not.toContain(sha256Hex(token));
    const look = await anon().post("/api/invitations/lookup", { token });
    expect(look.status).toBe(200);
    expect(look.body.invitation).toEqual({ email: NEW_EMAIL, role: "reviewer", tenantName: ctx.w.a.name, accountExists: false });
  });
});

describe("accepting as a new account", () => {
  it("a weak password is 400 weak_password, creates no account, and leaves the invitation usable", async () => {
    const { token } = await invite();
    for (const weak of ["short", "password1234", "Password1234", "aaaaaaaaaaaaaaaa", NEW_EMAIL]) {
      expectError(await anon().post("/api/invitations/accept", { token, password: weak }), 400, "weak_password");
    }
    expect(await userCount(NEW_EMAIL)).toBe(0);
    expect((await anon().post("/api/invitations/lookup", { token })).status).toBe(200);
  });

  it("no password is 400 validation_failed; an email or role in the body is refused (the invitation decides them)", async () => {
    const { token } = await invite();
    expectError(await anon().post("/api/invitations/accept", { token }), 400, "validation_failed");
    for (const extra of [{ email: "evil@x.test.dev" }, { role: "lab_admin" }, { tenantId: ctx.w.b.id }]) {
      const r = await anon().post("/api/invitations/accept", { token, password: GOOD_PASSWORD, ...extra });
      expectError(r, 400, "validation_failed");
      expect(JSON.stringify(r.body.error)).toContain(Object.keys(extra)[0]!);
    }
    expect(await userCount(NEW_EMAIL)).toBe(0);
    expect(await userCount("evil@x.test.dev")).toBe(0);
  });

  it("a good password creates the account with the invited role; the link then no longer works", async () => {
    const { token } = await invite(NEW_EMAIL, "reviewer");
    const r = await anon().post("/api/invitations/accept", { token, password: GOOD_PASSWORD, displayName: "Newbie" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ tenantId: ctx.w.a.id, role: "reviewer", accountCreated: true });
    expect(isUuidV7(r.body.userId)).toBe(true);
    const c = client(ctx.t.s);
    expect((await c.login(NEW_EMAIL, GOOD_PASSWORD)).status).toBe(200);
    const me = await c.get("/api/me");
    expect(me.body.user.memberships).toEqual([expect.objectContaining({ tenantId: ctx.w.a.id, role: "reviewer" })]);
    expect(me.body.user.id).toBe(r.body.userId);
    expectError(await anon().post("/api/invitations/accept", { token, password: "another fine passphrase 8" }), 400, "invitation_invalid");
    expectError(await anon().post("/api/invitations/lookup", { token }), 400, "invitation_invalid");
    expect(await userCount(NEW_EMAIL)).toBe(1);
    expect((await admin.get(invitations())).body.invitations[0].state).toBe("accepted");
  });

  it("an invited contractor is not given more than the invited role", async () => {
    const { token } = await invite(NEW_EMAIL, "contractor");
    expect((await anon().post("/api/invitations/accept", { token, password: GOOD_PASSWORD })).status).toBe(201);
    const c = client(ctx.t.s);
    await c.login(NEW_EMAIL, GOOD_PASSWORD);
    expectError(await c.get(`/api/tenants/${ctx.w.a.slug}/members`), 403, "forbidden");
    expectError(await c.get(`/api/tenants/${ctx.w.b.slug}`), 404, "not_found");
  });
});

describe("revoked and expired invitations", () => {
  it("a revoked invitation cannot be looked up or accepted", async () => {
    const { id, token } = await invite();
    expect((await admin.delete(`${invitations()}/${id}`)).status).toBe(200);
    expectError(await anon().post("/api/invitations/lookup", { token }), 400, "invitation_invalid");
    expectError(await anon().post("/api/invitations/accept", { token, password: GOOD_PASSWORD }), 400, "invitation_invalid");
    expect(await userCount(NEW_EMAIL)).toBe(0);
    expectError(await admin.delete(`${invitations()}/${id}`), 404, "not_found");
  });

  it("another tenant's admin cannot revoke it", async () => {
    const { id, token } = await invite();
    const otherAdmin = (await adminWithTotp(ctx, "b")).c;
    expectError(await otherAdmin.delete(`/api/tenants/${ctx.w.b.slug}/invitations/${id}`), 404, "not_found");
    expect((await anon().post("/api/invitations/lookup", { token })).status).toBe(200);
  });

  it("an invitation older than 7 days cannot be accepted", async () => {
    const { token } = await invite();
    ctx.t.advance(7 * DAY - 1000);
    expect((await anon().post("/api/invitations/lookup", { token })).status).toBe(200);
    ctx.t.advance(2000);
    expectError(await anon().post("/api/invitations/lookup", { token }), 400, "invitation_invalid");
    expectError(await anon().post("/api/invitations/accept", { token, password: GOOD_PASSWORD }), 400, "invitation_invalid");
    expect(await userCount(NEW_EMAIL)).toBe(0);
  });
});

describe("the operator", () => {
  it("may invite only lab admins over HTTP", async () => {
    const op = (await operatorWithTotp(ctx)).c;
    for (const role of ["contractor", "reviewer", "lab_auditor"]) {
      expectError(await op.post(`/api/tenants/${ctx.w.b.slug}/invitations`, { email: NEW_EMAIL, role }), 403, "forbidden");
    }
    expect(await ctx.t.s.store.db.selectFrom("invitations").select("id").execute()).toHaveLength(0);
    const r = await op.post(`/api/tenants/${ctx.w.b.slug}/invitations`, { email: NEW_EMAIL, role: "lab_admin" });
    expect(r.status).toBe(201);
    expect(r.body.invitation.role).toBe("lab_admin");
  });
});

describe("an invitation for an existing account", () => {
  it("needs that account signed in: 409 anonymously or as someone else, 201 as the account itself", async () => {
    const invited = ctx.w.email("b", "contractor");
    const { token } = await invite(invited, "contractor");
    expect((await anon().post("/api/invitations/lookup", { token })).body.invitation.accountExists).toBe(true);
    expectError(await anon().post("/api/invitations/accept", { token }), 409, "conflict");
    expectError(await anon().post("/api/invitations/accept", { token, password: PASSWORD }), 409, "conflict");
    expectError(await anon().post("/api/invitations/accept", { token, password: GOOD_PASSWORD }), 409, "conflict");
    const someoneElse = await signIn(ctx, ctx.w.email("b", "reviewer"));
    expectError(await someoneElse.post("/api/invitations/accept", { token }), 409, "conflict");
    expect((await someoneElse.get("/api/me")).body.user.memberships).toHaveLength(1);
    const owner = await signIn(ctx, invited);
    const r = await owner.post("/api/invitations/accept", { token });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ userId: ctx.w.userId("b", "contractor"), tenantId: ctx.w.a.id, accountCreated: false });
    expect((await owner.get("/api/me")).body.user.memberships).toHaveLength(2);
    // The password was not changed by the attempts above.
    expect((await client(ctx.t.s).login(invited, PASSWORD)).status).toBe(200);
    expect((await client(ctx.t.s).login(invited, GOOD_PASSWORD)).status).toBe(401);
  });
});
