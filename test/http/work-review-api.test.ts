/**
 * The review routes over the in-process app (both dialects), unhappy paths
 * first: 401 → 403 (contractors) → 404 (other tenants, others' tasks) → 400
 * (bodies) → 409/423; then a whole review round through HTTP: claim, submit,
 * reject with a comment, the contractor reads the feedback and revises,
 * accept, the resolution record; and the adjudication and blind routes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TERMINAL } from "../../src/services/context.js";
import { pauseProject } from "../../src/services/work-pause.js";
import { answerFromGold, CONFLICT, sample } from "../unit/answers-fixtures.js";
import { client, type Client } from "../support/http.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItems, seedWork, type WorkWorld } from "../support/work.js";
import { PASSWORD } from "../support/world.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

const base = (w: WorkWorld) => `/api/tenants/${w.tenantId}/projects/${w.projectId}`;

async function as(w: WorkWorld, userId: string): Promise<Client> {
  const c = client(t.s);
  const r = await c.login(w.emails[userId]!, PASSWORD);
  expect(r.status).toBe(200);
  return c;
}

/** Claims and submits over HTTP; returns the assignment id. */
async function work(w: WorkWorld, c: Client, answer: unknown): Promise<string> {
  const claimed = await c.post(`${base(w)}/tasks/claim`);
  expect(claimed.status).toBe(200);
  const id = claimed.body.task.id as string;
  const sent = await c.post(`${base(w)}/tasks/${id}/submit`, { answer });
  expect(sent.status).toBe(201);
  return id;
}

