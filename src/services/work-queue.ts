/**
 * The leased queue, from the contractor's side: claim the next task, read it,
 * keep it alive with heartbeats, save drafts, skip. One open lease per
 * contractor per project; overlap N distinct contractors per item; a
 * contractor never gets the same item twice (a unique key, so no race can
 * break it); gold items are mixed in and look like any other item.
 *
 * Every read of an item's content is audited (item.read) in the transaction
 * that grants it, before the content is opened.
 */
import { ITEM_READ } from "../audit/actions.js";
import type { AuditEvent } from "../audit/entry.js";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { utcDay } from "../domain/time.js";
import { leaseSignal } from "../domain/work/abuse.js";
import { goldDecision } from "../domain/work/gold.js";
import {
  findAssignment,
  findItem,
  findOpenLease,
  expiredLeases,
  insertAssignment,
  insertTaskEvent,
  lockMember,
  pickItem,
  releaseItemSlot,
  takeItemSlot,
  unserve,
  updateAssignment,
  updateMember,
  type AssignmentRow,
  type MemberRow,
  type PickLock,
} from "../store/repos/work.js";
import type { Tx } from "../store/store.js";
import { eventBy, SYSTEM, type Caller, type Services } from "./context.js";
import { assertWorkable, memberAs, openItem, standingError, suspendMember, takeRead, type WorkContext } from "./work-access.js";
import { assistForTask } from "./work-assist.js";

/** A gap between signals longer than this is idle time, not work. */
export const IDLE_GAP_MS = 2 * 60_000;
/** While throttled (many leases without a submission), leases are spaced this far apart. */
export const THROTTLE_SPACING_MS = 60_000;
/** Expired leases swept per claim (the rest on the next ones). */
const EXPIRE_BATCH = 50;

/** A task as its contractor sees it. */
export interface TaskView {
  readonly assignmentId: string;
  readonly status: AssignmentRow["status"];
  readonly leasedAt: number;
  readonly expiresAt: number;
  readonly activeMs: number;
  readonly template: string;
  readonly guidelinesVersion: number;
  readonly item: Record<string, unknown>;
  readonly draft: unknown;
  /** The model's drafted answer, when the project shows it to contractors (never on gold items); null otherwise. */
  readonly assist: unknown;
}

/** What a claim found: a task, or why there is none. */
export type ClaimOutcome = { readonly task: TaskView } | { readonly task: null; readonly reason: "queue_empty" | "onboarding_unavailable" };

const draftContext = (a: Pick<AssignmentRow, "tenant_id" | "id">) => ({ tenantId: a.tenant_id, table: "assignments", rowId: a.id, field: "draft" }) as const;

/** Claims the next task (or returns the open lease the contractor already holds). */
export async function claimNext(s: Services, ctx: WorkContext, userId: string, caller: Caller): Promise<ClaimOutcome> {
  await assertWorkable(s, ctx, userId, "claim", caller);
  await s.keyring.current(ctx.tenant.id);
  const outcome = await s.store.transaction(async (tx) => {
    const now = s.now();
    // The member row is read once, locked (one claim per contractor at a time), and its standing checked here.
    const m = await lockMember(tx, ctx.tenant.id, ctx.project.id, userId, now);
    const refusal = standingError(m, "contractor");
    if (refusal || !m) throw refusal;
    takeRead(s, ctx, userId);
    // Audit events are recorded last, at each way out: the audit state row is a lock every writer shares.
    const events = await expireLeases(tx, ctx, now);
    const open = await findOpenLease(tx, ctx.tenant.id, ctx.project.id, userId);
    if (open) {
      await s.audit.record(tx, ...events, readEvent(caller, open));
      return { kind: "task" as const, assignment: open, fresh: false };
    }
    const signal = leaseSignal({ leasesSinceSubmit: m.leases_since_submit }, ctx.config.abuse);
    if (signal === "suspend") {
      const reason = `Suspended automatically after ${m.leases_since_submit} tasks taken without a submission; your lab admin has been told.`;
      await suspendMember(s, tx, ctx, userId, "abuse", reason, { leasesSinceSubmit: m.leases_since_submit }, events);
      await s.audit.record(tx, ...events);
      return { kind: "suspended" as const, reason };
    }
    if (signal === "throttle" && now - m.last_lease_at < THROTTLE_SPACING_MS) {
      // Throttled: one lease a minute. A refused claim still counts, so hammering through the throttle leads to suspension.
      await updateMember(tx, m, { leases_since_submit: m.leases_since_submit + 1, updated_at: now });
      await s.audit.record(tx, ...events);
      return { kind: "throttled" as const };
    }
    const day = utcDay(now);
    const dayCount = m.day === day ? m.day_count : 0;
    const cap = ctx.config.maxTasksPerDay;
    if (cap !== null && dayCount >= cap) throw new SealroomError("too_many_requests", `You have reached this project's limit of ${cap} tasks per day.`, { retryAfterSeconds: 3600 });
    const leased = await leaseOne(tx, ctx, m, now, s.store.kind === "postgres");
    if (leased.kind === "none") {
      await s.audit.record(tx, ...events);
      return { kind: "empty" as const, reason: leased.reason };
    }
    const assignment = leased.assignment;
    await updateMember(tx, m, {
      tasks_served: m.tasks_served + 1,
      gold_served: m.gold_served + assignment.is_gold,
      leases_since_submit: m.leases_since_submit + 1,
      last_lease_at: now,
      day,
      day_count: dayCount + 1,
      updated_at: now,
    });
    await insertTaskEvent(tx, { tenant_id: ctx.tenant.id, id: uuidv7(now), project_id: ctx.project.id, user_id: userId, assignment_id: assignment.id, kind: "lease", at: now });
    // The claim and the read it grants are recorded together, before the item is opened.
    await s.audit.record(tx, ...events, eventBy(caller, { tenantId: ctx.tenant.id, action: "task.claim", objectType: "assignment", objectId: assignment.id, detail: { projectId: ctx.project.id } }), readEvent(caller, assignment));
    return { kind: "task" as const, assignment, fresh: true };
  });
  if (outcome.kind === "suspended") throw new SealroomError("forbidden", outcome.reason, { reason: outcome.reason });
  if (outcome.kind === "empty") return { task: null, reason: outcome.reason };
  if (outcome.kind === "throttled") throw new SealroomError("too_many_requests", "You have taken many tasks without submitting any: one new task a minute until you submit work.", { retryAfterSeconds: 60 });
  return { task: await openTask(s, ctx, outcome.assignment) };
}

