/**
 * The submitted claim-verification answer: `verification-annotation/v0.1` of
 * design/claim-verification.md §2.3 minus what the server fills in
 * (annotation_id, annotator_id, item_id, item_hash, started_at, submitted_at,
 * active_seconds). Those keys are not part of the submitted schema, and since
 * unknown keys are rejected, a browser cannot set them. `skip` is not part of
 * it either: a skip is its own queue operation, not an answer.
 * `guideline_version` is optional: the project records its guidelines version,
 * and a client may echo the version it rendered for the service to compare.
 *
 * Nullable fields may be omitted (they read as null) and flag lists as [].
 * Submit-time validation follows the design's list; every offset counts
 * Unicode code points, and every `exact` must equal
 * `Array.from(text).slice(start, end).join("")`.
 */
import { z } from "zod";
import { STANCES, VERDICTS } from "../claim-verification.js";
import type { AnswerCheck, Item } from "./answer-template.js";
import { checkSpans, codePoints, codePointsBetween, Issues, notBlank, parseAnswer, readItem } from "./check.js";

/** The schema tag of a submitted answer. */
export const ANNOTATION_SCHEMA = "verification-annotation/v0.1";
/** Conflict types (design §2.3). */
export const CONFLICT_TYPES = ["SOURCES_DISAGREE", "CHERRY_PICKING"] as const;
/** Stances that must carry at least one evidence span. */
export const EVIDENCE_BEARING: ReadonlySet<string> = new Set(["SUPPORTS", "PARTIALLY_SUPPORTS", "REFUTES", "MIXED"]);
/** Claim flags (design §2.3). */
export const CLAIM_FLAGS = [
  "claim_ambiguous",
  "claim_not_checkable",
  "claim_opinion_or_prediction",
  "claim_compound",
  "claim_typo",
  "claim_time_sensitive",
  "claim_needs_expertise",
  "claim_harmful",
] as const;
/** Source flags (design §2.3). */
export const SOURCE_FLAGS = [
  "source_unreliable",
  "source_outdated",
  "source_after_cutoff",
  "source_satire",
  "source_is_fact_check",
  "source_machine_generated_suspected",
  "snapshot_incomplete",
  "snapshot_garbled",
  "paywalled",
] as const;
/** Span roles (design §2.3); CONTEXT = needed to interpret (a date, a coreference, a unit). */
export const ROLES = ["SUPPORTS", "REFUTES", "CONTEXT"] as const;
/** Source reliabilities (design §2.3). */
export const RELIABILITIES = ["HIGH", "MEDIUM", "LOW", "UNKNOWN"] as const;

const SOURCE_ID = /^S[1-9][0-9]?$/;
const SPAN_REF = /^(S[1-9][0-9]?):(0|[1-9][0-9]{0,3})$/;
/** `[S#]` citation markers; the number is range-checked against the item, so "[S0]" and "[S100]" are caught too. */
const CITATION = /\[S([0-9]+)\]/g;
/** Quote-selector context (W3C text quote selector), design §2.3. */
const MAX_AFFIX = 32;
const MAX_SPANS_PER_SOURCE = 200;

const sourceId = z.string().regex(SOURCE_ID, "must be S1 to S99");
const offset = z.number().int().nonnegative();
const optionalText = (max: number) =>
  z
    .string()
    .refine(...codePointsBetween(1, max))
    .nullable()
    .default(null);
const flags = <const L extends readonly [string, ...string[]]>(list: L) =>
  z
    .array(z.enum(list))
    .refine((v) => new Set(v).size === v.length, "must not repeat a flag")
    .default([]);
const affix = z.string().refine(...codePointsBetween(0, MAX_AFFIX));

const evidenceSpan = z.strictObject({
  start: offset,
  end: offset,
  exact: z.string().max(1 << 20),
  prefix: affix,
  suffix: affix,
  role: z.enum(ROLES),
});

const sourceAssessment = z.strictObject({
  source_id: sourceId,
  content_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex digits'),
  stance: z.enum(STANCES),
  evidence_spans: z.array(evidenceSpan).max(MAX_SPANS_PER_SOURCE),
  reliability: z.enum(RELIABILITIES),
  source_flags: flags(SOURCE_FLAGS),
  duplicate_of: sourceId.nullable().default(null),
  note: optionalText(2000),
});

