/** Projects and their items (payloads arrive here already sealed). */
import type { Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { ItemsTable, ProjectsTable } from "../schema.js";

export type ProjectRow = Selectable<ProjectsTable>;
export type ItemRow = Selectable<ItemsTable>;

/** Inserts a project. */
export async function insertProject(db: Executor, row: ProjectRow): Promise<void> {
  await db.insertInto("projects").values(row).execute();
}

/** Finds a project of a tenant by id or slug. */
export async function findProject(db: Executor, tenantId: string, idOrSlug: string): Promise<ProjectRow | undefined> {
  return db
    .selectFrom("projects")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where((eb) => eb.or([eb("id", "=", idOrSlug), eb("slug", "=", idOrSlug)]))
    .executeTakeFirst();
}

/** Lists a tenant's projects by slug. */
export async function listProjects(db: Executor, tenantId: string): Promise<ProjectRow[]> {
  return db.selectFrom("projects").selectAll().where("tenant_id", "=", tenantId).orderBy("slug").execute();
}
