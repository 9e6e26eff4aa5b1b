/**
 * Submit-time validation of claim-verification answers (design §2.3): every
 * shipped sample's gold, turned into an answer, passes; then each rule is
 * broken one at a time and fails with the path and message it concerns.
 */
import { describe, expect, it } from "vitest";
import { itemTemplate } from "../../src/domain/templates/index.js";
import { taskTemplate } from "../../src/domain/templates/answers/index.js";
import { claimVerificationAnswers as cv } from "../../src/domain/templates/answers/claim-verification.js";
import { claimItem } from "../support/items.js";
import { answerFromGold, CONFLICT, NEE, quote, sample, samples, SUPPORTED } from "./answers-fixtures.js";

/** The issues of checking `answer` against `item`, as "path: message" lines ([] when it passes). */
function issues(item: Record<string, any>, answer: unknown): string[] {
  const r = cv.checkAnswer(item, answer);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

/** The item, a valid answer for it, and `issues` of that answer after `edit`. */
function broken(id: string, edit: (a: Record<string, any>, item: Record<string, any>) => void): string[] {
  const item = sample(id);
  const answer = answerFromGold(item);
  expect(issues(item, answer)).toEqual([]);
  edit(answer, item);
  return issues(item, answer);
}

describe("claim-verification answers: the valid case", () => {
  it("accepts an answer built from the gold block of every shipped sample", () => {
    expect(samples).toHaveLength(30);
    for (const item of samples) expect(issues(item, answerFromGold(item)), item.item_id).toEqual([]);
  });

  it("is the template the registry returns, and unknown names are an internal error", () => {
    expect(taskTemplate("claim-verification").name).toBe("claim-verification");
    expect(() => taskTemplate("essay")).toThrow(expect.objectContaining({ code: "internal" }));
  });

  it("reads omitted nullable fields as null and omitted flag lists as []", () => {
    const item = sample(SUPPORTED);
    const a = answerFromGold(item);
    for (const k of ["conflict_type", "used_background_knowledge", "missing_evidence", "claim_flags", "claim_rewrite", "answer_to_question", "guideline_version"]) delete a[k];
    for (const sa of a.source_assessments) for (const k of ["source_flags", "duplicate_of", "note"]) delete sa[k];
    const r = cv.checkAnswer(item, a);
    expect(r.ok && [r.answer.conflict_type, r.answer.missing_evidence, r.answer.claim_flags, r.answer.source_assessments[0]!.source_flags]).toEqual([null, null, [], []]);
  });
});

describe("claim-verification answers: what the server fills and what is not an answer", () => {
  it("rejects fields the server fills, a skip, and any unknown key, each at its own path", () => {
    expect(broken(SUPPORTED, (a) => Object.assign(a, { annotation_id: "x", annotator_id: "c_1", item_hash: "sha256:00", active_seconds: 3 }))).toEqual([
      "annotation_id: is not a field of this answer",
      "annotator_id: is not a field of this answer",
      "item_hash: is not a field of this answer",
      "active_seconds: is not a field of this answer",
    ]);
    expect(broken(SUPPORTED, (a) => (a.skip = null))).toEqual(["skip: is not a field of this answer"]);
    expect(broken(SUPPORTED, (a) => (a.source_assessments[0].evidence_spans[0].colour = "red"))).toEqual([
      "source_assessments.0.evidence_spans.0.colour: is not a field of this answer",
    ]);
  });

  it("names a missing required field as required", () => {
    expect(broken(SUPPORTED, (a) => delete a.verdict)).toEqual(["verdict: is required"]);
    expect(broken(SUPPORTED, (a) => delete a.source_assessments[0].reliability)).toEqual(["source_assessments.0.reliability: is required"]);
  });

  it("rejects a non-object answer and a wrong schema tag", () => {
    expect(issues(sample(SUPPORTED), [])).toEqual(["(answer): an answer must be a JSON object"]);
    expect(broken(SUPPORTED, (a) => (a.schema = "verification-annotation/v0.2"))[0]).toMatch(/^schema: /);
  });

  it("reports at most 20 issues", () => {
    const r = cv.checkAnswer(sample(SUPPORTED), Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])));
    expect(!r.ok && r.issues.length).toBe(20);
  });
});

