/** classification answers: one label or a label set, optional labelled spans by code point; gold label(s). */
import { describe, expect, it } from "vitest";
import { itemTemplate } from "../../src/domain/templates/index.js";
import { taskTemplate } from "../../src/domain/templates/answers/index.js";
import { classificationAnswers as cl } from "../../src/domain/templates/answers/classification.js";
import type { ClassAnswer } from "../../src/domain/templates/answers/classification.js";

function stored(raw: Record<string, unknown>): Record<string, unknown> {
  const r = itemTemplate("classification").check(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.item.value;
}
const TEXT = "Great 😀 service, slow delivery.";
const single = stored({ id: "c1", text: TEXT, labels: ["positive", "negative", "mixed"], gold: "mixed" });
const multi = stored({ id: "c2", text: TEXT, labels: ["service", "delivery", "price"], multi_label: true, gold: { labels: ["service", "delivery"] } });

const issues = (item: Record<string, unknown>, answer: unknown) => {
  const r = cl.checkAnswer(item, answer);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};
function checked(item: Record<string, unknown>, answer: Record<string, unknown>): ClassAnswer {
  const r = cl.checkAnswer(item, answer);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.answer;
}
/** A span of TEXT by code point. */
const span = (start: number, end: number, label: string) => ({ start, end, label, exact: Array.from(TEXT).slice(start, end).join("") });

describe("classification answers", () => {
  it("takes one of the item's labels on single-label items, a set of them on multi-label items", () => {
    expect(taskTemplate("classification").name).toBe("classification");
    expect(issues(single, { label: "mixed" })).toEqual([]);
    expect(issues(single, { label: "neutral" })).toEqual(["label: is not one of the item's labels"]);
    expect(issues(single, { labels: ["mixed"] })).toEqual(["label: is required", "labels: is not a field of this answer"]);
    expect(issues(multi, { labels: ["service", "price"] })).toEqual([]);
    expect(issues(multi, { labels: [] })).toEqual([]);
    expect(issues(multi, { labels: ["service", "service"] })).toEqual(["labels: must not repeat a label"]);
    expect(issues(multi, { labels: ["service", "tone"] })).toEqual(["labels.1: is not one of the item's labels"]);
    expect(issues(multi, { label: "service" })).toEqual(["labels: is required", "label: is not a field of this answer"]);
  });

  it("checks labelled spans by code point: exact text, bounds, no overlap within one label", () => {
    expect(span(0, 7, "positive").exact).toBe("Great 😀");
    expect(issues(single, { label: "mixed", spans: [span(0, 7, "positive"), span(3, 16, "mixed"), span(18, 31, "negative")] })).toEqual([]);
    expect(issues(single, { label: "mixed", spans: [{ ...span(0, 7, "positive"), end: 8 }] })).toEqual(["spans.0.exact: does not equal the text at [start, end)"]);
    expect(issues(single, { label: "mixed", spans: [span(18, 32, "negative")] })).toEqual(["spans.0: must satisfy start < end <= 31"]);
    expect(issues(single, { label: "mixed", spans: [span(0, 7, "positive"), span(9, 16, "negative"), span(5, 10, "positive")] })).toEqual([
      "spans.2: overlaps span 0",
    ]);
    expect(issues(single, { label: "mixed", spans: [span(0, 5, "joy")] })).toEqual(["spans.0.label: is not one of the item's labels"]);
  });

  it("names label (single) or label.X yes/no (multi) as nominal agreement fields", () => {
    expect(cl.agreementFields([single, multi])).toEqual([
      { field: "label", level: "nominal" },
      { field: "label.service", level: "nominal" },
      { field: "label.delivery", level: "nominal" },
      { field: "label.price", level: "nominal" },
    ]);
    expect(cl.agreementRecord(single, checked(single, { label: "mixed" }))).toEqual({ label: "mixed" });
    expect(cl.agreementRecord(multi, checked(multi, { labels: ["price"] }))).toEqual({ "label.service": "no", "label.delivery": "no", "label.price": "yes" });
  });

  it("groups spans by label for span-overlap F1", () => {
    const a = checked(single, { label: "mixed", spans: [span(0, 7, "positive"), span(18, 31, "negative"), span(8, 16, "positive")] });
    expect(cl.spans(a)).toEqual([
      { key: "positive", spans: [{ start: 0, end: 7 }, { start: 8, end: 16 }], scored: true },
      { key: "negative", spans: [{ start: 18, end: 31 }], scored: true },
    ]);
  });

  it("resolves automatically on the same labels, whatever their order or spans", () => {
    expect(cl.sameAnswer(checked(multi, { labels: ["service", "price"] }), checked(multi, { labels: ["price", "service"], spans: [span(0, 5, "service")] }))).toBe(true);
    expect(cl.sameAnswer(checked(multi, { labels: ["service"] }), checked(multi, { labels: ["service", "price"] }))).toBe(false);
    expect(cl.sameAnswer(checked(single, { label: "mixed" }), checked(single, { label: "positive" }))).toBe(false);
  });

  it("scores against gold as a label, {label}, an array or {labels}", () => {
    expect(cl.goldCheck(single, checked(single, { label: "mixed" }))).toEqual({ correct: true, detail: { label: true } });
    expect(cl.goldCheck({ ...single, gold: { label: "positive" } }, checked(single, { label: "mixed" }))).toEqual({ correct: false, detail: { label: false } });
    expect(cl.goldCheck(multi, checked(multi, { labels: ["delivery", "service"] }))?.correct).toBe(true);
    expect(cl.goldCheck({ ...multi, gold: ["service"] }, checked(multi, { labels: ["service", "price"] }))).toEqual({
      correct: false,
      detail: { "label.service": true, "label.delivery": true, "label.price": false },
    });
    expect(cl.goldCheck({ ...single, gold: undefined }, checked(single, { label: "mixed" }))).toBeNull();
    expect(cl.goldCheck({ ...single, gold: "neutral" }, checked(single, { label: "mixed" }))).toBeNull();
  });

  it("shows text, labels and multi_label only; never gold", () => {
    expect(cl.taskView(single)).toEqual({ text: TEXT, labels: ["positive", "negative", "mixed"], multi_label: false });
    expect(JSON.stringify(cl.taskView(multi))).not.toMatch(/gold|"c2"/);
    expect(JSON.stringify(cl.taskView({ ...single, is_gold: true }))).not.toContain("is_gold");
  });

  it("exports the id and the answer fields", () => {
    expect(cl.exportRecord(multi, checked(multi, { labels: ["price"], spans: [span(0, 5, "price")] }), {})).toEqual({
      id: "c2",
      labels: ["price"],
      spans: [{ start: 0, end: 5, label: "price", exact: "Great" }],
    });
    expect(cl.exportRecord(single, checked(single, { label: "mixed" }), {})).toEqual({ id: "c1", label: "mixed", spans: [] });
  });
});
