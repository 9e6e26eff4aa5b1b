/** pairwise-preference answers: choice, ranking, strength, ratings; gold {choice}; views without ids, models or gold. */
import { describe, expect, it } from "vitest";
import { itemTemplate } from "../../src/domain/templates/index.js";
import { taskTemplate } from "../../src/domain/templates/answers/index.js";
import { pairwisePreferenceAnswers as pp } from "../../src/domain/templates/answers/pairwise-preference.js";
import type { PairAnswer } from "../../src/domain/templates/answers/pairwise-preference.js";

/** A stored item: parsed by the item template, as import stores it. */
function stored(raw: Record<string, unknown>): Record<string, unknown> {
  const r = itemTemplate("pairwise-preference").check(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.item.value;
}
const two = stored({ id: 7, prompt: "Say hi.", responses: ["Hi!", { text: "Hello there.", id: "chosen", model: "m-large" }], gold: { choice: 1 }, notes: "gold pair" });
const three = stored({ id: "p3", prompt: "Name a prime.", responses: ["2", "4", "9"], axes: ["accuracy"] });

const issues = (item: Record<string, unknown>, answer: unknown) => {
  const r = pp.checkAnswer(item, answer);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};
function checked(item: Record<string, unknown>, answer: Record<string, unknown>): PairAnswer {
  const r = pp.checkAnswer(item, answer);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.answer;
}

describe("pairwise-preference answers", () => {
  it("accepts a choice, with optional strength, ratings per default axis and justification", () => {
    expect(taskTemplate("pairwise-preference").name).toBe("pairwise-preference");
    expect(issues(two, { choice: 1 })).toEqual([]);
    expect(issues(two, { choice: "tie" })).toEqual([]);
    expect(issues(two, { choice: 0, ranking: [0, 1], strength: 3, ratings: { helpfulness: [6, 2], harmlessness: [7, 7] }, justification: "Warmer." })).toEqual([]);
  });

  it("rejects out-of-range choices, unknown keys and axes, and ratings of the wrong length", () => {
    expect(issues(two, { choice: 2 })).toEqual(["choice: must be a response index 0 to 1"]);
    expect(issues(two, { choice: 0, model: "m" })).toEqual(["model: is not a field of this answer"]);
    expect(issues(two, { choice: 0, ratings: { accuracy: [1, 2] } })).toEqual(["ratings.accuracy: is not a field of this answer"]);
    expect(issues(two, { choice: 0, ratings: { helpfulness: [1] } })).toEqual(["ratings.helpfulness: needs one rating per response (2)"]);
    expect(issues(two, { choice: 0, ratings: { helpfulness: [1, 8] } })[0]).toMatch(/^ratings\.helpfulness\.1: /);
    expect(issues(two, { choice: "tie", strength: 2 })).toEqual(["strength: must be null when the choice is a tie"]);
    expect(issues(two, "0")).toEqual(["(answer): an answer must be a JSON object"]);
  });

  it("requires a full ranking, led by the choice, when there are more than two responses", () => {
    expect(issues(three, { choice: 0, ranking: [0, 2, 1] })).toEqual([]);
    expect(issues(three, { choice: 0 })).toEqual(["ranking: is required when there are more than 2 responses (3)"]);
    expect(issues(three, { choice: 0, ranking: [0, 2, 2] })).toEqual(["ranking: must list every response index 0 to 2 once"]);
    expect(issues(three, { choice: 0, ranking: [2, 0, 1] })).toEqual(["ranking.0: must be the chosen response"]);
    expect(issues(three, { choice: "tie", ranking: [0, 1, 2] })).toEqual(['choice: may be "tie" only when there are 2 responses', "ranking: must be omitted when the choice is a tie"]);
    expect(issues(three, { choice: 0, ranking: [0, 2, 1], ratings: { accuracy: [7, 1, 1] } })).toEqual([]);
    expect(issues(three, { choice: 0, ranking: [0, 2, 1], ratings: { helpfulness: [7, 1, 1] } })).toEqual(["ratings.helpfulness: is not a field of this answer"]);
  });

  it("names choice, rank per response and rating per axis and response as agreement fields", () => {
    expect(pp.agreementFields([two, three]).map((f) => `${f.field}:${f.level}`)).toEqual([
      "choice:nominal",
      "rank.0:ordinal",
      "rank.1:ordinal",
      "rank.2:ordinal",
      "rating.helpfulness.0:ordinal",
      "rating.helpfulness.1:ordinal",
      "rating.correctness.0:ordinal",
      "rating.correctness.1:ordinal",
      "rating.harmlessness.0:ordinal",
      "rating.harmlessness.1:ordinal",
      "rating.accuracy.0:ordinal",
      "rating.accuracy.1:ordinal",
      "rating.accuracy.2:ordinal",
    ]);
    expect(pp.agreementRecord(three, checked(three, { choice: 2, ranking: [2, 0, 1], ratings: { accuracy: [5, 1, 7] } }))).toEqual({
      choice: "2",
      "rank.0": 2,
      "rank.1": 3,
      "rank.2": 1,
      "rating.accuracy.0": 5,
      "rating.accuracy.1": 1,
      "rating.accuracy.2": 7,
    });
    expect(pp.agreementRecord(two, checked(two, { choice: "tie" }))["choice"]).toBe("tie");
    expect(pp.spans(checked(two, { choice: 0 }))).toEqual([]);
  });

  it("resolves automatically on the same choice and ranking", () => {
    expect(pp.sameAnswer(checked(two, { choice: 1, strength: 1 }), checked(two, { choice: 1, ranking: [1, 0], strength: 3 }))).toBe(true);
    expect(pp.sameAnswer(checked(two, { choice: 1 }), checked(two, { choice: "tie" }))).toBe(false);
    expect(pp.sameAnswer(checked(three, { choice: 0, ranking: [0, 1, 2] }), checked(three, { choice: 0, ranking: [0, 2, 1] }))).toBe(false);
  });

  it("scores against gold {choice} or a bare index, and is null without usable gold", () => {
    expect(pp.goldCheck(two, checked(two, { choice: 1 }))).toEqual({ correct: true, detail: { choice: true } });
    expect(pp.goldCheck(two, checked(two, { choice: 0 }))).toEqual({ correct: false, detail: { choice: false } });
    expect(pp.goldCheck({ ...three, gold: 2 }, checked(three, { choice: 2, ranking: [2, 1, 0] }))?.correct).toBe(true);
    const ranked = { ...three, gold: { choice: 2, ranking: [2, 0, 1] } };
    expect(pp.goldCheck(ranked, checked(three, { choice: 2, ranking: [2, 1, 0] }))).toEqual({ correct: false, detail: { choice: true, ranking: false } });
    expect(pp.goldCheck(three, checked(three, { choice: 2, ranking: [2, 1, 0] }))).toBeNull();
    expect(pp.goldCheck({ ...three, gold: { choice: 9 } }, checked(three, { choice: 2, ranking: [2, 1, 0] }))).toBeNull();
  });

  it("shows prompt, response texts and axes only: no gold, response ids, model names, item id or lab keys", () => {
    const view = pp.taskView(two);
    expect(view).toEqual({ prompt: "Say hi.", responses: ["Hi!", "Hello there."], axes: ["helpfulness", "correctness", "harmlessness"] });
    expect(JSON.stringify(view)).not.toMatch(/gold|chosen|m-large|"7"/);
    expect(pp.blindView(two, checked(two, { choice: 0 }))).toBeNull();
  });

  it("exports the id and the answer fields", () => {
    expect(pp.exportRecord(two, checked(two, { choice: 1, strength: 2 }), { method: "UNANIMOUS" })).toEqual({
      id: "7",
      choice: 1,
      ranking: null,
      strength: 2,
      ratings: null,
      justification: null,
      method: "UNANIMOUS",
    });
  });
});
