/**
 * Item rows for bulk writers (import, demo seeding): the insert that skips
 * known external keys, the lookup of the content fingerprints of those, and
 * the project lock that serialises imports into one project so `seq` never
 * repeats and `item_count` stays exact.
 */
import type { Executor } from "../store.js";
import type { ItemRow, NewItemRow } from "./projects.js";

/** Rows per INSERT: 1,000 rows x 9 columns stays well inside SQLite's 32,766 bound parameters. */
export const ITEM_INSERT_ROWS = 1000;

/**
 * Locks a project row for the rest of the transaction (an UPDATE takes the
 * row lock on PostgreSQL and the write lock on SQLite) and returns the
 * highest `seq` its items use (0 for none), or undefined when there is no
 * such project. New items continue from there: seq may have gaps (an item
 * skipped as a duplicate still used its number), never repeats.
 */
export async function lockProjectForWrite(db: Executor, tenantId: string, projectId: string, now: number): Promise<number | undefined> {
  const r = await db.updateTable("projects").set({ updated_at: now }).where("tenant_id", "=", tenantId).where("id", "=", projectId).returning("id").executeTakeFirst();
  if (r === undefined) return undefined;
  const max = await db
    .selectFrom("items")
    .select((eb) => eb.fn.max("seq").as("seq"))
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return Number(max?.seq ?? 0);
}

/** The content fingerprints of the given external keys that already exist in a project (null for rows older than 0003). */
export async function existingContentKeys(
  db: Executor,
  tenantId: string,
  projectId: string,
  externalKeys: readonly string[],
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (let i = 0; i < externalKeys.length; i += ITEM_INSERT_ROWS) {
    const rows = await db
      .selectFrom("items")
      .select(["external_key", "content_key"])
      .where("tenant_id", "=", tenantId)
      .where("project_id", "=", projectId)
      .where("external_key", "in", externalKeys.slice(i, i + ITEM_INSERT_ROWS))
      .execute();
    for (const r of rows) out.set(r.external_key, r.content_key);
  }
  return out;
}

/**
 * Inserts item rows, in statements of ITEM_INSERT_ROWS rows, skipping any
 * whose external key the project already has (the unique index decides, in
 * the same step as the insert, so a fresh import costs no separate lookup);
 * advances the project's counter by the rows really inserted and returns
 * their external keys.
 */
export async function insertNewItemRows(db: Executor, tenantId: string, projectId: string, rows: readonly NewItemRow[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += ITEM_INSERT_ROWS) {
    const r = await db
      .insertInto("items")
      .values(rows.slice(i, i + ITEM_INSERT_ROWS))
      .onConflict((oc) => oc.columns(["tenant_id", "project_id", "external_key"]).doNothing())
      .returning("external_key")
      .execute();
    for (const row of r) inserted.add(row.external_key);
  }
  if (inserted.size > 0) {
    await db
      .updateTable("projects")
      .set((eb) => ({ item_count: eb("item_count", "+", inserted.size) }))
      .where("tenant_id", "=", tenantId)
      .where("id", "=", projectId)
      .execute();
  }
  return inserted;
}

/** Items of a project in import order (keyset pagination on seq). */
export async function listItemsPage(db: Executor, tenantId: string, projectId: string, afterSeq: number, limit: number): Promise<ItemRow[]> {
  return db
    .selectFrom("items")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}

/** Every item of a tenant, keyset-paginated by id (for checks and re-encryption reports). */
export async function listTenantItemsPage(db: Executor, tenantId: string, afterId: string, limit: number): Promise<ItemRow[]> {
  return db.selectFrom("items").selectAll().where("tenant_id", "=", tenantId).where("id", ">", afterId).orderBy("id").limit(limit).execute();
}

/** The number of items a project really holds (to check the maintained counter). */
export async function countProjectItems(db: Executor, tenantId: string, projectId: string): Promise<number> {
  const r = await db
    .selectFrom("items")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
