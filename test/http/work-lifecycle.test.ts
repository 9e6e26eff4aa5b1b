/**
 * A whole claim-verification project over HTTP, on both dialects, with three
 * contractors, a reviewer and a lab admin (session with TOTP for people-only
 * routes, an API token it mints for the rest): gold onboarding, overlap 2
 * with answers blind to each other, lease expiry on the test clock, skips,
 * a pause in the middle of work and the resume that gives it all back,
 * review (reject → revise → accept, fix), adjudication, resolution records,
 * agreement, export, hours and the audit trail of every task read.
 *
 * The blocks share one project and run in order: each picks up the state the
 * previous one left, as a real project would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerFromGold, CONFLICT, sample } from "../unit/answers-fixtures.js";
import { client, type Client, type Reply } from "../support/http.js";
import { makeServices, type TestContext } from "../support/services.js";
import { sampleItems, seedWork, signIn, type WorkWorld } from "../support/work.js";

const MIN = 60_000;
const G1 = "demo-fever2-500075"; // REFUTED, one source
const G2 = CONFLICT; // CONFLICTING_EVIDENCE, two sources
const [N1, N2, N3, N4, N5] = ["demo-fever2-500009", "demo-fever2-500013", "demo-fever2-500311", "demo-fever2-500332", "demo-fever2-500061"] as const;
const ORIGINAL = new Map([G1, G2, N1, N2, N3, N4, N5].map((id) => [id, sample(id)]));
const EXPORT_KEYS = ["annotation_ids", "answer_to_question", "claim_flags", "claim_rewrite", "confidence", "confidence_mean", "conflict_type", "evidence_sets", "item_hash", "item_id", "justification", "method", "missing_evidence", "resolution_id", "review_ids", "schema", "source_stances", "verdict", "verdict_distribution"];

interface Worker {
  readonly n: number;
  readonly id: string;
  readonly c: Client;
}

let t: TestContext;
let w: WorkWorld;
let admin: Client; // the lab admin's session (TOTP): hours decisions, blocked attempts
let token: Client; // an API token the lab admin minted: project administration, reports, audit
let reviewer: Client;
let reviewerId: string;
const workers: Worker[] = [];
/** Every successful task read (claim or GET), by request id, for the audit check at the end. */
const reads = new Map<string, string>();
/** Assignment ids by `${worker}:${item}`. */
const held = new Map<string, string>();

const P = () => `/api/tenants/${w.tenantId}/projects/${w.projectId}`;
const H = () => `/api/tenants/${w.tenantId}/hours`;
const mark = (n: number) => `written-by-worker-${n}`;
const task = (k: Worker, item: string) => held.get(`${k.n}:${item}`)!;

/** A valid answer from the item's original gold, signed with the worker's marker so leaks can be spotted. */
function answer(item: string, n: number): Record<string, any> {
  const a = answerFromGold(ORIGINAL.get(item)!);
  return { ...a, justification: `${a.justification.slice(0, -1)} (${mark(n)}).` };
}

/** The same answer with another verdict that still validates: NOT_ENOUGH_EVIDENCE says what is missing. */
function disagreeing(item: string, n: number): Record<string, any> {
  return { ...answer(item, n), verdict: "NOT_ENOUGH_EVIDENCE", conflict_type: null, missing_evidence: "A dated source that states it outright." };
}

/** A contractor's request; no reply to a contractor may carry another contractor's id or words. */
async function call(k: Worker, method: string, path: string, body?: unknown): Promise<Reply> {
  const r = await k.c.request(method, path, body);
  const text = JSON.stringify(r.body ?? null);
  for (const o of workers.filter((x) => x !== k)) {
    expect(text).not.toContain(mark(o.n));
    expect(text).not.toContain(o.id);
  }
  return r;
}

/** The sample a task shows, by its claim text; the task itself must not say gold, item id or provenance. */
function itemOf(view: Record<string, any>): string {
  expect(JSON.stringify(view)).not.toMatch(/gold|item_id|provenance|derivation|DATASET_IMPORT/i);
  const found = [...ORIGINAL.entries()].find(([, s]) => s.claim.text === view.item.claim.text);
  if (!found) throw new Error("a task with an unknown claim");
  return found[0];
}

/** Records a read that returned a task. */
function counted(k: Worker, r: Reply): Record<string, any> {
  expect(r.status).toBe(200);
  reads.set(r.headers.get("x-request-id")!, k.id);
  return r.body.task;
}

