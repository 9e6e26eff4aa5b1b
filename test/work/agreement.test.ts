/**
 * Agreement reports and exports on both dialects, driven through the real
 * queue: contractors claim and submit known labels, then the report's alpha
 * must equal agreementPerField on the same values (the statistic is verified
 * on its own; this tests the pipeline feeding it). Also: reviewer fixes,
 * superseded versions and gold items are not counted, a tampered answer fails
 * closed, the read is audited before anything is opened; exports hold
 * resolved items only, in the template's shape, audited; HTTP refuses
 * contractors (403) and other tenants (404).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cohenKappa } from "../../src/domain/agreement/cohen.js";
import { fleissKappa } from "../../src/domain/agreement/fleiss.js";
import { agreementPerField } from "../../src/domain/agreement/per-field.js";
import { spanOverlapF1 } from "../../src/domain/agreement/span-overlap.js";
import { SealroomError } from "../../src/domain/errors.js";
import type { Services } from "../../src/services/context.js";
import { pauseProject } from "../../src/services/work-pause.js";
import { AGREEMENT_SEED, agreementReport, resamplesFor } from "../../src/services/work-agreement.js";
import { exportAll, exportPage } from "../../src/services/work-export.js";
import { claimNext } from "../../src/services/work-queue.js";
import { answerContext, submitTask } from "../../src/services/work-submit.js";
import { insertAnswer, latestAnswer, type AnswerRow } from "../../src/store/repos/work.js";
import { uuidv7 } from "../../src/auth/ids.js";
import { client } from "../support/http.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItem, classItems, errorCode, seedWork, type WorkWorld } from "../support/work.js";
import { PASSWORD } from "../support/world.js";
import { answerFromGold, CONFLICT, quote, sample } from "../unit/answers-fixtures.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

const NO_REVIEW = { review: { mode: "none" } };
type Given = { item: string; coder: string; assignmentId: string; answerId: string };

/**
 * Contractors take turns claiming and submitting until the queue is dry; the
 * n-th answer to an item gets plan[item][n] (an answer object).
 */
async function work(w: WorkWorld, plan: Record<string, Array<Record<string, unknown>>>, idOf: (item: Record<string, unknown>) => string): Promise<Given[]> {
  const given: Given[] = [];
  const used = new Map<string, number>();
  for (let progress = true; progress; ) {
    progress = false;
    for (const c of w.contractors) {
      const task = (await claimNext(t.s, await w.ctx(), c, w.as(c))).task;
      if (!task) continue;
      const item = idOf(task.item);
      const n = used.get(item) ?? 0;
      used.set(item, n + 1);
      const r = await submitTask(t.s, await w.ctx(), c, task.assignmentId, plan[item]![n]!, w.as(c));
      given.push({ item, coder: c, assignmentId: task.assignmentId, answerId: r.answerId });
      progress = true;
    }
  }
  return given;
}

const classId = (item: Record<string, unknown>) => /^Text of ([^:]+):/.exec(String(item["text"]))![1]!;
const labels = (...ls: string[]) => ls.map((label) => ({ label }));

/** The report's alpha and CI for `field` must be agreementPerField's on these units (item order = import order). */
function expectAlpha(report: Awaited<ReturnType<typeof agreementReport>>, units: Array<Array<Record<string, unknown>>>, field: string, level: "nominal" | "ordinal") {
  const [want] = agreementPerField(units, [{ field, level }], { bootstrap: { resamples: resamplesFor(units.filter((u) => u.length >= 2).length), seed: AGREEMENT_SEED, confidence: 0.95 } });
  const got = report.fields.find((f) => f.field === field)!;
  expect(got.alpha).toBe(want!.alpha);
  expect(got.nUnits).toBe(want!.n_units);
  expect(got.ci95 && [got.ci95.lower, got.ci95.upper]).toEqual(want!.ci95 ? [want!.ci95.lower, want!.ci95.upper] : null);
}

