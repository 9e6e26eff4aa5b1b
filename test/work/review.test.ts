/**
 * The review side on both dialects: reject → revision → accept → resolved
 * "reviewed"; a fix keeps both versions; disagreeing overlap-2 answers go to
 * adjudication; the blind sufficiency check shows only the claim and the
 * cited quotes and escalates on a mismatch; and the refusals: own answers,
 * contractors, non-members, other tenants, pause, racing decisions.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import { TERMINAL } from "../../src/services/context.js";
import { addProjectMember, removeProjectMember } from "../../src/services/project-admin.js";
import { adjudicate, nextForAdjudication, readResolution } from "../../src/services/work-adjudicate.js";
import { pauseProject } from "../../src/services/work-pause.js";
import { claimNext, viewTask } from "../../src/services/work-queue.js";
import { blindCheck, blindViewOf, decideReview, nextForReview, taskFeedback } from "../../src/services/work-review.js";
import { submitTask } from "../../src/services/work-submit.js";
import { upsertMembership } from "../../src/store/repos/tenants.js";
import { answerFromGold, CONFLICT, quote, sample, SUPPORTED } from "../unit/answers-fixtures.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItems, errorCode, seedWork, type WorkWorld } from "../support/work.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

/** Claims and submits `answer` as `user`; returns the assignment id. */
async function answer(w: WorkWorld, user: string, body: unknown): Promise<string> {
  const task = (await claimNext(t.s, await w.ctx(), user, w.as(user))).task!;
  await submitTask(t.s, await w.ctx(), user, task.assignmentId, body, w.as(user));
  return task.assignmentId;
}

const assignment = (w: WorkWorld, id: string) => t.s.store.db.selectFrom("assignments").selectAll().where("tenant_id", "=", w.tenantId).where("id", "=", id).executeTakeFirstOrThrow();
const resolutions = (w: WorkWorld) => t.s.store.db.selectFrom("resolutions").selectAll().where("tenant_id", "=", w.tenantId).execute();
const audits = (action: string) => t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", action).execute();