/** Claims the next task, expecting `item`; remembers the assignment. */
async function claim(k: Worker, item: string): Promise<Record<string, any>> {
  const got = counted(k, await call(k, "POST", `${P()}/tasks/claim`));
  expect(itemOf(got)).toBe(item);
  held.set(`${k.n}:${item}`, got.id);
  return got;
}

async function open(k: Worker, id: string): Promise<Record<string, any>> {
  return counted(k, await call(k, "GET", `${P()}/tasks/${id}`));
}

/** Spends a minute on the task, then submits. */
async function submit(k: Worker, item: string, body: unknown): Promise<Record<string, any>> {
  t.advance(MIN);
  const r = await call(k, "POST", `${P()}/tasks/${task(k, item)}/submit`, { answer: body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function decide(assignmentId: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await reviewer.post(`${P()}/reviews/${assignmentId}`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

beforeAll(async () => {
  t = await makeServices({ sessionIdleMs: 12 * 60 * MIN });
  w = await seedWork(t.s, {
    template: "claim-verification",
    config: { overlap: 2, leaseMinutes: 10, skipPolicy: "reason_required", review: { mode: "all" }, gold: { ratio: 0.25, onboarding: 1, accuracyThreshold: 0.5, minAnswered: 1 } },
    items: sampleItems([...ORIGINAL.values()], new Set([G1, G2])), // the non-gold ones without their gold block
    contractors: 3,
    reviewers: 1,
  });
  for (const [n, id] of w.contractors.entries()) workers.push({ n, id, c: await signIn(t.s, w, id) });
  reviewerId = w.reviewers[0]!;
  reviewer = await signIn(t.s, w, reviewerId);
  admin = await signIn(t.s, w, w.admin);
  await admin.enrolTotp(t.s.now);
  const minted = await admin.post(`/api/tenants/${w.tenantId}/tokens`, { name: "lifecycle", role: "lab_admin", expiresInDays: 1 });
  expect(minted.status).toBe(201);
  token = client(t.s);
  token.bearer = minted.body.secret;
});
afterAll(async () => t?.close());

describe("onboarding", () => {
  it("the lab admin publishes guidelines and every contractor reads them", async () => {
    expect((await token.post(`${P()}/guidelines`, { markdown: "# Verify\nCite every source you use as [S#]." })).body).toEqual({ guidelines: { version: 1 } });
    for (const k of workers) expect((await call(k, "GET", `${P()}/guidelines`)).body.guidelines).toMatchObject({ version: 1, markdown: expect.stringContaining("[S#]") });
  });

  it("serves each contractor gold first (then gold again at the 25% ratio), and no task shows it is gold", async () => {
    for (const k of workers) {
      expect((await claim(k, G1)).guidelinesVersion).toBe(1);
      expect(await submit(k, G1, answer(G1, k.n))).toMatchObject({ version: 1, reviewPending: false });
      // Right after onboarding the ratio asks for gold again: 0 gold < 0.25 × 1 task.
      await claim(k, G2);
      expect(await submit(k, G2, answer(G2, k.n))).toMatchObject({ reviewPending: false });
    }
    const members = await token.get(`${P()}/members`);
    const contractors = members.body.members.filter((m: any) => m.role === "contractor");
    expect(contractors.map((m: any) => [m.status, m.goldAnswered, m.goldAccuracy])).toEqual([
      ["active", 2, 1],
      ["active", 2, 1],
      ["active", 2, 1],
    ]);
    expect((await token.get(`/api/tenants/${w.tenantId}/notifications`)).body.notifications).toEqual([]);
  });
});

describe("overlap 2, answers blind to each other", () => {
  it("gives two contractors the same item; neither reaches the other's task", async () => {
    const [w0, w1, w2] = workers as [Worker, Worker, Worker];
    await claim(w0, N1);
    await claim(w1, N1);
    await claim(w2, N2); // N1 has its two
    const theirs = task(w0, N1);
    expect((await call(w1, "GET", `${P()}/tasks/${theirs}`)).status).toBe(404);
    expect((await call(w0, "GET", `${P()}/tasks/${task(w1, N1)}`)).status).toBe(404);
    for (const [method, path, body] of [
      ["POST", "heartbeat", undefined],
      ["POST", "draft", { draft: { verdict: "REFUTED" } }],
      ["POST", "skip", { reason: "not mine to skip" }],
      ["POST", "submit", { answer: answer(N1, 2) }],
      ["GET", "feedback", undefined],
    ] as const) {
      expect((await call(w2, method, `${P()}/tasks/${theirs}/${path}`, body)).status, path).toBe(404);
    }
    expect(await submit(w0, N1, answer(N1, 0))).toMatchObject({ version: 1, reviewPending: true });
    // The second contractor's view, list and feedback carry nothing of the first's answer (call() checks every reply).
    expect((await open(w1, task(w1, N1))).draft).toBeNull();
    const mine = await call(w1, "GET", `${P()}/tasks`);
    expect(mine.body.tasks.map((x: any) => x.id)).not.toContain(theirs);
    expect((await call(w1, "GET", `${P()}/tasks/${task(w1, N1)}/feedback`)).body).toEqual({ feedback: null });
  });

  it("names the field path of an invalid answer and keeps the task open", async () => {
    const w1 = workers[1]!;
    const wrongHash = answer(N1, 1);
    wrongHash["source_assessments"][0].content_hash = `sha256:${"0".repeat(64)}`;
    const r = await call(w1, "POST", `${P()}/tasks/${task(w1, N1)}/submit`, { answer: wrongHash });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("validation_failed");
    expect(r.body.error.details.issues).toEqual([expect.objectContaining({ path: "source_assessments.0.content_hash" })]);
    expect(r.body.error.message).toContain("source_assessments.0.content_hash");
    const noMissing = { ...disagreeing(N1, 1), missing_evidence: null };
    const r2 = await call(w1, "POST", `${P()}/tasks/${task(w1, N1)}/submit`, { answer: noMissing });
    expect(r2.body.error.details.issues).toEqual([expect.objectContaining({ path: "missing_evidence" })]);
    expect(await submit(w1, N1, answer(N1, 1))).toMatchObject({ version: 1 });
  });
});

describe("leases, skips and a pause", () => {
  it("an expired lease gives the item back to the queue; the late heartbeat answers 409 lease_expired", async () => {
    const [w0, w1, w2] = workers as [Worker, Worker, Worker];
    const lapsed = task(w2, N2);
    expect((await call(w2, "POST", `${P()}/tasks/${lapsed}/heartbeat`)).status).toBe(200);
    t.advance(10 * MIN + 1_000);
    // Two more contractors on N2 under overlap 2: only possible because the lapsed lease gave its slot back.
    await claim(w0, N2);
    await claim(w1, N2);
    const late = await call(w2, "POST", `${P()}/tasks/${lapsed}/heartbeat`);
    expect([late.status, late.body.error.code]).toEqual([409, "lease_expired"]);
    expect((await call(w2, "GET", `${P()}/tasks/${lapsed}`)).status).toBe(409);
    expect((await call(w2, "GET", `${P()}/tasks?status=expired`)).body.tasks.map((x: any) => x.id)).toEqual([lapsed]);
  });

  it("a skip needs a reason under reason_required, and names the field", async () => {
    const w2 = workers[2]!;
    await claim(w2, N3);
    const path = `${P()}/tasks/${task(w2, N3)}/skip`;
    for (const body of [{}, { reason: "  " }]) {
      const r = await call(w2, "POST", path, body);
      expect([r.status, r.body.error.code]).toEqual([400, "validation_failed"]);
      expect(r.body.error.details.issues).toEqual([expect.objectContaining({ path: "reason" })]);
    }
    expect((await call(w2, "POST", path, { reason: "The snapshot cuts the sentence off." })).body).toEqual({ ok: true });
    expect((await call(w2, "GET", `${P()}/tasks?status=skipped`)).body.tasks.map((x: any) => x.id)).toEqual([task(w2, N3)]);
  });

  it("a pause refuses work with its reason and keeps answers as drafts; resume gives back the tasks, drafts and lease time", async () => {
    const [w0, w1, w2] = workers as [Worker, Worker, Worker];
    const before = await claim(w2, N4);
    expect((await call(w0, "POST", `${P()}/tasks/${task(w0, N2)}/draft`, { draft: { verdict: "SUPPORTED" } })).status).toBe(200);
    const w0Before = await open(w0, task(w0, N2));
    t.advance(4 * MIN);
    const pausedAt = t.s.now();
    const reason = "Sources under re-check by the lab";
    expect((await token.post(`${P()}/pause`, { reason })).body).toEqual({ frozenLeases: 3 });

    for (const r of [await call(w2, "POST", `${P()}/tasks/claim`), await call(w2, "GET", `${P()}/tasks/${before.id}`), await call(w1, "POST", `${P()}/tasks/claim`)]) {
      expect([r.status, r.body.error.code]).toEqual([423, "paused"]);
      expect(r.body.error.message).toContain(reason);
    }
    expect((await call(w2, "POST", `${P()}/tasks/${before.id}/heartbeat`)).status).toBe(423);
    const kept = disagreeing(N4, 2);
    const refused = await call(w2, "POST", `${P()}/tasks/${before.id}/submit`, { answer: kept });
    expect([refused.status, refused.body.error.details.draftSaved]).toEqual([423, true]);
    expect(refused.body.error.message).toMatch(/saved as a draft/);
    // Drafts are how in-flight work is kept, so they are allowed while paused.
    expect((await call(w0, "POST", `${P()}/tasks/${task(w0, N2)}/draft`, { draft: { verdict: "SUPPORTED", confidence: 4 } })).status).toBe(200);
    expect((await reviewer.post(`${P()}/reviews/next`)).status).toBe(423);
    expect((await token.get(`${P()}/export`)).status).toBe(423);
    expect((await call(w0, "POST", `${H()}/entries`, { projectId: w.projectId, start: t.s.now() - 2 * 60 * MIN, end: t.s.now() - 60 * MIN, reason: "Calibration call" })).status).toBe(423);

    t.advance(30 * MIN); // longer than any lease: frozen leases must not lapse
    const resumedAt = t.s.now();
    expect((await token.post(`${P()}/resume`)).body).toEqual({ thawedLeases: 3 });
    const after = await claim(w2, N4);
    expect(after.id).toBe(before.id);
    expect(after.draft).toEqual(kept);
    expect(Date.parse(after.expiresAt) - resumedAt).toBe(Date.parse(before.expiresAt) - pausedAt);
    const w0After = await open(w0, task(w0, N2));
    expect(w0After.draft).toEqual({ verdict: "SUPPORTED", confidence: 4 });
    expect(Date.parse(w0After.expiresAt) - resumedAt).toBe(Date.parse(w0Before.expiresAt) - pausedAt);

    const blocked = await admin.get(`${H()}/blocked`);
    expect(blocked.status).toBe(200);
    const attempts = blocked.body.attempts.map((a: any) => [a.userId, a.action]);
    for (const expected of [[w2.id, "claim"], [w2.id, "read"], [w2.id, "submit"], [w1.id, "claim"], [w0.id, "hours.log"], [reviewerId, "review"], [w.admin, "export"]]) {
      expect(attempts).toContainEqual(expected);
    }
    expect(attempts).not.toContainEqual([w2.id, "heartbeat"]);
  });

  it("work goes on after the resume", async () => {
    const [w0, w1, w2] = workers as [Worker, Worker, Worker];
    await submit(w2, N4, disagreeing(N4, 2));
    await submit(w0, N2, answer(N2, 0));
    await submit(w1, N2, disagreeing(N2, 1)); // N2 disagrees: adjudication later
    await claim(w0, N3); // back in the queue after the skip
    await claim(w1, N3);
    await submit(w0, N3, answer(N3, 0));
    await submit(w1, N3, answer(N3, 1));
    await claim(w0, N4);
    await submit(w0, N4, disagreeing(N4, 0)); // agrees with w2's NOT_ENOUGH_EVIDENCE
    await claim(w2, N5);
    await submit(w2, N5, answer(N5, 2)); // one answer of two: N5 stays unresolved
  });
});

describe("review, adjudication and resolution records", () => {
  it("reject with a comment → the contractor reads it and revises (version 2) → accept", async () => {
    const w0 = workers[0]!;
    const next = await reviewer.post(`${P()}/reviews/next`);
    expect(next.body.review).toMatchObject({ assignmentId: task(w0, N1), answer: { version: 1 }, previousVersions: 0 });
    const comment = "Quote the exact sentence that settles it.";
    expect(await decide(task(w0, N1), { decision: "reject", comment })).toMatchObject({ decision: "reject", resolution: null });
    const fb = await call(w0, "GET", `${P()}/tasks/${task(w0, N1)}/feedback`);
    expect(fb.body.feedback).toMatchObject({ decision: "reject", comment, answerVersion: 1 });
    expect((await call(workers[1]!, "GET", `${P()}/tasks/${task(w0, N1)}/feedback`)).status).toBe(404);
    expect((await open(w0, task(w0, N1))).status).toBe("returned");
    expect(await submit(w0, N1, { ...answer(N1, 0), confidence: 5 })).toMatchObject({ version: 2, reviewPending: true });
    expect(await decide(task(w0, N1), { decision: "accept" })).toMatchObject({ answerVersion: 2, resolution: null });
    expect(await decide(task(workers[1]!, N1), { decision: "accept" })).toMatchObject({ resolution: { method: "unanimous" } });
    const itemId = next.body.review.itemId;
    const res = await reviewer.get(`${P()}/items/${itemId}/resolution`);
    expect(res.body.resolution).toMatchObject({ method: "unanimous", resolvedBy: null, answer: { verdict: "SUPPORTED" } });
    expect(res.body.resolution.answerIds).toHaveLength(2);
    expect(res.body.resolution.reviewIds).toHaveLength(3);
  });

  it("a fix is a new version by the reviewer; the item resolves with both answers agreeing", async () => {
    const [w0, w1] = workers as [Worker, Worker];
    const fixed = { ...answer(N3, 0), confidence: 2, justification: "[S1] settles it, though the wording is loose." };
    expect(await decide(task(w0, N3), { decision: "fix", answer: fixed })).toMatchObject({ decision: "fix", answerVersion: 2, resolution: null });
    const done = await decide(task(w1, N3), { decision: "accept" });
    expect(done.resolution).toMatchObject({ method: "unanimous" });
    // w0 submitted first, so the resolution carries the first answer: the reviewer's fix of it.
    const itemId = (await t.s.store.db.selectFrom("assignments").select("item_id").where("id", "=", task(w0, N3)).executeTakeFirstOrThrow()).item_id;
    expect((await reviewer.get(`${P()}/items/${itemId}/resolution`)).body.resolution.answer).toEqual(fixed);
  });

  it("disagreeing answers go to adjudication as A1/A2, with no contractor ids; the resolution is recorded", async () => {
    const [w0, w1, w2] = workers as [Worker, Worker, Worker];
    expect((await decide(task(w0, N2), { decision: "accept" })).resolution).toBeNull();
    expect((await decide(task(w1, N2), { decision: "accept" })).resolution).toBeNull(); // disagreement: not resolved
    expect((await decide(task(w2, N4), { decision: "accept" })).resolution).toBeNull();
    expect((await decide(task(w0, N4), { decision: "accept" })).resolution).toMatchObject({ method: "unanimous" });
    expect((await decide(task(w2, N5), { decision: "accept" })).resolution).toBeNull(); // one answer of two
    expect((await reviewer.post(`${P()}/reviews/next`)).body).toEqual({ review: null });

    const view = await reviewer.post(`${P()}/adjudications/next`);
    const adj = view.body.adjudication;
    expect(adj.answers.map((a: any) => [a.label, a.fields.verdict])).toEqual([
      ["A1", "SUPPORTED"],
      ["A2", "NOT_ENOUGH_EVIDENCE"],
    ]);
    expect(adj.differences).toContainEqual({ field: "verdict", values: { A1: "SUPPORTED", A2: "NOT_ENOUGH_EVIDENCE" } });
    for (const k of workers) {
      expect(JSON.stringify(view.body)).not.toContain(k.id);
      expect(JSON.stringify(view.body)).not.toContain(w.emails[k.id]!);
    }
    const chosen = adj.answers[0].answerId;
    const done = await reviewer.post(`${P()}/adjudications/${adj.itemId}`, { answerId: chosen });
    expect(done.body).toMatchObject({ method: "adjudicated", answerId: chosen });
    const res = await reviewer.get(`${P()}/items/${adj.itemId}/resolution`);
    expect(res.body.resolution).toMatchObject({ method: "adjudicated", answerId: chosen, resolvedBy: reviewerId, answer: answer(N2, 0) });
    expect(res.body.resolution.answerIds).toEqual(adj.answers.map((a: any) => a.answerId));
    expect((await reviewer.post(`${P()}/adjudications/next`)).body).toEqual({ adjudication: null });
  });
});

describe("reports", () => {
  it("agreement: Krippendorff's alpha per field, verdict included", async () => {
    expect((await call(workers[0]!, "GET", `${P()}/agreement`)).status).toBe(403);
    const r = await token.get(`${P()}/agreement?bootstrap=false`);
    expect(r.status).toBe(200);
    expect(r.body.report.counts).toMatchObject({ items: 5, itemsWithOverlap: 4, answers: 9, coders: 3 });
    const verdict = r.body.report.fields.find((f: any) => f.field === "verdict");
    // Units N1 (S,S), N2 (S,NEE), N3 (S,S), N4 (NEE,NEE): D_o = 2/8, D_e = 2·5·3/(8·7), alpha = 1 − 14/30.
    expect(verdict).toMatchObject({ level: "nominal", nUnits: 4, nPairableValues: 8, ci95: null });
    expect(verdict.alpha).toBeCloseTo(8 / 15, 10);
    const withCi = await reviewer.get(`${P()}/agreement`);
    expect(withCi.body.report.fields.find((f: any) => f.field === "verdict").ci95).not.toBeNull();
  });

  it("export: exactly the resolved items, in verification-resolution/v0.1 shape", async () => {
    expect((await call(workers[0]!, "GET", `${P()}/export`)).status).toBe(403);
    const r = await token.get(`${P()}/export`);
    expect(r.status).toBe(200);
    expect(r.body.next).toBeNull();
    const byItem = Object.fromEntries(r.body.records.map((x: any) => [x.item_id, x]));
    expect(Object.keys(byItem).sort()).toEqual([N1, N2, N3, N4].sort());
    for (const record of r.body.records) {
      expect(Object.keys(record).sort()).toEqual(EXPORT_KEYS);
      expect(record.schema).toBe("verification-resolution/v0.1");
    }
    expect(Object.fromEntries(Object.entries(byItem).map(([id, x]: [string, any]) => [id, [x.method, x.verdict]]))).toEqual({
      [N1]: ["UNANIMOUS", "SUPPORTED"],
      [N2]: ["ADJUDICATED", "SUPPORTED"],
      [N3]: ["UNANIMOUS", "SUPPORTED"],
      [N4]: ["UNANIMOUS", "NOT_ENOUGH_EVIDENCE"],
    });
    expect(byItem[N4].missing_evidence).toBe("A dated source that states it outright.");
  });

  it("hours: time on task for everyone who worked, and a manual entry the lab admin approves", async () => {
    for (const k of workers) {
      const own = await call(k, "GET", H());
      expect(own.status).toBe(200);
      expect(own.body.rows.map((x: any) => x.userId)).toEqual([k.id]);
      expect(own.body.rows[0].autoMs).toBeGreaterThan(0);
    }
    const w0 = workers[0]!;
    const entry = { projectId: w.projectId, start: t.s.now() - 3 * 60 * MIN, end: t.s.now() - 2 * 60 * MIN, reason: "Calibration call with the lab" };
    const logged = await call(w0, "POST", `${H()}/entries`, entry);
    expect(logged.status).toBe(201);
    expect(logged.body.entry).toMatchObject({ status: "pending", ms: 60 * MIN });
    expect((await call(w0, "POST", `${H()}/entries/${logged.body.entry.id}/decision`, { decision: "approved" })).status).toBe(403);
    expect((await token.post(`${H()}/entries/${logged.body.entry.id}/decision`, { decision: "approved" })).status).toBe(403);
    const pending = await admin.get(`${H()}/entries`);
    expect(pending.body.entries).toEqual([expect.objectContaining({ id: logged.body.entry.id, reason: "Calibration call with the lab" })]);
    const approved = await admin.post(`${H()}/entries/${logged.body.entry.id}/decision`, { decision: "approved" });
    expect(approved.body.entry).toMatchObject({ status: "approved", decidedBy: w.admin });
    const sheet = await admin.get(H());
    expect(sheet.body.rows.map((x: any) => x.userId).sort()).toEqual([...w.contractors].sort());
    for (const row of sheet.body.rows) expect(row.autoMs).toBeGreaterThan(0);
    const row0 = sheet.body.rows.find((x: any) => x.userId === w0.id);
    expect(row0).toMatchObject({ approvedManualMs: 60 * MIN, pendingManualMs: 0, totalApprovedMs: row0.autoMs + 60 * MIN });
  });

  it("audit: one item.read by the contractor for every task read, and no other", async () => {
    const entries: any[] = [];
    for (let after: number | null = 0; after !== null; ) {
      const page: Reply = await token.get(`/api/tenants/${w.tenantId}/audit?after=${after}&limit=500`);
      expect(page.status).toBe(200);
      entries.push(...page.body.entries);
      after = page.body.next;
    }
    const contractorReads = entries.filter((e) => e.action === "item.read" && w.contractors.includes(e.actor.id));
    expect(contractorReads.every((e) => e.object.type === "item" && e.detail.projectId === w.projectId)).toBe(true);
    expect(new Map(contractorReads.map((e) => [e.requestId, e.actor.id]))).toEqual(reads);
    expect(contractorReads).toHaveLength(reads.size);
    expect(reads.size).toBe(22); // the 18 claims and 4 opens above
  });
});
