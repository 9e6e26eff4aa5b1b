/**
 * Review, blind sufficiency checks, adjudication and resolution records, for
 * a tenant's reviewers and lab admins (signed-in people); plus the
 * contractor's view of the feedback on their own task.
 */
import { isoTime as iso } from "../../domain/time.js";
import { z } from "zod";
import { adjudicate, nextForAdjudication, readResolution, type AdjudicationView, type ResolutionRecord } from "../../services/work-adjudicate.js";
import { blindCheck, blindViewOf, decideReview, MAX_COMMENT, MIN_COMMENT, nextForReview, taskFeedback, VERDICTS, type ReviewView } from "../../services/work-review.js";
import { json, route } from "../route.js";
import { workFor } from "../work-access.js";

const PROJECT = "/api/tenants/:tenant/projects/:project";

function presentReview(r: ReviewView) {
  return {
    assignmentId: r.assignmentId,
    itemId: r.itemId,
    template: r.template,
    item: r.item,
    answer: { id: r.answer.id, version: r.answer.version, kind: r.answer.kind, createdAt: iso(r.answer.createdAt), activeSeconds: Math.round(r.answer.activeMs / 1000), body: r.answer.body },
    previousVersions: r.previousVersions,
  };
}

function presentAdjudication(v: AdjudicationView) {
  return {
    itemId: v.itemId,
    template: v.template,
    item: v.item,
    answers: v.answers.map((a) => ({ label: a.label, answerId: a.answerId, version: a.version, kind: a.kind, reviewStatus: a.reviewStatus, answer: a.answer, fields: a.record })),
    differences: v.differences.map((d) => ({ field: d.field, values: { ...d.values } })),
  };
}

function presentResolution(r: ResolutionRecord) {
  return { id: r.id, itemId: r.itemId, method: r.method, answerId: r.answerId, answerIds: r.answerIds, reviewIds: r.reviewIds, resolvedBy: r.resolvedBy, createdAt: iso(r.createdAt), answer: r.answer };
}

const decisionBody = z
  .strictObject({
    decision: z.enum(["accept", "reject", "fix"]),
    comment: z.string().max(MAX_COMMENT).optional(),
    answer: z.unknown().optional(),
  })
  .superRefine((b, ctx) => {
    if (b.decision === "reject" && (b.comment?.trim().length ?? 0) < MIN_COMMENT) ctx.addIssue({ code: "custom", path: ["comment"], message: `a rejection needs a comment of ${MIN_COMMENT} to ${MAX_COMMENT} characters` });
    if (b.decision === "fix" && b.answer === undefined) ctx.addIssue({ code: "custom", path: ["answer"], message: "a fix needs the corrected answer" });
    if (b.decision !== "fix" && b.answer !== undefined) ctx.addIssue({ code: "custom", path: ["answer"], message: "only a fix carries an answer" });
  });

const adjudicationBody = z.union([
  z.strictObject({ answerId: z.string().min(1).max(64) }),
  z.strictObject({ answer: z.unknown() }).refine((b) => b.answer !== undefined, { path: ["answer"], message: "is required" }),
]);

export const reviewRoutes = [
  route({
    method: "POST",
    path: `${PROJECT}/reviews/next`,
    auth: "session",
    summary: "The oldest answer waiting for review that you did not write, with its item (audited as an item read); {review: null} when there is none.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.review");
      const r = await nextForReview(s, ctx, userId, caller);
      return json({ review: r ? presentReview(r) : null });
    },
  }),
  route({
    method: "POST",
    path: `${PROJECT}/reviews/:assignmentId`,
    auth: "session",
    summary: "Decide on a pending answer: accept; reject with a comment (back to its contractor for revision); or fix (your corrected answer becomes a new version; the original is kept).",
    body: decisionBody,
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.review");
      const r = await decideReview(s, ctx, userId, params["assignmentId"]!, body, caller);
      return json({ reviewId: r.reviewId, decision: r.decision, answerVersion: r.answerVersion, resolution: r.resolution }, 201);
    },
  }),
  route({
    method: "GET",
    path: `${PROJECT}/reviews/:assignmentId/blind`,
    auth: "session",
    summary: "Claim-verification only: the blind view of a pending answer (the claim and the cited quotes, no sources or verdict); audited as an item read.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.review");
      const v = await blindViewOf(s, ctx, userId, params["assignmentId"]!, caller);
      return json({ blind: { claim: v.claim, question: v.question, evidenceSets: v.evidence_sets.map((set) => ({ quotes: [...set.quotes] })) } });
    },
  }),
  route({
    method: "POST",
    path: `${PROJECT}/reviews/:assignmentId/blind`,
    auth: "session",
    summary: "Claim-verification only: your verdict from the blind view; a mismatch with the contractor's escalates the item to adjudication.",
    body: z.strictObject({ verdict: z.enum(VERDICTS) }),
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.review");
      const r = await blindCheck(s, ctx, userId, params["assignmentId"]!, body.verdict, caller);
      return json({ reviewId: r.reviewId, decision: r.decision, reviewStatus: r.reviewStatus }, 201);
    },
  }),
  route({
    method: "POST",
    path: `${PROJECT}/adjudications/next`,
    auth: "session",
    summary: "The oldest item waiting for adjudication: the item and every answer side by side (labelled A1..An, no contractor ids) with the fields that differ; {adjudication: null} when none.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.review");
      const v = await nextForAdjudication(s, ctx, userId, caller);
      return json({ adjudication: v ? presentAdjudication(v) : null });
    },
  }),
  route({
    method: "POST",
    path: `${PROJECT}/adjudications/:itemId`,
    auth: "session",
    summary: "Resolve an item waiting for adjudication: {answerId} picks one of its answers, {answer} gives your own (checked against the item).",
    body: adjudicationBody,
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.review");
      const r = await adjudicate(s, ctx, userId, params["itemId"]!, body, caller);
      return json({ resolutionId: r.resolutionId, method: "adjudicated", answerId: r.answerId }, 201);
    },
  }),
  route({
    method: "GET",
    path: `${PROJECT}/items/:itemId/resolution`,
    auth: "session",
    summary: "An item's resolution record: method, the answers and reviews behind it, and the final answer (audited as resolution.read).",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.review");
      return json({ resolution: presentResolution(await readResolution(s, ctx, userId, params["itemId"]!, caller)) });
    },
  }),
  route({
    method: "GET",
    path: `${PROJECT}/tasks/:id/feedback`,
    auth: "session",
    summary: "The latest review decision on your own task and the reviewer's comment; {feedback: null} before any review.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      const f = await taskFeedback(s, ctx, userId, params["id"]!, caller);
      return json({ feedback: f ? { decision: f.decision, comment: f.comment, answerVersion: f.answerVersion, at: iso(f.at) } : null });
    },
  }),
];