describe("review decisions", () => {
  it("reject goes back to the same contractor with the comment; the revision is version 2; accept resolves it as reviewed", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const r0 = w.reviewers[0]!;
    const a0 = await answer(w, c0, { label: "positive" });
    expect(await resolutions(w)).toHaveLength(0);

    const view = (await nextForReview(t.s, await w.ctx(), r0, w.as(r0)))!;
    expect(view.assignmentId).toBe(a0);
    expect(view.item["text"]).toBe("Text of it-0: the weather is fine.");
    expect(view.answer).toMatchObject({ version: 1, kind: "submission", body: { label: "positive" } });
    expect(view.previousVersions).toBe(0);
    expect((await audits("item.read")).filter((e) => e.actor_id === r0)).toHaveLength(1);

    expect(await errorCode(decideReview(t.s, await w.ctx(), r0, a0, { decision: "reject", comment: "  " }, w.as(r0)))).toBe("validation_failed");
    await decideReview(t.s, await w.ctx(), r0, a0, { decision: "reject", comment: "The text is about the weather; read it again." }, w.as(r0));
    expect(await assignment(w, a0)).toMatchObject({ status: "returned", review_status: "rejected" });
    expect(await nextForReview(t.s, await w.ctx(), r0, w.as(r0))).toBeNull();

    const fb = (await taskFeedback(t.s, await w.ctx(), c0, a0, w.as(c0)))!;
    expect(fb).toMatchObject({ decision: "reject", comment: "The text is about the weather; read it again.", answerVersion: 1 });
    expect(await audits("review.feedback.read")).toHaveLength(1);
    expect(await errorCode(taskFeedback(t.s, await w.ctx(), c1, a0, w.as(c1)))).toBe("not_found");
    // The review body is sealed: the comment is not in the row in plaintext.
    const row = await t.s.store.db.selectFrom("reviews").select("body").where("tenant_id", "=", w.tenantId).executeTakeFirstOrThrow();
    expect(Buffer.from(row.body).toString("latin1")).not.toContain("weather");

    expect((await viewTask(t.s, await w.ctx(), c0, a0, w.as(c0))).status).toBe("returned");
    const rev = await submitTask(t.s, await w.ctx(), c0, a0, { label: "neutral" }, w.as(c0));
    expect(rev).toMatchObject({ version: 2, reviewPending: true });

    const again = (await nextForReview(t.s, await w.ctx(), r0, w.as(r0)))!;
    expect(again.answer).toMatchObject({ version: 2, body: { label: "neutral" } });
    expect(again.previousVersions).toBe(1);
    const done = await decideReview(t.s, await w.ctx(), r0, a0, { decision: "accept" }, w.as(r0));
    expect(done.resolution?.method).toBe("reviewed");
    expect(await errorCode(decideReview(t.s, await w.ctx(), r0, a0, { decision: "accept" }, w.as(r0)))).toBe("conflict");

    const res = await readResolution(t.s, await w.ctx(), r0, again.itemId, w.as(r0));
    expect(res).toMatchObject({ method: "reviewed", answerId: again.answer.id, answer: { label: "neutral" } });
    expect(res.answerIds).toEqual([again.answer.id]);
    expect(res.reviewIds).toHaveLength(2);
    expect(await audits("resolution.read")).toHaveLength(1);
    expect((await audits("review.decide")).map((e) => JSON.parse(e.detail!).decision)).toEqual(["reject", "accept"]);
    expect((await taskFeedback(t.s, await w.ctx(), c0, a0, w.as(c0)))!.decision).toBe("accept");
  });

  it("a fix is checked against the item, becomes a new version by the reviewer, and keeps the original", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 1 });
    const c0 = w.contractors[0]!;
    const r0 = w.reviewers[0]!;
    const a0 = await answer(w, c0, { label: "positive" });
    expect(await errorCode(decideReview(t.s, await w.ctx(), r0, a0, { decision: "fix" }, w.as(r0)))).toBe("validation_failed");
    try {
      await decideReview(t.s, await w.ctx(), r0, a0, { decision: "fix", answer: { label: "purple" } }, w.as(r0));
      expect.unreachable();
    } catch (e) {
      expect((e as SealroomError).code).toBe("validation_failed");
      expect((e as SealroomError).details.issues).toEqual([expect.objectContaining({ path: "label" })]);
    }
    const r = await decideReview(t.s, await w.ctx(), r0, a0, { decision: "fix", answer: { label: "neutral" }, comment: "Neutral: no opinion given." }, w.as(r0));
    expect(r).toMatchObject({ decision: "fix", answerVersion: 2, resolution: { method: "reviewed" } });
    const versions = await t.s.store.db.selectFrom("answers").selectAll().where("tenant_id", "=", w.tenantId).orderBy("version").execute();
    expect(versions.map((v) => [v.version, v.kind, v.author_id])).toEqual([
      [1, "submission", c0],
      [2, "fix", r0],
    ]);
    expect(await assignment(w, a0)).toMatchObject({ status: "submitted", review_status: "fixed", answer_version: 2 });
    const res = await readResolution(t.s, await w.ctx(), r0, versions[0]!.item_id, w.as(r0));
    expect(res).toMatchObject({ answerId: versions[1]!.id, answer: { label: "neutral" } });
  });

  it("a lab admin reviews without project membership; project reviewers only while members; contractors never", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(2), contractors: 2, reviewers: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const [r0, r1] = w.reviewers as [string, string];
    const a0 = await answer(w, c0, { label: "positive" });
    await removeProjectMember(t.s, (await w.ctx()).project, r1, TERMINAL);
    expect(await errorCode(nextForReview(t.s, await w.ctx(), r1, w.as(r1)))).toBe("forbidden");
    expect(await errorCode(nextForReview(t.s, await w.ctx(), c1, w.as(c1)))).toBe("forbidden");
    expect(await errorCode(decideReview(t.s, await w.ctx(), c1, a0, { decision: "accept" }, w.as(c1)))).toBe("forbidden");
    expect(await errorCode(nextForAdjudication(t.s, await w.ctx(), c1, w.as(c1)))).toBe("forbidden");
    expect(await errorCode(readResolution(t.s, await w.ctx(), c1, "x", w.as(c1)))).toBe("forbidden");
    expect((await assignment(w, a0)).review_status).toBe("pending");
    const r = await decideReview(t.s, await w.ctx(), w.admin, a0, { decision: "accept" }, w.as(w.admin));
    expect(r.resolution?.method).toBe("reviewed");
    expect(await nextForReview(t.s, await w.ctx(), r0, w.as(r0))).toBeNull();
  });

  it("never lets a reviewer review or adjudicate their own answer", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, review: { mode: "all" } }, items: classItems(1), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const a0 = await answer(w, c0, { label: "positive" });
    const a1 = await answer(w, c1, { label: "negative" });
    // c0 is promoted to reviewer after answering.
    await upsertMembership(t.s.store.db, w.tenantId, c0, "reviewer", t.s.now());
    await addProjectMember(t.s, (await w.ctx()).project, c0, "reviewer", TERMINAL);
    expect((await nextForReview(t.s, await w.ctx(), c0, w.as(c0)))!.assignmentId).toBe(a1);
    expect(await errorCode(decideReview(t.s, await w.ctx(), c0, a0, { decision: "accept" }, w.as(c0)))).toBe("forbidden");
    const r0 = w.reviewers[0]!;
    await decideReview(t.s, await w.ctx(), r0, a0, { decision: "accept" }, w.as(r0));
    await decideReview(t.s, await w.ctx(), r0, a1, { decision: "accept" }, w.as(r0));
    const item = (await assignment(w, a0)).item_id;
    expect(await nextForAdjudication(t.s, await w.ctx(), c0, w.as(c0))).toBeNull();
    expect(await errorCode(adjudicate(t.s, await w.ctx(), c0, item, { answer: { label: "neutral" } }, w.as(c0)))).toBe("forbidden");
    expect((await nextForAdjudication(t.s, await w.ctx(), r0, w.as(r0)))!.itemId).toBe(item);
  });

  it("refuses with 423 while the project is paused, and records the attempt", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 1 });
    const a0 = await answer(w, w.contractors[0]!, { label: "positive" });
    const r0 = w.reviewers[0]!;
    await pauseProject(t.s, (await w.ctx()).project, "Sources under re-check", TERMINAL);
    expect(await errorCode(nextForReview(t.s, await w.ctx(), r0, w.as(r0)))).toBe("paused");
    expect(await errorCode(decideReview(t.s, await w.ctx(), r0, a0, { decision: "accept" }, w.as(r0)))).toBe("paused");
    expect(await errorCode(nextForAdjudication(t.s, await w.ctx(), r0, w.as(r0)))).toBe("paused");
    const blocked = await t.s.store.db.selectFrom("blocked_attempts").selectAll().where("tenant_id", "=", w.tenantId).execute();
    expect(blocked.map((b) => b.action)).toEqual(["review", "review", "adjudicate"]);
    expect((await assignment(w, a0)).review_status).toBe("pending");
  });

  it("an answer from another tenant does not exist", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 1 });
    const other = await seedWork(t.s, { items: classItems(1), contractors: 1 });
    const a0 = await answer(w, w.contractors[0]!, { label: "positive" });
    const item = (await assignment(w, a0)).item_id;
    expect(await errorCode(decideReview(t.s, await other.ctx(), other.reviewers[0]!, a0, { decision: "accept" }, other.as(other.reviewers[0]!)))).toBe("not_found");
    expect(await errorCode(readResolution(t.s, await other.ctx(), other.reviewers[0]!, item, other.as(other.reviewers[0]!)))).toBe("not_found");
  });

  it("two racing decisions on one answer: one wins, the other is a conflict, one review row", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 1, reviewers: 2 });
    const a0 = await answer(w, w.contractors[0]!, { label: "positive" });
    const [r0, r1] = w.reviewers as [string, string];
    const ctx = await w.ctx();
    const outcomes = await Promise.all([
      errorCode(decideReview(t.s, ctx, r0, a0, { decision: "accept" }, w.as(r0))),
      errorCode(decideReview(t.s, ctx, r1, a0, { decision: "reject", comment: "Not what the text says." }, w.as(r1))),
    ]);
    expect(outcomes.sort()).toEqual(["conflict", "ok"]);
    expect(await t.s.store.db.selectFrom("reviews").selectAll().where("tenant_id", "=", w.tenantId).execute()).toHaveLength(1);
    const a = await assignment(w, a0);
    const expected = a.review_status === "accepted" ? { status: "submitted", resolutions: 1 } : { status: "returned", resolutions: 0 };
    expect(["accepted", "rejected"]).toContain(a.review_status);
    expect({ status: a.status, resolutions: (await resolutions(w)).length }).toEqual(expected);
  });
});

