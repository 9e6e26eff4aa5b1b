/**
 * Fail closed: when the audit entry cannot be written, the action fails with
 * 503 audit_unavailable, hands out nothing (no session cookie, no token
 * secret, no invitation link, no audit data) and changes nothing. Two ways
 * to break the log: a Services whose audit port throws on record(), and a
 * real failure in the audit store (a trigger refusing inserts into
 * audit_entries) that the real log must turn into audit_unavailable.
 */
import { sql, type Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import { TERMINAL, type Services } from "../../src/services/context.js";
import { createInvitation } from "../../src/services/invitations.js";
import { DIALECT } from "../support/services.js";
import { client, type Client, type Reply } from "../support/http.js";
import { PASSWORD, adminWithTotp, expectError, freshWorld, sessionCookie, signIn, type Ctx } from "./identity-helpers.js";

type Mode = "audit port throws" | "audit store fails";

/** Every table's rows, sorted, as JSON: the whole database in comparable form. */
async function snapshot(db: Kysely<any>): Promise<Record<string, string[]>> {
  const names =
    DIALECT === "sqlite"
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
  const out: Record<string, string[]> = {};
  // Counting a sign-in attempt before checking it is the throttle's point (login-throttle.ts): an
  // attempt whose outcome could not be recorded stays counted, the safe side. Everything else must not move.
  for (const name of names.filter((n) => n !== "login_throttle").sort()) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).sort();
  }
  return out;
}

async function breakStore(db: Kysely<any>): Promise<void> {
  if (DIALECT === "sqlite") {
    await sql`create trigger audit_fail before insert on audit_entries begin select raise(abort, 'injected audit store failure'); end`.execute(db);
  } else {
    await sql`create function audit_fail() returns trigger language plpgsql as $$ begin raise exception 'injected audit store failure'; end $$`.execute(db);
    await sql`create trigger audit_fail before insert on audit_entries for each row execute function audit_fail()`.execute(db);
  }
}

/** A client of the app over `s` speaking with `from`'s session. */
function as(s: Services, from: Client): Client {
  const c = client(s);
  c.cookie = from.cookie;
  c.csrf = from.csrf;
  c.bearer = from.bearer;
  return c;
}

function expectNothingHandedOut(r: Reply): void {
  expectError(r, 503, "audit_unavailable");
  expect(sessionCookie(r)).toBeUndefined();
  expect(JSON.stringify(r.body)).not.toMatch(/srt_|sri_|srs_|csrfToken|#token=|"entries"|"report"/);
}

for (const mode of ["audit port throws", "audit store fails"] as Mode[]) {
  describe(`fail closed (${mode})`, () => {
    let ctx: Ctx;
    let broken: Services;
    let admin: Client;
    let auditor: Client;
    let inviteToken: string;

    beforeEach(async () => {
      ctx = await freshWorld();
      admin = (await adminWithTotp(ctx)).c;
      auditor = await signIn(ctx, ctx.w.email("a", "lab_auditor"));
      inviteToken = (await createInvitation(ctx.t.s, "terminal", ctx.w.a.id, { email: "newcomer@test.dev", role: "reviewer" }, TERMINAL)).token;
      if (mode === "audit port throws") {
        broken = {
          ...ctx.t.s,
          audit: {
            record: async () => {
              throw new SealroomError("audit_unavailable", "injected: the audit log is down");
            },
          },
        };
      } else {
        broken = ctx.t.s;
        await breakStore(ctx.t.s.store.db);
      }
    });
    afterEach(async () => ctx.t.close());

    /** Runs `act` against the broken log and asserts the database did not change. */
    async function unchanged(act: () => Promise<Reply>): Promise<Reply> {
      const before = await snapshot(ctx.t.s.store.db);
      expect(before["audit_entries"]?.length).toBeGreaterThan(5); // the snapshot sees real data
      expect(Object.keys(before).length).toBeGreaterThan(15);
      const r = await act();
      expect(await snapshot(ctx.t.s.store.db)).toEqual(before);
      return r;
    }

    it("sign-in, right or wrong password: no session, no cookie", async () => {
      const anon = client(broken);
      expectNothingHandedOut(await unchanged(() => anon.post("/api/auth/login", { email: ctx.w.email("a", "reviewer"), password: PASSWORD })));
      expect(anon.cookie).toBeUndefined();
      expectNothingHandedOut(await unchanged(() => anon.post("/api/auth/login", { email: ctx.w.email("a", "reviewer"), password: "wrong password entirely" })));
    });

    it("creating an invitation: no invitation, no link", async () => {
      expectNothingHandedOut(await unchanged(() => as(broken, admin).post(`/api/tenants/${ctx.w.a.slug}/invitations`, { email: "x@test.dev", role: "contractor" })));
    });

    it("creating an API token: no token, no secret", async () => {
      expectNothingHandedOut(await unchanged(() => as(broken, admin).post(`/api/tenants/${ctx.w.a.slug}/tokens`, { name: "ci", role: "reviewer" })));
    });

    it("accepting an invitation: no account, no membership, and the invitation still works afterwards", async () => {
      expectNothingHandedOut(await unchanged(() => client(broken).post("/api/invitations/accept", { token: inviteToken, password: PASSWORD })));
      // Looking an invitation up writes nothing, so it answers even now: the invitation is still open.
      expect((await client(broken).post("/api/invitations/lookup", { token: inviteToken })).status).toBe(200);
    });

    it("changing a member's role: the role stays", async () => {
      const userId = ctx.w.userId("a", "contractor");
      expectNothingHandedOut(await unchanged(() => as(broken, admin).patch(`/api/tenants/${ctx.w.a.slug}/members/${userId}`, { role: "reviewer" })));
    });

    it("reading the tenant's audit log or an exposure report: no data is returned when the read cannot be recorded", async () => {
      expectNothingHandedOut(await unchanged(() => as(broken, auditor).get(`/api/tenants/${ctx.w.a.slug}/audit`)));
      const q = "from=2020-01-01&to=2030-01-01";
      expectNothingHandedOut(await unchanged(() => as(broken, auditor).get(`/api/tenants/${ctx.w.a.slug}/exposure?${q}`)));
      const actor = ctx.w.userId("a", "contractor");
      expectNothingHandedOut(await unchanged(() => as(broken, auditor).get(`/api/tenants/${ctx.w.a.slug}/exposure?${q}&actor=${actor}`)));
    });

    it("listing a project's imports (sealed file names): nothing is returned when the read cannot be recorded", async () => {
      const r = await unchanged(() => as(broken, admin).get(`/api/tenants/${ctx.w.a.slug}/projects/proj-a/imports`));
      expectNothingHandedOut(r);
      expect(JSON.stringify(r.body)).not.toMatch(/"imports"/);
    });

    it("the same requests succeed once the audit log works (the failures above were the log's)", async () => {
      const fine = ctx.t.s;
      if (mode === "audit store fails") await sql`drop trigger audit_fail${DIALECT === "postgres" ? sql` on audit_entries` : sql``}`.execute(fine.store.db);
      expect((await as(fine, admin).post(`/api/tenants/${ctx.w.a.slug}/tokens`, { name: "ci", role: "reviewer" })).status).toBe(201);
      expect((await as(fine, auditor).get(`/api/tenants/${ctx.w.a.slug}/audit`)).status).toBe(200);
      expect((await client(fine).post("/api/invitations/accept", { token: inviteToken, password: PASSWORD })).status).toBe(201);
    });
  });
}
