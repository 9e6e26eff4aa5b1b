/** Review decisions and per-item resolutions (bodies arrive sealed), and the queues that find work for reviewers. */
import { sql, type Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { ResolutionsTable, ReviewsTable } from "../schema.js";
import type { AssignmentRow } from "./work.js";

export type ReviewRow = Selectable<ReviewsTable>;
export type ResolutionRow = Selectable<ResolutionsTable>;

/** Every assignment of an item (through the (tenant, item, user) unique index). */
export async function assignmentsOfItem(db: Executor, tenantId: string, itemId: string): Promise<AssignmentRow[]> {
  return db.selectFrom("assignments").selectAll().where("tenant_id", "=", tenantId).where("item_id", "=", itemId).orderBy("submitted_at").execute();
}

/** Inserts a review decision. */
export async function insertReview(db: Executor, row: ReviewRow): Promise<void> {
  await db.insertInto("reviews").values(row).execute();
}

/** Reviews of an item, oldest first. */
export async function reviewsOfItem(db: Executor, tenantId: string, itemId: string): Promise<ReviewRow[]> {
  return db.selectFrom("reviews").selectAll().where("tenant_id", "=", tenantId).where("item_id", "=", itemId).orderBy("id").execute();
}

/** Inserts a resolution and closes the item: resolved, out of the queue, off the adjudication list; counts it on the project. */
export async function insertResolution(db: Executor, row: ResolutionRow): Promise<void> {
  await db.insertInto("resolutions").values(row).execute();
  await db
    .updateTable("items")
    .set({ resolved_at: row.created_at, queue_open: 0, needs_adjudication: 0 })
    .where("tenant_id", "=", row.tenant_id)
    .where("id", "=", row.item_id)
    .execute();
  await db.updateTable("projects").set({ resolved_count: sql`resolved_count + 1` }).where("tenant_id", "=", row.tenant_id).where("id", "=", row.project_id).execute();
}

/** The resolution of an item, if any. */
export async function resolutionOfItem(db: Executor, tenantId: string, itemId: string): Promise<ResolutionRow | undefined> {
  return db.selectFrom("resolutions").selectAll().where("tenant_id", "=", tenantId).where("item_id", "=", itemId).executeTakeFirst();
}

/** A project's resolutions in id order, a page at a time (exports). */
export async function resolutionsPage(db: Executor, tenantId: string, projectId: string, afterId: string, limit: number): Promise<ResolutionRow[]> {
  return db.selectFrom("resolutions").selectAll().where("tenant_id", "=", tenantId).where("project_id", "=", projectId).where("id", ">", afterId).orderBy("id").limit(limit).execute();
}

/** Puts an item on (or takes it off) the adjudication list. */
export async function setNeedsAdjudication(db: Executor, tenantId: string, itemId: string, needs: boolean): Promise<void> {
  await db.updateTable("items").set({ needs_adjudication: needs ? 1 : 0 }).where("tenant_id", "=", tenantId).where("id", "=", itemId).execute();
}

/** The oldest item waiting for adjudication after `afterSeq`. */
export async function nextAdjudication(db: Executor, tenantId: string, projectId: string, afterSeq: number) {
  return db
    .selectFrom("items")
    .select(["id", "seq"])
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("needs_adjudication", "=", 1)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(1)
    .executeTakeFirst();
}

/** The oldest submitted assignment waiting for review that `reviewerId` did not write. */
export async function nextReview(db: Executor, tenantId: string, projectId: string, reviewerId: string): Promise<AssignmentRow | undefined> {
  return db
    .selectFrom("assignments")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("review_status", "=", "pending")
    .where("user_id", "<>", reviewerId)
    .orderBy("submitted_at")
    .limit(1)
    .executeTakeFirst();
}