describe("claim-verification answers: spans", () => {
  it("requires every exact to equal the code-point slice of the snapshot", () => {
    expect(broken(SUPPORTED, (a) => (a.source_assessments[0].evidence_spans[0].exact += "!"))).toEqual([
      "source_assessments.0.evidence_spans.0.exact: does not equal the text at [start, end)",
    ]);
  });

  it("requires spans inside the snapshot and non-empty", () => {
    expect(broken(SUPPORTED, (a) => (a.source_assessments[0].evidence_spans[0].end = 82))).toEqual(["source_assessments.0.evidence_spans.0: must satisfy start < end <= 81"]);
    expect(broken(SUPPORTED, (a) => Object.assign(a.source_assessments[0].evidence_spans[0], { start: 4, end: 4, exact: "" }))).toEqual([
      "source_assessments.0.evidence_spans.0: must satisfy start < end <= 81",
    ]);
    expect(broken(SUPPORTED, (a) => (a.source_assessments[0].evidence_spans[0].start = -1))[0]).toMatch(/^source_assessments\.0\.evidence_spans\.0\.start: /);
  });

  it("rejects spans that overlap within a source, but not across sources", () => {
    const text = (item: Record<string, any>, i: number) => item.sources[i].snapshot.text as string;
    expect(broken(SUPPORTED, (a, item) => a.source_assessments[0].evidence_spans.push(quote(text(item, 0), 5, 10)))).toEqual([
      "source_assessments.0.evidence_spans.1: overlaps span 0",
    ]);
    // A long span overlapping two later ones is caught for both.
    const twice = broken(CONFLICT, (a, item) => {
      a.source_assessments[0].evidence_spans = [quote(text(item, 0), 0, 20), quote(text(item, 0), 31, 35), quote(text(item, 0), 5, 8), quote(text(item, 0), 10, 12)];
    });
    expect(twice).toEqual(["source_assessments.0.evidence_spans.2: overlaps span 0", "source_assessments.0.evidence_spans.3: overlaps span 0"]);
    expect(broken(CONFLICT, (a, item) => a.source_assessments[0].evidence_spans.push(quote(text(item, 0), 99, 99)))).toContain(
      "source_assessments.0.evidence_spans.1: must satisfy start < end <= 99",
    );
  });

  it("caps prefix and suffix at 32 code points, not UTF-16 units", () => {
    expect(broken(SUPPORTED, (a) => (a.source_assessments[0].evidence_spans[0].prefix = "x".repeat(33)))).toEqual([
      "source_assessments.0.evidence_spans.0.prefix: must be at most 32 characters",
    ]);
    expect(broken(SUPPORTED, (a) => (a.source_assessments[0].evidence_spans[0].suffix = "😀".repeat(32)))).toEqual([]);
  });

  it("needs a span for every evidence-bearing stance", () => {
    for (const stance of ["SUPPORTS", "PARTIALLY_SUPPORTS", "REFUTES", "MIXED"]) {
      const item = sample(NEE);
      const a = answerFromGold(item);
      a.source_assessments[0].stance = stance;
      expect(issues(item, a)).toEqual([`source_assessments.0.evidence_spans: needs at least one span when the stance is ${stance}`]);
    }
    expect(broken(NEE, (a) => (a.source_assessments[0].stance = "UNUSABLE"))).toEqual([]);
  });
});

