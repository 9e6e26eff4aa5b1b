/**
 * The work engine's queries: project members, the leased queue, answers and
 * task events. Sealed columns arrive here already sealed. Every query on a
 * hot path is an index seek: the queue walks items_queue, a contractor's
 * lease is found through assignments_user, expiry through assignments_expiry.
 */
import { sql, type Selectable } from "kysely";
import { prepared, preparedInsert, preparedUpdate, type Arg } from "../prepared.js";
import type { Executor } from "../store.js";
import type { AnswersTable, AssignmentsTable, ProjectMembersTable, TaskEventsTable } from "../schema.js";

export type MemberRow = Selectable<ProjectMembersTable>;
export type AssignmentRow = Selectable<AssignmentsTable>;
export type AnswerRow = Selectable<AnswersTable>;

/** A project member, or undefined. */
export async function findMember(db: Executor, tenantId: string, projectId: string, userId: string): Promise<MemberRow | undefined> {
  return memberByKey.first(db, tenantId, projectId, userId);
}
const memberByKey = prepared((db, tenantId: string, projectId: string, userId: string) =>
  db.selectFrom("project_members").selectAll().where("tenant_id", "=", tenantId).where("project_id", "=", projectId).where("user_id", "=", userId),
);

/** A project's members by user id (keyset: after `afterUserId`). */
export async function listMembers(db: Executor, tenantId: string, projectId: string, afterUserId: string, limit: number): Promise<MemberRow[]> {
  return db
    .selectFrom("project_members")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("user_id", ">", afterUserId)
    .orderBy("user_id")
    .limit(limit)
    .execute();
}

/** Adds a member or changes their role (re-adding does not reset counters or standing). */
export async function upsertMember(db: Executor, row: Pick<MemberRow, "tenant_id" | "project_id" | "user_id" | "role">, now: number): Promise<void> {
  await db
    .insertInto("project_members")
    .values({
      ...row,
      status: "active",
      status_reason: null,
      tasks_served: 0,
      gold_served: 0,
      gold_answered: 0,
      gold_correct: 0,
      submitted: 0,
      leases_since_submit: 0,
      last_lease_at: 0,
      day: "",
      day_count: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "project_id", "user_id"]).doUpdateSet({ role: row.role, updated_at: now }))
    .execute();
}

/** Removes a member (their past assignments and answers stay). */
export async function deleteMember(db: Executor, tenantId: string, projectId: string, userId: string): Promise<boolean> {
  const r = await db.deleteFrom("project_members").where("tenant_id", "=", tenantId).where("project_id", "=", projectId).where("user_id", "=", userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Sets a member's standing. */
export async function setMemberStatus(db: Executor, tenantId: string, projectId: string, userId: string, status: MemberRow["status"], reason: string | null, now: number): Promise<void> {
  await db
    .updateTable("project_members")
    .set({ status, status_reason: reason, leases_since_submit: status === "active" ? 0 : undefined, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .execute();
}

/** Applies counter changes to a member row. */
export async function updateMember(db: Executor, m: MemberRow, changes: Partial<Omit<MemberRow, "tenant_id" | "project_id" | "user_id">>): Promise<void> {
  await memberUpdate(db, [m.tenant_id, m.project_id, m.user_id], changes);
}
const memberUpdate = preparedUpdate("project_members", ["tenant_id", "project_id", "user_id"]);

/** The contractor's open lease in a project (leased or paused), if any. */
export async function findOpenLease(db: Executor, tenantId: string, projectId: string, userId: string): Promise<AssignmentRow | undefined> {
  return openLeaseOf.first(db, tenantId, projectId, userId);
}
const openLeaseOf = prepared((db, tenantId: string, projectId: string, userId: string) =>
  db
    .selectFrom("assignments")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .where("status", "in", ["leased", "paused"])
    .orderBy("leased_at")
    .limit(1),
);

/** An assignment by id within a tenant. */
export async function findAssignment(db: Executor, tenantId: string, id: string): Promise<AssignmentRow | undefined> {
  return assignmentById.first(db, tenantId, id);
}
const assignmentById = prepared((db, tenantId: string, id: string) => db.selectFrom("assignments").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id));

/**
 * How a pick locks on PostgreSQL: "skip" takes the first row nobody holds
 * (SKIP LOCKED, so concurrent claimers spread over different items); "wait"
 * queues behind a holder and re-checks the row after it commits, which finds
 * the slots SKIP LOCKED cannot see when overlap > 1 leaves room on a held item.
 */
export type PickLock = "none" | "skip" | "wait";

/**
 * The next item for `userId`: highest priority, then oldest, among open items
 * of the kind asked for (gold or not) that the contractor has never been
 * assigned.
 */
export async function pickItem(db: Executor, tenantId: string, projectId: string, userId: string, gold: boolean, lock: PickLock): Promise<{ id: string; is_gold: number } | undefined> {
  return picks[lock].first(db, tenantId, projectId, userId, gold ? 1 : 0);
}
function pickQuery(lock: PickLock) {
  return prepared((db, tenantId: string, projectId: string, userId: string, gold: number) => {
    const q = db
      .selectFrom("items as i")
      .select(["i.id", "i.is_gold"])
      .where("i.tenant_id", "=", tenantId)
      .where("i.project_id", "=", projectId)
      .where("i.queue_open", "=", 1)
      .where("i.is_gold", "=", gold)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom("assignments as a").select(sql<number>`1`.as("one")).whereRef("a.tenant_id", "=", "i.tenant_id").whereRef("a.item_id", "=", "i.id").where("a.user_id", "=", userId))),
      )
      .orderBy("i.priority", "desc")
      .orderBy("i.seq")
      .limit(1);
    return lock === "skip" ? q.forUpdate().skipLocked() : lock === "wait" ? q.forUpdate() : q;
  });
}
const picks = { none: pickQuery("none"), skip: pickQuery("skip"), wait: pickQuery("wait") };

