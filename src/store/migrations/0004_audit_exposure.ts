/**
 * 0004: indexes for reading the audit log back. Exposure reports must answer
 * in under two seconds over a million entries, and a tenant's log is paged
 * by seq; 0002's (tenant_id, time) and (actor_id, time) do not serve those.
 * - (tenant_id, action, time, actor_type, actor_id, object_id): "who read
 *   this tenant's data in the window" is answered from the index alone
 *   (SQLite appends the rowid, which is seq, to every index).
 * - (tenant_id, seq): keyset pagination of a tenant's entries.
 * - (action, time): rare actions across the log (membership changes for
 *   reconstructing the roles an actor held in a window).
 * (actor_id, time) from 0002 already serves "what did this actor do".
 */
import type { Kysely } from "kysely";
import type { DialectHandle } from "../dialect.js";

/** Applies migration 0004. */
export async function up(db: Kysely<unknown>, _d: DialectHandle): Promise<void> {
  await db.schema
    .createIndex("audit_entries_tenant_action_time")
    .on("audit_entries")
    .columns(["tenant_id", "action", "time", "actor_type", "actor_id", "object_id"])
    .execute();
  await db.schema.createIndex("audit_entries_tenant_seq").on("audit_entries").columns(["tenant_id", "seq"]).execute();
  await db.schema.createIndex("audit_entries_action_time").on("audit_entries").columns(["action", "time"]).execute();
}