describe("claim-verification answers: offsets count code points", () => {
  const item = claimItem("astral", "Emoji 😀 and 🎉 count as one character each.");
  const text = (item as any).sources[0].snapshot.text as string;
  const utf16Start = text.indexOf("😀");
  const cpStart = Array.from(text.slice(0, utf16Start)).length;
  const answer = (span: Record<string, unknown>) => ({
    schema: "verification-annotation/v0.1",
    source_assessments: [{ source_id: "S1", content_hash: (item as any).sources[0].snapshot.content_hash, stance: "SUPPORTS", evidence_spans: [span], reliability: "HIGH" }],
    evidence_sets: [["S1:0"]],
    verdict: "SUPPORTED",
    confidence: 5,
    justification: "[S1] shows the emoji exactly as the claim says.",
  });

  it("accepts a span whose offsets index Array.from(text)", () => {
    expect(itemTemplate("claim-verification").check(item).ok).toBe(true);
    const span = quote(text, cpStart, cpStart + 7); // "😀 and 🎉": 7 code points, 9 UTF-16 units
    expect(span.exact).toBe("😀 and 🎉");
    expect(issues(item, answer(span))).toEqual([]);
    const end = Array.from(text).length;
    expect(issues(item, answer(quote(text, end - 6, end)))).toEqual([]);
  });

  it("rejects the same quote at UTF-16 offsets, and an end past the code-point length", () => {
    const span = { ...quote(text, cpStart, cpStart + 7), start: utf16Start, end: utf16Start + 9 };
    expect(issues(item, answer(span))).toEqual(["source_assessments.0.evidence_spans.0.exact: does not equal the text at [start, end)"]);
    const n = Array.from(text).length;
    expect(issues(item, answer({ ...quote(text, n - 1, n), end: text.length }))).toEqual([`source_assessments.0.evidence_spans.0: must satisfy start < end <= ${n}`]);
  });
});

describe("claim-verification answers: source assessments match the item", () => {
  it("needs exactly one assessment per source", () => {
    expect(broken(CONFLICT, (a) => a.source_assessments.pop())[0]).toBe("source_assessments: must have exactly 2 entries, one per source in item order");
    expect(broken(SUPPORTED, (a) => (a.source_assessments = []))).toEqual(["source_assessments: needs one assessment per source"]);
  });

  it("needs them in item order", () => {
    expect(broken(CONFLICT, (a) => a.source_assessments.reverse())).toEqual([
      "source_assessments.0.source_id: must be S1 (one per source, in item order)",
      "source_assessments.1.source_id: must be S2 (one per source, in item order)",
    ]);
  });

  it("needs the served content hash echoed", () => {
    expect(broken(CONFLICT, (a, item) => (a.source_assessments[1].content_hash = item.sources[0].snapshot.content_hash))).toEqual([
      "source_assessments.1.content_hash: does not match the snapshot served for this source",
    ]);
  });

  it("needs duplicate_of to name another source", () => {
    expect(broken(CONFLICT, (a) => (a.source_assessments[1].duplicate_of = "S1"))).toEqual([]);
    expect(broken(CONFLICT, (a) => (a.source_assessments[1].duplicate_of = "S2"))).toEqual(["source_assessments.1.duplicate_of: must name another source of this item"]);
    expect(broken(CONFLICT, (a) => (a.source_assessments[1].duplicate_of = "S7"))).toEqual(["source_assessments.1.duplicate_of: must name another source of this item"]);
  });
});

describe("claim-verification answers: evidence sets and verdict fields", () => {
  it("requires every SpanRef to resolve to a span of the answer", () => {
    expect(broken(CONFLICT, (a) => (a.evidence_sets = [["S1:0", "S1:1"], ["S3:0"]]))).toEqual([
      "evidence_sets.0.1: S1:1 names no evidence span of this answer",
      "evidence_sets.1.0: S3:0 names no evidence span of this answer",
    ]);
    expect(broken(CONFLICT, (a) => (a.evidence_sets = [["S1-0"]]))).toEqual(['evidence_sets.0.0: must be a span reference such as "S2:0"']);
    expect(broken(CONFLICT, (a) => (a.evidence_sets = [["S1:0", "S1:0"], ["S2:0"]]))).toEqual(["evidence_sets.0.1: repeats S1:0"]);
    expect(broken(CONFLICT, (a) => (a.evidence_sets = [[], ["S2:0"]]))).toEqual(["evidence_sets.0: must not be empty"]);
  });

  it("requires at least one evidence set unless NOT_ENOUGH_EVIDENCE", () => {
    expect(broken(SUPPORTED, (a) => (a.evidence_sets = []))).toEqual(["evidence_sets: needs at least one evidence set unless the verdict is NOT_ENOUGH_EVIDENCE"]);
  });

  it("requires conflict_type exactly when the verdict is CONFLICTING_EVIDENCE", () => {
    const message = "conflict_type: must be set exactly when the verdict is CONFLICTING_EVIDENCE";
    expect(broken(CONFLICT, (a) => (a.conflict_type = null))).toEqual([message]);
    expect(broken(SUPPORTED, (a) => (a.conflict_type = "CHERRY_PICKING"))).toEqual([message]);
    expect(broken(SUPPORTED, (a) => (a.conflict_type = "OTHER"))[0]).toMatch(/^conflict_type: /);
  });

  it("requires missing_evidence exactly when the verdict is NOT_ENOUGH_EVIDENCE", () => {
    const required = "missing_evidence: is required when the verdict is NOT_ENOUGH_EVIDENCE: say what would settle the claim";
    expect(broken(NEE, (a) => (a.missing_evidence = null))).toEqual([required]);
    expect(broken(NEE, (a) => (a.missing_evidence = "   "))).toEqual([required]);
    expect(broken(SUPPORTED, (a) => (a.missing_evidence = "More sources."))).toEqual(["missing_evidence: must be null unless the verdict is NOT_ENOUGH_EVIDENCE"]);
  });

  it("takes confidence 1..5 only", () => {
    expect(broken(SUPPORTED, (a) => (a.confidence = 6))[0]).toMatch(/^confidence: /);
    expect(broken(SUPPORTED, (a) => (a.confidence = 2.5))[0]).toMatch(/^confidence: /);
  });
});

