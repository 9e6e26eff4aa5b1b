/** Tenants and their members: creation by operators, listing, role changes. */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import type { Actor, TenantRole } from "../domain/policy.js";
import {
  countAdmins,
  deleteMembership,
  findMembership,
  findTenant,
  insertTenant,
  listTenants,
  membersOfTenant,
  upsertMembership,
  type TenantRow,
} from "../store/repos/tenants.js";
import { eventBy, type Caller, type Services } from "./context.js";

/** Creates a tenant; slugs are unique across the installation. */
export async function createTenant(s: Services, input: { slug: string; name: string }, caller: Caller): Promise<TenantRow> {
  if (await findTenant(s.store.db, input.slug)) throw new SealroomError("conflict", `A tenant with slug '${input.slug}' already exists.`);
  const now = s.now();
  const row: TenantRow = { id: uuidv7(now), slug: input.slug, name: input.name, status: "active", pause_reason: null, created_at: now, updated_at: now };
  await s.store.transaction(async (tx) => {
    await insertTenant(tx, row);
    await s.audit.record(tx, eventBy(caller, { tenantId: row.id, action: "tenant.create", objectType: "tenant", objectId: row.id, detail: { slug: row.slug } }));
  });
  return row;
}

/** Finds a tenant by id or slug, or throws not_found. */
export async function getTenant(s: Services, idOrSlug: string): Promise<TenantRow> {
  const t = await findTenant(s.store.db, idOrSlug);
  if (!t) throw new SealroomError("not_found", "No such tenant.");
  return t;
}

/** The tenants an actor can see: all for an operator, else those it is a member of. */
export async function tenantsVisibleTo(s: Services, actor: Actor): Promise<TenantRow[]> {
  if (actor.kind === "token") return listTenants(s.store.db, [actor.tenantId]);
  if (actor.isOperator) return listTenants(s.store.db);
  return listTenants(s.store.db, [...actor.memberships.keys()]);
}

/** Members of a tenant. */
export async function listMembers(s: Services, tenantId: string) {
  return membersOfTenant(s.store.db, tenantId);
}

/** Changes a member's role; a tenant always keeps at least one lab admin. */
export async function changeMemberRole(s: Services, tenantId: string, userId: string, role: TenantRole, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    const m = await findMembership(tx, tenantId, userId);
    if (!m) throw new SealroomError("not_found", "No such member in this tenant.");
    if (m.role === "lab_admin" && role !== "lab_admin" && (await countAdmins(tx, tenantId)) <= 1) {
      throw new SealroomError("conflict", "This is the tenant's last lab admin; make someone else lab admin first.");
    }
    await upsertMembership(tx, tenantId, userId, role, s.now());
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "member.role_change", objectType: "user", objectId: userId, detail: { from: m.role, to: role } }));
  });
}

/** Removes a member from a tenant (their account stays); the last lab admin cannot be removed. */
export async function removeMember(s: Services, tenantId: string, userId: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    const m = await findMembership(tx, tenantId, userId);
    if (!m) throw new SealroomError("not_found", "No such member in this tenant.");
    if (m.role === "lab_admin" && (await countAdmins(tx, tenantId)) <= 1) {
      throw new SealroomError("conflict", "This is the tenant's last lab admin and cannot be removed.");
    }
    await deleteMembership(tx, tenantId, userId);
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "member.remove", objectType: "user", objectId: userId, detail: { role: m.role } }));
  });
}
