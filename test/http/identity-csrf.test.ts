/**
 * CSRF over HTTP: every cookie-authenticated write must echo the session's
 * x-csrf-token, a refused write changes nothing, and Bearer API tokens (which
 * a browser never sends on its own) need no CSRF token.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { client, type Client } from "../support/http.js";
import { adminWithTotp, expectError, freshWorld, signIn, type Ctx } from "./identity-helpers.js";

let ctx: Ctx;
let admin: Client;
beforeEach(async () => {
  ctx = await freshWorld();
  admin = (await adminWithTotp(ctx)).c;
});
afterEach(async () => ctx.t.close());

const tokens = () => `/api/tenants/${ctx.w.a.slug}/tokens`;
const invitations = () => `/api/tenants/${ctx.w.a.slug}/invitations`;

async function countRows(table: "api_tokens" | "invitations"): Promise<number> {
  return (await ctx.t.s.store.db.selectFrom(table).select("id").execute()).length;
}

/** Wrong CSRF headers an attacker might send: empty, garbage, another session's valid token, a near miss. */
async function badHeaders(): Promise<Array<Record<string, string>>> {
  const other = await signIn(ctx, ctx.w.email("a", "contractor"));
  return [{ "x-csrf-token": "" }, { "x-csrf-token": "x".repeat(43) }, { "x-csrf-token": other.csrf! }, { "x-csrf-token": admin.csrf!.slice(0, -1) }, { "x-csrf-token": admin.csrf!.toUpperCase() }];
}

/** Sends a write from `admin`'s session without its CSRF token (or with `headers`). */
function forge(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const csrf = admin.csrf;
  admin.csrf = undefined;
  return admin.request(method, path, body, headers).finally(() => {
    admin.csrf = csrf;
  });
}

describe("cookie-authenticated writes need the CSRF header", () => {
  it("creating an API token without it is 403 csrf_failed and creates nothing", async () => {
    expectError(await forge("POST", tokens(), { name: "ci", role: "reviewer" }), 403, "csrf_failed");
    for (const h of await badHeaders()) {
      expectError(await forge("POST", tokens(), { name: "ci", role: "reviewer" }, h), 403, "csrf_failed");
    }
    expect(await countRows("api_tokens")).toBe(0);
    expect((await admin.get(tokens())).body.tokens).toEqual([]);
  });

  it("creating an invitation without it is 403 csrf_failed and creates nothing", async () => {
    expectError(await forge("POST", invitations(), { email: "new@x.test.dev", role: "reviewer" }), 403, "csrf_failed");
    for (const h of await badHeaders()) {
      expectError(await forge("POST", invitations(), { email: "new@x.test.dev", role: "reviewer" }, h), 403, "csrf_failed");
    }
    expect(await countRows("invitations")).toBe(0);
  });

  it("PATCH and DELETE of a member without it are refused and the membership is unchanged", async () => {
    const member = `/api/tenants/${ctx.w.a.slug}/members/${ctx.w.userId("a", "reviewer")}`;
    expectError(await forge("PATCH", member, { role: "lab_admin" }), 403, "csrf_failed");
    expectError(await forge("DELETE", member), 403, "csrf_failed");
    const members = (await admin.get(`/api/tenants/${ctx.w.a.slug}/members`)).body.members as Array<{ userId: string; role: string }>;
    expect(members.find((m) => m.userId === ctx.w.userId("a", "reviewer"))?.role).toBe("reviewer");
  });

  it("revoking an invitation without it is refused and the invitation stays open", async () => {
    const inv = await admin.post(invitations(), { email: "new@x.test.dev", role: "reviewer" });
    expect(inv.status).toBe(201);
    expectError(await forge("DELETE", `${invitations()}/${inv.body.invitation.id}`), 403, "csrf_failed");
    const list = (await admin.get(invitations())).body.invitations;
    expect(list[0].state).toBe("open");
  });

  it("logout and log-out-everywhere without it are refused and the session lives on", async () => {
    expectError(await forge("POST", "/api/auth/logout"), 403, "csrf_failed");
    expectError(await forge("POST", "/api/auth/logout-all"), 403, "csrf_failed");
    expect((await admin.get("/api/me")).status).toBe(200);
  });

  it("CSRF is checked before the body is read: an invalid body still gets csrf_failed", async () => {
    expectError(await forge("POST", tokens(), { nonsense: true }), 403, "csrf_failed");
    expectError(await forge("POST", tokens(), "{not json"), 403, "csrf_failed");
  });
});

describe("the CSRF token", () => {
  it("GET /api/me returns the session's CSRF token (the one login returned); reads need no header", async () => {
    const c = await signIn(ctx, ctx.w.email("a", "reviewer"));
    const fromLogin = c.csrf;
    c.csrf = undefined;
    const me = await c.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.body.csrfToken).toBe(fromLogin);
    c.csrf = me.body.csrfToken;
    expect((await c.post("/api/auth/logout")).status).toBe(200);
  });

  it("is different for every session, even of the same user", async () => {
    const one = await signIn(ctx, ctx.w.email("a", "reviewer"));
    const two = await signIn(ctx, ctx.w.email("a", "reviewer"));
    expect(one.csrf).not.toBe(two.csrf);
    const r = await one.request("POST", "/api/auth/logout", undefined, { "x-csrf-token": two.csrf! });
    expectError(r, 403, "csrf_failed");
  });
});

describe("API tokens need no CSRF token", () => {
  it("a Bearer write without x-csrf-token succeeds", async () => {
    const created = await admin.post(tokens(), { name: "ci", role: "lab_admin" });
    expect(created.status).toBe(201);
    const inv = await admin.post(invitations(), { email: "new@x.test.dev", role: "reviewer" });
    const bot = signInAsToken(created.body.secret);
    const r = await bot.delete(`${invitations()}/${inv.body.invitation.id}`);
    expect(r.status).toBe(200);
    expect((await admin.get(invitations())).body.invitations[0].state).toBe("revoked");
  });
});

describe("public writes with a session", () => {
  it("accepting an invitation as the signed-in account without CSRF is treated as anonymous (409), and works with it", async () => {
    const invited = ctx.w.email("b", "contractor");
    const inv = await admin.post(invitations(), { email: invited, role: "contractor" });
    expect(inv.status).toBe(201);
    const token = /#token=(.+)$/.exec(inv.body.link)![1]!;
    const victim = await signIn(ctx, invited);
    const csrf = victim.csrf;
    victim.csrf = undefined;
    expectError(await victim.post("/api/invitations/accept", { token }), 409, "conflict");
    expect((await victim.get("/api/me")).body.user.memberships).toHaveLength(1);
    victim.csrf = csrf;
    const ok = await victim.post("/api/invitations/accept", { token });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ userId: ctx.w.userId("b", "contractor"), accountCreated: false, role: "contractor" });
  });
});

/** A program using an API token: no cookie, no CSRF token. */
function signInAsToken(secret: string): Client {
  const bot = client(ctx.t.s);
  bot.bearer = secret;
  return bot;
}
