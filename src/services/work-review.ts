/**
 * The review side of the work engine: the reviewer queue, decisions (accept;
 * reject with a comment, back to the same contractor for revision; fix, the
 * reviewer's own version kept beside the original), the contractor's view of
 * the feedback, and the blind sufficiency check of claim-verification
 * (design/claim-verification.md §2.5 step 2: the reviewer sees the claim and
 * the cited spans only; a mismatch escalates the item to adjudication).
 *
 * Reviewers are a tenant's lab admins and the project's reviewer members; a
 * reviewer never reviews their own answer. Every state change is guarded by
 * the assignment's current status and review state, so a second, racing
 * decision is a conflict rather than a double decision.
 */
import { ITEM_READ } from "../audit/actions.js";
import type { AuditEvent } from "../audit/entry.js";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError, type FieldIssue } from "../domain/errors.js";
import type { BlindView, Item } from "../domain/templates/answers/index.js";
import { VERDICTS } from "../domain/templates/claim-verification.js";
import {
  insertReview,
  latestReviewOf,
  lockItemForResolution,
  nextReview,
  resolutionOfItem,
  setNeedsAdjudication,
  updateReviewState,
  type ReviewRow,
} from "../store/repos/resolutions.js";
import { findMembership } from "../store/repos/tenants.js";
import { findAssignment, findItem, insertAnswer, latestAnswer, type AnswerRow, type AssignmentRow } from "../store/repos/work.js";
import type { Tx } from "../store/store.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { assertWorkable, memberAs, openItem, type WorkContext } from "./work-access.js";
import { ownAssignment } from "./work-queue.js";
import { answerContext, maybeResolve, openAnswer, recheck } from "./work-submit.js";

/** The blind check's verdict vocabulary (claim-verification). */
export type Verdict = (typeof VERDICTS)[number];
export { VERDICTS };

/** Bounds of a rejection comment (the contractor reads it). */
export const MIN_COMMENT = 3;
export const MAX_COMMENT = 5000;

/** A pending answer as its reviewer sees it. */
export interface ReviewView {
  readonly assignmentId: string;
  readonly itemId: string;
  readonly template: string;
  readonly item: Item;
  readonly answer: { readonly id: string; readonly version: number; readonly kind: AnswerRow["kind"]; readonly createdAt: number; readonly activeMs: number; readonly body: unknown };
  /** Earlier versions of this assignment's answer (revisions after rejections). */
  readonly previousVersions: number;
}

/** A reviewer's decision on a pending answer. */
export type ReviewDecision = { readonly decision: "accept" | "reject" | "fix"; readonly comment?: string | undefined; readonly answer?: unknown };

/** What a decision did. */
export interface DecisionResult {
  readonly reviewId: string;
  readonly decision: ReviewDecision["decision"];
  readonly answerVersion: number;
  readonly resolution: { readonly id: string; readonly method: string } | null;
}

/** The latest review of a contractor's task, as the contractor sees it. */
export interface Feedback {
  readonly decision: string;
  readonly comment: string | null;
  readonly answerVersion: number | null;
  readonly at: number;
}

const reviewContext = (r: Pick<ReviewRow, "tenant_id" | "id">) => ({ tenantId: r.tenant_id, table: "reviews", rowId: r.id, field: "body" }) as const;

/** Refuses anyone who may not review on this project: lab admins of the tenant and the project's (active) reviewers may. */
export async function assertReviewer(s: Services, ctx: WorkContext, userId: string): Promise<void> {
  const m = await findMembership(s.store.db, ctx.tenant.id, userId);
  if (m?.role === "lab_admin") return;
  if (m?.role !== "reviewer") throw new SealroomError("forbidden", "Only reviewers and lab admins review work.");
  await memberAs(s, ctx, userId, "reviewer");
}

/** An assignment of this project that the caller may review: not found across projects, forbidden when it is their own. */
async function reviewable(s: Services, ctx: WorkContext, userId: string, assignmentId: string): Promise<AssignmentRow> {
  const a = await findAssignment(s.store.db, ctx.tenant.id, assignmentId);
  if (!a || a.project_id !== ctx.project.id) throw new SealroomError("not_found", "No such answer to review.");
  if (a.user_id === userId) throw new SealroomError("forbidden", "You cannot review your own answer.");
  if (a.status !== "submitted" || a.review_status !== "pending") {
    throw new SealroomError("conflict", `This answer is not waiting for review (task ${a.status}, review ${a.review_status}).`);
  }
  return a;
}

