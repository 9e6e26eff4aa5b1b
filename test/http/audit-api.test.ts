/**
 * The audit log over HTTP: the published key and signed heads (public), RFC
 * 9162 proofs for any signed-in caller that check out with the standard
 * verifiers (ours and the offline CLI), and a tenant's entries for its lab
 * admins and auditors only, every page read itself audited.
 */
import { createHash, createPublicKey, verify } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { entryLeafHash } from "../../src/audit/entry.js";
import { verifyConsistency, verifyInclusion } from "../../src/audit/merkle.js";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";
import { createApiToken } from "../../src/services/api-tokens.js";
import { signCurrentHead } from "../../src/services/audit-heads.js";
import { TERMINAL } from "../../src/services/context.js";
import { createInvitation } from "../../src/services/invitations.js";
import { readAuditEntries } from "../../src/store/repos/audit.js";
import { client, type Client } from "../support/http.js";
import { adminWithTotp, expectError, freshWorld, signIn, type Ctx } from "./identity-helpers.js";

let ctx: Ctx;
let auditor: Client;
beforeEach(async () => {
  ctx = await freshWorld();
  auditor = await signIn(ctx, ctx.w.email("a", "lab_auditor"));
  // A few more of tenant A's entries to page through.
  for (let i = 0; i < 4; i += 1) await createInvitation(ctx.t.s, "terminal", ctx.w.a.id, { email: `inv${i}@a.test.dev`, role: "reviewer" }, TERMINAL);
});
afterEach(async () => ctx.t.close());

const A = () => `/api/tenants/${ctx.w.a.slug}`;
const hex = (h: string) => Buffer.from(h, "hex");

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  return { code: await runCli(argv, io), out, err };
}

describe("public key and signed heads (public)", () => {
  it("the key is Ed25519, created once, its id is SHA-256 of the DER key, and its private half is sealed", async () => {
    const anon = client(ctx.t.s);
    const r = await anon.get("/.well-known/sealroom-audit-key");
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["algorithm", "keyId", "publicKeyPem"]);
    expect(r.body.algorithm).toBe("Ed25519");
    const der = createPublicKey(r.body.publicKeyPem).export({ type: "spki", format: "der" });
    expect(r.body.keyId).toBe(createHash("sha256").update(der).digest("hex"));
    expect((await anon.get("/.well-known/sealroom-audit-key")).body).toEqual(r.body);
    const rows = await ctx.t.s.store.db.selectFrom("audit_signing_keys").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.private_key).toString("latin1")).not.toMatch(/PRIVATE KEY/);
  });

  it("before any head: null and the tree size; after signing: a head whose signature verifies with the published key", async () => {
    const anon = client(ctx.t.s);
    const before = await anon.get("/api/audit/heads/latest");
    expect(before.status).toBe(200);
    expect(before.body.head).toBeNull();
    expect(before.body.treeSize).toBeGreaterThan(0);
    await signCurrentHead(ctx.t.s);
    const { body } = await anon.get("/api/audit/heads/latest");
    const key = (await anon.get("/.well-known/sealroom-audit-key")).body;
    expect(body.head).toMatchObject({ size: before.body.treeSize, keyId: key.keyId, algorithm: "Ed25519" });
    // Rebuilt independently of the product's helper: canonical JSON, keys sorted.
    const message = `{"root":"${body.head.rootHash}","size":${body.head.size},"timestamp":${body.head.timestampMs},"v":1}`;
    expect(body.head.signedMessage).toBe(message);
    expect(verify(null, Buffer.from(message), createPublicKey(key.publicKeyPem), Buffer.from(body.head.signature, "base64"))).toBe(true);
  });
});