/** Stores another answer version directly (a revision or a reviewer's fix) for assignment `g`. */
async function addVersion(w: WorkWorld, g: Given, kind: "submission" | "fix", author: string, body: unknown) {
  const row = (await latestAnswer(t.s.store.db, w.tenantId, g.assignmentId))!;
  await t.s.keyring.current(w.tenantId);
  t.advance(1000);
  const next: AnswerRow = { ...row, id: uuidv7(t.s.now()), version: row.version + 1, kind, author_id: author, body: Buffer.alloc(0), created_at: t.s.now() };
  next.body = await t.s.sealer.seal(answerContext(next), JSON.stringify(body));
  await insertAnswer(t.s.store.db, next);
}

describe("agreement report", () => {
  const PLAN = {
    "it-0": labels("positive", "positive", "positive"),
    "it-1": labels("negative", "negative", "negative"),
    "it-2": labels("positive", "negative", "positive"),
    "it-3": labels("neutral", "neutral", "negative"),
    "it-4": labels("positive", "positive", "neutral"),
    "it-5": labels("negative", "negative", "negative"),
  };

  it("alpha, its CI, Fleiss' kappa and the counts equal the statistics computed directly on the submitted labels", async () => {
    const w = await seedWork(t.s, { config: { overlap: 3, ...NO_REVIEW }, items: classItems(6), contractors: 4 });
    const given = await work(w, PLAN, classId);
    expect(given).toHaveLength(18);
    const r = await agreementReport(t.s, await w.ctx(), { bootstrap: true }, w.as(w.admin));
    expect(r.counts).toEqual({ items: 6, itemsWithOverlap: 6, answers: 18, coders: 4, truncated: false });
    const units = Object.values(PLAN);
    expectAlpha(r, units, "label", "nominal");
    expect(r.fields[0]!.alpha!).toBeGreaterThan(0);
    expect(r.fields[0]!.alpha!).toBeLessThan(1);
    const cats = ["positive", "negative", "neutral"];
    const counts = units.map((u) => cats.map((c) => u.filter((a) => a.label === c).length));
    expect(r.fleiss).toEqual([{ field: "label", kappa: fleissKappa(counts).kappa, raters: 3, items: 6, itemsLeftOut: 0, rule: "items with exactly 3 answers, each giving this field a value" }]);
    expect(r.cohen.coders).toBeNull(); // four coders: Cohen's kappa does not apply
    expect(r.bootstrap).toMatchObject({ resamples: 1000, seed: AGREEMENT_SEED });
    // Reproducible: the same answers give the same report.
    expect(await agreementReport(t.s, await w.ctx(), { bootstrap: true }, w.as(w.admin))).toEqual(r);
    expect((await agreementReport(t.s, await w.ctx(), { bootstrap: false }, w.as(w.admin))).fields[0]!.ci95).toBeNull();
  });

  it("perfect agreement gives alpha 1; Cohen's kappa for exactly two coders equals cohenKappa on their labels", async () => {
    const same = await seedWork(t.s, { config: { overlap: 3, ...NO_REVIEW }, items: classItems(3), contractors: 3 });
    await work(same, { "it-0": labels("positive", "positive", "positive"), "it-1": labels("negative", "negative", "negative"), "it-2": labels("neutral", "neutral", "neutral") }, classId);
    const perfect = await agreementReport(t.s, await same.ctx(), { bootstrap: true }, same.as(same.admin));
    expect(perfect.fields[0]!.alpha).toBe(1);
    expect(perfect.fleiss[0]!.kappa).toBe(1);

    const two = await seedWork(t.s, { config: { overlap: 2, ...NO_REVIEW }, items: classItems(4), contractors: 2 });
    const plan = { "it-0": labels("positive", "positive"), "it-1": labels("negative", "positive"), "it-2": labels("neutral", "neutral"), "it-3": labels("negative", "negative") };
    const given = await work(two, plan, classId);
    const r = await agreementReport(t.s, await two.ctx(), { bootstrap: false }, two.as(two.admin));
    const [a, b] = [...two.contractors].sort() as [string, string];
    const labelOf = (coder: string, item: string) => {
      const g = given.find((x) => x.coder === coder && x.item === item)!;
      return plan[item as keyof typeof plan][given.filter((x) => x.item === item).indexOf(g)]!.label;
    };
    const items = Object.keys(plan);
    const want = cohenKappa(items.map((i) => labelOf(a, i)), items.map((i) => labelOf(b, i)));
    expect(r.cohen).toEqual({ coders: [a, b], sharedItems: 4, fields: [{ field: "label", kappa: want.kappa, n: 4 }], reason: null });
    expect(r.fields[0]!.alpha!).toBeLessThan(1);
  });

  it("counts each assignment's latest submission only: not a reviewer's fix, not a superseded version, not gold items", async () => {
    const w = await seedWork(t.s, {
      config: { overlap: 3, ...NO_REVIEW, gold: { ratio: 0 } },
      items: [...classItems(2), { externalId: "g", payload: classItem("g", "positive"), isGold: true }],
      contractors: 3,
    });
    const plan = { "it-0": labels("positive", "positive", "negative"), "it-1": labels("neutral", "neutral", "neutral"), g: labels("positive", "negative", "neutral") };
    const given = await work(w, plan, classId);
    expect(given.filter((g) => g.item === "g")).toHaveLength(3); // gold was answered, and must not count
    const before = await agreementReport(t.s, await w.ctx(), { bootstrap: false }, w.as(w.admin));
    expect(before.counts).toMatchObject({ items: 2, answers: 6, coders: 3 });
    expectAlpha(await agreementReport(t.s, await w.ctx(), { bootstrap: true }, w.as(w.admin)), [plan["it-0"], plan["it-1"]], "label", "nominal");
    // A reviewer's fix of the dissenting answer changes nothing: reviewers are not coders.
    const dissent = given.filter((g) => g.item === "it-0")[2]!;
    await addVersion(w, dissent, "fix", w.reviewers[0]!, { label: "positive" });
    expect((await agreementReport(t.s, await w.ctx(), { bootstrap: false }, w.as(w.admin))).fields).toEqual(before.fields);
    // A revision by the contractor replaces their earlier version: now all agree.
    await addVersion(w, dissent, "submission", dissent.coder, { label: "positive" });
    const after = await agreementReport(t.s, await w.ctx(), { bootstrap: false }, w.as(w.admin));
    expect(after.counts.answers).toBe(6);
    expect(after.fields[0]!.alpha).toBe(1);
  });

  it("fails closed on a stored answer that no longer passes its template, and audits the read before opening anything", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, ...NO_REVIEW }, items: classItems(1), contractors: 2 });
    const given = await work(w, { "it-0": labels("positive", "positive") }, classId);
    await agreementReport(t.s, await w.ctx(), { bootstrap: false }, w.as(w.admin));
    const audit = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "agreement.read").execute();
    expect(audit.map((e) => [e.actor_id, e.object_id, JSON.parse(e.detail!)])).toEqual([[w.admin, w.projectId, { projectId: w.projectId }]]);

    let opened = 0;
    const failing: Services = {
      ...t.s,
      audit: { record: async () => Promise.reject(new SealroomError("audit_unavailable", "down")) },
      sealer: new Proxy(t.s.sealer, { get: (target, p) => (p === "openText" ? (...a: Parameters<Services["sealer"]["openText"]>) => (opened++, target.openText(...a)) : Reflect.get(target, p)) }),
    };
    expect(await errorCode(agreementReport(failing, await w.ctx(), { bootstrap: false }, w.as(w.admin)))).toBe("audit_unavailable");
    expect(await errorCode(exportPage(failing, await w.ctx(), w.admin, "", 10, w.as(w.admin)))).toBe("audit_unavailable");
    expect(opened).toBe(0);

    await addVersion(w, given[0]!, "submission", given[0]!.coder, { label: "sarcastic" });
    expect(await errorCode(agreementReport(t.s, await w.ctx(), { bootstrap: false }, w.as(w.admin)))).toBe("internal");
  });

  it("claim-verification: span-overlap F1 over the sources both marked as evidence, alpha on verdict, stances and confidence", async () => {
    const item = sample(CONFLICT);
    const w = await seedWork(t.s, { template: "claim-verification", config: { overlap: 2, ...NO_REVIEW }, items: [{ externalId: "c1", payload: item, isGold: false }], contractors: 2 });
    const a = answerFromGold(item);
    const b = answerFromGold(item);
    const s1 = item.sources[0].snapshot.text as string;
    b.source_assessments[0].evidence_spans = [quote(s1, 10, 60, "SUPPORTS")];
    // S2 is not evidence-bearing for b: that source pair is left out of the span average.
    Object.assign(b.source_assessments[1], { stance: "NOT_ENOUGH_INFO", evidence_spans: [] });
    Object.assign(b, { evidence_sets: [["S1:0"]], verdict: "SUPPORTED", conflict_type: null, confidence: 2 });
    await work(w, { c1: [a, b] }, () => "c1");
    const r = await agreementReport(t.s, await w.ctx(), { bootstrap: true }, w.as(w.admin));
    const f1 = spanOverlapF1([[0, 99]], [[10, 60]]).f1;
    expect(f1).toBeCloseTo(100 / 149, 12);
    expect(r.spans).toEqual({ pairs: 1, meanF1: f1 });
    expect(r.fields.map((f) => [f.field, f.level])).toEqual([["verdict", "nominal"], ["confidence", "ordinal"], ["stance.S1", "nominal"], ["stance.S2", "nominal"]]);
    expectAlpha(r, [[{ confidence: 4 }, { confidence: 2 }]], "confidence", "ordinal");
    expectAlpha(r, [[{ verdict: "CONFLICTING_EVIDENCE" }, { verdict: "SUPPORTED" }]], "verdict", "nominal");
    expect(r.counts).toMatchObject({ items: 1, itemsWithOverlap: 1, answers: 2, coders: 2 });
  });

  it("classification spans: a label marked by one answer and not the other scores 0 for that pair", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, ...NO_REVIEW }, items: classItems(3), contractors: 2 });
    const span = (start: number, end: number, label: string, item: string) => ({ start, end, label, exact: Array.from(String(classItem(item)["text"])).slice(start, end).join("") });
    await work(
      w,
      {
        "it-0": [{ label: "positive", spans: [span(14, 25, "positive", "it-0")] }, { label: "positive", spans: [span(18, 25, "positive", "it-0")] }],
        "it-1": [{ label: "positive", spans: [span(29, 33, "negative", "it-1")] }, { label: "positive" }],
        "it-2": labels("neutral", "neutral"),
      },
      classId,
    );
    const r = await agreementReport(t.s, await w.ctx(), { bootstrap: false }, w.as(w.admin));
    expect(r.spans).toEqual({ pairs: 2, meanF1: (spanOverlapF1([[14, 25]], [[18, 25]]).f1 + 0) / 2 });
  });
});

