/**
 * The hours ledger's queries: task events read back per contractor (through
 * task_events_user), manual entries and corrections, and lab-admin decisions.
 * hours_entries and hours_decisions are append-only: this file has inserts
 * and selects for them, never an update or a delete. Reasons arrive sealed.
 */
import { sql, type Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { HoursDecisionsTable, HoursEntriesTable, TaskEventsTable } from "../schema.js";

export type HoursEntryRow = Selectable<HoursEntriesTable>;
export type HoursDecisionRow = Selectable<HoursDecisionsTable>;
export type TaskEventRow = Selectable<TaskEventsTable>;

/** The contractor after `afterUserId` (in id order) with any task event: one index seek, so a tenant's users are walked without scanning events. */
export async function nextEventUser(db: Executor, tenantId: string, afterUserId: string): Promise<string | undefined> {
  const r = await db.selectFrom("task_events").select("user_id").where("tenant_id", "=", tenantId).where("user_id", ">", afterUserId).orderBy("user_id").limit(1).executeTakeFirst();
  return r?.user_id;
}

/** A page of one contractor's task events in [from, to), oldest first; keyset on (at, id) after `after`. */
export async function userEventsPage(
  db: Executor,
  tenantId: string,
  userId: string,
  from: number,
  to: number,
  after: { at: number; id: string } | null,
  limit: number,
): Promise<TaskEventRow[]> {
  let q = db.selectFrom("task_events").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId).where("at", "<", to);
  q = after === null ? q.where("at", ">=", from) : q.where((eb) => eb.or([eb("at", ">", after.at), eb.and([eb("at", "=", after.at), eb("id", ">", after.id)])]));
  return q.orderBy("at").orderBy("id").limit(limit).execute();
}

/** Appends a manual entry or a correction. */
export async function insertHoursEntry(db: Executor, row: HoursEntryRow): Promise<void> {
  await db.insertInto("hours_entries").values(row).execute();
}

/**
 * One entry of a tenant. With `lock` (PostgreSQL only) the row is locked for
 * the transaction, so two lab admins deciding at once are serialised and the
 * second sees the first one's decision.
 */
export async function findHoursEntry(db: Executor, tenantId: string, id: string, lock: boolean): Promise<HoursEntryRow | undefined> {
  let q = db.selectFrom("hours_entries").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** Entries of a tenant counted in [from, to) (a manual entry by its start, a correction by when it was made), optionally one user and/or project; keyset on id. */
export async function entriesPage(db: Executor, tenantId: string, from: number, to: number, filter: { userId: string | null; projectId: string | null }, afterId: string, limit: number): Promise<HoursEntryRow[]> {
  let q = db.selectFrom("hours_entries").selectAll().where("tenant_id", "=", tenantId).where("start_at", ">=", from).where("start_at", "<", to).where("id", ">", afterId);
  if (filter.userId !== null) q = q.where("user_id", "=", filter.userId);
  if (filter.projectId !== null) q = q.where("project_id", "=", filter.projectId);
  return q.orderBy("id").limit(limit).execute();
}

/** Manual entries of a tenant with no decision yet, oldest first; keyset on id. */
export async function pendingEntriesPage(db: Executor, tenantId: string, afterId: string, limit: number): Promise<HoursEntryRow[]> {
  return db
    .selectFrom("hours_entries as e")
    .selectAll("e")
    .where("e.tenant_id", "=", tenantId)
    .where("e.kind", "=", "manual")
    .where("e.id", ">", afterId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom("hours_decisions as d").select(sql<number>`1`.as("one")).whereRef("d.tenant_id", "=", "e.tenant_id").whereRef("d.entry_id", "=", "e.id"))))
    .orderBy("e.id")
    .limit(limit)
    .execute();
}

/** Appends a lab admin's decision on an entry. */
export async function insertHoursDecision(db: Executor, row: HoursDecisionRow): Promise<void> {
  await db.insertInto("hours_decisions").values(row).execute();
}

/** The decisions on these entries (through hours_decisions_entry), oldest first. */
export async function decisionsOf(db: Executor, tenantId: string, entryIds: readonly string[]): Promise<HoursDecisionRow[]> {
  if (entryIds.length === 0) return [];
  return db.selectFrom("hours_decisions").selectAll().where("tenant_id", "=", tenantId).where("entry_id", "in", entryIds).orderBy("decided_at").orderBy("id").execute();
}