/**
 * Counts one more assignment toward the item's overlap; closes the item when
 * it reaches `overlap`. Gold items never close. False when the item was
 * already full (a claimer that raced us), so the caller picks again.
 */
export async function takeItemSlot(db: Executor, tenantId: string, itemId: string, overlap: number): Promise<boolean> {
  return (await itemSlotTaken.run(db, tenantId, itemId, overlap)) === 1;
}
const itemSlotTaken = prepared((db, tenantId: string, itemId: string, overlap: number) =>
  db
    .updateTable("items")
    .set({
      assigned: sql`assigned + 1`,
      queue_open: sql`case when is_gold = 1 then 1 when assigned + 1 >= ${overlap} then 0 else 1 end`,
    })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", itemId)
    .where((eb) => eb.or([eb("is_gold", "=", 1), eb("assigned", "<", overlap)])),
);

/** Gives an assignment's slot back (expiry, skip): the item returns to the queue. */
export async function releaseItemSlot(db: Executor, tenantId: string, itemId: string): Promise<void> {
  await db
    .updateTable("items")
    .set({ assigned: sql`case when assigned > 0 then assigned - 1 else 0 end`, queue_open: sql`case when resolved_at is null then 1 else queue_open end` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", itemId)
    .execute();
}

/** Inserts an assignment. */
export async function insertAssignment(db: Executor, row: AssignmentRow): Promise<void> {
  await assignmentInsert(db, [row]);
}
const assignmentInsert = preparedInsert("assignments", [
  "tenant_id",
  "id",
  "project_id",
  "item_id",
  "user_id",
  "status",
  "is_gold",
  "leased_at",
  "expires_at",
  "last_seen_at",
  "active_ms",
  "paused_remaining_ms",
  "draft",
  "draft_at",
  "skip_reason",
  "submitted_at",
  "answer_version",
  "review_status",
  "gold_correct",
  "updated_at",
]);

/** Changes an assignment only if it is still in `fromStatus` (the guard against a concurrent change); true when it was. */
export async function updateAssignment(
  db: Executor,
  tenantId: string,
  id: string,
  fromStatus: readonly AssignmentRow["status"][],
  changes: Partial<Omit<AssignmentRow, "tenant_id" | "id">>,
): Promise<boolean> {
  return (await assignmentUpdate(db, [tenantId, id], changes, fromStatus as readonly Arg[])) === 1;
}
const assignmentUpdate = preparedUpdate("assignments", ["tenant_id", "id"], "status");

/** Leases of a project past their expiry (at most `limit`). */
export async function expiredLeases(db: Executor, tenantId: string, projectId: string, now: number, limit: number): Promise<AssignmentRow[]> {
  return leasesExpiredBy.rows(db, tenantId, projectId, now, limit);
}
const leasesExpiredBy = prepared((db, tenantId: string, projectId: string, now: number, limit: number) =>
  db
    .selectFrom("assignments")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("project_id", "=", projectId)
    .where("status", "=", "leased")
    .where("expires_at", "<", now)
    .orderBy("expires_at")
    .limit(limit),
);

/** Open leases (leased or paused) of a tenant, optionally one project, a page at a time by id. */
export async function openLeasesPage(db: Executor, tenantId: string, projectId: string | null, status: AssignmentRow["status"], afterId: string, limit: number): Promise<AssignmentRow[]> {
  let q = db.selectFrom("assignments").selectAll().where("tenant_id", "=", tenantId).where("status", "=", status).where("id", ">", afterId);
  if (projectId !== null) q = q.where("project_id", "=", projectId);
  return q.orderBy("id").limit(limit).execute();
}

/** Inserts an answer version. */
export async function insertAnswer(db: Executor, row: AnswerRow): Promise<void> {
  await answerInsert(db, [row]);
}
const answerInsert = preparedInsert("answers", ["tenant_id", "id", "project_id", "item_id", "assignment_id", "author_id", "version", "kind", "body", "active_ms", "created_at"]);

/** The answers to an item, oldest first. */
export async function answersOfItem(db: Executor, tenantId: string, itemId: string): Promise<AnswerRow[]> {
  return db.selectFrom("answers").selectAll().where("tenant_id", "=", tenantId).where("item_id", "=", itemId).orderBy("created_at").orderBy("version").execute();
}

/** The latest answer version of an assignment. */
export async function latestAnswer(db: Executor, tenantId: string, assignmentId: string): Promise<AnswerRow | undefined> {
  return db.selectFrom("answers").selectAll().where("tenant_id", "=", tenantId).where("assignment_id", "=", assignmentId).orderBy("version", "desc").limit(1).executeTakeFirst();
}

/** Appends a task event (the raw record hours derive from). */
export async function insertTaskEvent(db: Executor, row: Selectable<TaskEventsTable>): Promise<void> {
  await taskEventInsert(db, [row]);
}
const taskEventInsert = preparedInsert("task_events", ["tenant_id", "id", "project_id", "user_id", "assignment_id", "kind", "at"]);

/** Bumps an item's submitted counter and the project's. */
export async function countSubmission(db: Executor, tenantId: string, projectId: string, itemId: string): Promise<number> {
  const r = await itemSubmitted.first(db, tenantId, itemId);
  if (!r) throw new Error(`countSubmission: no item ${itemId}`);
  await projectSubmitted.run(db, tenantId, projectId);
  return Number(r.submitted);
}
const itemSubmitted = prepared((db, tenantId: string, itemId: string) =>
  db
    .updateTable("items")
    .set({ submitted: sql`submitted + 1` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", itemId)
    .returning("submitted"),
);
const projectSubmitted = prepared((db, tenantId: string, projectId: string) =>
  db.updateTable("projects").set({ submitted_count: sql`submitted_count + 1` }).where("tenant_id", "=", tenantId).where("id", "=", projectId),
);

/** One item of a tenant by id. */
export async function findItem(db: Executor, tenantId: string, itemId: string) {
  return itemById.first(db, tenantId, itemId);
}
const itemById = prepared((db, tenantId: string, itemId: string) => db.selectFrom("items").selectAll().where("tenant_id", "=", tenantId).where("id", "=", itemId));

/** Records something a lab admin must be told. */
export async function insertNotification(db: Executor, row: { tenant_id: string; id: string; kind: string; project_id: string | null; subject_user_id: string | null; detail: string; created_at: number }): Promise<void> {
  await db.insertInto("notifications").values(row).execute();
}

/** A tenant's notifications, newest first (keyset: before `beforeId`). */
export async function listNotifications(db: Executor, tenantId: string, beforeId: string | null, limit: number) {
  let q = db.selectFrom("notifications").selectAll().where("tenant_id", "=", tenantId);
  if (beforeId !== null) q = q.where("id", "<", beforeId);
  return q.orderBy("id", "desc").limit(limit).execute();
}

/** A contractor's assignments in a project with one of `statuses`, newest first (keyset on id). */
export async function listUserAssignments(db: Executor, tenantId: string, projectId: string, userId: string, statuses: readonly AssignmentRow["status"][], beforeId: string | null, limit: number): Promise<AssignmentRow[]> {
  let q = db.selectFrom("assignments").selectAll().where("tenant_id", "=", tenantId).where("project_id", "=", projectId).where("user_id", "=", userId).where("status", "in", statuses);
  if (beforeId !== null) q = q.where("id", "<", beforeId);
  return q.orderBy("id", "desc").limit(limit).execute();
}

/** Locks the member row for this transaction (PostgreSQL row lock; SQLite serialises anyway) and returns it. */
export async function lockMember(db: Executor, tenantId: string, projectId: string, userId: string, now: number): Promise<MemberRow | undefined> {
  return memberLocked.first(db, tenantId, projectId, userId, now);
}
const memberLocked = prepared((db, tenantId: string, projectId: string, userId: string, now: number) =>
  db.updateTable("project_members").set({ updated_at: now }).where("tenant_id", "=", tenantId).where("project_id", "=", projectId).where("user_id", "=", userId).returningAll(),
);

/** Takes an unanswered lease out of the member's served counts (expiry, skip), so the gold share stays honest. */
export async function unserve(db: Executor, a: Pick<AssignmentRow, "tenant_id" | "project_id" | "user_id" | "is_gold">, now: number): Promise<void> {
  await db
    .updateTable("project_members")
    .set((eb) => ({ tasks_served: eb("tasks_served", "-", 1), gold_served: eb("gold_served", "-", a.is_gold), updated_at: now }))
    .where("tenant_id", "=", a.tenant_id)
    .where("project_id", "=", a.project_id)
    .where("user_id", "=", a.user_id)
    .execute();
}

/**
 * Items leased to a user whose lease overlapped [from, to] (optionally in one
 * tenant): leased by `to`, and still open or closed after `from`. For
 * exposure reports, not a hot path.
 */
export async function itemsLeasedBy(db: Executor, userId: string, from: number, to: number, tenantId: string | undefined): Promise<string[]> {
  let q = db
    .selectFrom("assignments")
    .select("item_id")
    .distinct()
    .where("user_id", "=", userId)
    .where("leased_at", "<=", to)
    .where((eb) => eb.or([eb("status", "in", ["leased", "paused", "returned"]), eb("updated_at", ">=", from)]));
  if (tenantId !== undefined) q = q.where("tenant_id", "=", tenantId);
  return (await q.orderBy("item_id").execute()).map((r) => r.item_id);
}