/**
 * Picks and leases one item in the open transaction: gold or not as the gold
 * policy says, the other kind when that queue is dry, except during
 * onboarding, which only gold can complete (a contractor who skipped the gold
 * items they were given gets no ordinary work until the lab adds gold).
 * Retries when a racing claimer filled the item between pick and take
 * (PostgreSQL).
 */
async function leaseOne(
  tx: Tx,
  ctx: WorkContext,
  m: MemberRow,
  now: number,
  lockRows: boolean,
): Promise<{ kind: "leased"; assignment: AssignmentRow } | { kind: "none"; reason: "queue_empty" | "onboarding_unavailable" }> {
  const gold = ctx.config.gold;
  const decision = goldDecision(
    { goldServed: m.gold_served, goldAnswered: m.gold_answered, goldCorrect: m.gold_correct, tasksServed: m.tasks_served },
    { goldRatio: gold.ratio, onboardingCount: gold.onboarding, accuracyThreshold: gold.accuracyThreshold, minGoldForThreshold: gold.minAnswered },
  );
  const locks: readonly PickLock[] = lockRows ? ["skip", "wait"] : ["none"];
  for (let attempt = 0; attempt < 5; attempt++) {
    let item: { id: string; is_gold: number } | undefined;
    const kinds = decision.inOnboarding ? [true] : [decision.serveGold, !decision.serveGold];
    search: for (const gold of kinds) {
      for (const lock of locks) {
        item = await pickItem(tx, ctx.tenant.id, ctx.project.id, m.user_id, gold, lock);
        if (item) break search;
      }
    }
    if (!item) return { kind: "none", reason: decision.inOnboarding ? "onboarding_unavailable" : "queue_empty" };
    if (!(await takeItemSlot(tx, ctx.tenant.id, item.id, ctx.config.overlap))) continue;
    const row: AssignmentRow = {
      tenant_id: ctx.tenant.id,
      id: uuidv7(now),
      project_id: ctx.project.id,
      item_id: item.id,
      user_id: m.user_id,
      status: "leased",
      is_gold: item.is_gold,
      leased_at: now,
      expires_at: now + ctx.config.leaseMinutes * 60_000,
      last_seen_at: now,
      active_ms: 0,
      paused_remaining_ms: null,
      draft: null,
      draft_at: null,
      skip_reason: null,
      submitted_at: null,
      answer_version: 0,
      review_status: "none",
      gold_correct: null,
      updated_at: now,
    };
    await insertAssignment(tx, row);
    return { kind: "leased", assignment: row };
  }
  return { kind: "none", reason: "queue_empty" };
}

