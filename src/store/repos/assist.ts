/**
 * Model assist's queries: the drafts per item (sealed drafts arrive here
 * already sealed), the project's assist key (its secret sealed), the items a
 * run still has to draft, and the usage the gateway metered for the
 * project's assist keys. A run walks items_project_seq a page at a time and
 * probes item_assists through its (tenant, item) unique key.
 */
import { sql, type Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { AssistStatus, ItemAssistsTable, ProjectAssistKeysTable } from "../schema.js";

export type ItemAssistRow = Selectable<ItemAssistsTable>;
export type AssistKeyRow = Selectable<ProjectAssistKeysTable>;

/** An item a run still has to draft: no assist row yet, or a failed one (retried in place). */
export interface PendingAssistItem {
  readonly tenant_id: string;
  readonly id: string;
  readonly seq: number;
  readonly payload: Buffer;
  /** The failed row to replace, if any. */
  readonly assist_id: string | null;
}

/** Up to `limit` non-gold items of the project after `afterSeq` (by seq) without a usable draft. */
export async function pendingAssistItems(db: Executor, tenantId: string, projectId: string, afterSeq: number, limit: number): Promise<PendingAssistItem[]> {
  const rows = await db
    .selectFrom("items as i")
    .leftJoin("item_assists as a", (j) => j.onRef("a.tenant_id", "=", "i.tenant_id").onRef("a.item_id", "=", "i.id"))
    .select(["i.tenant_id", "i.id", "i.seq", "i.payload", "a.id as assist_id"])
    .where("i.tenant_id", "=", tenantId)
    .where("i.project_id", "=", projectId)
    .where("i.is_gold", "=", 0)
    .where("i.seq", ">", afterSeq)
    .where((eb) => eb.or([eb("a.id", "is", null), eb("a.status", "=", "failed")]))
    .orderBy("i.seq")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), assist_id: r.assist_id ?? null }));
}

/** Inserts a draft row; false when another run drafted the item first. */
export async function insertAssist(db: Executor, row: ItemAssistRow): Promise<boolean> {
  const r = await db
    .insertInto("item_assists")
    .values(row)
    .onConflict((oc) => oc.columns(["tenant_id", "item_id"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** Replaces a failed row in place (same id, so its seal context holds); false when it is no longer failed. */
export async function retryAssist(db: Executor, row: ItemAssistRow): Promise<boolean> {
  const { tenant_id, id, project_id: _p, item_id: _i, created_at: _c, ...changes } = row;
  const r = await db.updateTable("item_assists").set(changes).where("tenant_id", "=", tenant_id).where("id", "=", id).where("status", "=", "failed").executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The assist row of an item, if any. */
export async function findAssist(db: Executor, tenantId: string, itemId: string): Promise<ItemAssistRow | undefined> {
  return db.selectFrom("item_assists").selectAll().where("tenant_id", "=", tenantId).where("item_id", "=", itemId).executeTakeFirst();
}

/** The usable (status ok) drafts of some items. */
export async function okAssistsOfItems(db: Executor, tenantId: string, itemIds: readonly string[]): Promise<ItemAssistRow[]> {
  if (itemIds.length === 0) return [];
  return db.selectFrom("item_assists").selectAll().where("tenant_id", "=", tenantId).where("item_id", "in", itemIds).where("status", "=", "ok").execute();
}

/** How many drafts of the project are in each status (an admin report, not a hot path). */
export async function assistCounts(db: Executor, tenantId: string, projectId: string): Promise<Record<AssistStatus, number>> {
  const rows = await db
    .selectFrom("item_assists")
    .select(["status", (eb) => eb.fn.countAll<number | string>().as("n")])
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .groupBy("status")
    .execute();
  const out: Record<AssistStatus, number> = { ok: 0, invalid: 0, failed: 0 };
  for (const r of rows) if (r.status in out) out[r.status] = Number(r.n);
  return out;
}

/** The project's assist key, if one was made. */
export async function findAssistKey(db: Executor, tenantId: string, projectId: string): Promise<AssistKeyRow | undefined> {
  return db.selectFrom("project_assist_keys").selectAll().where("tenant_id", "=", tenantId).where("project_id", "=", projectId).executeTakeFirst();
}

/** Records the project's assist key; false when another run recorded one first. */
export async function insertAssistKey(db: Executor, row: AssistKeyRow): Promise<boolean> {
  const r = await db
    .insertInto("project_assist_keys")
    .values(row)
    .onConflict((oc) => oc.columns(["tenant_id", "project_id"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** Points the project's assist row at a new key (same row id, so the secret's seal context holds); false when it changed meanwhile. */
export async function replaceAssistKey(db: Executor, row: AssistKeyRow, previousKeyId: string): Promise<boolean> {
  const r = await db
    .updateTable("project_assist_keys")
    .set({ key_id: row.key_id, model: row.model, secret: row.secret, created_at: row.created_at })
    .where("tenant_id", "=", row.tenant_id)
    .where("id", "=", row.id)
    .where("key_id", "=", previousKeyId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** What the gateway metered for the project's assist keys (every key ever made for it, by name). */
export async function assistUsage(db: Executor, tenantId: string, projectId: string, keyName: string): Promise<{ calls: number; promptTokens: number; completionTokens: number; costUsd: number }> {
  const r = await sql<{ calls: number | string; p: number | string | null; c: number | string | null; cost: number | string | null }>`
    select count(*) as calls, sum(u.prompt_tokens) as p, sum(u.completion_tokens) as c, sum(u.cost_usd) as cost
    from gateway_usage u join gateway_keys k on k.tenant_id = u.tenant_id and k.id = u.key_id
    where u.tenant_id = ${tenantId} and k.project_id = ${projectId} and k.name = ${keyName}`.execute(db);
  const row = r.rows[0];
  return { calls: Number(row?.calls ?? 0), promptTokens: Number(row?.p ?? 0), completionTokens: Number(row?.c ?? 0), costUsd: Number(row?.cost ?? 0) };
}
