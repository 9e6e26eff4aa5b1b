/** Tenants (one AI lab each) and the memberships that give users roles in them. */
import type { Selectable } from "kysely";
import type { TenantRole } from "../../domain/policy.js";
import { prepared } from "../prepared.js";
import type { Executor } from "../store.js";
import type { MembershipsTable, TenantsTable } from "../schema.js";

export type TenantRow = Selectable<TenantsTable>;
export type MembershipRow = Selectable<MembershipsTable>;

/** Finds a tenant by id or, failing that, by slug. */
export async function findTenant(db: Executor, idOrSlug: string): Promise<TenantRow | undefined> {
  return tenantByIdOrSlug.first(db, idOrSlug);
}
const tenantByIdOrSlug = prepared((db, idOrSlug: string) =>
  db
    .selectFrom("tenants")
    .selectAll()
    .where((eb) => eb.or([eb("id", "=", idOrSlug), eb("slug", "=", idOrSlug)])),
);

/** Lists tenants by slug, optionally only those with the given ids. */
export async function listTenants(db: Executor, onlyIds?: readonly string[]): Promise<TenantRow[]> {
  if (onlyIds && onlyIds.length === 0) return [];
  let q = db.selectFrom("tenants").selectAll().orderBy("slug");
  if (onlyIds) q = q.where("id", "in", [...onlyIds]);
  return q.execute();
}

/** Inserts a tenant. */
export async function insertTenant(db: Executor, row: TenantRow): Promise<void> {
  await db.insertInto("tenants").values(row).execute();
}

/** All memberships of a user, across tenants. */
export async function membershipsOfUser(db: Executor, userId: string): Promise<MembershipRow[]> {
  return membershipsByUser.rows(db, userId);
}
const membershipsByUser = prepared((db, userId: string) => db.selectFrom("memberships").selectAll().where("user_id", "=", userId));

/** Members of a tenant with their user's email and name, ordered by email. */
export async function membersOfTenant(db: Executor, tenantId: string) {
  return db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["memberships.user_id", "memberships.role", "memberships.created_at", "users.email", "users.display_name", "users.status"])
    .where("memberships.tenant_id", "=", tenantId)
    .orderBy("users.email")
    .execute();
}

/** One membership. */
export async function findMembership(db: Executor, tenantId: string, userId: string): Promise<MembershipRow | undefined> {
  return db.selectFrom("memberships").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId).executeTakeFirst();
}

/** Gives `userId` `role` in `tenantId`, replacing any role held. */
export async function upsertMembership(db: Executor, tenantId: string, userId: string, role: TenantRole, now: number): Promise<void> {
  await db
    .insertInto("memberships")
    .values({ tenant_id: tenantId, user_id: userId, role, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet({ role, updated_at: now }))
    .execute();
}

/** Removes a membership; true when one existed. */
export async function deleteMembership(db: Executor, tenantId: string, userId: string): Promise<boolean> {
  const r = await db.deleteFrom("memberships").where("tenant_id", "=", tenantId).where("user_id", "=", userId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** Counts lab admins of a tenant (a tenant must keep at least one). */
export async function countAdmins(db: Executor, tenantId: string): Promise<number> {
  const r = await db
    .selectFrom("memberships")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .where("role", "=", "lab_admin")
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
