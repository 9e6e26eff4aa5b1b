/** rubric-grading answers: one score per criterion within its scale; gold {scores} within tolerance. */
import { describe, expect, it } from "vitest";
import { itemTemplate } from "../../src/domain/templates/index.js";
import { taskTemplate } from "../../src/domain/templates/answers/index.js";
import { rubricGradingAnswers as rg } from "../../src/domain/templates/answers/rubric-grading.js";
import type { RubricAnswer } from "../../src/domain/templates/answers/rubric-grading.js";

function stored(raw: Record<string, unknown>): Record<string, unknown> {
  const r = itemTemplate("rubric-grading").check(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.item.value;
}
const item = stored({
  id: "r1",
  prompt: "Explain tides.",
  response: "The moon pulls the sea.",
  rubric: [
    { id: "accuracy", description: "Facts are right", max_score: 10 },
    { id: "clarity", description: "Easy to follow" },
    { id: "cites", description: "Cites a source", max_score: 1 },
  ],
  gold: { scores: { accuracy: 7, clarity: 4, cites: 0 } },
  is_gold: true,
});

const issues = (answer: unknown) => {
  const r = rg.checkAnswer(item, answer);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};
function checked(scores: Record<string, number>, it = item): RubricAnswer {
  const r = rg.checkAnswer(it, { scores });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.answer;
}

describe("rubric-grading answers", () => {
  it("accepts a score for every criterion, within max_score (default 5), with optional comments", () => {
    expect(taskTemplate("rubric-grading").name).toBe("rubric-grading");
    expect(issues({ scores: { accuracy: 10, clarity: 5, cites: 0 } })).toEqual([]);
    expect(issues({ scores: { accuracy: 0, clarity: 0, cites: 1 }, comments: { clarity: "Terse." }, justification: "Thin." })).toEqual([]);
  });

  it("rejects missing, unknown and out-of-scale scores, each at its criterion", () => {
    expect(issues({ scores: { accuracy: 3, clarity: 3 } })[0]).toMatch(/^scores\.cites: /);
    expect(issues({ scores: { accuracy: 3, clarity: 3, cites: 1, style: 2 } })).toEqual(["scores.style: is not a field of this answer"]);
    expect(issues({ scores: { accuracy: 11, clarity: 6, cites: 0.5 } })).toEqual([
      "scores.accuracy: must be a whole number 0 to 10",
      "scores.clarity: must be a whole number 0 to 5",
      expect.stringMatching(/^scores\.cites: /),
    ]);
    expect(issues({ scores: { accuracy: 3, clarity: 3, cites: 1 }, comments: { style: "x" } })).toEqual(["comments.style: is not a field of this answer"]);
    expect(issues({ scores: { accuracy: 3, clarity: 3, cites: 1 }, overall: 4 })).toEqual(["overall: is not a field of this answer"]);
  });

  it("has one ordinal field per criterion id, and records the scores", () => {
    const other = stored({ id: "r2", response: "x", rubric: [{ id: "clarity", description: "d" }, { id: "tone", description: "t" }] });
    expect(rg.agreementFields([item, other])).toEqual([
      { field: "score.accuracy", level: "ordinal" },
      { field: "score.clarity", level: "ordinal" },
      { field: "score.cites", level: "ordinal" },
      { field: "score.tone", level: "ordinal" },
    ]);
    expect(rg.agreementRecord(item, checked({ accuracy: 7, clarity: 4, cites: 1 }))).toEqual({ "score.accuracy": 7, "score.clarity": 4, "score.cites": 1 });
    expect(rg.spans(checked({ accuracy: 7, clarity: 4, cites: 1 }))).toEqual([]);
  });

  it("resolves automatically only on identical scores", () => {
    expect(rg.sameAnswer(checked({ accuracy: 7, clarity: 4, cites: 1 }), checked({ cites: 1, clarity: 4, accuracy: 7 }))).toBe(true);
    expect(rg.sameAnswer(checked({ accuracy: 7, clarity: 4, cites: 1 }), checked({ accuracy: 8, clarity: 4, cites: 1 }))).toBe(false);
  });

  it("scores gold within ±1 on scales above 3 points, exactly on shorter ones, or within gold.tolerance", () => {
    expect(rg.goldCheck(item, checked({ accuracy: 8, clarity: 3, cites: 0 }))).toEqual({
      correct: true,
      detail: { "score.accuracy": true, "score.clarity": true, "score.cites": true },
    });
    expect(rg.goldCheck(item, checked({ accuracy: 9, clarity: 4, cites: 1 }))).toEqual({
      correct: false,
      detail: { "score.accuracy": false, "score.clarity": true, "score.cites": false },
    });
    const strict = { ...item, gold: { scores: { accuracy: 7 }, tolerance: 0 } };
    expect(rg.goldCheck(strict, checked({ accuracy: 8, clarity: 0, cites: 0 }))).toEqual({ correct: false, detail: { "score.accuracy": false } });
    expect(rg.goldCheck({ ...item, gold: undefined }, checked({ accuracy: 8, clarity: 0, cites: 0 }))).toBeNull();
    expect(rg.goldCheck({ ...item, gold: "a fine answer" }, checked({ accuracy: 8, clarity: 0, cites: 0 }))).toBeNull();
  });

  it("shows prompt, response and rubric, never gold or is_gold", () => {
    const view = rg.taskView(item);
    expect(view).toEqual({
      prompt: "Explain tides.",
      response: "The moon pulls the sea.",
      rubric: [
        { id: "accuracy", description: "Facts are right", max_score: 10 },
        { id: "clarity", description: "Easy to follow", max_score: 5 },
        { id: "cites", description: "Cites a source", max_score: 1 },
      ],
    });
    expect(JSON.stringify(view)).not.toMatch(/gold|"r1"/);
  });

  it("exports the id and the answer fields", () => {
    expect(rg.exportRecord(item, checked({ accuracy: 7, clarity: 4, cites: 1 }), { annotation_ids: ["a1"] })).toEqual({
      id: "r1",
      scores: { accuracy: 7, clarity: 4, cites: 1 },
      comments: null,
      justification: null,
      annotation_ids: ["a1"],
    });
  });
});