/** The checks every reviewer request makes, in order: pause (423), role, the assignment. */
async function reviewTarget(s: Services, ctx: WorkContext, userId: string, assignmentId: string, action: string, caller: Caller): Promise<AssignmentRow> {
  await assertWorkable(s, ctx, userId, action, caller);
  await assertReviewer(s, ctx, userId);
  return reviewable(s, ctx, userId, assignmentId);
}

/** The item and the latest answer version of an assignment (not yet opened). */
async function itemAndAnswer(s: Services, a: AssignmentRow) {
  const item = await findItem(s.store.db, a.tenant_id, a.item_id);
  const answer = await latestAnswer(s.store.db, a.tenant_id, a.id);
  if (!item || !answer) throw new SealroomError("not_found", "No such answer to review.");
  return { item, answer };
}

/** Records an item read in its own transaction, before the content is opened. */
export async function auditItemRead(s: Services, ctx: WorkContext, itemId: string, caller: Caller): Promise<void> {
  await s.store.transaction((tx) => s.audit.record(tx, eventBy(caller, { tenantId: ctx.tenant.id, action: ITEM_READ, objectType: "item", objectId: itemId, detail: { projectId: ctx.project.id } })));
}

/** The oldest answer waiting for review that the caller did not write, with its item; null when there is none. */
export async function nextForReview(s: Services, ctx: WorkContext, userId: string, caller: Caller): Promise<ReviewView | null> {
  await assertWorkable(s, ctx, userId, "review", caller);
  await assertReviewer(s, ctx, userId);
  const a = await nextReview(s.store.db, ctx.tenant.id, ctx.project.id, userId);
  if (!a) return null;
  const { item, answer } = await itemAndAnswer(s, a);
  await auditItemRead(s, ctx, a.item_id, caller);
  return {
    assignmentId: a.id,
    itemId: a.item_id,
    template: ctx.project.template,
    item: await openItem(s, item),
    answer: { id: answer.id, version: answer.version, kind: answer.kind, createdAt: answer.created_at, activeMs: answer.active_ms, body: await openAnswer(s, answer) },
    previousVersions: answer.version - 1,
  };
}

/** A validation_failed naming one field of the review. */
function invalid(path: string, message: string): SealroomError {
  const issues: FieldIssue[] = [{ path, message }];
  return new SealroomError("validation_failed", `The review is invalid: ${path}: ${message}`, { issues });
}

/** The comment, trimmed; required (and bounded) for a rejection, optional otherwise. */
function commentOf(d: ReviewDecision): string | null {
  const text = d.comment?.trim() ?? "";
  if (d.decision === "reject" && (text.length < MIN_COMMENT || text.length > MAX_COMMENT)) {
    throw invalid("comment", `a rejection needs a comment of ${MIN_COMMENT} to ${MAX_COMMENT} characters; the contractor reads it`);
  }
  if (text.length > MAX_COMMENT) throw invalid("comment", `must be at most ${MAX_COMMENT} characters`);
  return text.length ? text : null;
}

/** What each decision changes on the assignment. */
function changesFor(decision: ReviewDecision["decision"], a: AssignmentRow, now: number): Partial<AssignmentRow> {
  if (decision === "accept") return { review_status: "accepted", updated_at: now };
  if (decision === "reject") return { status: "returned", review_status: "rejected", updated_at: now };
  return { review_status: "fixed", answer_version: a.answer_version + 1, updated_at: now };
}

