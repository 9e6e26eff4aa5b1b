/**
 * Migration 0007 on a database that already holds an audit log (SQLite,
 * where it rebuilds audit_nodes): every node and entry survives, the log
 * still verifies against its Merkle root, the unused index is gone and the
 * nodes table is clustered on its key.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { CompactRange } from "../../src/audit/merkle.js";
import { openSqlite } from "../../src/store/dialects/sqlite.js";
import type { DialectHandle } from "../../src/store/dialect.js";
import { migrateTo, migrateToLatest } from "../../src/store/migrator.js";
import type { Database } from "../../src/store/schema.js";
import { SqlAuditLog } from "../../src/services/audit-log.js";
import { readAuditLeaves, readAuditNode, readAuditState } from "../../src/store/repos/audit.js";

let dir: string | undefined;
let handle: DialectHandle | undefined;
afterEach(async () => {
  await handle?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  handle = dir = undefined;
});

describe("migration 0007 (audit write cost)", () => {
  it("keeps every audit node and entry of an existing log, which still verifies", async () => {
    dir = mkdtempSync(join(tmpdir(), "sealroom-m0007-"));
    handle = openSqlite(join(dir, "sealroom.db"));
    const db = new Kysely<Database>({ dialect: handle.dialect });
    expect(await migrateTo(db as unknown as Kysely<unknown>, handle, "0006_work_engine")).toContain("0006_work_engine");
    // An audit log written by the 0006 schema: 37 entries, appended in three transactions.
    const log = new SqlAuditLog("sqlite", () => 1_700_000_000_000);
    for (const n of [1, 12, 24]) {
      await db.transaction().execute((tx) =>
        log.record(tx, ...Array.from({ length: n }, (_, i) => ({ tenantId: "t-1", actorType: "system" as const, actorId: "test", action: "test.event", objectType: null, objectId: `o-${n}-${i}`, outcome: "success" as const, requestId: null, ip: null }))),
      );
    }
    const before = {
      nodes: await db.selectFrom("audit_nodes").selectAll().orderBy("level").orderBy("idx").execute(),
      entries: await db.selectFrom("audit_entries").selectAll().orderBy("seq").execute(),
    };
    expect(before.entries).toHaveLength(37);

    expect(await migrateToLatest(db as unknown as Kysely<unknown>, handle)).toEqual(["0007_audit_write_cost"]);

    expect(await db.selectFrom("audit_nodes").selectAll().orderBy("level").orderBy("idx").execute()).toEqual(before.nodes);
    expect(await db.selectFrom("audit_entries").selectAll().orderBy("seq").execute()).toEqual(before.entries);
    // The root recomputed from the stored leaves is the one the frontier holds.
    const leaves = await readAuditLeaves(db, 0, 100);
    const range = CompactRange.empty();
    for (const leaf of leaves) range.append(leaf.hash);
    const state = await readAuditState(db, false);
    expect(range.size).toBe(state.size);
    expect(range.root().equals(CompactRange.fromJSON(JSON.parse(state.frontier)).root())).toBe(true);
    expect(await readAuditNode(db, 1, 0)).toEqual(before.nodes.find((n) => n.level === 1 && n.idx === 0)!.hash);
    const schema = await sql<{ name: string; sql: string | null }>`select name, sql from sqlite_schema where tbl_name in ('audit_nodes', 'audit_entries')`.execute(db);
    expect(schema.rows.map((r) => r.name)).not.toContain("audit_entries_tenant_time");
    expect(schema.rows.find((r) => r.name === "audit_nodes")?.sql).toMatch(/without rowid/i);
    // New appends go on where the old log ended.
    await db.transaction().execute((tx) => log.record(tx, { tenantId: "t-1", actorType: "system", actorId: "test", action: "test.after", objectType: null, objectId: null, outcome: "success", requestId: null, ip: null }));
    expect((await readAuditState(db, false)).size).toBe(38);
    await db.destroy();
    handle = undefined;
  });
});
