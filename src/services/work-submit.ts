/**
 * Submitting an answer, and resolving an item once its answers are in.
 *
 * A submission is checked against the template's answer schema and the item
 * (claim-verification: quotes, offsets, citations), sealed and stored as an
 * immutable version; a revision after a reviewer's rejection is the next
 * version. Time on task is measured by the server (lease → submit, idle gaps
 * excluded). While work is paused the answer is kept as a draft and the
 * submission refused with 423, so nothing typed is lost.
 *
 * Lock order: every transaction here records its audit events LAST (the
 * audit log's state row is one lock all writers share; taking row locks
 * after it let a claim, a submit and the audit lock deadlock on PostgreSQL).
 * Helpers that would record mid-transaction push to an `events` list instead.
 *
 * Resolution: overlap 1 resolves on submit (or on review, when sampled);
 * overlap N resolves automatically when all N answers agree, and otherwise
 * waits for an adjudicator. Gold items are never resolved: gold is the truth.
 */
import type { AuditEvent } from "../audit/entry.js";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import type { CheckedAnswer, Item } from "../domain/templates/answers/index.js";
import { goldDecision } from "../domain/work/gold.js";
import { sampledForReview } from "../domain/work/project-config.js";
import { assignmentsOfItem, insertResolution, setNeedsAdjudication } from "../store/repos/resolutions.js";
import {
  countSubmission,
  findItem,
  insertAnswer,
  insertTaskEvent,
  latestAnswer,
  takeItemSlot,
  updateAssignment,
  updateMember,
  findMember,
  type AnswerRow,
  type AssignmentRow,
} from "../store/repos/work.js";
import type { Tx } from "../store/store.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { assertWorkable, memberAs, openItem, suspendMember, type WorkContext } from "./work-access.js";
import { blocked, pausedReason } from "./work-pause.js";
import { activeAfter, ownAssignment, storeDraft } from "./work-queue.js";

/** What a submission produced. */
export interface SubmitResult {
  readonly answerId: string;
  readonly version: number;
  readonly activeMs: number;
  readonly reviewPending: boolean;
}

export const answerContext = (a: Pick<AnswerRow, "tenant_id" | "id">) => ({ tenantId: a.tenant_id, table: "answers", rowId: a.id, field: "body" }) as const;

/** The stored body of an answer version, opened (the caller audits reads that leave the server). */
export async function openAnswer(s: Services, a: AnswerRow): Promise<unknown> {
  return JSON.parse(await s.sealer.openText(answerContext(a), a.body)) as unknown;
}

/** Re-checks a stored answer against its item, so only checked answers reach agreement, gold and export code. */
export function recheck(ctx: WorkContext, item: Item, body: unknown): CheckedAnswer {
  const r = ctx.template.checkAnswer(item, body);
  if (!r.ok) throw new SealroomError("internal", "a stored answer no longer passes its template's checks");
  return r.answer;
}