describe("export", () => {
  it("holds resolved items only, in the template's shape, one audited export per page; paused projects refuse", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, ...NO_REVIEW }, items: classItems(3), contractors: 2 });
    const given = await work(w, { "it-0": labels("positive", "positive"), "it-1": labels("positive", "negative"), "it-2": labels("neutral", "neutral") }, classId);
    const ids = (item: string) => given.filter((g) => g.item === item).map((g) => g.answerId).sort();
    const page = await exportPage(t.s, await w.ctx(), w.admin, "", 1, w.as(w.admin));
    expect(page.records).toHaveLength(1);
    expect(page.next).not.toBeNull();
    const rest = await exportPage(t.s, await w.ctx(), w.admin, page.next!, 10, w.as(w.admin));
    expect(rest.next).toBeNull();
    const records = [...page.records, ...rest.records];
    const resolutions = await t.s.store.db.selectFrom("resolutions").select(["id", "item_id"]).where("tenant_id", "=", w.tenantId).orderBy("id").execute();
    expect(records).toEqual([
      { id: "it-0", label: "positive", spans: [], resolution_id: resolutions[0]!.id, method: "UNANIMOUS", annotation_ids: ids("it-0") },
      { id: "it-2", label: "neutral", spans: [], resolution_id: resolutions[1]!.id, method: "UNANIMOUS", annotation_ids: ids("it-2") },
    ]); // it-1 disagrees: it waits for adjudication and is not export-ready
    const audit = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "export.download").orderBy("seq").execute();
    expect(audit.map((e) => [e.object_type, e.object_id, e.actor_id, JSON.parse(e.detail!)])).toEqual([
      ["export", page.exportId, w.admin, { projectId: w.projectId, count: 1 }],
      ["export", rest.exportId, w.admin, { projectId: w.projectId, count: 1 }],
    ]);
    const lines: string[] = [];
    const all = await exportAll(t.s, await w.ctx(), w.admin, async (l) => void lines.push(l), w.as(w.admin));
    expect(all.count).toBe(2);
    expect(lines.map((l) => JSON.parse(l))).toEqual(records);

    await pauseProject(t.s, (await w.ctx()).project, "Quality check", w.as(w.admin));
    expect(await errorCode(exportPage(t.s, await w.ctx(), w.admin, "", 10, w.as(w.admin)))).toBe("paused");
    expect(await errorCode(exportAll(t.s, await w.ctx(), null, async () => undefined, w.as(w.admin)))).toBe("paused");
    const blocked = await t.s.store.db.selectFrom("blocked_attempts").selectAll().where("tenant_id", "=", w.tenantId).execute();
    expect(blocked.map((b) => [b.user_id, b.action])).toEqual([[w.admin, "export"]]);
  });

  it("a single unreviewed answer exports as UNANIMOUS with its one annotation; claim-verification in the resolution schema", async () => {
    const item = sample(CONFLICT);
    const w = await seedWork(t.s, { template: "claim-verification", config: { overlap: 1, ...NO_REVIEW }, items: [{ externalId: "c1", payload: item, isGold: false }], contractors: 1 });
    const given = await work(w, { c1: [answerFromGold(item)] }, () => "c1");
    const { records } = await exportPage(t.s, await w.ctx(), w.admin, "", 10, w.as(w.admin));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ schema: "verification-resolution/v0.1", item_id: CONFLICT, method: "UNANIMOUS", annotation_ids: [given[0]!.answerId], verdict: "CONFLICTING_EVIDENCE" });
  });
});