describe("proofs", () => {
  it("need a signed-in caller; malformed or impossible parameters are 400", async () => {
    expectError(await client(ctx.t.s).get("/api/audit/proofs/inclusion?index=0&size=1"), 401, "unauthenticated");
    expectError(await auditor.get("/api/audit/proofs/inclusion?index=abc"), 400, "validation_failed");
    expectError(await auditor.get("/api/audit/proofs/inclusion?index=0&size=1&extra=1"), 400, "validation_failed");
    expectError(await auditor.get("/api/audit/proofs/inclusion?index=5&size=5"), 400, "bad_request");
    expectError(await auditor.get("/api/audit/proofs/inclusion?index=0&size=999999"), 400, "bad_request");
    expectError(await auditor.get("/api/audit/proofs/inclusion?index=0"), 400, "bad_request"); // no signed head yet
    expectError(await auditor.get("/api/audit/proofs/consistency?size1=3&size2=2"), 400, "bad_request");
    expectError(await auditor.get("/api/audit/proofs/consistency?size1=1"), 400, "validation_failed");
  });

  it("an entry read from the tenant log is proven included in the signed head, for a person and for an API token", async () => {
    const head = (await signCurrentHead(ctx.t.s)).head!;
    const entry = (await auditor.get(`${A()}/audit?limit=3`)).body.entries[2];
    const token = client(ctx.t.s);
    token.bearer = (await createApiToken(ctx.t.s, ctx.w.a.id, ctx.w.userId("a", "lab_admin"), { name: "p", role: "contractor", expiresInDays: 1 }, TERMINAL)).token;
    for (const c of [auditor, token]) {
      const r = await c.get(`/api/audit/proofs/inclusion?index=${entry.leafIndex}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ index: entry.leafIndex, size: head.size, leafHash: entry.leafHash, rootHash: head.rootHash });
      expect(r.body.signedHead.signature).toBe(head.signature);
      expect(verifyInclusion(hex(r.body.leafHash), r.body.index, r.body.size, r.body.proof.map(hex), hex(r.body.rootHash))).toEqual({ ok: true });
    }
    // The offline verifier agrees, with the response pasted as flags.
    const r = (await auditor.get(`/api/audit/proofs/inclusion?index=${entry.leafIndex}&size=${head.size}`)).body;
    const args = ["audit", "verify-inclusion", "--leaf-hash", r.leafHash, "--index", String(r.index), "--size", String(r.size), "--root", r.rootHash, "--proof", r.proof.join(",")];
    expect(await cli(...args)).toMatchObject({ code: 0, out: "ok\n" });
  });

  it("a consistency proof links two signed heads", async () => {
    const first = (await signCurrentHead(ctx.t.s)).head!;
    await signIn(ctx, ctx.w.email("b", "reviewer")); // more entries
    const second = (await signCurrentHead(ctx.t.s)).head!;
    expect(second.size).toBeGreaterThan(first.size);
    const r = await auditor.get(`/api/audit/proofs/consistency?size1=${first.size}&size2=${second.size}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ root1: first.rootHash, root2: second.rootHash });
    expect(r.body.signedHead1.size).toBe(first.size);
    expect(verifyConsistency(first.size, second.size, r.body.proof.map(hex), hex(first.rootHash), hex(second.rootHash))).toEqual({ ok: true });
  });
});

