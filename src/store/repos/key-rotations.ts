/** Re-encryptions in progress: what `keys rotate --reencrypt` resumes after a crash. */
import type { Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { KeyRotationsTable } from "../schema.js";

/** One row of the key_rotations table. */
export type KeyRotationRow = Selectable<KeyRotationsTable>;

/** The tenant's unfinished re-encryption, if any. */
export async function findRunningRotation(db: Executor, tenantId: string): Promise<KeyRotationRow | undefined> {
  return db.selectFrom("key_rotations").selectAll().where("tenant_id", "=", tenantId).where("status", "=", "running").orderBy("started_at", "desc").executeTakeFirst();
}

/** Records a re-encryption as started. */
export async function insertRotation(db: Executor, row: KeyRotationRow): Promise<void> {
  await db.insertInto("key_rotations").values(row).execute();
}

/** Adds re-encrypted rows to the count. */
export async function addRotationRows(db: Executor, tenantId: string, id: string, rows: number): Promise<void> {
  await db
    .updateTable("key_rotations")
    .set((eb) => ({ rows_done: eb("rows_done", "+", rows) }))
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .execute();
}

/** Marks a re-encryption finished. */
export async function finishRotation(db: Executor, tenantId: string, id: string, now: number): Promise<void> {
  await db.updateTable("key_rotations").set({ status: "done", finished_at: now }).where("tenant_id", "=", tenantId).where("id", "=", id).execute();
}
