/** Projects and their items (payloads arrive here already sealed). */
import { sql, type Insertable, type Selectable } from "kysely";
import { prepared } from "../prepared.js";
import type { Executor } from "../store.js";
import type { ItemsTable, ProjectsTable } from "../schema.js";

export type ProjectRow = Selectable<ProjectsTable>;
export type ItemRow = Selectable<ItemsTable>;
/** An item as imports write it (queue columns take their defaults). */
export type NewItemRow = Insertable<ItemsTable>;
/** A project as created (counters and guidelines take their defaults). */
export type NewProjectRow = Insertable<ProjectsTable>;

/** Inserts a project. */
export async function insertProject(db: Executor, row: NewProjectRow): Promise<void> {
  await db.insertInto("projects").values(row).execute();
}

/** Finds a project of a tenant by id or slug. */
export async function findProject(db: Executor, tenantId: string, idOrSlug: string): Promise<ProjectRow | undefined> {
  return projectByIdOrSlug.first(db, tenantId, idOrSlug);
}
const projectByIdOrSlug = prepared((db, tenantId: string, idOrSlug: string) =>
  db
    .selectFrom("projects")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where((eb) => eb.or([eb("id", "=", idOrSlug), eb("slug", "=", idOrSlug)])),
);

/**
 * Active projects of every tenant whose stored configuration names a model
 * assist (a text match on the JSON, confirmed by the caller's parse): what
 * the background drafter walks. Projects are few; this is not a hot path.
 */
export async function projectsWithAssist(db: Executor): Promise<Array<Pick<ProjectRow, "tenant_id" | "id">>> {
  return db.selectFrom("projects").select(["tenant_id", "id"]).where("status", "=", "active").where("config", "like", '%"assist":{%').orderBy("tenant_id").orderBy("id").execute();
}

/** Lists a tenant's projects by slug. */
export async function listProjects(db: Executor, tenantId: string): Promise<ProjectRow[]> {
  return db.selectFrom("projects").selectAll().where("tenant_id", "=", tenantId).orderBy("slug").execute();
}

/** Stores sealed guidelines as the next version; returns that version. */
export async function setGuidelines(db: Executor, tenantId: string, projectId: string, sealed: Buffer, now: number): Promise<number> {
  const r = await db
    .updateTable("projects")
    .set({ guidelines: sealed, guidelines_version: sql`guidelines_version + 1`, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", projectId)
    .returning("guidelines_version")
    .executeTakeFirstOrThrow();
  return Number(r.guidelines_version);
}

/**
 * Stores a new configuration; when the overlap changed (`overlap` not null),
 * re-derives every item's queue_open from its assigned count.
 */
export async function updateProjectConfig(db: Executor, tenantId: string, projectId: string, config: string, overlap: number | null, now: number): Promise<void> {
  await db.updateTable("projects").set({ config, updated_at: now }).where("tenant_id", "=", tenantId).where("id", "=", projectId).execute();
  if (overlap === null) return;
  await db
    .updateTable("items")
    .set({ queue_open: sql`case when is_gold = 1 then 1 when resolved_at is null and assigned < ${overlap} then 1 else 0 end` })
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .execute();
}