const answerSchema = z.strictObject({
  schema: z.literal(ANNOTATION_SCHEMA),
  guideline_version: z.string().min(1, "must not be empty").max(64).nullable().default(null),
  source_assessments: z.array(sourceAssessment).min(1, "needs one assessment per source").max(99),
  evidence_sets: z.array(z.array(z.string().regex(SPAN_REF, 'must be a span reference such as "S2:0"')).min(1, "must not be empty").max(100)).max(100),
  verdict: z.enum(VERDICTS),
  conflict_type: z.enum(CONFLICT_TYPES).nullable().default(null),
  confidence: z.number().int().min(1).max(5),
  justification: z.string().refine(...codePointsBetween(30, 2000)),
  used_background_knowledge: optionalText(2000),
  missing_evidence: z.string().max(2000).nullable().default(null),
  claim_flags: flags(CLAIM_FLAGS),
  claim_rewrite: optionalText(2000),
  answer_to_question: optionalText(5000),
  telemetry: z
    .strictObject({
      source_open_seconds: z.record(sourceId, z.number().nonnegative().max(1e7)),
      spans_added: z.number().int().nonnegative(),
      spans_removed: z.number().int().nonnegative(),
      ui_version: z.string().max(64),
    })
    .optional(),
});

/** A checked claim-verification answer. */
export type ClaimAnswer = z.output<typeof answerSchema>;
/** One source assessment of a checked answer. */
export type SourceAssessment = ClaimAnswer["source_assessments"][number];

const itemShape = z.looseObject({
  item_id: z.string(),
  claim: z.looseObject({ text: z.string() }),
  question: z.string().nullish(),
  sources: z
    .array(z.looseObject({ source_id: z.string(), snapshot: z.looseObject({ text: z.string(), content_hash: z.string() }) }))
    .min(1),
});
/** The fields of a stored claim-verification item the answer side reads. */
export type ClaimItem = z.output<typeof itemShape>;

/** Reads a stored claim-verification item (internal error if it no longer matches). */
export function readClaimItem(item: Item): ClaimItem {
  return readItem(itemShape, item, "claim-verification");
}

/** Parses a span reference "S2:0" into its source id and span index. */
export function parseSpanRef(ref: string): { sourceId: string; index: number } | null {
  const m = SPAN_REF.exec(ref);
  return m ? { sourceId: m[1]!, index: Number(m[2]) } : null;
}

/** Checks a submitted answer against its item (design §2.3, "Validation at submit time"). */
export function checkClaimAnswer(item: Item, answer: unknown): AnswerCheck<ClaimAnswer> {
  const it = readClaimItem(item);
  return parseAnswer(answerSchema, answer, (a, issues) => {
    checkAssessments(it, a, issues);
    checkEvidenceSets(a, issues);
    checkVerdictFields(a, issues);
    checkCitations(it, a, issues);
    checkOptionalTexts(it, a, issues);
  });
}

/** Exactly one assessment per item source, in item order, echoing the served content hash; spans valid against the snapshot. */
function checkAssessments(it: ClaimItem, a: ClaimAnswer, issues: Issues): void {
  if (a.source_assessments.length !== it.sources.length) {
    issues.add(["source_assessments"], `must have exactly ${it.sources.length} entries, one per source in item order`);
  }
  const byId = new Map(it.sources.map((s) => [s.source_id, s]));
  a.source_assessments.forEach((sa, i) => {
    const at = (...p: Array<string | number>) => ["source_assessments", i, ...p];
    const expected = it.sources[i];
    if (expected && sa.source_id !== expected.source_id) issues.add(at("source_id"), `must be ${expected.source_id} (one per source, in item order)`);
    const source = byId.get(sa.source_id);
    if (!source) {
      issues.add(at("source_id"), `names no source of this item (${sa.source_id})`);
      return;
    }
    if (sa.content_hash !== source.snapshot.content_hash) issues.add(at("content_hash"), "does not match the snapshot served for this source");
    if (EVIDENCE_BEARING.has(sa.stance) && sa.evidence_spans.length === 0) issues.add(at("evidence_spans"), `needs at least one span when the stance is ${sa.stance}`);
    if (sa.duplicate_of !== null && (sa.duplicate_of === sa.source_id || !byId.has(sa.duplicate_of))) {
      issues.add(at("duplicate_of"), "must name another source of this item");
    }
    checkSpans(sa.evidence_spans, codePoints(source.snapshot.text), (j, ...p) => at("evidence_spans", j, ...p), issues);
  });
}

