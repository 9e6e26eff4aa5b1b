/**
 * The claim-verification answer side after validation: what the contractor
 * and the blind checker see (never gold), gold scoring, agreement records,
 * spans, automatic resolution and the resolution export.
 */
import { describe, expect, it } from "vitest";
import { agreementPerField } from "../../src/domain/agreement/per-field.js";
import { spanOverlapF1 } from "../../src/domain/agreement/span-overlap.js";
import { claimVerificationAnswers as cv } from "../../src/domain/templates/answers/claim-verification.js";
import type { ClaimAnswer } from "../../src/domain/templates/answers/claim-verification-answer.js";
import { claimItem } from "../support/items.js";
import { answerFromGold, CONFLICT, NEE, quote, sample, samples, SUPPORTED } from "./answers-fixtures.js";

/** A checked answer for `item`, after `edit` of the gold-built one. */
function checked(item: Record<string, any>, edit: (a: Record<string, any>) => void = () => {}): ClaimAnswer {
  const a = answerFromGold(item);
  edit(a);
  const r = cv.checkAnswer(item, a);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.answer;
}

describe("claim-verification taskView", () => {
  it("never contains the gold block, provenance or anything naming gold, for every sample", () => {
    for (const item of samples) {
      const json = JSON.stringify(cv.taskView(item));
      expect(json).not.toMatch(/"(gold|is_gold|provenance|item_id|synthetic|retrieval|excerpt_note)"/);
      expect(json).not.toContain(item.gold.derivation);
      expect(json).not.toContain(item.provenance.dataset);
      expect(json).not.toContain("source_stances");
      expect(json).not.toContain("expected_flags");
    }
  });

  it("keeps everything the work needs: claim, question, sources with snapshot text, hash and sentences", () => {
    const item = sample(CONFLICT);
    const view = cv.taskView(item) as any;
    expect(Object.keys(view)).toEqual(["claim", "question", "evidence_cutoff", "sources"]);
    expect(view.claim).toEqual({ ...item.claim, origin_url: null });
    expect(view.sources.map((s: any) => [s.source_id, s.url, s.title, s.snapshot.text, s.snapshot.content_hash, s.snapshot.sentences])).toEqual(
      item.sources.map((s: any) => [s.source_id, s.url, s.title, s.snapshot.text, s.snapshot.content_hash, s.snapshot.sentences]),
    );
  });

  it("drops keys a lab attached anywhere in the item (an allowlist, not a denylist)", () => {
    const item = sample(SUPPORTED);
    Object.assign(item, { is_gold: true, answer_key: "SUPPORTED", notes: "gold set 3" });
    item.claim.gold_hint = "SUPPORTED";
    item.sources[0].label = "SUPPORTS";
    item.sources[0].snapshot.answer = "SUPPORTS";
    const json = JSON.stringify(cv.taskView(item));
    for (const leak of ["is_gold", "answer_key", "gold set 3", "gold_hint", '"label"', '"answer"']) expect(json).not.toContain(leak);
  });

  it("refuses a stored item that no longer matches (internal error, not a partial view)", () => {
    expect(() => cv.taskView({ claim: "x" })).toThrow(expect.objectContaining({ code: "internal" }));
  });
});

