/**
 * The answer side of claim-verification (design/claim-verification.md §2.3–2.5,
 * §3.1–3.2): agreement fields, gold scoring, the contractor's view of an item,
 * the blind sufficiency view and the `verification-resolution/v0.1` export.
 * The answer schema and submit-time checks live in claim-verification-answer.ts.
 */
import { z } from "zod";
import type { FieldSpec } from "../../agreement/per-field.js";
import { STANCES, VERDICTS } from "../claim-verification.js";
import type { AgreementRecord, AnswerTemplate, BlindView, ExportMeta, GoldCheck, Item, SpanGroup } from "./answer-template.js";
import { checkDraft, codePoints, isRecord, own, readItem } from "./check.js";
import type { ClaimAnswer } from "./claim-verification-answer.js";
import { CLAIM_FLAGS, checkClaimAnswer, CONFLICT_TYPES, EVIDENCE_BEARING, parseSpanRef, readClaimItem, RELIABILITIES } from "./claim-verification-answer.js";

/** The schema tag of an export record. */
export const RESOLUTION_SCHEMA = "verification-resolution/v0.1";
/** A gold span counts as found when at least this share of its code points is marked (design §3.2). */
const GOLD_SPAN_COVERAGE = 0.5;

const sourceNumber = (id: string): number => Number(id.slice(1));

/** verdict (nominal), confidence (ordinal, design §3.1) and stance.S# (nominal) for every source id the items use. */
function agreementFields(items: Iterable<Item>): FieldSpec[] {
  const ids = new Set<string>();
  for (const item of items) {
    const sources = own(item, "sources");
    if (!Array.isArray(sources)) continue;
    for (const s of sources) {
      const id = isRecord(s) ? own(s, "source_id") : undefined;
      if (typeof id === "string" && /^S[1-9][0-9]?$/.test(id)) ids.add(id);
    }
  }
  const stances = [...ids].sort((a, b) => sourceNumber(a) - sourceNumber(b)).map((id): FieldSpec => ({ field: `stance.${id}`, level: "nominal" }));
  return [{ field: "verdict", level: "nominal" }, { field: "confidence", level: "ordinal" }, ...stances];
}

function agreementRecord(item: Item, a: ClaimAnswer): AgreementRecord {
  const record: AgreementRecord = { verdict: a.verdict, confidence: a.confidence };
  const stance = new Map(a.source_assessments.map((sa) => [sa.source_id, sa.stance]));
  for (const s of readClaimItem(item).sources) record[`stance.${s.source_id}`] = stance.get(s.source_id) ?? null;
  return record;
}

/** Evidence spans per source; only evidence-bearing stances are scored (design §3.1). */
function spans(a: ClaimAnswer): SpanGroup[] {
  return a.source_assessments.map((sa) => ({
    key: sa.source_id,
    spans: sa.evidence_spans.map((s) => ({ start: s.start, end: s.end })),
    scored: EVIDENCE_BEARING.has(sa.stance),
  }));
}

/** Same verdict, same conflict type (part of the verdict in every export) and the same stance for every source. */
function sameAnswer(a: ClaimAnswer, b: ClaimAnswer): boolean {
  if (a.verdict !== b.verdict || a.conflict_type !== b.conflict_type) return false;
  if (a.source_assessments.length !== b.source_assessments.length) return false;
  const stanceOfB = new Map(b.source_assessments.map((sa) => [sa.source_id, sa.stance]));
  return a.source_assessments.every((sa) => stanceOfB.get(sa.source_id) === sa.stance);
}

const goldShape = z.looseObject({
  verdict: z.enum(VERDICTS),
  acceptable_verdicts: z.array(z.enum(VERDICTS)).optional(),
  source_stances: z
    .array(z.looseObject({ source_id: z.string(), stance: z.enum(STANCES), evidence_spans: z.array(z.looseObject({ start: z.number(), end: z.number() })) }))
    .default([]),
  evidence_sets: z.array(z.array(z.string())).default([]),
  expected_flags: z.array(z.string()).default([]),
});
type Gold = z.output<typeof goldShape>;

/**
 * Scores against `item.gold` (design §3.2). `correct` is the verdict hit: the
 * verdict is gold.verdict or one of gold.acceptable_verdicts. `detail` adds
 * `verdict`, `stance.S#` per gold stance, `evidence` (some gold evidence set
 * fully found, each gold span ≥ 50% covered; only when gold has sets) and
 * `flag.<name>` per expected flag. Null without gold, or with gold this code
 * cannot read (import validated it, so that would be a fault elsewhere).
 */
