/**
 * API tokens for programs: shown once, stored as SHA-256, scoped to one
 * tenant and one role, with an expiry and revocation that takes effect on the
 * next request.
 */
import { uuidv7 } from "../auth/ids.js";
import { hashToken, randomToken } from "../auth/tokens.js";
import { SealroomError } from "../domain/errors.js";
import type { Actor, TenantRole } from "../domain/policy.js";
import { findApiTokenByHash, insertApiToken, listApiTokens, revokeApiToken, touchApiToken, type ApiTokenRow } from "../store/repos/credentials.js";
import { findTenant } from "../store/repos/tenants.js";
import { findMembership } from "../store/repos/tenants.js";
import { findUserById } from "../store/repos/users.js";
import { eventBy, type Caller, type Services } from "./context.js";

export const API_TOKEN_PREFIX = "srt_";
const DAY_MS = 86_400_000;

/** Creates a token; returns the row and the secret, which is never retrievable again. */
export async function createApiToken(
  s: Services,
  tenantId: string,
  createdBy: string,
  input: { name: string; role: TenantRole; expiresInDays: number },
  caller: Caller,
): Promise<{ row: ApiTokenRow; token: string }> {
  const now = s.now();
  const token = randomToken(API_TOKEN_PREFIX);
  const row: ApiTokenRow = {
    tenant_id: tenantId,
    id: uuidv7(now),
    name: input.name,
    role: input.role,
    token_hash: hashToken(token),
    last_four: token.slice(-4),
    created_by: createdBy,
    created_at: now,
    expires_at: now + input.expiresInDays * DAY_MS,
    revoked_at: null,
    last_used_at: null,
  };
  await s.store.transaction(async (tx) => {
    await insertApiToken(tx, row);
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "api_token.create", objectType: "api_token", objectId: row.id, detail: { role: row.role, expiresAt: row.expires_at } }));
  });
  return { row, token };
}

/** A tenant's tokens (without secrets; only hashes are stored anyway). */
export async function listTokens(s: Services, tenantId: string): Promise<ApiTokenRow[]> {
  return listApiTokens(s.store.db, tenantId);
}

/** Revokes a token of the tenant. */
export async function revokeToken(s: Services, tenantId: string, id: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    if (!(await revokeApiToken(tx, tenantId, id, s.now()))) throw new SealroomError("not_found", "No such active token in this tenant.");
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "api_token.revoke", objectType: "api_token", objectId: id }));
  });
}

/** Resolves a bearer token to its actor; undefined for unknown, expired or revoked tokens. */
export async function authenticateApiToken(s: Services, token: string): Promise<Extract<Actor, { kind: "token" }> | undefined> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) return undefined;
  const row = await findApiTokenByHash(s.store.db, hashToken(token));
  const now = s.now();
  if (!row || row.revoked_at !== null || now >= row.expires_at) return undefined;
  const tenant = await findTenant(s.store.db, row.tenant_id);
  if (!tenant || tenant.status === "shredded") return undefined;
  // A token lives only as long as the lab admin who made it: removing, demoting
  // or disabling that person ends their tokens too (terminal-made tokens excepted).
  if (row.created_by !== "terminal") {
    const creator = await findUserById(s.store.db, row.created_by);
    const membership = creator ? await findMembership(s.store.db, row.tenant_id, creator.id) : undefined;
    if (!creator || creator.status !== "active" || membership?.role !== "lab_admin") return undefined;
  }
  if (row.last_used_at === null || now - row.last_used_at > 60_000) await touchApiToken(s.store.db, row.tenant_id, row.id, now);
  return { kind: "token", tokenId: row.id, tenantId: row.tenant_id, role: row.role, createdBy: row.created_by };
}