describe("claim-verification blindView", () => {
  it("shows only the claim, the question and the quotes grouped by evidence set", () => {
    const item = sample(CONFLICT);
    const view = cv.blindView(item, checked(item));
    expect(view).toEqual({
      claim: item.claim.text,
      question: null,
      evidence_sets: [{ quotes: [item.sources[0].snapshot.text] }, { quotes: [item.sources[1].snapshot.text] }],
    });
    const json = JSON.stringify(view);
    for (const hidden of ['"S1', '"S2', "SUPPORTS", "REFUTES", "CONFLICTING", item.sources[0].title, item.sources[0].url, "stance", "verdict"]) {
      expect(json).not.toContain(hidden);
    }
  });

  it("slices quotes from the snapshot by code point, and has no sets for NOT_ENOUGH_EVIDENCE", () => {
    const item = claimItem("astral", "Emoji 😀 and 🎉 count as one character each.") as any;
    const text: string = item.sources[0].snapshot.text;
    const start = Array.from(text).indexOf("😀");
    const a = cv.checkAnswer(item, {
      schema: "verification-annotation/v0.1",
      source_assessments: [{ source_id: "S1", content_hash: item.sources[0].snapshot.content_hash, stance: "SUPPORTS", evidence_spans: [quote(text, start, start + 7)], reliability: "HIGH" }],
      evidence_sets: [["S1:0"]],
      verdict: "SUPPORTED",
      confidence: 5,
      justification: "[S1] shows the emoji exactly as the claim says.",
    });
    expect(a.ok && cv.blindView(item, a.answer)?.evidence_sets).toEqual([{ quotes: ["😀 and 🎉"] }]);
    const nee = sample(NEE);
    expect(cv.blindView(nee, checked(nee))?.evidence_sets).toEqual([]);
  });
});

describe("claim-verification goldCheck", () => {
  it("scores the gold-built answer of every sample as correct in every part", () => {
    for (const item of samples) {
      const g = cv.goldCheck(item, checked(item));
      expect(g?.correct, item.item_id).toBe(true);
      expect(Object.values(g!.detail).every(Boolean), item.item_id).toBe(true);
    }
  });

  it("compares the verdict with gold.verdict or gold.acceptable_verdicts", () => {
    const item = sample(CONFLICT);
    const a = checked(item, (x) => Object.assign(x, { verdict: "SUPPORTED", conflict_type: null, evidence_sets: [["S1:0"]], justification: "[S1] dates the film to 1990, after 1989." }));
    expect(cv.goldCheck(item, a)).toEqual({ correct: false, detail: { verdict: false, "stance.S1": true, "stance.S2": true, evidence: true } });
    item.gold.acceptable_verdicts = ["SUPPORTED"];
    expect(cv.goldCheck(item, a)?.correct).toBe(true);
  });

  it("finds a gold span when at least half of it is marked, and reports stances and expected flags", () => {
    const item = sample(SUPPORTED); // gold span [0, 81)
    const text = item.sources[0].snapshot.text;
    const half = checked(item, (x) => (x.source_assessments[0].evidence_spans = [quote(text, 0, 41)]));
    expect(cv.goldCheck(item, half)?.detail["evidence"]).toBe(true);
    const less = checked(item, (x) => (x.source_assessments[0].evidence_spans = [quote(text, 0, 20), quote(text, 60, 80)]));
    expect(cv.goldCheck(item, less)?.detail["evidence"]).toBe(false);
    item.gold.expected_flags = ["claim_typo"];
    const wrong = checked(item, (x) => Object.assign(x, { claim_flags: [] }, { source_assessments: [{ ...x.source_assessments[0], stance: "MIXED" }] }));
    expect(cv.goldCheck(item, wrong)?.detail).toEqual({ verdict: true, "stance.S1": false, evidence: true, "flag.claim_typo": false });
  });

  it("is null for an item without gold", () => {
    const item = sample(SUPPORTED);
    const a = checked(item);
    delete item.gold;
    expect(cv.goldCheck(item, a)).toBeNull();
    expect(cv.goldCheck({ ...item, gold: null }, a)).toBeNull();
  });
});