/** Expires up to a batch of the project's overdue leases (their items go back to the queue); returns the audit event to record. */
async function expireLeases(tx: Tx, ctx: WorkContext, now: number): Promise<AuditEvent[]> {
  const overdue = await expiredLeases(tx, ctx.tenant.id, ctx.project.id, now, EXPIRE_BATCH);
  if (overdue.length === 0) return [];
  const expired: string[] = [];
  for (const a of overdue) {
    if (!(await updateAssignment(tx, a.tenant_id, a.id, ["leased"], { status: "expired", updated_at: now }))) continue;
    await giveBack(tx, a, now, "expire");
    expired.push(a.id);
  }
  return expired.length ? [eventBy(SYSTEM, { tenantId: ctx.tenant.id, action: "task.expire", objectType: "project", objectId: ctx.project.id, detail: { assignments: expired } })] : [];
}

/** Returns an unanswered lease's slot to the queue and takes it out of the gold share (expiry, skip). */
async function giveBack(tx: Tx, a: AssignmentRow, now: number, kind: "expire" | "skip"): Promise<void> {
  await releaseItemSlot(tx, a.tenant_id, a.item_id);
  await unserve(tx, a, now);
  await insertTaskEvent(tx, { tenant_id: a.tenant_id, id: uuidv7(now), project_id: a.project_id, user_id: a.user_id, assignment_id: a.id, kind, at: now });
}

/** The caller's own assignment in this project, or not_found (another contractor's task does not exist for them). */
export async function ownAssignment(s: Services, ctx: WorkContext, userId: string, assignmentId: string): Promise<AssignmentRow> {
  const a = await findAssignment(s.store.db, ctx.tenant.id, assignmentId);
  if (!a || a.project_id !== ctx.project.id || a.user_id !== userId) throw new SealroomError("not_found", "No such task.");
  return a;
}

/** The audit event of a contractor's read of their task's item. */
function readEvent(caller: Caller, a: Pick<AssignmentRow, "tenant_id" | "item_id" | "project_id">) {
  return eventBy(caller, { tenantId: a.tenant_id, action: ITEM_READ, objectType: "item", objectId: a.item_id, detail: { projectId: a.project_id } });
}

/** Audits the read, then opens the item (and the draft) for its contractor. */
async function readTask(s: Services, ctx: WorkContext, a: AssignmentRow, caller: Caller): Promise<TaskView> {
  await s.store.transaction((tx) => s.audit.record(tx, readEvent(caller, a)));
  return openTask(s, ctx, a);
}

/** Opens the item (and the draft) of a task whose read is already audited. */
async function openTask(s: Services, ctx: WorkContext, a: AssignmentRow): Promise<TaskView> {
  const item = await findItem(s.store.db, a.tenant_id, a.item_id);
  if (!item) throw new SealroomError("not_found", "No such task.");
  const content = await openItem(s, item);
  const draft = a.draft === null ? null : (JSON.parse(await s.sealer.openText(draftContext(a), a.draft)) as unknown);
  return {
    assignmentId: a.id,
    status: a.status,
    leasedAt: a.leased_at,
    expiresAt: a.expires_at,
    activeMs: a.active_ms,
    template: ctx.project.template,
    guidelinesVersion: ctx.project.guidelines_version,
    item: ctx.template.taskView(content),
    draft,
    assist: await assistForTask(s, ctx, a),
  };
}

/** The contractor's task, while it is leased to them (or returned to them for revision). */
export async function viewTask(s: Services, ctx: WorkContext, userId: string, assignmentId: string, caller: Caller): Promise<TaskView> {
  await assertWorkable(s, ctx, userId, "read", caller);
  await memberAs(s, ctx, userId, "contractor");
  const a = await ownAssignment(s, ctx, userId, assignmentId);
  if (a.status !== "leased" && a.status !== "returned") throw new SealroomError("conflict", `This task is ${a.status}; only a task leased to you can be opened.`);
  takeRead(s, ctx, userId);
  return readTask(s, ctx, a, caller);
}

/** Time on task: the gap since the last signal counts unless it is longer than IDLE_GAP_MS. */
export function activeAfter(a: Pick<AssignmentRow, "active_ms" | "last_seen_at">, now: number): number {
  const gap = now - a.last_seen_at;
  return a.active_ms + (gap > 0 && gap <= IDLE_GAP_MS ? gap : 0);
}