/** Decides on a pending answer: accept, reject (with a comment, back to its contractor) or fix (a new version by the reviewer). */
export async function decideReview(s: Services, ctx: WorkContext, userId: string, assignmentId: string, d: ReviewDecision, caller: Caller): Promise<DecisionResult> {
  const a = await reviewTarget(s, ctx, userId, assignmentId, "review", caller);
  const comment = commentOf(d);
  const { item, answer } = await itemAndAnswer(s, a);
  // Opened to validate a fix and to resolve: server-side only, nothing leaves, so no read is recorded.
  const content = await openItem(s, item);
  await s.keyring.current(a.tenant_id);
  const now = s.now();
  const fix = d.decision === "fix" ? await fixRow(s, ctx, content, a, userId, d.answer, now) : null;
  const review = await sealedReview(s, a, userId, "review", d.decision, { comment, answerId: answer.id, answerVersion: answer.version, fixAnswerId: fix?.id ?? null }, now);
  return s.store.transaction(async (tx) => {
    if (!(await updateReviewState(tx, a.tenant_id, a.id, "submitted", ["pending"], changesFor(d.decision, a, now)))) {
      throw new SealroomError("conflict", "This answer was decided meanwhile (by another reviewer?); reload the queue.");
    }
    if (fix) await insertAnswer(tx, fix);
    await insertReview(tx, review);
    // Audit last: the audit state row is a lock every writer shares, so no row lock may be taken after it.
    const events = [eventBy(caller, { tenantId: a.tenant_id, action: "review.decide", objectType: "assignment", objectId: a.id, detail: { projectId: a.project_id, decision: d.decision, reviewId: review.id, version: fix?.version ?? answer.version } })];
    const resolution = d.decision === "reject" ? null : await resolveIfReady(s, tx, ctx, a.item_id, content, caller, now, events);
    await s.audit.record(tx, ...events);
    return { reviewId: review.id, decision: d.decision, answerVersion: fix?.version ?? answer.version, resolution };
  });
}

