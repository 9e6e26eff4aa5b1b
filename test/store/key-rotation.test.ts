/**
 * Rotation, re-encryption and shredding on the real database (both dialects):
 * after rotate + re-encrypt every value opens and sits on the new version,
 * unused versions are retired, the blind index survives (re-import still
 * de-duplicates); a resumed run finishes the job; shredding one tenant makes
 * its data answer "shredded" over the service and HTTP while another tenant
 * reads on, and the act is in the audit log.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readKeyVersion } from "../../src/seal/envelope.js";
import { TERMINAL } from "../../src/services/context.js";
import { createApiToken } from "../../src/services/api-tokens.js";
import { importItems } from "../../src/services/import.js";
import { rotateTenantKey } from "../../src/services/key-rotation.js";
import { createProject, getProject } from "../../src/services/projects.js";
import { shredTenant } from "../../src/services/tenant-shred.js";
import { createTenant } from "../../src/services/tenants.js";
import { sqlDataKeyStore } from "../../src/store/repos/data-keys.js";
import { listItemsPage } from "../../src/store/repos/items.js";
import { client } from "../support/http.js";
import { chunks, claimItem, jsonl } from "../support/items.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

async function labWithItems(slug: string, n: number): Promise<{ id: string; projectId: string }> {
  const tenant = await createTenant(t.s, { slug, name: slug }, TERMINAL);
  const p = await t.s.store.transaction((tx) => createProject(t.s, tx, tenant.id, { slug: "claims", name: "Claims", template: "claim-verification" }, TERMINAL));
  const items = Array.from({ length: n }, (_, i) => claimItem(`${slug}-${i}`));
  await importItems(t.s, { tenant: slug, project: "claims" }, chunks(jsonl(items), 1 << 16), { format: "jsonl", fileName: "f.jsonl", skipInvalid: false }, TERMINAL);
  return { id: tenant.id, projectId: p.id };
}

/** Opens every item of the tenant; returns the data-key version of each (throws if any fails to open). */
async function openAll(tenantId: string, projectId: string): Promise<number[]> {
  const rows = await listItemsPage(t.s.store.db, tenantId, projectId, 0, 100_000);
  const versions: number[] = [];
  for (const row of rows) {
    const item = JSON.parse(await t.s.sealer.openText({ tenantId, table: "items", rowId: row.id, field: "payload" }, row.payload));
    expect(item.schema).toBe("verification-item/v0.1");
    versions.push(readKeyVersion(row.payload));
  }
  return versions;
}

async function actions(tenantId: string): Promise<string[]> {
  return (await t.s.store.db.selectFrom("audit_entries").select("action").where("tenant_id", "=", tenantId).orderBy("seq").execute()).map((r) => r.action);
}

describe("key rotation", () => {
  it("rotate alone: new writes use the new version, old values still open", async () => {
    const lab = await labWithItems("lab-a", 5);
    const r = await rotateTenantKey(t.s, "lab-a", { reencrypt: false, batch: 100 }, TERMINAL);
    expect(r.version).toBe(2);
    await importItems(t.s, { tenant: "lab-a", project: "claims" }, chunks(jsonl([claimItem("late")])), { format: "jsonl", fileName: "g.jsonl", skipInvalid: false }, TERMINAL);
    expect((await openAll(lab.id, lab.projectId)).sort()).toEqual([1, 1, 1, 1, 1, 2]);
    expect(await actions(lab.id)).toContain("keys.rotate");
  });

  it("rotate + re-encrypt moves every value (items and import records) to the new version, retires the old one, keeps de-duplication", async () => {
    const lab = await labWithItems("lab-a", 25);
    const r = await rotateTenantKey(t.s, "lab-a", { reencrypt: true, batch: 7 }, TERMINAL);
    expect(r).toMatchObject({ version: 2, resumed: false, reencrypted: 25 + 2, retired: [1] });
    expect(new Set(await openAll(lab.id, lab.projectId))).toEqual(new Set([2]));
    const keys = await sqlDataKeyStore(t.s.store.db).list(lab.id);
    expect(keys.map((k) => [k.version, k.status])).toEqual([[0, "index"], [1, "retired"], [2, "active"]]);
    const again = await importItems(t.s, { tenant: "lab-a", project: "claims" }, chunks(jsonl([claimItem("lab-a-3")])), { format: "jsonl", fileName: "f.jsonl", skipInvalid: false }, TERMINAL);
    expect(again).toMatchObject({ imported: 0, skippedDuplicates: 1 });
    const log = await actions(lab.id);
    // One entry per batch: 4 of items, 1 each for the import record's two sealed fields; one for the finish.
    expect(log.filter((a) => a === "keys.reencrypt").length).toBe(Math.ceil(25 / 7) + 2 + 1);
  });

  it("an interrupted re-encryption is resumed by the next run, not restarted with another rotation", async () => {
    const lab = await labWithItems("lab-a", 30);
    let seen = 0;
    const stop = new Error("simulated crash");
    await expect(
      rotateTenantKey(t.s, "lab-a", { reencrypt: true, batch: 5, onProgress: (p) => {
        seen = p.done;
        if (p.done >= 10) throw stop;
      } }, TERMINAL),
    ).rejects.toBe(stop);
    expect(seen).toBe(10);
    const mixed = await openAll(lab.id, lab.projectId);
    expect(mixed.filter((v) => v === 2).length).toBe(10);
    expect(mixed.filter((v) => v === 1).length).toBe(20);
    const r = await rotateTenantKey(t.s, "lab-a", { reencrypt: true, batch: 5 }, TERMINAL);
    expect(r).toMatchObject({ version: 2, resumed: true, reencrypted: 20 + 2, retired: [1] });
    expect(new Set(await openAll(lab.id, lab.projectId))).toEqual(new Set([2]));
  });
});

