/** API tokens and invitations: both stored only as hashes of their secret. */
import type { Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { ApiTokensTable, InvitationsTable } from "../schema.js";

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type InvitationRow = Selectable<InvitationsTable>;

/** Inserts an API token. */
export async function insertApiToken(db: Executor, row: ApiTokenRow): Promise<void> {
  await db.insertInto("api_tokens").values(row).execute();
}

/** Finds an API token by the hash of its secret. */
export async function findApiTokenByHash(db: Executor, tokenHash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom("api_tokens").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

/** Lists a tenant's API tokens, newest first. */
export async function listApiTokens(db: Executor, tenantId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom("api_tokens").selectAll().where("tenant_id", "=", tenantId).orderBy("created_at", "desc").execute();
}

/** Revokes a token of the tenant; true when one was revoked now. */
export async function revokeApiToken(db: Executor, tenantId: string, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records a token's last use (callers throttle how often). */
export async function touchApiToken(db: Executor, tenantId: string, id: string, now: number): Promise<void> {
  await db.updateTable("api_tokens").set({ last_used_at: now }).where("tenant_id", "=", tenantId).where("id", "=", id).execute();
}

/** Inserts an invitation. */
export async function insertInvitation(db: Executor, row: InvitationRow): Promise<void> {
  await db.insertInto("invitations").values(row).execute();
}

/** Finds an invitation by the hash of its token. */
export async function findInvitationByHash(db: Executor, tokenHash: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("invitations").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

/** Lists a tenant's invitations, newest first. */
export async function listInvitations(db: Executor, tenantId: string): Promise<InvitationRow[]> {
  return db.selectFrom("invitations").selectAll().where("tenant_id", "=", tenantId).orderBy("created_at", "desc").execute();
}

/** Marks an open invitation accepted; true when this call accepted it (single use). */
export async function markInvitationAccepted(db: Executor, tenantId: string, id: string, userId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable("invitations")
    .set({ accepted_at: now, accepted_by: userId })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes an open invitation; true when one was revoked now. */
export async function revokeInvitation(db: Executor, tenantId: string, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable("invitations")
    .set({ revoked_at: now })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
