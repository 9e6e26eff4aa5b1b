/** Import records: one row per import run (file name and file hash sealed by the caller). */
import type { Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { ImportsTable } from "../schema.js";

/** One row of the imports table. */
export type ImportRow = Selectable<ImportsTable>;

/** Inserts an import record. */
export async function insertImport(db: Executor, row: ImportRow): Promise<void> {
  await db.insertInto("imports").values(row).execute();
}

/** A project's import records, newest first. */
export async function listImports(db: Executor, tenantId: string, projectId: string, limit: number): Promise<ImportRow[]> {
  return db
    .selectFrom("imports")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .orderBy("started_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}
