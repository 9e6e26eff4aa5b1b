/**
 * The item schemas: the shipped samples pass; each rule of
 * verification-item/v0.1 that matters (hash, code-point counts and offsets,
 * unique source ids, gold references) fails with the field it concerns.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { itemTemplate } from "../../src/domain/templates/index.js";
import { stableJson } from "../../src/domain/templates/stable-json.js";
import { claimItem } from "../support/items.js";

const claim = itemTemplate("claim-verification");
const paths = (value: unknown) => {
  const r = claim.check(value);
  return r.ok ? [] : r.issues.map((i) => i.path);
};
const clone = <T>(v: T): T => structuredClone(v);

describe("claim-verification items", () => {
  it("accepts every shipped sample, taking item_id as the external id and gold as the gold flag", () => {
    const lines = readFileSync(new URL("../../samples/verification-sample.jsonl", import.meta.url), "utf8").trim().split("\n");
    expect(lines).toHaveLength(30);
    for (const line of lines) {
      const r = claim.check(JSON.parse(line));
      expect(r.ok && r.item.externalId, line.slice(0, 80)).toBe(JSON.parse(line).item_id);
      expect(r.ok && r.item.isGold).toBe(true);
    }
    const plain = claim.check(claimItem("x1"));
    expect(plain.ok && plain.item.isGold).toBe(false);
  });

  it("checks content_hash and char_count against the snapshot text", () => {
    const item = clone(claimItem("x1")) as any;
    item.sources[0].snapshot.text += "!";
    expect(paths(item)).toEqual(["sources.0.snapshot.content_hash", "sources.0.snapshot.char_count"]);
  });

  it("counts code points, not UTF-16 units", () => {
    const item = claimItem("x2", "Emoji 😀 are one code point each");
    const snapshot = (item as any).sources[0].snapshot;
    expect(snapshot.char_count).toBeLessThan(snapshot.text.length);
    expect(paths(item)).toEqual([]);
    const wrong = clone(item) as any;
    wrong.sources[0].snapshot.char_count = wrong.sources[0].snapshot.text.length;
    wrong.sources[0].snapshot.sentences = [[0, wrong.sources[0].snapshot.text.length]];
    expect(paths(wrong)).toEqual(["sources.0.snapshot.char_count", "sources.0.snapshot.sentences.0"]);
  });

  it("requires sentences in bounds and in order, and NFC text", () => {
    const item = clone(claimItem("x3")) as any;
    const n = item.sources[0].snapshot.char_count;
    item.sources[0].snapshot.sentences = [[0, 5], [3, 8], [9, n + 1], [7, 7]];
    expect(paths(item)).toEqual(["sources.0.snapshot.sentences.1", "sources.0.snapshot.sentences.2", "sources.0.snapshot.sentences.3"]);
    const nfd = claimItem("x4", "Cafe\u0301 is decomposed");
    expect(paths(nfd)).toEqual(["sources.0.snapshot.text"]);
  });

  it("requires unique source ids and gold that names real sources and spans", () => {
    const item = clone(claimItem("x5")) as any;
    item.sources.push(clone(item.sources[0]));
    expect(paths(item)).toEqual(["sources.1.source_id"]);
    const gold = clone(claimItem("x6")) as any;
    gold.gold = {
      verdict: "SUPPORTED",
      conflict_type: null,
      source_stances: [{ source_id: "S1", stance: "SUPPORTS", evidence_spans: [{ start: 0, end: 5 }, { start: 4, end: 10_000 }] }, { source_id: "S2", stance: "REFUTES", evidence_spans: [] }],
      evidence_sets: [["S1:0"], ["S1:2"], ["S3:0"]],
      expected_flags: [],
      derivation: "test",
    };
    expect(paths(gold)).toEqual([
      "gold.source_stances.0.evidence_spans.1",
      "gold.source_stances.1.source_id",
      "gold.evidence_sets.1.0",
      "gold.evidence_sets.2.0",
    ]);
    gold.gold.verdict = "CONFLICTING_EVIDENCE";
    expect(paths(gold)).toContain("gold.conflict_type");
  });

  it("names missing and mistyped fields by path, and keeps unknown fields", () => {
    const item = clone(claimItem("x7")) as any;
    delete item.claim.text;
    item.sources[0].url = "ftp://example.org";
    item.schema = "verification-item/v9";
    expect(paths(item).sort()).toEqual(["claim.text", "schema", "sources.0.url"]);
    const extra = claim.check({ ...claimItem("x8"), lab_batch: "b-17" });
    expect(extra.ok && extra.item.value["lab_batch"]).toBe("b-17");
    expect(paths({ ...claimItem("bad id!") })).toEqual(["item_id"]);
    expect(paths([])).toEqual(["(item)"]);
  });
});

describe("simple templates", () => {
  const cases: Array<[string, unknown, string[]]> = [
    ["sft-writing", { id: "s1", prompt: "Write a haiku.", context: null }, []],
    ["sft-writing", { id: 17, prompt: "" }, ["prompt"]],
    ["pairwise-preference", { id: "p1", prompt: "Which?", responses: ["a", { text: "b", model: "m" }] }, []],
    ["pairwise-preference", { id: "p2", prompt: "Which?", responses: ["only one"] }, ["responses"]],
    ["rubric-grading", { id: "r1", response: "An answer", rubric: [{ id: "c1", description: "Accurate" }] }, []],
    ["rubric-grading", { id: "r2", response: "An answer", rubric: [{ id: "c1", description: "A" }, { id: "c1", description: "B" }] }, ["rubric.1.id"]],
    ["classification", { id: "c1", text: "Great product", labels: ["positive", "negative"] }, []],
    ["classification", { id: "c2", text: "Great product", labels: ["positive", "positive"] }, ["labels"]],
    ["classification", { text: "no id", labels: ["a", "b"] }, ["id"]],
  ];
  it.each(cases)("%s %j → %j", (name, value, expected) => {
    const r = itemTemplate(name).check(value);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(expected);
  });

  it("takes `id` as the external id (numbers as text) and `gold` or `is_gold` as the gold flag", () => {
    const t = itemTemplate("sft-writing");
    const a = t.check({ id: 42, prompt: "p", gold: "reference answer" });
    const b = t.check({ id: "x", prompt: "p", is_gold: true });
    const c = t.check({ id: "y", prompt: "p", gold: null });
    expect([a.ok && a.item.externalId, a.ok && a.item.isGold, b.ok && b.item.isGold, c.ok && c.item.isGold]).toEqual(["42", true, true, false]);
  });
});

describe("stable JSON", () => {
  it("sorts keys at every level, so key order in the file does not make an item look changed", () => {
    expect(stableJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: "é" } })).toBe('{"a":{"c":"é","d":[1,{"y":null,"z":0}]},"b":1}');
    expect(stableJson({ a: 1, b: 2 })).toBe(stableJson({ b: 2, a: 1 }));
  });
});
