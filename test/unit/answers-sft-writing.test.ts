/** sft-writing answers: a written response; no agreement fields, no automatic gold or resolution. */
import { describe, expect, it } from "vitest";
import { itemTemplate } from "../../src/domain/templates/index.js";
import { taskTemplate } from "../../src/domain/templates/answers/index.js";
import { sftWritingAnswers as sft } from "../../src/domain/templates/answers/sft-writing.js";
import type { SftAnswer } from "../../src/domain/templates/answers/sft-writing.js";

function stored(raw: Record<string, unknown>): Record<string, unknown> {
  const r = itemTemplate("sft-writing").check(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.item.value;
}
const item = stored({ id: 3, prompt: "Write a haiku about rain.", context: "For children.", gold: "Soft rain on the roof / ...", is_gold: true, source: "gold-batch-2" });

const issues = (answer: unknown) => {
  const r = sft.checkAnswer(item, answer);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};
function checked(answer: Record<string, unknown>): SftAnswer {
  const r = sft.checkAnswer(item, answer);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.answer;
}

describe("sft-writing answers", () => {
  it("takes a non-blank response and an optional note", () => {
    expect(taskTemplate("sft-writing").name).toBe("sft-writing");
    expect(issues({ response: "Drops tap the window." })).toEqual([]);
    expect(issues({ response: "Drops.", note: "Kept it short." })).toEqual([]);
    expect(issues({ response: "  \n " })).toEqual(["response: must not be empty"]);
    expect(issues({})).toEqual(["response: is required"]);
    expect(issues({ response: "x".repeat(200_001) })).toEqual(["response: must be at most 200000 characters"]);
    expect(issues({ response: "Drops.", rating: 5 })).toEqual(["rating: is not a field of this answer"]);
  });

  it("has no categorical fields, spans, gold score or automatic resolution", () => {
    const a = checked({ response: "Drops tap the window." });
    expect(sft.agreementFields([item])).toEqual([]);
    expect(sft.agreementRecord(item, a)).toEqual({});
    expect(sft.spans(a)).toEqual([]);
    expect(sft.sameAnswer(a, checked({ response: "Drops tap the window." }))).toBe(false);
    expect(sft.goldCheck(item, a)).toBeNull();
    expect(sft.blindView(item, a)).toBeNull();
  });

  it("shows prompt and context only: never the reference response, is_gold or lab keys", () => {
    const view = sft.taskView(item);
    expect(view).toEqual({ prompt: "Write a haiku about rain.", context: "For children." });
    expect(JSON.stringify(view)).not.toMatch(/gold|Soft rain/);
  });

  it("exports the id and the answer fields; drafts are any object", () => {
    expect(sft.exportRecord(item, checked({ response: "Drops." }), { resolution_id: "r9" })).toEqual({ id: "3", response: "Drops.", note: null, resolution_id: "r9" });
    expect(sft.checkDraft({ response: "half a haiku" }).ok).toBe(true);
    expect(sft.checkDraft("text").ok).toBe(false);
  });
});