describe("tenant shred", () => {
  it("refuses without the exact slug as confirmation", async () => {
    await labWithItems("lab-a", 1);
    await expect(shredTenant(t.s, "lab-a", "lab-b", TERMINAL)).rejects.toMatchObject({ code: "bad_request" });
    await expect(shredTenant(t.s, "lab-a", "", TERMINAL)).rejects.toMatchObject({ code: "bad_request" });
  });

  it("makes one tenant's data unreadable (shredded) and leaves another intact; revokes tokens; is audited", async () => {
    const a = await labWithItems("lab-a", 10);
    const b = await labWithItems("lab-b", 10);
    const token = await createApiToken(t.s, a.id, "terminal", { name: "ci", role: "lab_admin", expiresInDays: 10 }, TERMINAL);
    const rowsA = await listItemsPage(t.s.store.db, a.id, a.projectId, 0, 100);
    const r = await shredTenant(t.s, "lab-a", "lab-a", TERMINAL);
    expect(r).toMatchObject({ shredded: true, tokensRevoked: 1 });
    expect(await sqlDataKeyStore(t.s.store.db).list(a.id)).toEqual([]);
    for (const row of rowsA) {
      await expect(t.s.sealer.open({ tenantId: a.id, table: "items", rowId: row.id, field: "payload" }, row.payload)).rejects.toMatchObject({ code: "shredded" });
    }
    expect(await openAll(b.id, b.projectId)).toHaveLength(10);
    // Another process (a fresh key ring over the same database) sees the shred too.
    const { Keyring, Sealer } = await import("../../src/seal/keyring.js");
    const { LocalKek } = await import("../../src/seal/kek.js");
    const other = new Sealer(new Keyring(LocalKek.fromBytes(Buffer.alloc(32, 7)), sqlDataKeyStore(t.s.store.side)));
    await expect(other.open({ tenantId: a.id, table: "items", rowId: rowsA[0]!.id, field: "payload" }, rowsA[0]!.payload)).rejects.toMatchObject({ code: "shredded" });
    expect(await actions(a.id)).toContain("tenant.shred");
    const api = client(t.s);
    api.bearer = token.token;
    expect((await api.get("/api/tenants/lab-a/projects")).status).toBe(401);
    await expect(importItems(t.s, { tenant: "lab-a", project: "claims" }, chunks(jsonl([claimItem("x")])), { format: "jsonl", fileName: "f", skipInvalid: false }, TERMINAL)).rejects.toMatchObject({ code: "shredded" });
    expect((await shredTenant(t.s, "lab-a", "lab-a", TERMINAL)).shredded).toBe(false);
  });

  it("members of a shredded tenant get 410 shredded on its data routes, and their other tenant still works", async () => {
    const a = await labWithItems("lab-a", 2);
    const b = await labWithItems("lab-b", 2);
    const { createUser } = await import("../../src/services/users.js");
    const { upsertMembership } = await import("../../src/store/repos/tenants.js");
    const password = "correct horse battery staple 42";
    const u = await t.s.store.transaction((tx) => createUser(t.s, tx, { email: "c@test.dev", displayName: "C", password }, TERMINAL));
    await upsertMembership(t.s.store.db, a.id, u.id, "contractor", t.s.now());
    await upsertMembership(t.s.store.db, b.id, u.id, "contractor", t.s.now());
    const c = client(t.s);
    expect((await c.login("c@test.dev", password)).status).toBe(200);
    await shredTenant(t.s, "lab-a", "lab-a", TERMINAL);
    const gone = await c.get("/api/tenants/lab-a/projects");
    expect([gone.status, gone.body.error.code]).toEqual([410, "shredded"]);
    expect((await c.get("/api/tenants/lab-a")).body.tenant.status).toBe("shredded");
    expect((await c.get("/api/tenants/lab-b/projects")).body.projects).toHaveLength(1);
    expect((await getProject(t.s, b.id, "claims")).item_count).toBe(2);
  });
});