/** Keeps a lease alive while the page is open; lease_expired once it has lapsed. Heartbeats are task events, not audit entries. */
export async function heartbeat(s: Services, ctx: WorkContext, userId: string, assignmentId: string, caller: Caller): Promise<{ expiresAt: number; activeMs: number }> {
  await assertWorkable(s, ctx, userId, "heartbeat", caller, { record: false });
  const a = await ownAssignment(s, ctx, userId, assignmentId);
  const now = s.now();
  if (a.status !== "leased" && a.status !== "returned") throw new SealroomError("lease_expired", `This task is ${a.status}; claim a new one.`);
  if (a.status === "leased" && a.expires_at < now) throw new SealroomError("lease_expired", "Your lease on this task lapsed; save your work as a draft and claim again.");
  const expiresAt = a.status === "leased" ? now + ctx.config.leaseMinutes * 60_000 : a.expires_at;
  const activeMs = activeAfter(a, now);
  await s.store.transaction(async (tx) => {
    if (!(await updateAssignment(tx, a.tenant_id, a.id, [a.status], { expires_at: expiresAt, last_seen_at: now, active_ms: activeMs, updated_at: now }))) {
      throw new SealroomError("lease_expired", "This task changed meanwhile; reload it.");
    }
    await insertTaskEvent(tx, { tenant_id: a.tenant_id, id: uuidv7(now), project_id: a.project_id, user_id: userId, assignment_id: a.id, kind: "heartbeat", at: now });
  });
  return { expiresAt, activeMs };
}

/** Saves a draft (allowed while paused: that is how in-flight work is kept). */
export async function saveDraft(s: Services, ctx: WorkContext, userId: string, assignmentId: string, draft: unknown, caller: Caller): Promise<{ savedAt: number }> {
  const a = await ownAssignment(s, ctx, userId, assignmentId);
  if (!["leased", "paused", "returned", "expired"].includes(a.status)) throw new SealroomError("conflict", `This task is ${a.status}; drafts are for open tasks.`);
  const checked = ctx.template.checkDraft(draft);
  if (!checked.ok) throw new SealroomError("validation_failed", `The draft is invalid: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues: checked.issues });
  await storeDraft(s, a, checked.answer, caller);
  return { savedAt: s.now() };
}

/** Seals and stores a draft on an assignment, with its task event and audit entry. */
export async function storeDraft(s: Services, a: AssignmentRow, draft: unknown, caller: Caller): Promise<void> {
  await s.keyring.current(a.tenant_id);
  const sealed = await s.sealer.seal(draftContext(a), JSON.stringify(draft));
  await s.store.transaction(async (tx) => {
    const now = s.now();
    if (!(await updateAssignment(tx, a.tenant_id, a.id, ["leased", "paused", "returned", "expired"], { draft: sealed, draft_at: now, updated_at: now }))) {
      throw new SealroomError("conflict", "This task was submitted or closed meanwhile.");
    }
    await insertTaskEvent(tx, { tenant_id: a.tenant_id, id: uuidv7(now), project_id: a.project_id, user_id: a.user_id, assignment_id: a.id, kind: "draft", at: now });
    await s.audit.record(tx, eventBy(caller, { tenantId: a.tenant_id, action: "task.draft", objectType: "assignment", objectId: a.id, detail: { projectId: a.project_id } }));
  });
}

/** Skips a leased task under the project's skip policy; the item goes back to the queue for others. */
export async function skipTask(s: Services, ctx: WorkContext, userId: string, assignmentId: string, reason: string | undefined, caller: Caller): Promise<void> {
  await assertWorkable(s, ctx, userId, "skip", caller);
  const a = await ownAssignment(s, ctx, userId, assignmentId);
  if (a.status !== "leased") throw new SealroomError("conflict", `This task is ${a.status}; only a leased task can be skipped.`);
  const policy = ctx.config.skipPolicy;
  if (policy === "not_allowed") throw new SealroomError("forbidden", "This project does not allow skipping tasks.");
  const text = reason?.trim() ?? "";
  if (policy === "reason_required" && text.length < 3) {
    throw new SealroomError("validation_failed", "This project asks for a reason when you skip (at least 3 characters).", { issues: [{ path: "reason", message: "is required by this project's skip policy" }] });
  }
  await s.keyring.current(a.tenant_id);
  const sealed = text ? await s.sealer.seal({ tenantId: a.tenant_id, table: "assignments", rowId: a.id, field: "skip_reason" }, text) : null;
  await s.store.transaction(async (tx) => {
    const now = s.now();
    if (!(await updateAssignment(tx, a.tenant_id, a.id, ["leased"], { status: "skipped", skip_reason: sealed, active_ms: activeAfter(a, now), updated_at: now }))) {
      throw new SealroomError("conflict", "This task changed meanwhile; reload it.");
    }
    await giveBack(tx, a, now, "skip");
    await s.audit.record(tx, eventBy(caller, { tenantId: a.tenant_id, action: "task.skip", objectType: "assignment", objectId: a.id, detail: { projectId: a.project_id, withReason: text.length > 0 } }));
  });
}