/** The reviewer's fixed answer, checked against the item and sealed as the next version of the assignment. */
async function fixRow(s: Services, ctx: WorkContext, content: Item, a: AssignmentRow, userId: string, answer: unknown, now: number): Promise<AnswerRow> {
  if (answer === undefined) throw invalid("answer", "a fix needs the corrected answer");
  const checked = ctx.template.checkAnswer(content, answer);
  if (!checked.ok) {
    throw new SealroomError("validation_failed", `The fixed answer is invalid: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues: checked.issues });
  }
  const row: AnswerRow = {
    tenant_id: a.tenant_id,
    id: uuidv7(now),
    project_id: a.project_id,
    item_id: a.item_id,
    assignment_id: a.id,
    author_id: userId,
    version: a.answer_version + 1,
    kind: "fix",
    body: Buffer.alloc(0),
    active_ms: 0,
    created_at: now,
  };
  row.body = await s.sealer.seal(answerContext(row), JSON.stringify(answer));
  return row;
}

/** A review row with its body sealed under its own (table, id, column) context. */
async function sealedReview(s: Services, a: AssignmentRow, reviewerId: string, mode: ReviewRow["mode"], decision: string, body: Record<string, unknown>, now: number): Promise<ReviewRow> {
  const row: ReviewRow = { tenant_id: a.tenant_id, id: uuidv7(now), project_id: a.project_id, item_id: a.item_id, assignment_id: a.id, reviewer_id: reviewerId, mode, decision, body: Buffer.alloc(0), created_at: now };
  row.body = await s.sealer.seal(reviewContext(row), JSON.stringify(body));
  return row;
}

/**
 * Resolves the item if its answers now allow it (maybeResolve), once: the
 * item row is locked first, so sibling decisions serialise, and an item an
 * adjudicator already resolved is left alone.
 */
async function resolveIfReady(s: Services, tx: Tx, ctx: WorkContext, itemId: string, content: Item, caller: Caller, now: number, events: AuditEvent[]): Promise<DecisionResult["resolution"]> {
  const state = await lockItemForResolution(tx, ctx.tenant.id, itemId);
  if (state && state.resolved_at === null) await maybeResolve(s, tx, ctx, itemId, content, caller, now, undefined, events);
  const r = await resolutionOfItem(tx, ctx.tenant.id, itemId);
  return r ? { id: r.id, method: r.method } : null;
}

/** The latest review decision on the caller's own task and its comment (audited as review.feedback.read); null before any review. */
export async function taskFeedback(s: Services, ctx: WorkContext, userId: string, assignmentId: string, caller: Caller): Promise<Feedback | null> {
  await assertWorkable(s, ctx, userId, "feedback", caller);
  await memberAs(s, ctx, userId, "contractor");
  const a = await ownAssignment(s, ctx, userId, assignmentId);
  const r = await latestReviewOf(s.store.db, a.tenant_id, a.id, "review");
  if (!r) return null;
  await s.store.transaction((tx) =>
    s.audit.record(tx, eventBy(caller, { tenantId: a.tenant_id, action: "review.feedback.read", objectType: "review", objectId: r.id, detail: { projectId: a.project_id, assignmentId: a.id } })),
  );
  const body = JSON.parse(await s.sealer.openText(reviewContext(r), r.body)) as { comment?: unknown; answerVersion?: unknown };
  return {
    decision: r.decision,
    comment: typeof body.comment === "string" ? body.comment : null,
    answerVersion: typeof body.answerVersion === "number" ? body.answerVersion : null,
    at: r.created_at,
  };
}

/** A pending claim-verification answer for the blind check; conflict for templates without one. */
async function blindTarget(s: Services, ctx: WorkContext, userId: string, assignmentId: string, caller: Caller) {
  if (ctx.template.name !== "claim-verification") throw new SealroomError("conflict", "Only claim-verification has a blind check.");
  const a = await reviewTarget(s, ctx, userId, assignmentId, "blind_check", caller);
  return { a, ...(await itemAndAnswer(s, a)) };
}

/** The blind view of a pending answer: the claim (and question) and the cited quotes, nothing else; audited as an item read. */
export async function blindViewOf(s: Services, ctx: WorkContext, userId: string, assignmentId: string, caller: Caller): Promise<BlindView> {
  const { a, item, answer } = await blindTarget(s, ctx, userId, assignmentId, caller);
  await auditItemRead(s, ctx, a.item_id, caller);
  const content = await openItem(s, item);
  const view = ctx.template.blindView(content, recheck(ctx, content, await openAnswer(s, answer)));
  if (!view) throw new SealroomError("conflict", "Only claim-verification has a blind check.");
  return view;
}

/**
 * Records the reviewer's verdict from the blind view: match or mismatch with
 * the contractor's. A mismatch escalates (design §2.5): the answer leaves the
 * review queue and the item goes on the adjudication list. One blind check
 * per answer.
 */
export async function blindCheck(s: Services, ctx: WorkContext, userId: string, assignmentId: string, verdict: Verdict, caller: Caller): Promise<{ reviewId: string; decision: "match" | "mismatch"; reviewStatus: AssignmentRow["review_status"] }> {
  if (!(VERDICTS as readonly string[]).includes(verdict)) throw invalid("verdict", `must be one of ${VERDICTS.join(", ")}`);
  const { a, item, answer } = await blindTarget(s, ctx, userId, assignmentId, caller);
  const content = await openItem(s, item);
  const given = ctx.template.agreementRecord(content, recheck(ctx, content, await openAnswer(s, answer)))["verdict"];
  const decision = given === verdict ? ("match" as const) : ("mismatch" as const);
  await s.keyring.current(a.tenant_id);
  const now = s.now();
  const review = await sealedReview(s, a, userId, "blind_sufficiency", decision, { sufficiencyVerdict: verdict, answerId: answer.id, answerVersion: answer.version }, now);
  const reviewStatus = decision === "mismatch" ? ("escalated" as const) : a.review_status;
  await s.store.transaction(async (tx) => {
    // The guarded update also locks the assignment, so the duplicate check below sees any racing check's row.
    if (!(await updateReviewState(tx, a.tenant_id, a.id, "submitted", ["pending"], { review_status: reviewStatus, updated_at: now }))) {
      throw new SealroomError("conflict", "This answer was decided meanwhile; reload the queue.");
    }
    if (await latestReviewOf(tx, a.tenant_id, a.id, "blind_sufficiency")) throw new SealroomError("conflict", "This answer already had its blind check.");
    if (decision === "mismatch") await setNeedsAdjudication(tx, a.tenant_id, a.item_id, true);
    await insertReview(tx, review);
    await s.audit.record(tx, eventBy(caller, { tenantId: a.tenant_id, action: "review.blind", objectType: "assignment", objectId: a.id, detail: { projectId: a.project_id, decision, reviewId: review.id } }));
  });
  return { reviewId: review.id, decision, reviewStatus };
}