describe("resolution after review", () => {
  it("accepting both answers of an overlap-2 item at once resolves it exactly once", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, review: { mode: "all" } }, items: classItems(1), contractors: 2, reviewers: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const [r0, r1] = w.reviewers as [string, string];
    const a0 = await answer(w, c0, { label: "positive" });
    const a1 = await answer(w, c1, { label: "positive" });
    const ctx = await w.ctx();
    const [x, y] = await Promise.all([decideReview(t.s, ctx, r0, a0, { decision: "accept" }, w.as(r0)), decideReview(t.s, ctx, r1, a1, { decision: "accept" }, w.as(r1))]);
    expect([x.resolution?.method, y.resolution?.method].filter(Boolean)).toContain("unanimous");
    expect((await resolutions(w)).map((r) => r.method)).toEqual(["unanimous"]);
  });
});

describe("adjudication", () => {
  it("shows disagreeing answers side by side without contractor ids, and resolves with the chosen or the adjudicator's own answer", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, review: { mode: "none" } }, items: classItems(2), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const r0 = w.reviewers[0]!;
    const x0 = await answer(w, c0, { label: "positive" });
    await answer(w, c1, { label: "negative" });
    await answer(w, c0, { label: "neutral" });
    await answer(w, c1, { label: "negative" });
    expect(await resolutions(w)).toHaveLength(0);
    const item0 = (await assignment(w, x0)).item_id;

    const view = (await nextForAdjudication(t.s, await w.ctx(), r0, w.as(r0)))!;
    expect(view.itemId).toBe(item0);
    expect(view.item["text"]).toBe("Text of it-0: the weather is fine.");
    expect(view.answers.map((a) => [a.label, a.answer, a.reviewStatus])).toEqual([
      ["A1", { label: "positive" }, "none"],
      ["A2", { label: "negative" }, "none"],
    ]);
    expect(view.differences).toEqual([{ field: "label", values: { A1: "positive", A2: "negative" } }]);
    const shown = JSON.stringify(view);
    for (const c of w.contractors) expect(shown).not.toContain(c);
    expect((await audits("item.read")).filter((e) => e.actor_id === r0 && e.object_id === item0)).toHaveLength(1);

    expect(await errorCode(adjudicate(t.s, await w.ctx(), r0, item0, { answerId: "not-an-answer" }, w.as(r0)))).toBe("validation_failed");
    expect(await errorCode(adjudicate(t.s, await w.ctx(), r0, item0, { answer: { label: "purple" } }, w.as(r0)))).toBe("validation_failed");
    const [first, second] = await Promise.all([
      errorCode(adjudicate(t.s, await w.ctx(), r0, item0, { answerId: view.answers[1]!.answerId }, w.as(r0))),
      errorCode(adjudicate(t.s, await w.ctx(), w.admin, item0, { answerId: view.answers[0]!.answerId }, w.as(w.admin))),
    ]);
    expect([first, second].sort()).toEqual(["conflict", "ok"]);
    const res = await readResolution(t.s, await w.ctx(), r0, item0, w.as(r0));
    expect(res.method).toBe("adjudicated");
    expect(res.answer).toEqual(first === "ok" ? { label: "negative" } : { label: "positive" });
    expect(res.resolvedBy).toBe(first === "ok" ? r0 : w.admin);

    const next = (await nextForAdjudication(t.s, await w.ctx(), r0, w.as(r0)))!;
    expect(next.itemId).not.toBe(item0);
    await adjudicate(t.s, await w.ctx(), r0, next.itemId, { answer: { label: "neutral" } }, w.as(r0));
    const own = await readResolution(t.s, await w.ctx(), r0, next.itemId, w.as(r0));
    expect(own).toMatchObject({ method: "adjudicated", answerId: null, answer: { label: "neutral" } });
    expect(await nextForAdjudication(t.s, await w.ctx(), r0, w.as(r0))).toBeNull();
    const items = await t.s.store.db.selectFrom("items").select(["needs_adjudication", "resolved_at"]).where("tenant_id", "=", w.tenantId).execute();
    expect(items.every((i) => i.needs_adjudication === 0 && i.resolved_at !== null)).toBe(true);
    expect(await errorCode(adjudicate(t.s, await w.ctx(), r0, item0, { answer: { label: "neutral" } }, w.as(r0)))).toBe("conflict");
  });
});

