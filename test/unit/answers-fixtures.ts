/** Shared fixtures of the answers-* tests: the shipped claim-verification samples and answers built from their gold. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** The 30 shipped claim-verification items (all with gold). */
export const samples: Array<Record<string, any>> = readFileSync(new URL("../../samples/verification-sample.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line));

/** The sample with this item_id. */
export function sample(id: string): Record<string, any> {
  const found = samples.find((s) => s.item_id === id);
  if (!found) throw new Error(`no sample ${id}`);
  return structuredClone(found);
}

/** Two sources, CONFLICTING_EVIDENCE / SOURCES_DISAGREE; S1 SUPPORTS, S2 REFUTES, whole-sentence spans. */
export const CONFLICT = "demo-vitaminc-5ed4de03c9e77c00084893a1-3";
/** One source, SUPPORTED. */
export const SUPPORTED = "demo-fever2-500009";
/** One source, NOT_ENOUGH_EVIDENCE, no evidence sets. */
export const NEE = "demo-vitaminc-5ed4de07c9e77c000848a180-1-single";

export const sha = (text: string) => `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;

/** A quote selector for [start, end) of `text`, by code point. */
export function quote(text: string, start: number, end: number, role = "SUPPORTS") {
  const cps = Array.from(text);
  return { start, end, exact: cps.slice(start, end).join(""), prefix: cps.slice(Math.max(0, start - 32), start).join(""), suffix: cps.slice(end, end + 32).join(""), role };
}

/** A valid verification-annotation (as submitted) built from the item's gold block. */
export function answerFromGold(item: Record<string, any>): Record<string, any> {
  const g = item.gold;
  const source_assessments = item.sources.map((s: any) => {
    const gs = g.source_stances.find((x: any) => x.source_id === s.source_id);
    const stance = gs?.stance ?? "NOT_ENOUGH_INFO";
    return {
      source_id: s.source_id,
      content_hash: s.snapshot.content_hash,
      stance,
      evidence_spans: (gs?.evidence_spans ?? []).map((sp: any) => quote(s.snapshot.text, sp.start, sp.end, stance === "REFUTES" ? "REFUTES" : "SUPPORTS")),
      reliability: "MEDIUM",
      source_flags: [],
      duplicate_of: null,
      note: null,
    };
  });
  const used = [...new Set(g.evidence_sets.flat().map((ref: string) => ref.split(":")[0]))];
  const cites = used.length ? used.map((id) => `[${id}]`).join(" and ") : "None of the sources";
  return {
    schema: "verification-annotation/v0.1",
    guideline_version: "verif-guide-1.0",
    source_assessments,
    evidence_sets: structuredClone(g.evidence_sets),
    verdict: g.verdict,
    conflict_type: g.conflict_type,
    confidence: 4,
    justification: `${cites} settles the claim exactly as it is worded.`,
    used_background_knowledge: null,
    missing_evidence: g.verdict === "NOT_ENOUGH_EVIDENCE" ? "A dated source that states the figure in the claim." : null,
    claim_flags: [...g.expected_flags],
    claim_rewrite: null,
    answer_to_question: null,
  };
}
