/**
 * Storage properties that hold on both dialects: every tenant-owned table
 * leads its primary key with tenant_id (so it can be distributed by tenant),
 * migrations are idempotent, and item payloads are sealed at rest.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addItems, createProject } from "../../src/services/projects.js";
import { TERMINAL } from "../../src/services/context.js";
import { sealedItemCodec } from "../../src/services/item-codec.js";
import { createTenant } from "../../src/services/tenants.js";
import { DIALECT, makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

/** Primary-key columns of `table`, in key order. */
async function primaryKey(table: string): Promise<string[]> {
  const db = t.s.store.db;
  if (DIALECT === "sqlite") {
    const rows = (await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table})`.execute(db)).rows;
    return rows.filter((r) => r.pk > 0).sort((a, b) => a.pk - b.pk).map((r) => r.name);
  }
  const rows = (
    await sql<{ column_name: string }>`
      select a.attname as column_name
      from pg_index i
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ${table}::regclass and i.indisprimary
      order by array_position(i.indkey, a.attnum)`.execute(db)
  ).rows;
  return rows.map((r) => r.column_name);
}

describe("schema", () => {
  it("every table with a tenant_id column leads its primary key with it", async () => {
    const tables = await t.s.store.db.introspection.getTables();
    // audit_entries is the one exception: a single installation-wide Merkle sequence, keyed by seq;
    // its tenant_id is an indexed attribute, not a partition key.
    const tenantOwned = tables.filter((tb) => tb.columns.some((c) => c.name === "tenant_id") && tb.name !== "audit_entries");
    expect(tenantOwned.map((tb) => tb.name).sort()).toEqual(
      expect.arrayContaining(["api_tokens", "data_keys", "invitations", "items", "memberships", "projects"]),
    );
    for (const tb of tenantOwned) expect((await primaryKey(tb.name))[0], tb.name).toBe("tenant_id");
  });

  it("migrating again applies nothing", async () => {
    expect(await t.s.store.migrate()).toEqual([]);
  });

  it("item payloads are sealed: a distinctive marker never reaches the database in the clear", async () => {
    const marker = "ZEBRA-MARKER-7f3a9c";
    const tenant = await createTenant(t.s, { slug: "marker-lab", name: "Marker Lab" }, TERMINAL);
    const codec = await sealedItemCodec(t.s, tenant.id);
    await t.s.store.transaction(async (tx) => {
      const project = await createProject(t.s, tx, tenant.id, { slug: "p", name: "P", template: "claim-verification" }, TERMINAL);
      await addItems(t.s, tx, project, codec, [{ externalId: `ext-${marker}`, payload: { claim: { text: `The ${marker} is real.` } }, isGold: false }], TERMINAL);
    });
    if (DIALECT === "sqlite") {
      const files = readdirSync(t.dataDir).filter((f) => f.startsWith("sealroom.db"));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(readFileSync(join(t.dataDir, f)).includes(Buffer.from(marker)), f).toBe(false);
    } else {
      const rows = (await sql<{ t: string }>`select i::text as t from items i`.execute(t.s.store.db)).rows;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.t.includes(marker)).toBe(false);
      expect(rows[0]!.t.includes(Buffer.from(marker).toString("hex"))).toBe(false);
    }
  });
});
