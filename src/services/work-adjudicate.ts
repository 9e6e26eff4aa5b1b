/**
 * Adjudication and the resolution record. Items whose N answers disagree (or
 * whose blind check failed) wait on the adjudication list; an adjudicator
 * sees the item and every answer side by side, labelled A1..An in submission
 * order (never the contractors behind them), with the agreement fields that
 * differ, and writes the final answer: one of the answers, or their own.
 * Items with a task still open (leased, paused, returned for revision) wait
 * until it is answered, so an item is never resolved under a contractor.
 */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import type { AgreementRecord, Item } from "../domain/templates/answers/index.js";
import {
  assignmentsOfItem,
  insertReview,
  nextAdjudication,
  resolutionOfItem,
  reviewsOfItem,
  setItemReviewStatus,
  takeAdjudication,
  type ReviewRow,
} from "../store/repos/resolutions.js";
import { findItem, latestAnswer, type AnswerRow, type AssignmentRow } from "../store/repos/work.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { assertWorkable, openItem, type WorkContext } from "./work-access.js";
import { assertReviewer, auditItemRead } from "./work-review.js";
import { openAnswer, recheck, writeResolution } from "./work-submit.js";

/** Adjudication-list entries looked at per request before giving up (items the caller answered, or with open tasks, are passed over). */
const SCAN = 50;

/** One answer in the side-by-side view. */
export interface LabelledAnswer {
  readonly label: string;
  readonly answerId: string;
  readonly version: number;
  readonly kind: AnswerRow["kind"];
  readonly reviewStatus: AssignmentRow["review_status"];
  readonly answer: unknown;
  readonly record: AgreementRecord;
}

/** An item waiting for adjudication, as the adjudicator sees it. */
export interface AdjudicationView {
  readonly itemId: string;
  readonly template: string;
  readonly item: Item;
  readonly answers: readonly LabelledAnswer[];
  /** The agreement fields on which the answers differ, with each answer's value by label. */
  readonly differences: ReadonlyArray<{ readonly field: string; readonly values: Readonly<Record<string, string | number | null>> }>;
}

/** The final answer an adjudicator gives: one of the item's answers, or their own. */
export type AdjudicationChoice = { readonly answerId: string } | { readonly answer: unknown };

/** A resolution as the review side reads it. */
export interface ResolutionRecord {
  readonly id: string;
  readonly itemId: string;
  readonly method: string;
  readonly answerId: string | null;
  readonly answerIds: readonly string[];
  readonly reviewIds: readonly string[];
  readonly resolvedBy: string | null;
  readonly createdAt: number;
  readonly answer: unknown;
}

const OPEN: ReadonlySet<AssignmentRow["status"]> = new Set(["leased", "paused", "returned"]);

/** Why an item cannot be adjudicated by `userId` now, or null when it can. */
function blocker(all: readonly AssignmentRow[], userId: string): string | null {
  if (all.some((x) => x.user_id === userId)) return "You answered this item yourself; another reviewer must adjudicate it.";
  if (all.some((x) => OPEN.has(x.status))) return "A task on this item is still open; adjudicate once it is answered.";
  return null;
}

/** The latest version of every submitted answer to the item, in submission order. */
async function latestAnswers(s: Services, ctx: WorkContext, all: readonly AssignmentRow[]): Promise<Array<{ row: AnswerRow; assignment: AssignmentRow }>> {
  const out: Array<{ row: AnswerRow; assignment: AssignmentRow }> = [];
  for (const a of all) {
    if (a.status !== "submitted" || a.is_gold === 1) continue;
    const row = await latestAnswer(s.store.db, ctx.tenant.id, a.id);
    if (row) out.push({ row, assignment: a });
  }
  return out;
}

/** The agreement fields whose values are not all the same. */
function differencesOf(answers: readonly LabelledAnswer[]): AdjudicationView["differences"] {
  const fields = new Set(answers.flatMap((a) => Object.keys(a.record)));
  const out: Array<{ field: string; values: Record<string, string | number | null> }> = [];
  for (const field of fields) {
    const values: Record<string, string | number | null> = Object.create(null) as Record<string, string | number | null>;
    for (const a of answers) values[a.label] = a.record[field] ?? null;
    if (new Set(Object.values(values)).size > 1) out.push({ field, values });
  }
  return out;
}

/** The oldest item waiting for adjudication that the caller may adjudicate, audited as an item read; null when there is none. */
export async function nextForAdjudication(s: Services, ctx: WorkContext, userId: string, caller: Caller): Promise<AdjudicationView | null> {
  await assertWorkable(s, ctx, userId, "adjudicate", caller);
  await assertReviewer(s, ctx, userId);
  let after = -1;
  for (let i = 0; i < SCAN; i++) {
    const next = await nextAdjudication(s.store.db, ctx.tenant.id, ctx.project.id, after);
    if (!next) return null;
    after = next.seq;
    const all = await assignmentsOfItem(s.store.db, ctx.tenant.id, next.id);
    if (blocker(all, userId) === null) return openAdjudication(s, ctx, next.id, all, caller);
  }
  return null;
}

/** Audits the read, then opens the item and every answer with its agreement fields, labelled in submission order. */
async function openAdjudication(s: Services, ctx: WorkContext, itemId: string, all: readonly AssignmentRow[], caller: Caller): Promise<AdjudicationView> {
  const item = await findItem(s.store.db, ctx.tenant.id, itemId);
  if (!item) throw new SealroomError("not_found", "No such item.");
  const rows = await latestAnswers(s, ctx, all);
  await auditItemRead(s, ctx, itemId, caller);
  const content = await openItem(s, item);
  const answers: LabelledAnswer[] = [];
  for (const [i, { row, assignment }] of rows.entries()) {
    const body = await openAnswer(s, row);
    const record = ctx.template.agreementRecord(content, recheck(ctx, content, body));
    answers.push({ label: `A${i + 1}`, answerId: row.id, version: row.version, kind: row.kind, reviewStatus: assignment.review_status, answer: body, record });
  }
  return { itemId, template: ctx.project.template, item: content, answers, differences: differencesOf(answers) };
}