function goldCheck(item: Item, a: ClaimAnswer): GoldCheck | null {
  const raw = own(item, "gold");
  if (raw === undefined || raw === null) return null;
  const parsed = goldShape.safeParse(raw);
  if (!parsed.success) return null;
  const g = parsed.data;
  const verdict = g.verdict === a.verdict || (g.acceptable_verdicts ?? []).includes(a.verdict);
  const detail: Record<string, boolean> = { verdict };
  const mine = new Map(a.source_assessments.map((sa) => [sa.source_id, sa]));
  for (const gs of g.source_stances) detail[`stance.${gs.source_id}`] = mine.get(gs.source_id)?.stance === gs.stance;
  if (g.evidence_sets.length > 0) detail["evidence"] = g.evidence_sets.some((set) => set.every((ref) => goldSpanFound(g, ref, mine)));
  for (const flag of g.expected_flags) detail[`flag.${flag}`] = (a.claim_flags as readonly string[]).includes(flag);
  return { correct: verdict, detail };
}

/** Whether the gold span a ref names is at least half covered by the answer's spans on that source. */
function goldSpanFound(g: Gold, ref: string, mine: ReadonlyMap<string, ClaimAnswer["source_assessments"][number]>): boolean {
  const r = parseSpanRef(ref);
  const span = r ? g.source_stances.find((s) => s.source_id === r.sourceId)?.evidence_spans[r.index] : undefined;
  if (!r || !span || !(span.end > span.start)) return false;
  // A checked answer's spans on one source do not overlap, so the overlaps simply add up.
  const marked = mine.get(r.sourceId)?.evidence_spans ?? [];
  const covered = marked.reduce((n, m) => n + Math.max(0, Math.min(m.end, span.end) - Math.max(m.start, span.start)), 0);
  return covered >= GOLD_SPAN_COVERAGE * (span.end - span.start);
}

const nullable = <T extends z.ZodType>(t: T) => t.nullish().transform((v) => v ?? null);
const viewShape = z.looseObject({
  claim: z.looseObject({
    text: z.string(),
    language: z.string(),
    claim_date: nullable(z.string()),
    speaker: nullable(z.string()),
    context: nullable(z.string()),
    origin_url: nullable(z.string()),
  }),
  question: nullable(z.string()),
  evidence_cutoff: nullable(z.string()),
  sources: z.array(
    z.looseObject({
      source_id: z.string(),
      url: z.string(),
      final_url: nullable(z.string()),
      archive_url: nullable(z.string()),
      title: nullable(z.string()),
      publisher: nullable(z.string()),
      published_at: nullable(z.string()),
      retrieved_at: nullable(z.string()),
      domain_reputation: nullable(z.string()),
      snapshot: z.looseObject({
        text: z.string(),
        content_hash: z.string(),
        char_count: z.number(),
        offset_unit: z.string(),
        sentences: z.array(z.tuple([z.number(), z.number()])).optional(),
        is_excerpt: z.boolean(),
      }),
    }),
  ),
});

/**
 * The contractor's view: an allowlist, so gold, provenance and anything a lab
 * attached (which may name a gold set or a dataset) never reach the browser.
 * Also left out, because they can tell gold items apart and the task does not
 * need them: item_id and project_id (tasks are addressed by lease), synthetic,
 * retrieval (DATASET_IMPORT marks curated sets), licence and the extraction
 * metadata of snapshots (excerpt_note, raw_hash, mime_type, extractor).
 */
function taskView(item: Item): Record<string, unknown> {
  const v = readItem(viewShape, item, "claim-verification");
  const { text, language, claim_date, speaker, context, origin_url } = v.claim;
  return {
    claim: { text, language, claim_date, speaker, context, origin_url },
    question: v.question,
    evidence_cutoff: v.evidence_cutoff,
    sources: v.sources.map((s) => ({
      source_id: s.source_id,
      url: s.url,
      final_url: s.final_url,
      archive_url: s.archive_url,
      title: s.title,
      publisher: s.publisher,
      published_at: s.published_at,
      retrieved_at: s.retrieved_at,
      domain_reputation: s.domain_reputation,
      snapshot: {
        text: s.snapshot.text,
        content_hash: s.snapshot.content_hash,
        char_count: s.snapshot.char_count,
        offset_unit: s.snapshot.offset_unit,
        ...(s.snapshot.sentences ? { sentences: s.snapshot.sentences } : {}),
        is_excerpt: s.snapshot.is_excerpt,
      },
    })),
  };
}

