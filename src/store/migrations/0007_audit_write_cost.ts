/**
 * 0007: fewer pages written per audited transaction. Every claim and submit
 * appends audit entries, and each index on audit_entries and each table the
 * Merkle nodes live in is one more page in that transaction's commit.
 * - audit_entries_tenant_time (0002) serves no query since 0004's
 *   (tenant_id, action, time, …) and (tenant_id, seq): dropped.
 * - SQLite: audit_nodes becomes a WITHOUT ROWID table clustered on its key
 *   (level, idx), so a node is written once instead of into a rowid table
 *   and a separate primary-key index. PostgreSQL keeps its heap and index.
 */
import { sql, type Kysely } from "kysely";
import type { DialectHandle } from "../dialect.js";

/** Applies migration 0007. */
export async function up(db: Kysely<unknown>, d: DialectHandle): Promise<void> {
  await db.schema.dropIndex("audit_entries_tenant_time").execute();
  if (d.kind !== "sqlite") return;
  await sql`create table audit_nodes_clustered (level integer not null, idx integer not null, hash blob not null, primary key (level, idx)) without rowid`.execute(db);
  await sql`insert into audit_nodes_clustered (level, idx, hash) select level, idx, hash from audit_nodes`.execute(db);
  await sql`drop table audit_nodes`.execute(db);
  await sql`alter table audit_nodes_clustered rename to audit_nodes`.execute(db);
}
