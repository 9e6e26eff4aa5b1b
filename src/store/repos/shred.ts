/**
 * The storage side of crypto-shredding a tenant: its wrapped keys deleted (and
 * the tombstone written) in the caller's transaction, the tenant marked, its
 * credentials revoked. On SQLite, secure_delete (set when the file is opened)
 * zeroes the deleted key rows in their pages; `scrubDeleted` then checkpoints
 * and truncates the WAL so old copies of those pages leave the -wal file too.
 */
import { sql } from "kysely";
import type { DialectKind } from "../dialect.js";
import type { Executor } from "../store.js";
import { sqlDataKeyStore } from "./data-keys.js";

/** Deletes every data key (and the index key) of the tenant and records that it was shredded. */
export async function destroyTenantKeys(db: Executor, tenantId: string): Promise<void> {
  await sqlDataKeyStore(db).shred(tenantId);
}

/** Sets the tenant's status to shredded; returns false when it already was. */
export async function markTenantShredded(db: Executor, tenantId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable("tenants")
    .set({ status: "shredded", pause_reason: null, updated_at: now })
    .where("id", "=", tenantId)
    .where("status", "!=", "shredded")
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes every live API token of the tenant; returns how many. */
export async function revokeTenantTokens(db: Executor, tenantId: string, now: number): Promise<number> {
  const r = await db.updateTable("api_tokens").set({ revoked_at: now }).where("tenant_id", "=", tenantId).where("revoked_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Revokes every open invitation of the tenant; returns how many. */
export async function revokeTenantInvitations(db: Executor, tenantId: string, now: number): Promise<number> {
  const r = await db
    .updateTable("invitations")
    .set({ revoked_at: now })
    .where("tenant_id", "=", tenantId)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Best effort: pushes deleted pages out of the SQLite WAL (PostgreSQL reclaims them at VACUUM). */
export async function scrubDeleted(db: Executor, kind: DialectKind): Promise<void> {
  if (kind === "sqlite") await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
}