describe("blind sufficiency check (claim-verification)", () => {
  /** The Gremlins item with an answer that cites only the year phrases (design §2.3 example). */
  function gremlins() {
    const item = sample(CONFLICT);
    const a = answerFromGold(item);
    for (const sa of a["source_assessments"]) {
      const text = item["sources"].find((s: any) => s.source_id === sa.source_id).snapshot.text;
      sa.evidence_spans = [quote(text, 31, 63, sa.stance === "REFUTES" ? "REFUTES" : "SUPPORTS")];
    }
    return { item, answer: a };
  }

  it("shows the claim and the cited quotes only; a mismatch escalates the item to adjudication", async () => {
    const g = gremlins();
    const w = await seedWork(t.s, { template: "claim-verification", config: { review: { mode: "all" } }, items: [{ externalId: CONFLICT, payload: g.item, isGold: false }], contractors: 1 });
    const c0 = w.contractors[0]!;
    const r0 = w.reviewers[0]!;
    const a0 = await answer(w, c0, g.answer);

    const view = await blindViewOf(t.s, await w.ctx(), r0, a0, w.as(r0));
    const shown = JSON.stringify(view);
    expect(view.claim).toBe(g.item["claim"].text);
    expect(view.evidence_sets).toEqual([{ quotes: ["1990 American comedy horror film"] }, { quotes: ["1988 American horror comedy film"] }]);
    for (const hidden of ["CONFLICTING", "SOURCES_DISAGREE", "SUPPORTS", "REFUTES", "MEDIUM", "wikipedia.org", "revision diff", "Wikipedia", "sequel", "(1984)", "justification", "settles"]) {
      expect(shown, hidden).not.toContain(hidden);
    }
    expect((await audits("item.read")).filter((e) => e.actor_id === r0)).toHaveLength(1);

    const r = await blindCheck(t.s, await w.ctx(), r0, a0, "SUPPORTED", w.as(r0));
    expect(r).toMatchObject({ decision: "mismatch", reviewStatus: "escalated" });
    expect(await assignment(w, a0)).toMatchObject({ status: "submitted", review_status: "escalated" });
    const item = await t.s.store.db.selectFrom("items").select(["id", "needs_adjudication"]).where("tenant_id", "=", w.tenantId).executeTakeFirstOrThrow();
    expect(item.needs_adjudication).toBe(1);
    const reviews = await t.s.store.db.selectFrom("reviews").selectAll().where("tenant_id", "=", w.tenantId).execute();
    expect(reviews.map((x) => [x.mode, x.decision, x.assignment_id])).toEqual([["blind_sufficiency", "mismatch", a0]]);
    expect(await errorCode(blindCheck(t.s, await w.ctx(), r0, a0, "REFUTED", w.as(r0)))).toBe("conflict");
    expect(await errorCode(decideReview(t.s, await w.ctx(), r0, a0, { decision: "accept" }, w.as(r0)))).toBe("conflict");
    expect(await nextForReview(t.s, await w.ctx(), r0, w.as(r0))).toBeNull();

    const adj = (await nextForAdjudication(t.s, await w.ctx(), r0, w.as(r0)))!;
    expect(adj.answers.map((a) => [a.label, a.reviewStatus])).toEqual([["A1", "escalated"]]);
    expect(adj.differences).toEqual([]);
    await adjudicate(t.s, await w.ctx(), r0, item.id, { answerId: adj.answers[0]!.answerId }, w.as(r0));
    expect((await assignment(w, a0)).review_status).toBe("accepted");
    expect((await readResolution(t.s, await w.ctx(), r0, item.id, w.as(r0))).method).toBe("adjudicated");
  });

  it("a match leaves the answer in review; blind checks are refused on other templates and to contractors", async () => {
    const item = sample(SUPPORTED);
    const w = await seedWork(t.s, { template: "claim-verification", config: { review: { mode: "all" } }, items: [{ externalId: SUPPORTED, payload: item, isGold: false }], contractors: 1 });
    const r0 = w.reviewers[0]!;
    const a0 = await answer(w, w.contractors[0]!, answerFromGold(item));
    expect(await errorCode(blindViewOf(t.s, await w.ctx(), w.contractors[0]!, a0, w.as(w.contractors[0]!)))).toBe("forbidden");
    expect(await blindCheck(t.s, await w.ctx(), r0, a0, "SUPPORTED", w.as(r0))).toMatchObject({ decision: "match", reviewStatus: "pending" });
    expect((await assignment(w, a0)).review_status).toBe("pending");
    expect((await nextForReview(t.s, await w.ctx(), r0, w.as(r0)))!.assignmentId).toBe(a0);

    const cls = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 1 });
    const b0 = await answer(cls, cls.contractors[0]!, { label: "positive" });
    const rc = cls.reviewers[0]!;
    expect(await errorCode(blindViewOf(t.s, await cls.ctx(), rc, b0, cls.as(rc)))).toBe("conflict");
    expect(await errorCode(blindCheck(t.s, await cls.ctx(), rc, b0, "SUPPORTED", cls.as(rc)))).toBe("conflict");
  });
});
