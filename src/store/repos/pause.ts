/** Pause and resume at the row level: project and tenant status, frozen leases, refused attempts. */
import { sql } from "kysely";
import type { Executor } from "../store.js";

/** Sets a project's status and pause reason. */
export async function setProjectStatus(db: Executor, tenantId: string, projectId: string, status: "active" | "paused" | "archived", reason: string | null, now: number): Promise<void> {
  await db
    .updateTable("projects")
    .set({ status, pause_reason: reason, updated_at: now, ...(status === "archived" ? { archived_at: now } : {}) })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", projectId)
    .execute();
}

/** Sets a tenant's status (active or paused) and pause reason. */
export async function setTenantPause(db: Executor, tenantId: string, status: "active" | "paused", reason: string | null, now: number): Promise<void> {
  await db.updateTable("tenants").set({ status, pause_reason: reason, updated_at: now }).where("id", "=", tenantId).execute();
}

/** Freezes the open leases of a tenant (or one of its projects) with the time each had left. */
export async function freezeLeases(db: Executor, tenantId: string, projectId: string | null, now: number): Promise<number> {
  let q = db
    .updateTable("assignments")
    .set({ status: "paused", paused_remaining_ms: sql`case when expires_at > ${now} then expires_at - ${now} else 0 end`, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "leased");
  if (projectId !== null) q = q.where("project_id", "=", projectId);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/** Thaws frozen leases of one project, or of every active project of a tenant, with the time they had left. */
export async function thawLeases(db: Executor, tenantId: string, projectId: string | null, now: number): Promise<number> {
  let q = db
    .updateTable("assignments")
    .set({ status: "leased", expires_at: sql`${now} + coalesce(paused_remaining_ms, 0)`, paused_remaining_ms: null, last_seen_at: now, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "paused");
  q =
    projectId !== null
      ? q.where("project_id", "=", projectId)
      : q.where(({ exists, selectFrom }) =>
          exists(selectFrom("projects as p").select(sql<number>`1`.as("one")).whereRef("p.tenant_id", "=", "assignments.tenant_id").whereRef("p.id", "=", "assignments.project_id").where("p.status", "=", "active")),
        );
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/** Records an attempt refused because work was paused. */
export async function insertBlockedAttempt(db: Executor, row: { tenant_id: string; id: string; project_id: string | null; user_id: string; action: string; reason: string; at: number }): Promise<void> {
  await db.insertInto("blocked_attempts").values(row).execute();
}

/** Refused attempts of a tenant in [from, to), oldest first, a page at a time. */
export async function listBlockedAttempts(db: Executor, tenantId: string, from: number, to: number, afterId: string, limit: number) {
  return db
    .selectFrom("blocked_attempts")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("at", ">=", from)
    .where("at", "<", to)
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
}