/** Every SpanRef resolves; no set repeats a ref; at least one set unless NOT_ENOUGH_EVIDENCE. */
function checkEvidenceSets(a: ClaimAnswer, issues: Issues): void {
  const spanCounts = new Map(a.source_assessments.map((sa) => [sa.source_id, sa.evidence_spans.length]));
  if (a.evidence_sets.length === 0 && a.verdict !== "NOT_ENOUGH_EVIDENCE") {
    issues.add(["evidence_sets"], "needs at least one evidence set unless the verdict is NOT_ENOUGH_EVIDENCE");
  }
  a.evidence_sets.forEach((set, i) => {
    const seen = new Set<string>();
    set.forEach((ref, j) => {
      const r = parseSpanRef(ref);
      const count = r ? spanCounts.get(r.sourceId) : undefined;
      if (!r || count === undefined || r.index >= count) issues.add(["evidence_sets", i, j], `${ref} names no evidence span of this answer`);
      else if (seen.has(ref)) issues.add(["evidence_sets", i, j], `repeats ${ref}`);
      seen.add(ref);
    });
  });
}

/** conflict_type iff CONFLICTING_EVIDENCE; missing_evidence (non-blank) iff NOT_ENOUGH_EVIDENCE. */
function checkVerdictFields(a: ClaimAnswer, issues: Issues): void {
  if ((a.verdict === "CONFLICTING_EVIDENCE") !== (a.conflict_type !== null)) {
    issues.add(["conflict_type"], "must be set exactly when the verdict is CONFLICTING_EVIDENCE");
  }
  if (a.verdict === "NOT_ENOUGH_EVIDENCE") {
    if (a.missing_evidence === null || !notBlank(a.missing_evidence)) issues.add(["missing_evidence"], "is required when the verdict is NOT_ENOUGH_EVIDENCE: say what would settle the claim");
  } else if (a.missing_evidence !== null) {
    issues.add(["missing_evidence"], "must be null unless the verdict is NOT_ENOUGH_EVIDENCE");
  }
}

/** The [S#] ids cited in `text`, in order of first citation. */
export function citedSources(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(CITATION), (m) => `S${m[1]}`))];
}

/** The justification cites every source used in evidence_sets, and only [S#] ids of the item. */
function checkCitations(it: ClaimItem, a: ClaimAnswer, issues: Issues): void {
  const ids = new Set(it.sources.map((s) => s.source_id));
  const cited = citedSources(a.justification);
  for (const id of cited) if (!ids.has(id)) issues.add(["justification"], `cites [${id}], which is not a source of this item`);
  const used = new Set<string>();
  for (const set of a.evidence_sets) for (const ref of set) used.add(parseSpanRef(ref)?.sourceId ?? "");
  for (const id of it.sources.map((s) => s.source_id)) {
    if (used.has(id) && !cited.includes(id)) issues.add(["justification"], `must cite [${id}], which evidence_sets use`);
  }
}

/** answer_to_question only for items with a question (and then citing real sources); claim_rewrite only for ambiguous claims. */
function checkOptionalTexts(it: ClaimItem, a: ClaimAnswer, issues: Issues): void {
  if (a.answer_to_question !== null) {
    if (it.question == null) issues.add(["answer_to_question"], "must be null: this item has no question");
    else {
      const ids = new Set(it.sources.map((s) => s.source_id));
      const cited = citedSources(a.answer_to_question);
      if (cited.length === 0) issues.add(["answer_to_question"], "must cite at least one source as [S#]");
      for (const id of cited) if (!ids.has(id)) issues.add(["answer_to_question"], `cites [${id}], which is not a source of this item`);
    }
  }
  if (a.claim_rewrite !== null && !a.claim_flags.includes("claim_ambiguous")) {
    issues.add(["claim_rewrite"], "must be null unless claim_flags includes claim_ambiguous");
  }
}