/** Writes an item's final answer (method "adjudicated"): one of its answers, or the adjudicator's own, checked against the item. */
export async function adjudicate(s: Services, ctx: WorkContext, userId: string, itemId: string, choice: AdjudicationChoice, caller: Caller): Promise<{ resolutionId: string; answerId: string | null }> {
  await assertWorkable(s, ctx, userId, "adjudicate", caller);
  await assertReviewer(s, ctx, userId);
  const item = await findItem(s.store.db, ctx.tenant.id, itemId);
  if (!item || item.project_id !== ctx.project.id) throw new SealroomError("not_found", "No such item.");
  if (item.needs_adjudication !== 1 || item.resolved_at !== null) throw new SealroomError("conflict", "This item is not waiting for adjudication.");
  const all = await assignmentsOfItem(s.store.db, ctx.tenant.id, itemId);
  const why = blocker(all, userId);
  if (why) throw new SealroomError(why.startsWith("You") ? "forbidden" : "conflict", why);
  // Opened to check the final answer server-side; the adjudicator's read was recorded when the view was served.
  const content = await openItem(s, item);
  const { answerId, body } = await finalAnswer(s, ctx, content, all, choice);
  await s.keyring.current(ctx.tenant.id);
  const now = s.now();
  const review: ReviewRow = { tenant_id: ctx.tenant.id, id: uuidv7(now), project_id: ctx.project.id, item_id: itemId, assignment_id: null, reviewer_id: userId, mode: "adjudication", decision: answerId ? "chose" : "wrote", body: Buffer.alloc(0), created_at: now };
  review.body = await s.sealer.seal({ tenantId: review.tenant_id, table: "reviews", rowId: review.id, field: "body" }, JSON.stringify({ answerId }));
  const resolutionId = await s.store.transaction(async (tx) => {
    if (!(await takeAdjudication(tx, ctx.tenant.id, itemId))) throw new SealroomError("conflict", "This item was adjudicated meanwhile; take the next one.");
    await setItemReviewStatus(tx, ctx.tenant.id, itemId, "escalated", "accepted", now);
    await insertReview(tx, review);
    // Audit last: the audit state row is a lock every writer shares, so no row lock may be taken after it.
    const events = [eventBy(caller, { tenantId: ctx.tenant.id, action: "review.adjudicate", objectType: "item", objectId: itemId, detail: { projectId: ctx.project.id, decision: review.decision, reviewId: review.id } })];
    const id = await writeResolution(s, tx, ctx, itemId, "adjudicated", answerId, body, userId, caller, now, events);
    await s.audit.record(tx, ...events);
    return id;
  });
  return { resolutionId, answerId };
}

/** The chosen answer (one of the latest versions shown side by side) or the adjudicator's own, checked. */
async function finalAnswer(s: Services, ctx: WorkContext, content: Item, all: readonly AssignmentRow[], choice: AdjudicationChoice): Promise<{ answerId: string | null; body: unknown }> {
  if ("answerId" in choice) {
    const chosen = (await latestAnswers(s, ctx, all)).find((x) => x.row.id === choice.answerId);
    if (!chosen) {
      throw new SealroomError("validation_failed", "answerId: is not one of this item's answers.", { issues: [{ path: "answerId", message: "is not one of this item's answers" }] });
    }
    const body = await openAnswer(s, chosen.row);
    recheck(ctx, content, body);
    return { answerId: chosen.row.id, body };
  }
  const checked = ctx.template.checkAnswer(content, choice.answer);
  if (!checked.ok) {
    throw new SealroomError("validation_failed", `The answer is invalid: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues: checked.issues });
  }
  return { answerId: null, body: choice.answer };
}

/** An item's resolution with its final answer (audited as resolution.read before it is opened). */
export async function readResolution(s: Services, ctx: WorkContext, userId: string, itemId: string, caller: Caller): Promise<ResolutionRecord> {
  await assertWorkable(s, ctx, userId, "resolution", caller);
  await assertReviewer(s, ctx, userId);
  const item = await findItem(s.store.db, ctx.tenant.id, itemId);
  if (!item || item.project_id !== ctx.project.id) throw new SealroomError("not_found", "No such item.");
  const r = await resolutionOfItem(s.store.db, ctx.tenant.id, itemId);
  if (!r) throw new SealroomError("not_found", "This item has no resolution yet.");
  const answers = await latestAnswers(s, ctx, await assignmentsOfItem(s.store.db, ctx.tenant.id, itemId));
  const reviews = await reviewsOfItem(s.store.db, ctx.tenant.id, itemId);
  await s.store.transaction((tx) =>
    s.audit.record(tx, eventBy(caller, { tenantId: ctx.tenant.id, action: "resolution.read", objectType: "item", objectId: itemId, detail: { projectId: ctx.project.id, resolutionId: r.id } })),
  );
  const answer = JSON.parse(await s.sealer.openText({ tenantId: r.tenant_id, table: "resolutions", rowId: r.id, field: "body" }, r.body)) as unknown;
  return {
    id: r.id,
    itemId,
    method: r.method,
    answerId: r.answer_id,
    answerIds: answers.map((x) => x.row.id),
    reviewIds: reviews.map((x) => x.id),
    resolvedBy: r.resolved_by,
    createdAt: r.created_at,
    answer,
  };
}
