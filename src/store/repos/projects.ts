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

/** Inserts items and advances the project's maintained item counter in the same executor. */
export async function insertItems(db: Executor, tenantId: string, projectId: string, rows: readonly ItemRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto("items").values([...rows]).execute();
  await db
    .updateTable("projects")
    .set((eb) => ({ item_count: eb("item_count", "+", rows.length) }))
    .where("tenant_id", "=", tenantId)
    .where("id", "=", projectId)
    .execute();
}
