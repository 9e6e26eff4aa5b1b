/**
 * Model assist's pure side: prompts carry what a contractor sees and never
 * gold or provenance; a reply that quotes faithfully becomes an answer the
 * template accepts (every sample item, scored correct against its gold);
 * quotes are located by code point, overlapping ones merged, and a quote that
 * is not in the text, a missing assessment or a non-object reply is an issue
 * with a path, never a guess.
 */
import { describe, expect, it } from "vitest";
import { taskTemplate } from "../../src/domain/templates/answers/index.js";
import { claimAnswerFromReply, locateQuote } from "../../src/domain/work/assist-claim.js";
import { answerFromReply, assistPrompt } from "../../src/domain/work/assist-prompt.js";
import { classItem } from "../support/work.js";
import { claimItem } from "../support/items.js";
import { replyFromGold, SAMPLES } from "../support/assist.js";

const claims = taskTemplate("claim-verification");

describe("assist prompts", () => {
  it("give the claim, the question and each source's id, title and text, and nothing of gold or provenance", () => {
    for (const item of SAMPLES) {
      const messages = assistPrompt(claims, item);
      expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
      const user = JSON.parse(messages[1]!.content);
      expect(user.claim).toBe(item["claim"].text);
      expect(user.sources.map((s: any) => s.text)).toEqual(item["sources"].map((s: any) => s.snapshot.text));
      const all = messages.map((m) => m.content).join("\n");
      for (const secret of ["gold", "provenance", "derivation", item["item_id"], "DATASET_IMPORT"]) expect(all, secret).not.toContain(secret);
    }
  });

  it("use the contractor's task view for the simple templates (no gold)", () => {
    const t = taskTemplate("classification");
    const messages = assistPrompt(t, classItem("c-1", "positive"));
    expect(messages[0]!.content).toMatch(/"label": exactly one of "labels"/);
    expect(JSON.parse(messages[1]!.content)).toEqual({ text: "Text of c-1: the weather is fine.", labels: ["positive", "negative", "neutral"], multi_label: false });
    expect(answerFromReply(t, classItem("c-1"), { label: "neutral" })).toEqual({ answer: { label: "neutral" }, issues: [] });
    expect(answerFromReply(t, classItem("c-1"), ["neutral"]).issues).toEqual([{ path: "(reply)", message: "the model's reply is not a JSON object" }]);
  });
});

describe("claim-verification replies", () => {
  it("turn a faithful reply into an answer the template accepts, scored correct against gold, for every sample", () => {
    expect(SAMPLES.length).toBe(30);
    for (const item of SAMPLES) {
      const r = claimAnswerFromReply(item, replyFromGold(item));
      expect(r.issues, item["item_id"]).toEqual([]);
      const checked = claims.checkAnswer(item, r.answer);
      expect(checked.ok ? [] : checked.issues, item["item_id"]).toEqual([]);
      if (checked.ok) expect(claims.goldCheck(item, checked.answer)?.correct, item["item_id"]).toBe(true);
    }
  });

  it("locate quotes in code points, merge overlapping quotes, and fill the quote selector's prefix and suffix", () => {
    expect(locateQuote("a😀b quoted text", "quoted")).toEqual({ start: 4, end: 10 });
    expect(locateQuote("abc", "  b ")).toEqual({ start: 1, end: 2 });
    expect(locateQuote("abc", "x")).toBeNull();
    expect(locateQuote("abc", "   ")).toBeNull();
    const item = claimItem("q1", "The sky 😀 over the town was blue at noon today.");
    const text: string = (item["sources"] as any[])[0].snapshot.text;
    const reply = { verdict: "SUPPORTED", sources: [{ source_id: "S1", stance: "SUPPORTS", evidence: ["😀 over the town", "the town was blue", { quote: "blue at noon today", role: "SUPPORTS" }] }], justification: "The report [S1] says the sky over the town was blue at noon.", confidence: 5 };
    const r = claimAnswerFromReply(item, reply);
    expect(r.issues).toEqual([]);
    const spans = (r.answer!["source_assessments"] as any[])[0].evidence_spans;
    const points = Array.from(text);
    // The three quotes of the claim's sentence overlap: one span from the emoji to "today".
    const last = spans.at(-1);
    expect(last.exact).toBe("😀 over the town was blue at noon today");
    expect(points.slice(last.start, last.end).join("")).toBe(last.exact);
    expect(Array.from(last.prefix).length).toBeLessThanOrEqual(32);
    expect(text).toContain(`${last.prefix}${last.exact}${last.suffix}`);
    expect(r.answer!["evidence_sets"]).toEqual([spans.map((_: unknown, j: number) => `S1:${j}`)]);
    expect(claims.checkAnswer(item, r.answer).ok).toBe(true);
  });

  it("report a quote that is not in the text, a missing assessment and a non-object reply by path", () => {
    const item = SAMPLES.find((i) => i["sources"].length === 2)!;
    const reply = { ...replyFromGold(item), sources: [{ source_id: "S1", stance: "SUPPORTS", evidence: ["words the source never says"] }, { source_id: "S9", stance: "REFUTES" }] };
    const r = claimAnswerFromReply(item, reply);
    expect(r.issues).toEqual([{ path: "source_assessments.0.evidence_spans.0.exact", message: "is not an exact quote of the source's text" }]);
    const checked = claims.checkAnswer(item, r.answer);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues.map((i) => i.path)).toContain("source_assessments.1.stance");
    expect(claimAnswerFromReply(item, "SUPPORTED").issues).toEqual([{ path: "(reply)", message: "the model's reply is not a JSON object" }]);
    expect(claimAnswerFromReply(item, null).answer).toBeNull();
  });

  it("reads hostile replies without reaching prototypes or trusting types", () => {
    const item = SAMPLES[0]!;
    const reply = JSON.parse('{"__proto__": {"polluted": true}, "verdict": "SUPPORTED", "sources": [{"source_id": {"x": 1}}, 7, null, {"source_id": "S1", "stance": "SUPPORTS", "evidence": [42, {"quote": {"a": 1}}]}], "justification": 5, "confidence": "5"}');
    const r = claimAnswerFromReply(item, reply);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(r.issues.map((i) => i.path)).toEqual(["source_assessments.0.evidence_spans.0.exact", "source_assessments.0.evidence_spans.1.exact"]);
    expect(claims.checkAnswer(item, r.answer).ok).toBe(false);
  });
});
