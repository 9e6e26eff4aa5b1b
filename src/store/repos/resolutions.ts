/** Review decisions and per-item resolutions (bodies arrive sealed), and the queues that find work for reviewers. */
import { sql, type Selectable } from "kysely";
import { prepared, preparedInsert } from "../prepared.js";
import type { Executor } from "../store.js";
import type { ResolutionsTable, ReviewsTable } from "../schema.js";
import type { AssignmentRow } from "./work.js";

export type ReviewRow = Selectable<ReviewsTable>;
export type ResolutionRow = Selectable<ResolutionsTable>;

/** Every assignment of an item (through the (tenant, item, user) unique index). */
export async function assignmentsOfItem(db: Executor, tenantId: string, itemId: string): Promise<AssignmentRow[]> {
  return assignmentsByItem.rows(db, tenantId, itemId);
}
const assignmentsByItem = prepared((db, tenantId: string, itemId: string) =>
  db.selectFrom("assignments").selectAll().where("tenant_id", "=", tenantId).where("item_id", "=", itemId).orderBy("submitted_at"),
);

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
  await resolutionInsert(db, [row]);
  await itemResolved.run(db, row.created_at, row.tenant_id, row.item_id);
  await projectResolved.run(db, row.tenant_id, row.project_id);
}
const resolutionInsert = preparedInsert("resolutions", ["tenant_id", "id", "project_id", "item_id", "method", "answer_id", "body", "resolved_by", "created_at"]);
const itemResolved = prepared((db, at: number, tenantId: string, itemId: string) =>
  db.updateTable("items").set({ resolved_at: at, queue_open: 0, needs_adjudication: 0 }).where("tenant_id", "=", tenantId).where("id", "=", itemId),
);
const projectResolved = prepared((db, tenantId: string, projectId: string) =>
  db.updateTable("projects").set({ resolved_count: sql`resolved_count + 1` }).where("tenant_id", "=", tenantId).where("id", "=", projectId),
);

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
    // A literal, not a parameter: only then may the planners use the partial index items_adjudication.
    .where(sql<boolean>`needs_adjudication = 1`)
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

/**
 * Changes a submitted assignment's review state only if it is still `fromStatus`
 * with one of `fromReview` (the guard that turns a second, racing decision
 * into a no-op); true when it was.
 */
export async function updateReviewState(
  db: Executor,
  tenantId: string,
  id: string,
  fromStatus: AssignmentRow["status"],
  fromReview: readonly AssignmentRow["review_status"][],
  changes: Partial<Omit<AssignmentRow, "tenant_id" | "id">>,
): Promise<boolean> {
  const r = await db
    .updateTable("assignments")
    .set(changes)
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("status", "=", fromStatus)
    .where("review_status", "in", fromReview)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Locks the item row for this transaction (a no-op update: a row lock on
 * PostgreSQL, SQLite serialises anyway), so decisions on sibling assignments
 * of one item resolve it exactly once; returns its resolution state.
 */
export async function lockItemForResolution(db: Executor, tenantId: string, itemId: string): Promise<{ resolved_at: number | null; needs_adjudication: number } | undefined> {
  return db
    .updateTable("items")
    .set({ needs_adjudication: sql`needs_adjudication` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", itemId)
    .returning(["resolved_at", "needs_adjudication"])
    .executeTakeFirst();
}

/** The newest review of an assignment in `mode`, if any. */
export async function latestReviewOf(db: Executor, tenantId: string, assignmentId: string, mode: ReviewRow["mode"]): Promise<ReviewRow | undefined> {
  return db
    .selectFrom("reviews")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("assignment_id", "=", assignmentId)
    .where("mode", "=", mode)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Takes an unresolved item off the adjudication list; false when it was not on it (another adjudicator was first). */
export async function takeAdjudication(db: Executor, tenantId: string, itemId: string): Promise<boolean> {
  const r = await db
    .updateTable("items")
    .set({ needs_adjudication: 0 })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", itemId)
    .where("needs_adjudication", "=", 1)
    .where("resolved_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Moves an item's assignments from one review state to another (escalated → accepted after adjudication). */
export async function setItemReviewStatus(db: Executor, tenantId: string, itemId: string, from: AssignmentRow["review_status"], to: AssignmentRow["review_status"], now: number): Promise<void> {
  await db.updateTable("assignments").set({ review_status: to, updated_at: now }).where("tenant_id", "=", tenantId).where("item_id", "=", itemId).where("review_status", "=", from).execute();
}