/** Submits (or, after a rejection, revises) the answer of the caller's task. */
export async function submitTask(s: Services, ctx: WorkContext, userId: string, assignmentId: string, answer: unknown, caller: Caller): Promise<SubmitResult> {
  const a = await ownAssignment(s, ctx, userId, assignmentId);
  const paused = pausedReason(ctx.tenant, ctx.project);
  if (paused !== null) {
    const keep = ["leased", "paused", "returned"].includes(a.status) && ctx.template.checkDraft(answer).ok;
    if (keep) await storeDraft(s, a, answer, caller);
    const refusal = await blocked(s, { tenantId: ctx.tenant.id, projectId: ctx.project.id }, userId, "submit", paused, caller);
    throw new SealroomError("paused", `${refusal.message}${keep ? " Your answer was saved as a draft." : ""}`, { reason: paused, draftSaved: keep });
  }
  await assertWorkable(s, ctx, userId, "submit", caller);
  await memberAs(s, ctx, userId, "contractor");
  if (!["leased", "returned", "expired"].includes(a.status)) throw new SealroomError("conflict", `This task is ${a.status}; it cannot take an answer now.`);
  const item = await findItem(s.store.db, a.tenant_id, a.item_id);
  if (!item) throw new SealroomError("not_found", "No such task.");
  const content = await openItem(s, item);
  const checked = ctx.template.checkAnswer(content, answer);
  if (!checked.ok) {
    throw new SealroomError("validation_failed", `The answer is invalid: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues: checked.issues });
  }
  await s.keyring.current(a.tenant_id);
  const now = s.now();
  const answerRow: AnswerRow = {
    tenant_id: a.tenant_id,
    id: uuidv7(now),
    project_id: a.project_id,
    item_id: a.item_id,
    assignment_id: a.id,
    author_id: userId,
    version: a.answer_version + 1,
    kind: "submission",
    body: Buffer.alloc(0),
    active_ms: activeAfter(a, now),
    created_at: now,
  };
  answerRow.body = await s.sealer.seal(answerContext(answerRow), JSON.stringify(answer));
  const gold = a.is_gold === 1 ? ctx.template.goldCheck(content, checked.answer) : null;
  const revision = a.status === "returned";
  const reviewPending = revision || (a.is_gold === 0 && sampledForReview(ctx.config, parseInt(a.id.slice(-4), 16)));
  const outcome = await s.store.transaction(async (tx) => {
    if (a.status === "expired" && !(await takeItemSlot(tx, a.tenant_id, a.item_id, ctx.config.overlap))) return "lapsed" as const;
    const moved = await updateAssignment(tx, a.tenant_id, a.id, [a.status], {
      status: "submitted",
      submitted_at: now,
      active_ms: answerRow.active_ms,
      last_seen_at: now,
      draft: null,
      draft_at: null,
      answer_version: answerRow.version,
      review_status: reviewPending ? "pending" : "none",
      gold_correct: gold === null ? a.gold_correct : gold.correct ? 1 : 0,
      updated_at: now,
    });
    if (!moved) throw new SealroomError("conflict", "This task changed meanwhile (submitted twice?); reload it.");
    await insertAnswer(tx, answerRow);
    await insertTaskEvent(tx, { tenant_id: a.tenant_id, id: uuidv7(now), project_id: a.project_id, user_id: userId, assignment_id: a.id, kind: "submit", at: now });
    const events = [eventBy(caller, { tenantId: a.tenant_id, action: "task.submit", objectType: "assignment", objectId: a.id, detail: { projectId: a.project_id, version: answerRow.version } })];
    if (!revision) {
      await countSubmission(tx, a.tenant_id, a.project_id, a.item_id);
      await scoreMember(s, tx, ctx, userId, gold?.correct ?? null, now, events);
    }
    if (a.is_gold === 0 && !reviewPending) await maybeResolve(s, tx, ctx, a.item_id, content, caller, now, { row: answerRow, body: answer, checked: checked.answer }, events);
    await s.audit.record(tx, ...events);
    return "done" as const;
  });
  if (outcome === "lapsed") {
    await storeDraft(s, a, answer, caller);
    throw new SealroomError("lease_expired", "Your lease lapsed and the item went to someone else; your answer was saved as a draft.", { draftSaved: true });
  }
  return { answerId: answerRow.id, version: answerRow.version, activeMs: answerRow.active_ms, reviewPending };
}

/** Updates the member's counters after a first submission; suspends below the gold accuracy threshold. */
async function scoreMember(s: Services, tx: Tx, ctx: WorkContext, userId: string, goldCorrect: boolean | null, now: number, events: AuditEvent[]): Promise<void> {
  const m = await findMember(tx, ctx.tenant.id, ctx.project.id, userId);
  if (!m) return;
  const next = {
    submitted: m.submitted + 1,
    leases_since_submit: 0,
    gold_answered: m.gold_answered + (goldCorrect === null ? 0 : 1),
    gold_correct: m.gold_correct + (goldCorrect === true ? 1 : 0),
    updated_at: now,
  };
  await updateMember(tx, m, next);
  if (goldCorrect === null) return;
  const g = ctx.config.gold;
  const d = goldDecision(
    { goldServed: m.gold_served, goldAnswered: next.gold_answered, goldCorrect: next.gold_correct, tasksServed: m.tasks_served },
    { goldRatio: g.ratio, onboardingCount: g.onboarding, accuracyThreshold: g.accuracyThreshold, minGoldForThreshold: g.minAnswered },
  );
  if (d.belowThreshold && m.status === "active") {
    const pct = Math.round((d.accuracy ?? 0) * 100);
    const reason = `Paused on this project: gold accuracy ${pct}% is below the project's ${Math.round(g.accuracyThreshold * 100)}%. Your lab admin has been told.`;
    await suspendMember(s, tx, ctx, userId, "gold_accuracy", reason, { accuracy: d.accuracy, goldAnswered: next.gold_answered }, events);
  }
}

/**
 * Resolves a non-gold item when its answers allow it: every one of the N
 * assignments submitted and out of review, and (for N > 1) all agreeing.
 * Disagreement puts the item on the adjudication list instead.
 */
export async function maybeResolve(
  s: Services,
  tx: Tx,
  ctx: WorkContext,
  itemId: string,
  content: Item,
  caller: Caller,
  now: number,
  fresh: { readonly row: AnswerRow; readonly body: unknown; readonly checked: CheckedAnswer } | undefined,
  events: AuditEvent[],
): Promise<void> {
  const item = await findItem(tx, ctx.tenant.id, itemId);
  if (!item || item.resolved_at !== null) return;
  const all = await assignmentsOfItem(tx, ctx.tenant.id, itemId);
  const waiting = all.some((x) => x.status === "leased" || x.status === "paused" || x.status === "returned" || ["pending", "rejected", "escalated"].includes(x.review_status));
  const done = all.filter((x) => x.status === "submitted");
  if (waiting || done.length < ctx.config.overlap) return;
  const answers: { row: AnswerRow; body: unknown; checked: CheckedAnswer; assignment: AssignmentRow }[] = [];
  for (const x of done) {
    // The answer just submitted is in hand: no need to read it back, open and check it again.
    if (fresh && fresh.row.assignment_id === x.id) {
      answers.push({ ...fresh, assignment: x });
      continue;
    }
    const row = await latestAnswer(tx, ctx.tenant.id, x.id);
    if (!row) return;
    const body = await openAnswer(s, row);
    answers.push({ row, body, checked: recheck(ctx, content, body), assignment: x });
  }
  const first = answers[0]!;
  const agree = answers.slice(1).every((x) => ctx.template.sameAnswer(first.checked, x.checked));
  if (!agree) {
    await setNeedsAdjudication(tx, ctx.tenant.id, itemId, true);
    return;
  }
  const reviewed = answers.some((x) => x.assignment.review_status === "accepted" || x.assignment.review_status === "fixed");
  const method = answers.length > 1 ? "unanimous" : reviewed ? "reviewed" : "single";
  await writeResolution(s, tx, ctx, itemId, method, first.row.id, first.body, null, caller, now, events);
}

/** Seals and stores an item's final answer; its audit event goes to `events`, for the caller to record last. */
export async function writeResolution(
  s: Services,
  tx: Tx,
  ctx: WorkContext,
  itemId: string,
  method: "single" | "unanimous" | "reviewed" | "adjudicated",
  answerId: string | null,
  finalAnswer: unknown,
  resolvedBy: string | null,
  caller: Caller,
  now: number,
  events: AuditEvent[],
): Promise<string> {
  const id = uuidv7(now);
  const body = await s.sealer.seal({ tenantId: ctx.tenant.id, table: "resolutions", rowId: id, field: "body" }, JSON.stringify(finalAnswer));
  await insertResolution(tx, { tenant_id: ctx.tenant.id, id, project_id: ctx.project.id, item_id: itemId, method, answer_id: answerId, body, resolved_by: resolvedBy, created_at: now });
  events.push(eventBy(caller, { tenantId: ctx.tenant.id, action: "item.resolve", objectType: "item", objectId: itemId, detail: { projectId: ctx.project.id, method } }));
  return id;
}
