/**
 * Every column holding values sealed under a tenant's data keys, and the
 * queries re-encryption needs over them. The data-key version of a sealed
 * value is bytes 2..5 of its blob (src/seal/envelope.ts), so "rows not yet on
 * version V" is `substr(col, 2, 4) <> V` on both SQLite and PostgreSQL
 * (substr works on blob and bytea alike), with no need to read whole blobs.
 */
import { sql } from "kysely";
import type { Executor } from "../store.js";

/** A sealed column of a tenant-owned table keyed by (tenant_id, id); the seal context is (tenant, table, id, column). */
export interface SealedColumn {
  readonly table: "items" | "imports" | "gateway_deployments" | "projects" | "assignments" | "answers" | "reviews" | "resolutions" | "hours_entries" | "item_assists" | "project_assist_keys";
  readonly column: string;
}

/** The tenant-sealed columns. A new sealed column must be listed here, or rotation would leave it behind. */
export const TENANT_SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: "items", column: "payload" },
  { table: "imports", column: "file_name" },
  { table: "imports", column: "file_sha256" },
  { table: "gateway_deployments", column: "api_key" },
  { table: "projects", column: "guidelines" },
  { table: "assignments", column: "draft" },
  { table: "assignments", column: "skip_reason" },
  { table: "answers", column: "body" },
  { table: "reviews", column: "body" },
  { table: "resolutions", column: "body" },
  { table: "hours_entries", column: "reason" },
  { table: "item_assists", column: "draft" },
  { table: "project_assist_keys", column: "secret" },
];

/** The 4-byte header field that names data-key `version`. */
export function versionBytes(version: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(version, 0);
  return b;
}

/** Up to `limit` rows after `afterId` (by id) whose value is not sealed under `version`. */
export async function rowsNotOnVersion(
  db: Executor,
  c: SealedColumn,
  tenantId: string,
  version: number,
  afterId: string,
  limit: number,
): Promise<Array<{ id: string; blob: Buffer }>> {
  const col = sql.ref(c.column);
  const r = await sql<{ id: string; blob: Uint8Array }>`
    select id, ${col} as blob from ${sql.table(c.table)}
    where tenant_id = ${tenantId} and id > ${afterId} and ${col} is not null and substr(${col}, 2, 4) <> ${versionBytes(version)}
    order by id limit ${limit}`.execute(db);
  return r.rows.map((row) => ({ id: row.id, blob: Buffer.from(row.blob) }));
}

/** How many rows of the tenant are not sealed under `version`. */
export async function countNotOnVersion(db: Executor, c: SealedColumn, tenantId: string, version: number): Promise<number> {
  const col = sql.ref(c.column);
  const r = await sql<{ n: number | string }>`
    select count(*) as n from ${sql.table(c.table)}
    where tenant_id = ${tenantId} and ${col} is not null and substr(${col}, 2, 4) <> ${versionBytes(version)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** The data-key versions the tenant's values in this column are sealed under. */
export async function versionsInUse(db: Executor, c: SealedColumn, tenantId: string): Promise<number[]> {
  const col = sql.ref(c.column);
  const r = await sql<{ v: Uint8Array | null }>`
    select distinct substr(${col}, 2, 4) as v from ${sql.table(c.table)} where tenant_id = ${tenantId} and ${col} is not null`.execute(db);
  return r.rows.flatMap((row) => (row.v && row.v.length === 4 ? [Buffer.from(row.v).readUInt32BE(0)] : []));
}

/** Replaces one sealed value. */
export async function updateSealedValue(db: Executor, c: SealedColumn, tenantId: string, id: string, blob: Buffer): Promise<void> {
  await sql`update ${sql.table(c.table)} set ${sql.ref(c.column)} = ${blob} where tenant_id = ${tenantId} and id = ${id}`.execute(db);
}
