/**
 * Crypto-shredding a tenant: its data keys and index key are destroyed, so
 * every value sealed under them is unrecoverable (reads answer "shredded");
 * the tenant is marked shredded, its API tokens and open invitations revoked,
 * and its members' sessions lose access to it (src/http/tenant-access.ts
 * refuses a shredded tenant; memberships stay, for the record). All of it,
 * and the "tenant.shred" audit entry, commit in one transaction. Other
 * tenants are untouched: their keys are other rows under the same master key.
 *
 * Copies of the wrapped keys may survive in backups, free pages or a WAL; they
 * are useless without the master key, so rotating the master key afterwards
 * (and destroying the old one) finishes the job for those copies too.
 */
import { SealroomError } from "../domain/errors.js";
import { destroyTenantKeys, markTenantShredded, revokeTenantInvitations, revokeTenantTokens, scrubDeleted } from "../store/repos/shred.js";
import type { TenantRow } from "../store/repos/tenants.js";
import { INSTALLATION_SCOPE, eventBy, type Caller, type Services } from "./context.js";
import { getTenant } from "./tenants.js";

/** What a shred did. */
export interface ShredOutcome {
  readonly tenant: TenantRow;
  /** False when the tenant had already been shredded (the run only re-checked its keys are gone). */
  readonly shredded: boolean;
  readonly tokensRevoked: number;
  readonly invitationsRevoked: number;
}

/** Shreds tenant `ref` (id or slug) once `confirmation` equals its slug. */
export async function shredTenant(s: Services, ref: string, confirmation: string, caller: Caller): Promise<ShredOutcome> {
  const tenant = await getTenant(s, ref);
  if (tenant.id === INSTALLATION_SCOPE) throw new SealroomError("bad_request", "The installation scope is not a tenant.");
  if (confirmation !== tenant.slug) {
    throw new SealroomError("bad_request", `The confirmation does not match: type the tenant's slug (${tenant.slug}) exactly. Nothing was shredded.`);
  }
  const outcome = await s.store.transaction(async (tx) => {
    const now = s.now();
    await destroyTenantKeys(tx, tenant.id);
    const shredded = await markTenantShredded(tx, tenant.id, now);
    const tokensRevoked = await revokeTenantTokens(tx, tenant.id, now);
    const invitationsRevoked = await revokeTenantInvitations(tx, tenant.id, now);
    const detail = { slug: tenant.slug, tokensRevoked, invitationsRevoked, repeated: !shredded };
    await s.audit.record(tx, eventBy(caller, { tenantId: tenant.id, action: "tenant.shred", objectType: "tenant", objectId: tenant.id, detail }));
    return { tenant: { ...tenant, status: "shredded" as const }, shredded, tokensRevoked, invitationsRevoked };
  });
  // Drop this process's cached keys (the stored ones are already gone).
  await s.keyring.shred(tenant.id);
  await scrubDeleted(s.store.db, s.store.kind).catch(() => undefined);
  return outcome;
}