describe("claim-verification agreement, spans and automatic resolution", () => {
  it("names verdict, confidence and one stance field per source id the items use", () => {
    expect(cv.agreementFields(samples)).toEqual([
      { field: "verdict", level: "nominal" },
      { field: "confidence", level: "ordinal" },
      { field: "stance.S1", level: "nominal" },
      { field: "stance.S2", level: "nominal" },
    ]);
  });

  it("flattens an answer into those fields, and the records feed agreementPerField", () => {
    const item = sample(CONFLICT);
    expect(cv.agreementRecord(item, checked(item))).toEqual({ verdict: "CONFLICTING_EVIDENCE", confidence: 4, "stance.S1": "SUPPORTS", "stance.S2": "REFUTES" });
    const units = samples.map((s) => [cv.agreementRecord(s, checked(s)), cv.agreementRecord(s, checked(s))]);
    const [verdict] = agreementPerField(units, cv.agreementFields(samples));
    expect(verdict).toMatchObject({ field: "verdict", alpha: 1, n_units: 30 });
  });

  it("gives spans per source, scoring only evidence-bearing stances, in the span-overlap input shape", () => {
    const item = sample(CONFLICT);
    const groups = cv.spans(checked(item));
    expect(groups).toEqual([
      { key: "S1", spans: [{ start: 0, end: 99 }], scored: true },
      { key: "S2", spans: [{ start: 0, end: 99 }], scored: true },
    ]);
    const text = item.sources[0].snapshot.text;
    const narrow = cv.spans(checked(item, (x) => (x.source_assessments[0].evidence_spans = [quote(text, 31, 63)])));
    expect(spanOverlapF1(groups[0]!.spans, narrow[0]!.spans).precision).toBe(1);
    const nee = sample(NEE);
    expect(cv.spans(checked(nee))).toEqual([{ key: "S1", spans: [], scored: false }]);
  });

  it("resolves automatically only on the same verdict, conflict type and stance per source", () => {
    const item = sample(CONFLICT);
    const a = checked(item);
    const text = item.sources[0].snapshot.text;
    expect(cv.sameAnswer(a, checked(item, (x) => Object.assign(x, { confidence: 1, source_assessments: [{ ...x.source_assessments[0], evidence_spans: [quote(text, 31, 63)] }, x.source_assessments[1]] })))).toBe(true);
    expect(cv.sameAnswer(a, checked(item, (x) => (x.conflict_type = "CHERRY_PICKING")))).toBe(false);
    expect(cv.sameAnswer(a, checked(item, (x) => (x.source_assessments[1].stance = "MIXED")))).toBe(false);
    const supported = checked(item, (x) => Object.assign(x, { verdict: "SUPPORTED", conflict_type: null }));
    expect(cv.sameAnswer(a, supported)).toBe(false);
  });
});

describe("claim-verification exportRecord", () => {
  it("is a verification-resolution/v0.1 record of the answer and the meta given", () => {
    const item = sample(CONFLICT);
    const a = checked(item);
    const record = cv.exportRecord(item, a, { resolution_id: "res-1", method: "UNANIMOUS", annotation_ids: ["a1", "a2"], verdict_distribution: { CONFLICTING_EVIDENCE: 2 } });
    expect(record).toMatchObject({
      schema: "verification-resolution/v0.1",
      resolution_id: "res-1",
      item_id: CONFLICT,
      item_hash: null,
      method: "UNANIMOUS",
      annotation_ids: ["a1", "a2"],
      verdict: "CONFLICTING_EVIDENCE",
      conflict_type: "SOURCES_DISAGREE",
      verdict_distribution: { CONFLICTING_EVIDENCE: 2 },
      source_stances: [
        { source_id: "S1", stance: "SUPPORTS", evidence_spans: [{ start: 0, end: 99, role: "SUPPORTS" }] },
        { source_id: "S2", stance: "REFUTES", evidence_spans: [{ start: 0, end: 99, role: "REFUTES" }] },
      ],
      evidence_sets: [["S1:0"], ["S2:0"]],
      justification: a.justification,
      confidence: 4,
      confidence_mean: 4,
    });
    expect(JSON.stringify(record)).not.toContain("gold");
  });

  it("has a trivial draft check and UI hints", () => {
    expect(cv.checkDraft({ verdict: "SUPP" })).toEqual({ ok: true, answer: { verdict: "SUPP" } });
    expect(cv.checkDraft([1])).toEqual({ ok: false, issues: [{ path: "(draft)", message: "a draft must be a JSON object" }] });
    expect(cv.checkDraft({ big: "x".repeat(1 << 20) }).ok).toBe(false);
    expect(cv.hints.fields.map((f) => f.name)).toContain("verdict");
  });
});