describe("a tenant's audit log", () => {
  it("anonymous 401, contractor and reviewer 403, the operator 403, another tenant's admin 404", async () => {
    expectError(await client(ctx.t.s).get(`${A()}/audit`), 401, "unauthenticated");
    for (const role of ["contractor", "reviewer"] as const) expectError(await (await signIn(ctx, ctx.w.email("a", role))).get(`${A()}/audit`), 403, "forbidden");
    const op = await signIn(ctx, ctx.w.operator);
    await op.enrolTotp(ctx.t.s.now);
    expectError(await op.get(`${A()}/audit`), 403, "forbidden");
    expectError(await (await adminWithTotp(ctx, "b")).c.get(`${A()}/audit`), 404, "not_found");
  });

  it("bad paging parameters are 400", async () => {
    for (const q of ["limit=0", "limit=501", "after=-1", "after=x", "cursor=1"]) expectError(await auditor.get(`${A()}/audit?${q}`), 400, "validation_failed");
  });

  it("pages through only this tenant's entries in seq order, each with a leaf hash that matches the stored row", async () => {
    const seen: Array<{ seq: number; tenantId: string; leafHash: string; action: string }> = [];
    let after = 0;
    for (let page = 0; page < 50; page += 1) {
      const r = await auditor.get(`${A()}/audit?after=${after}&limit=2`);
      expect(r.status).toBe(200);
      seen.push(...r.body.entries);
      if (r.body.next === null) break;
      after = r.body.next;
    }
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((e) => e.tenantId === ctx.w.a.id)).toBe(true);
    expect(seen.map((e) => e.seq)).toEqual([...seen.map((e) => e.seq)].sort((x, y) => x - y));
    const stored = await readAuditEntries(ctx.t.s.store.db, 1, 10_000);
    for (const e of seen) expect(e.leafHash).toBe(entryLeafHash(stored.find((x) => x.seq === e.seq)!).toString("hex"));
    const created = seen.find((e) => e.action === "tenant.create") as unknown as { detail: unknown; actor: unknown };
    expect(created.detail).toEqual({ slug: "lab-a" });
    expect(created.actor).toEqual({ type: "system", id: "cli" });
  });

  it("every page read is recorded as audit.read by the reader", async () => {
    const before = (await readAuditEntries(ctx.t.s.store.db, 1, 10_000)).length;
    await auditor.get(`${A()}/audit?limit=5`);
    const after = await readAuditEntries(ctx.t.s.store.db, 1, 10_000);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ action: "audit.read", tenantId: ctx.w.a.id, actorType: "user", actorId: ctx.w.userId("a", "lab_auditor"), objectType: "audit_log" });
    expect(JSON.parse(after.at(-1)!.detail!)).toEqual({ after: 0, limit: 5, returned: 5 });
  });
});

describe("exposure reports over HTTP", () => {
  const q = "from=2020-01-01&to=2100-01-01T00:00:00Z";

  it("a missing, malformed or backwards window is 400; a stranger to the tenant is 404 like an unknown id", async () => {
    for (const bad of ["to=2030-01-01", "from=2020-01-01", "from=2020-02-30&to=2030-01-01", "from=2030-01-01&to=2020-01-01", `${q}&tenant=x`]) {
      expectError(await auditor.get(`${A()}/exposure?${bad}`), 400, "validation_failed");
    }
    const stranger = await auditor.get(`${A()}/exposure?${q}&actor=${ctx.w.userId("b", "contractor")}`);
    const unknown = await auditor.get(`${A()}/exposure?${q}&actor=not-an-id`);
    expectError(stranger, 404, "not_found");
    expectError(unknown, 404, "not_found");
    expect(stranger.body.error.message).toBe(unknown.body.error.message);
  });

  it("the tenant report lists who read the tenant's items; the actor report shows a member's reads, in this tenant only", async () => {
    const contractor = ctx.w.userId("a", "contractor");
    const read = (tenantId: string, item: string, projectId: string) =>
      ({ tenantId, actorType: "user", actorId: contractor, action: "item.read", objectType: "item", objectId: item, outcome: "success", requestId: null, ip: null, detail: { projectId } }) as const;
    await ctx.t.s.store.transaction((tx) => ctx.t.s.audit.record(tx, read(ctx.w.a.id, "item-http-1", ctx.w.projectA), read(ctx.w.b.id, "item-http-b", ctx.w.projectB)));
    const tenant = await auditor.get(`${A()}/exposure?${q}`);
    expect(tenant.status).toBe(200);
    expect(tenant.body.report).toMatchObject({ kind: "tenant", tenant: { slug: "lab-a" }, readers: [{ actor: { type: "user", id: contractor, label: ctx.w.email("a", "contractor") }, itemReads: 1 }] });
    const actor = await auditor.get(`${A()}/exposure?${q}&actor=${encodeURIComponent(ctx.w.email("a", "contractor"))}`);
    expect(actor.status).toBe(200);
    expect(actor.body.report).toMatchObject({ kind: "actor", scopeTenantId: ctx.w.a.id, didRead: { totals: { itemReads: 1 } } });
    expect(actor.body.report.couldReach.tenants.map((t: { slug: string }) => t.slug)).toEqual(["lab-a"]);
    expect(JSON.stringify(actor.body)).not.toMatch(/item-http-b|lab-b/);
  });
});