describe("claim-verification answers: justification and optional texts", () => {
  it("needs 30..2000 characters, counted in code points", () => {
    const message = "justification: must be 30 to 2000 characters";
    expect(broken(SUPPORTED, (a) => (a.justification = "[S1] says so, plainly stated."))).toEqual([message]); // 29
    expect(broken(SUPPORTED, (a) => (a.justification = "[S1] says so, plainly stated!!"))).toEqual([]); // 30
    expect(broken(SUPPORTED, (a) => (a.justification = `[S1] ${"😀".repeat(24)}`))).toEqual([message]); // 29 code points, 53 units
    expect(broken(SUPPORTED, (a) => (a.justification = `[S1] ${"x".repeat(1996)}`))).toEqual([message]);
  });

  it("must cite every source used in evidence_sets", () => {
    expect(broken(CONFLICT, (a) => (a.justification = "[S1] dates the film to 1990, after 1989; the other version disagrees."))).toEqual([
      "justification: must cite [S2], which evidence_sets use",
    ]);
  });

  it("may cite only sources of the item", () => {
    expect(broken(SUPPORTED, (a) => (a.justification += " See also [S3] and [S0]."))).toEqual([
      "justification: cites [S3], which is not a source of this item",
      "justification: cites [S0], which is not a source of this item",
    ]);
  });

  it("allows answer_to_question only when the item has a question, and then citing its sources", () => {
    expect(broken(SUPPORTED, (a) => (a.answer_to_question = "Yes, per [S1]."))).toEqual(["answer_to_question: must be null: this item has no question"]);
    const item = sample(SUPPORTED);
    item.question = "Is Moscovium natural?";
    const a = answerFromGold(item);
    expect(issues(item, { ...a, answer_to_question: "No: [S1] calls it synthetic." })).toEqual([]);
    expect(issues(item, { ...a, answer_to_question: "No, it is synthetic." })).toEqual(["answer_to_question: must cite at least one source as [S#]"]);
    expect(issues(item, { ...a, answer_to_question: "No, see [S2]." })).toEqual(["answer_to_question: cites [S2], which is not a source of this item"]);
  });

  it("allows claim_rewrite only with the claim_ambiguous flag", () => {
    expect(broken(SUPPORTED, (a) => (a.claim_rewrite = "Moscovium does not occur in nature."))).toEqual([
      "claim_rewrite: must be null unless claim_flags includes claim_ambiguous",
    ]);
    expect(broken(SUPPORTED, (a) => Object.assign(a, { claim_rewrite: "Moscovium does not occur in nature.", claim_flags: ["claim_ambiguous"] }))).toEqual([]);
    expect(broken(SUPPORTED, (a) => (a.claim_flags = ["claim_typo", "claim_typo"]))).toEqual(["claim_flags: must not repeat a flag"]);
  });
});
