/**
 * Queries behind agreement reports and exports. Reports walk a project's
 * items in import order (items_project_seq) and fetch the answers of a page
 * of items at once through answers_item; each assignment's latest version is
 * picked in SQL (answers_version), so superseded bodies are never loaded.
 * Sealed columns leave here sealed.
 */
import type { Executor } from "../store.js";
import type { AnswerRow } from "./work.js";

/** A non-gold item of a project, without its payload. */
export interface ItemKey {
  readonly id: string;
  readonly seq: number;
}

/** A project's non-gold items after `afterSeq`, in import order, ids only (gold items measure people against truth, not each other). */
export async function nonGoldItemsPage(db: Executor, tenantId: string, projectId: string, afterSeq: number, limit: number): Promise<ItemKey[]> {
  return db
    .selectFrom("items")
    .select(["id", "seq"])
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("seq", ">", afterSeq)
    .where("is_gold", "=", 0)
    .orderBy("seq")
    .limit(limit)
    .execute();
}

/** The sealed payloads of some items of a tenant. */
export async function itemPayloads(db: Executor, tenantId: string, itemIds: readonly string[]): Promise<Array<{ tenant_id: string; id: string; payload: Buffer }>> {
  if (itemIds.length === 0) return [];
  return db.selectFrom("items").select(["tenant_id", "id", "payload"]).where("tenant_id", "=", tenantId).where("id", "in", itemIds).execute();
}

/**
 * Each assignment's latest contractor submission to the given items of the
 * project (reviewer fixes are not coders' answers), ordered by item then id.
 */
export async function latestSubmissionsOfItems(db: Executor, tenantId: string, projectId: string, itemIds: readonly string[]): Promise<AnswerRow[]> {
  if (itemIds.length === 0) return [];
  return db
    .selectFrom("answers as a")
    .selectAll("a")
    .where("a.tenant_id", "=", tenantId)
    .where("a.project_id", "=", projectId)
    .where("a.item_id", "in", itemIds)
    .where("a.kind", "=", "submission")
    .where(({ eb, selectFrom }) =>
      eb(
        "a.version",
        "=",
        selectFrom("answers as b")
          .select(({ fn }) => fn.max("b.version").as("v"))
          .whereRef("b.tenant_id", "=", "a.tenant_id")
          .whereRef("b.assignment_id", "=", "a.assignment_id")
          .where("b.kind", "=", "submission"),
      ),
    )
    .orderBy("a.item_id")
    .orderBy("a.id")
    .execute();
}

/** The latest answer version (any kind) of every assignment of the given items: the annotations behind their resolutions, by item. */
export async function annotationIdsOfItems(db: Executor, tenantId: string, itemIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (itemIds.length === 0) return out;
  const rows = await db
    .selectFrom("answers as a")
    .select(["a.id", "a.item_id"])
    .where("a.tenant_id", "=", tenantId)
    .where("a.item_id", "in", itemIds)
    .where(({ eb, selectFrom }) =>
      eb(
        "a.version",
        "=",
        selectFrom("answers as b")
          .select(({ fn }) => fn.max("b.version").as("v"))
          .whereRef("b.tenant_id", "=", "a.tenant_id")
          .whereRef("b.assignment_id", "=", "a.assignment_id"),
      ),
    )
    .orderBy("a.id")
    .execute();
  for (const r of rows) out.set(r.item_id, [...(out.get(r.item_id) ?? []), r.id]);
  return out;
}

/** A project's resolution ids after `afterId` (no bodies), to count an export before anything of it is opened. */
export async function resolutionIdsPage(db: Executor, tenantId: string, projectId: string, afterId: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom("resolutions").select("id").where("tenant_id", "=", tenantId).where("project_id", "=", projectId).where("id", ">", afterId).orderBy("id").limit(limit).execute();
  return rows.map((r) => r.id);
}