describe("HTTP", () => {
  async function signIn(userId: string, totp: boolean) {
    const { email } = await t.s.store.db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirstOrThrow();
    const c = client(t.s);
    expect((await c.login(email, PASSWORD)).status).toBe(200);
    if (totp) await c.enrolTotp(t.s.now);
    return c;
  }

  it("lab admins read the report and export; reviewers read the report only; contractors 403; other tenants 404; queries validated", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, ...NO_REVIEW }, items: classItems(2), contractors: 2 });
    await work(w, { "it-0": labels("positive", "positive"), "it-1": labels("negative", "negative") }, classId);
    const other = await seedWork(t.s, { items: classItems(1), contractors: 1 });
    const base = `/api/tenants/${w.tenantId}/projects/p`;
    const admin = await signIn(w.admin, true);
    const report = await admin.get(`${base}/agreement?bootstrap=false`);
    expect(report.status).toBe(200);
    expect(report.body.report).toMatchObject({ projectId: w.projectId, counts: { items: 2, answers: 4 }, bootstrap: null, fields: [{ field: "label", alpha: 1 }] });
    const exp = await admin.get(`${base}/export?limit=1`);
    expect(exp.status).toBe(200);
    expect(exp.body.records).toEqual([expect.objectContaining({ id: "it-0", label: "positive", method: "UNANIMOUS" })]);
    const next = await admin.get(`${base}/export?after=${exp.body.next}`);
    expect([next.body.records.map((r: { id: string }) => r.id), next.body.next]).toEqual([["it-1"], null]);
    for (const bad of ["export?limit=0", "export?limit=501", "export?format=csv", "agreement?bootstrap=maybe"]) {
      expect((await admin.get(`${base}/${bad}`)).status, bad).toBe(400);
    }

    const reviewer = await signIn(w.reviewers[0]!, false);
    expect((await reviewer.get(`${base}/agreement?bootstrap=false`)).status).toBe(200);
    expect((await reviewer.get(`${base}/export`)).status).toBe(403);
    const contractor = await signIn(w.contractors[0]!, false);
    expect((await contractor.get(`${base}/agreement`)).status).toBe(403);
    expect((await contractor.get(`${base}/export`)).status).toBe(403);
    const stranger = await signIn(other.admin, true);
    expect((await stranger.get(`${base}/agreement`)).status).toBe(404);
    expect((await stranger.get(`${base}/export`)).status).toBe(404);
    expect((await client(t.s).get(`${base}/export`)).status).toBe(401);
    const exports = await t.s.store.db.selectFrom("audit_entries").select("actor_id").where("action", "=", "export.download").execute();
    expect(exports.map((e) => e.actor_id)).toEqual([w.admin, w.admin]);
  });
});