/**
 * The blind sufficiency view (design §2.5 step 2): the claim text, the question
 * and, per evidence set, the quotes of its spans, sliced from the served
 * snapshot by code point (not taken from the answer). No source ids, stances,
 * verdict, titles, urls or full texts.
 */
function blindView(item: Item, a: ClaimAnswer): BlindView {
  const it = readClaimItem(item);
  const texts = new Map(it.sources.map((s) => [s.source_id, s.snapshot.text]));
  const points = new Map<string, string[]>();
  const quote = (ref: string): string => {
    const r = parseSpanRef(ref);
    const span = r ? a.source_assessments.find((sa) => sa.source_id === r.sourceId)?.evidence_spans[r.index] : undefined;
    const text = r ? texts.get(r.sourceId) : undefined;
    if (!r || !span || text === undefined) return "";
    if (!points.has(r.sourceId)) points.set(r.sourceId, codePoints(text));
    return points.get(r.sourceId)!.slice(span.start, span.end).join("");
  };
  return { claim: it.claim.text, question: it.question ?? null, evidence_sets: a.evidence_sets.map((set) => ({ quotes: set.map(quote) })) };
}

/** A `verification-resolution/v0.1` record (design §2.4) from the accepted answer; meta fields the caller lacks are null or derived. */
function exportRecord(item: Item, a: ClaimAnswer, meta: ExportMeta): Record<string, unknown> {
  return {
    schema: RESOLUTION_SCHEMA,
    resolution_id: meta.resolution_id ?? null,
    item_id: readClaimItem(item).item_id,
    item_hash: meta.item_hash ?? null,
    method: meta.method ?? null,
    annotation_ids: [...(meta.annotation_ids ?? [])],
    review_ids: [...(meta.review_ids ?? [])],
    verdict: a.verdict,
    conflict_type: a.conflict_type,
    verdict_distribution: { ...(meta.verdict_distribution ?? { [a.verdict]: 1 }) },
    source_stances: a.source_assessments.map((sa) => ({
      source_id: sa.source_id,
      stance: sa.stance,
      evidence_spans: sa.evidence_spans.map((s) => ({ start: s.start, end: s.end, role: s.role })),
    })),
    evidence_sets: a.evidence_sets.map((set) => [...set]),
    justification: a.justification,
    confidence: a.confidence,
    confidence_mean: meta.confidence_mean ?? a.confidence,
    claim_flags: [...a.claim_flags],
    missing_evidence: a.missing_evidence,
    claim_rewrite: a.claim_rewrite,
    answer_to_question: a.answer_to_question,
  };
}

/** The claim-verification answer template. */
export const claimVerificationAnswers: AnswerTemplate<ClaimAnswer> = {
  name: "claim-verification",
  hints: {
    summary: "Assess every source (stance and quoted evidence spans), give minimal evidence sets, a verdict, a confidence and a justification citing [S#].",
    fields: [
      { name: "source_assessments", kind: "assessments", label: "One assessment per source, in order", required: true, options: STANCES },
      { name: "evidence_sets", kind: "span_sets", label: "Minimal sufficient evidence sets", required: true },
      { name: "verdict", kind: "choice", label: "Verdict", required: true, options: VERDICTS },
      { name: "conflict_type", kind: "choice", label: "Conflict type (CONFLICTING_EVIDENCE only)", required: false, options: CONFLICT_TYPES },
      { name: "confidence", kind: "integer", label: "Confidence, 1 (guess) to 5 (certain)", required: true },
      { name: "justification", kind: "text", label: "Justification citing [S#], 30–2000 characters", required: true },
      { name: "missing_evidence", kind: "text", label: "What would settle it (NOT_ENOUGH_EVIDENCE only)", required: false },
      { name: "claim_flags", kind: "choices", label: "Claim flags", required: false, options: CLAIM_FLAGS },
      { name: "source_assessments.reliability", kind: "choice", label: "Reliability of each source", required: true, options: RELIABILITIES },
    ],
  },
  checkAnswer: checkClaimAnswer,
  checkDraft,
  agreementFields,
  agreementRecord,
  spans,
  sameAnswer,
  goldCheck,
  taskView,
  blindView,
  exportRecord,
};