describe("review API", () => {
  it("refuses strangers, contractors and other tenants, and bad bodies, before doing anything", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 2 });
    const other = await seedWork(t.s, { items: classItems(1), contractors: 1 });
    const c0 = await as(w, w.contractors[0]!);
    const a0 = await work(w, c0, { label: "positive" });

    expect((await client(t.s).post(`${base(w)}/reviews/next`)).status).toBe(401);
    const contractor = await c0.post(`${base(w)}/reviews/next`);
    expect(contractor.status).toBe(403);
    expect((await c0.post(`${base(w)}/reviews/${a0}`, { decision: "accept" })).status).toBe(403);
    expect((await c0.post(`${base(w)}/adjudications/next`)).status).toBe(403);
    expect((await c0.get(`${base(w)}/reviews/${a0}/blind`)).status).toBe(403);

    const stranger = await as(other, other.reviewers[0]!);
    expect((await stranger.post(`${base(w)}/reviews/next`)).status).toBe(404);
    expect((await stranger.post(`${base(w)}/reviews/${a0}`, { decision: "accept" })).status).toBe(404);
    // Their own tenant, our assignment id: still not found.
    expect((await stranger.post(`${base(other)}/reviews/${a0}`, { decision: "accept" })).status).toBe(404);

    const r0 = await as(w, w.reviewers[0]!);
    const noComment = await r0.post(`${base(w)}/reviews/${a0}`, { decision: "reject" });
    expect(noComment.status).toBe(400);
    expect(noComment.body.error.details.issues).toEqual([expect.objectContaining({ path: "comment" })]);
    expect((await r0.post(`${base(w)}/reviews/${a0}`, { decision: "fix" })).status).toBe(400);
    expect((await r0.post(`${base(w)}/reviews/${a0}`, { decision: "accept", answer: { label: "neutral" } })).status).toBe(400);
    expect((await r0.post(`${base(w)}/reviews/${a0}`, { decision: "maybe" })).status).toBe(400);
    expect((await r0.post(`${base(w)}/reviews/${a0}`, { decision: "accept", extra: 1 })).status).toBe(400);
    expect((await r0.post(`${base(w)}/adjudications/x`, { answerId: "a", answer: { label: "neutral" } })).status).toBe(400);
    expect((await r0.post(`${base(w)}/adjudications/x`, {})).status).toBe(400);
    // Classification has no blind check.
    expect((await r0.get(`${base(w)}/reviews/${a0}/blind`)).status).toBe(409);
    // Nothing above changed the answer's state.
    const row = await t.s.store.db.selectFrom("assignments").select(["status", "review_status"]).where("tenant_id", "=", w.tenantId).where("id", "=", a0).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "submitted", review_status: "pending" });
    expect(await t.s.store.db.selectFrom("reviews").selectAll().execute()).toHaveLength(0);
  });

  it("runs a review round: reject with a comment, feedback, revision, accept, resolution record", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 2 });
    const c0 = await as(w, w.contractors[0]!);
    const c1 = await as(w, w.contractors[1]!);
    const r0 = await as(w, w.reviewers[0]!);
    const a0 = await work(w, c0, { label: "positive" });
    expect((await c0.get(`${base(w)}/tasks/${a0}/feedback`)).body).toEqual({ feedback: null });

    const next = await r0.post(`${base(w)}/reviews/next`);
    expect(next.status).toBe(200);
    expect(next.body.review).toMatchObject({ assignmentId: a0, template: "classification", item: { text: "Text of it-0: the weather is fine." }, answer: { version: 1, kind: "submission", body: { label: "positive" } }, previousVersions: 0 });
    const rejected = await r0.post(`${base(w)}/reviews/${a0}`, { decision: "reject", comment: "Weather is neutral; please re-read." });
    expect(rejected.status).toBe(201);
    expect(rejected.body).toMatchObject({ decision: "reject", answerVersion: 1, resolution: null });
    expect((await r0.post(`${base(w)}/reviews/${a0}`, { decision: "accept" })).status).toBe(409);
    expect((await r0.post(`${base(w)}/reviews/next`)).body).toEqual({ review: null });

    const fb = await c0.get(`${base(w)}/tasks/${a0}/feedback`);
    expect(fb.status).toBe(200);
    expect(fb.body.feedback).toMatchObject({ decision: "reject", comment: "Weather is neutral; please re-read.", answerVersion: 1 });
    expect((await c1.get(`${base(w)}/tasks/${a0}/feedback`)).status).toBe(404);
    expect((await r0.get(`${base(w)}/tasks/${a0}/feedback`)).status).toBe(403);

    const revised = await c0.post(`${base(w)}/tasks/${a0}/submit`, { answer: { label: "neutral" } });
    expect(revised.body).toMatchObject({ version: 2, reviewPending: true });
    const again = await r0.post(`${base(w)}/reviews/next`);
    expect(again.body.review).toMatchObject({ answer: { version: 2, body: { label: "neutral" } }, previousVersions: 1 });
    const accepted = await r0.post(`${base(w)}/reviews/${a0}`, { decision: "accept" });
    expect(accepted.body).toMatchObject({ decision: "accept", resolution: { method: "reviewed" } });

    const itemId = again.body.review.itemId as string;
    expect((await c0.get(`${base(w)}/items/${itemId}/resolution`)).status).toBe(403);
    const res = await r0.get(`${base(w)}/items/${itemId}/resolution`);
    expect(res.status).toBe(200);
    expect(res.body.resolution).toMatchObject({ itemId, method: "reviewed", answerId: again.body.review.answer.id, answerIds: [again.body.review.answer.id], answer: { label: "neutral" } });
    expect(res.body.resolution.reviewIds).toHaveLength(2);
    expect((await r0.get(`${base(w)}/items/nope/resolution`)).status).toBe(404);
  });

  it("answers 423 while the project is paused", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "all" } }, items: classItems(1), contractors: 1 });
    const c0 = await as(w, w.contractors[0]!);
    const a0 = await work(w, c0, { label: "positive" });
    const r0 = await as(w, w.reviewers[0]!);
    await pauseProject(t.s, (await w.ctx()).project, "Sources under re-check", TERMINAL);
    const r = await r0.post(`${base(w)}/reviews/next`);
    expect(r.status).toBe(423);
    expect(r.body.error.code).toBe("paused");
    expect((await r0.post(`${base(w)}/reviews/${a0}`, { decision: "accept" })).status).toBe(423);
    expect((await r0.post(`${base(w)}/adjudications/next`)).status).toBe(423);
  });

  it("adjudicates disagreeing answers by label, without contractor ids", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, review: { mode: "none" } }, items: classItems(1), contractors: 2 });
    await work(w, await as(w, w.contractors[0]!), { label: "positive" });
    await work(w, await as(w, w.contractors[1]!), { label: "negative" });
    const r0 = await as(w, w.reviewers[0]!);
    const view = await r0.post(`${base(w)}/adjudications/next`);
    expect(view.status).toBe(200);
    const adj = view.body.adjudication;
    expect(adj.answers.map((a: any) => [a.label, a.answer.label, a.fields.label])).toEqual([
      ["A1", "positive", "positive"],
      ["A2", "negative", "negative"],
    ]);
    expect(adj.differences).toEqual([{ field: "label", values: { A1: "positive", A2: "negative" } }]);
    for (const c of w.contractors) expect(JSON.stringify(view.body)).not.toContain(c);
    const done = await r0.post(`${base(w)}/adjudications/${adj.itemId}`, { answer: { label: "neutral" } });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ method: "adjudicated", answerId: null });
    expect((await r0.post(`${base(w)}/adjudications/${adj.itemId}`, { answerId: adj.answers[0].answerId })).status).toBe(409);
    expect((await r0.get(`${base(w)}/items/${adj.itemId}/resolution`)).body.resolution).toMatchObject({ method: "adjudicated", answer: { label: "neutral" } });
    expect((await r0.post(`${base(w)}/adjudications/next`)).body).toEqual({ adjudication: null });
  });

  it("serves the blind view without the verdict or sources, and escalates on a mismatch", async () => {
    const item = sample(CONFLICT);
    const w = await seedWork(t.s, { template: "claim-verification", config: { review: { mode: "all" } }, items: [{ externalId: CONFLICT, payload: item, isGold: false }], contractors: 1 });
    const a0 = await work(w, await as(w, w.contractors[0]!), answerFromGold(item));
    const r0 = await as(w, w.reviewers[0]!);
    const blind = await r0.get(`${base(w)}/reviews/${a0}/blind`);
    expect(blind.status).toBe(200);
    expect(blind.body.blind.claim).toBe(item.claim.text);
    expect(blind.body.blind.evidenceSets).toEqual([{ quotes: [item.sources[0].snapshot.text] }, { quotes: [item.sources[1].snapshot.text] }]);
    for (const hidden of ["CONFLICTING", "SOURCES_DISAGREE", "SUPPORTS", "REFUTES", "wikipedia.org", "revision diff"]) expect(JSON.stringify(blind.body), hidden).not.toContain(hidden);
    expect((await r0.post(`${base(w)}/reviews/${a0}/blind`, { verdict: "MAYBE" })).status).toBe(400);
    const checked = await r0.post(`${base(w)}/reviews/${a0}/blind`, { verdict: "REFUTED" });
    expect(checked.status).toBe(201);
    expect(checked.body).toMatchObject({ decision: "mismatch", reviewStatus: "escalated" });
    expect((await r0.post(`${base(w)}/reviews/${a0}/blind`, { verdict: "REFUTED" })).status).toBe(409);
    expect((await r0.post(`${base(w)}/adjudications/next`)).body.adjudication.answers[0].reviewStatus).toBe("escalated");
  });
});
