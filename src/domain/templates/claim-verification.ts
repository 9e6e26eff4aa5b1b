/**
 * claim-verification items: `verification-item/v0.1` of
 * design/claim-verification.md section 2.2. A claim and 1..99 frozen sources,
 * each with a text snapshot whose `content_hash` and `char_count` are checked
 * against the text, and whose sentence and gold-span offsets are checked to
 * lie inside it, counted in Unicode code points (section 2.1).
 *
 * Tolerant where the design allows: unknown keys on the item, claim, source,
 * retrieval and snapshot are kept (labs carry their own metadata), and
 * nullable fields may be omitted. Strict where it matters: the schema tag,
 * ids, hashes, offsets and the gold block, which scores contractors.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { codePointLength, httpUrl, isoDate, isoDateTime } from "./fields.js";
import { defineTemplate } from "./template.js";

/** The schema tag every claim-verification item carries. */
export const VERIFICATION_ITEM_SCHEMA = "verification-item/v0.1";
/** Verdict vocabulary (design 2.2). */
export const VERDICTS = ["SUPPORTED", "REFUTED", "NOT_ENOUGH_EVIDENCE", "CONFLICTING_EVIDENCE"] as const;
/** Per-source stance vocabulary (design 2.2). */
export const STANCES = ["SUPPORTS", "PARTIALLY_SUPPORTS", "REFUTES", "MIXED", "NOT_ENOUGH_INFO", "UNUSABLE"] as const;
const RETRIEVAL_METHODS = ["SEARCH", "PROVIDED", "CRAWL", "DATASET_IMPORT", "SYNTHETIC"] as const;
const REPUTATIONS = ["KNOWN_RELIABLE", "KNOWN_UNRELIABLE", "SATIRE", "FACT_CHECKER", "UNKNOWN"] as const;

const MAX_CLAIM_CODE_POINTS = 2000;
/** A snapshot is one document's text; 2 MiB of UTF-16 is far beyond any article. */
const MAX_SNAPSHOT_UNITS = 1 << 20;
const SOURCE_ID = /^S[1-9][0-9]?$/;
const SPAN_REF = /^(S[1-9][0-9]?):(0|[1-9][0-9]{0,3})$/;

const sha256Ref = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex digits');
const offset = z.number().int().nonnegative();
const sourceId = z.string().regex(SOURCE_ID, "must be S1 to S99");

const snapshot = z.looseObject({
  text: z.string().min(1, "must not be empty").max(MAX_SNAPSHOT_UNITS, "is too long"),
  content_hash: sha256Ref,
  char_count: offset,
  offset_unit: z.literal("unicode_code_point"),
  sentences: z.array(z.tuple([offset, offset])).optional(),
  is_excerpt: z.boolean(),
  excerpt_note: z.string().max(2000).nullish(),
  raw_hash: sha256Ref.nullish(),
  mime_type: z.string().max(200).nullish(),
  extractor: z.looseObject({ name: z.string().max(200), version: z.string().max(200) }).nullish(),
});

const source = z.looseObject({
  source_id: sourceId,
  url: httpUrl,
  final_url: httpUrl.nullish(),
  archive_url: httpUrl.nullish(),
  title: z.string().max(2000).nullish(),
  publisher: z.string().max(500).nullish(),
  published_at: z.union([isoDateTime, isoDate]).nullish(),
  retrieved_at: isoDateTime.nullish(),
  retrieval: z.looseObject({
    method: z.enum(RETRIEVAL_METHODS),
    query: z.string().max(2000).nullish(),
    rank: z.number().int().positive().nullish(),
    engine: z.string().max(200).nullish(),
  }),
  snapshot,
  license: z.string().max(200).nullish(),
  domain_reputation: z.enum(REPUTATIONS).optional(),
});

const gold = z.strictObject({
  verdict: z.enum(VERDICTS),
  acceptable_verdicts: z.array(z.enum(VERDICTS)).optional(),
  conflict_type: z.enum(["SOURCES_DISAGREE", "CHERRY_PICKING"]).nullable(),
  source_stances: z.array(
    z.strictObject({
      source_id: sourceId,
      stance: z.enum(STANCES),
      evidence_spans: z.array(z.strictObject({ start: offset, end: offset })).max(1000),
    }),
  ),
  evidence_sets: z.array(z.array(z.string().regex(SPAN_REF, 'must be a span reference such as "S2:0"'))),
  expected_flags: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a lower_snake_case flag")),
  derivation: z.string().max(5000),
});

const claim = z.looseObject({
  text: z.string().min(1, "must not be empty"),
  language: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag such as "en"'),
  claim_date: isoDate.nullish(),
  speaker: z.string().max(500).nullish(),
  context: z.string().max(20_000).nullish(),
  origin_url: httpUrl.nullish(),
});

type Issue = { path: (string | number)[]; message: string };
type Source = z.infer<typeof source>;
type Gold = z.infer<typeof gold>;

const item = z
  .looseObject({
    schema: z.literal(VERIFICATION_ITEM_SCHEMA),
    item_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, "must be at most 128 of A-Z a-z 0-9 . _ -"),
    project_id: z.string().max(128).optional(),
    claim,
    question: z.string().max(2000).nullish(),
    evidence_cutoff: isoDate.nullish(),
    sources: z.array(source).min(1, "needs at least one source").max(99, "has more than 99 sources"),
    gold: gold.nullish(),
    provenance: z.record(z.string(), z.unknown()).optional(),
    synthetic: z.boolean(),
  })
  .superRefine((v, ctx) => {
    for (const issue of invariants(v.claim.text, v.sources, v.gold ?? null)) ctx.addIssue({ code: "custom", ...issue });
  });

/** Checks that need more than one field: hashes, counts, offsets, references. */
function invariants(claimText: string, sources: readonly Source[], g: Gold | null): Issue[] {
  const issues: Issue[] = [];
  const claimLength = codePointLength(claimText);
  if (claimLength < 0) issues.push({ path: ["claim", "text"], message: "is not well-formed Unicode" });
  else if (claimLength > MAX_CLAIM_CODE_POINTS) issues.push({ path: ["claim", "text"], message: `must be at most ${MAX_CLAIM_CODE_POINTS} characters` });
  const lengths = new Map<string, number>();
  sources.forEach((s, i) => {
    if (lengths.has(s.source_id)) issues.push({ path: ["sources", i, "source_id"], message: `duplicate source id ${s.source_id}` });
    lengths.set(s.source_id, checkSource(s, i, issues));
  });
  if (g) checkGold(g, lengths, issues);
  return issues;
}

/** Checks one source's snapshot; returns its length in code points (-1 when unusable). */
function checkSource(s: Source, i: number, issues: Issue[]): number {
  const at = (...p: (string | number)[]) => ["sources", i, ...p];
  const text = s.snapshot.text;
  const length = codePointLength(text);
  if (length < 0) {
    issues.push({ path: at("snapshot", "text"), message: "is not well-formed Unicode" });
    return -1;
  }
  if (text.normalize("NFC") !== text) issues.push({ path: at("snapshot", "text"), message: "must be Unicode NFC" });
  const hash = `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
  if (s.snapshot.content_hash !== hash) issues.push({ path: at("snapshot", "content_hash"), message: "does not match the SHA-256 of snapshot.text" });
  if (s.snapshot.char_count !== length) {
    issues.push({ path: at("snapshot", "char_count"), message: `is ${s.snapshot.char_count} but snapshot.text has ${length} code points` });
  }
  let previousEnd = 0;
  (s.snapshot.sentences ?? []).forEach(([start, end], j) => {
    if (!(start < end && end <= length)) issues.push({ path: at("snapshot", "sentences", j), message: `must satisfy start < end <= ${length}` });
    else if (start < previousEnd) issues.push({ path: at("snapshot", "sentences", j), message: "overlaps or precedes the previous sentence" });
    previousEnd = Math.max(previousEnd, end);
  });
  // design 2.2: retrieved_at is null only for dataset imports (and text we authored ourselves).
  if (s.retrieved_at == null && s.retrieval.method !== "DATASET_IMPORT" && s.retrieval.method !== "SYNTHETIC") {
    issues.push({ path: at("retrieved_at"), message: "is required unless retrieval.method is DATASET_IMPORT or SYNTHETIC" });
  }
  return length;
}

/** Gold must point only at sources and spans that exist. */
function checkGold(g: Gold, lengths: ReadonlyMap<string, number>, issues: Issue[]): void {
  if ((g.verdict === "CONFLICTING_EVIDENCE") !== (g.conflict_type !== null)) {
    issues.push({ path: ["gold", "conflict_type"], message: "must be set exactly when the verdict is CONFLICTING_EVIDENCE" });
  }
  const spans = new Map<string, number>();
  g.source_stances.forEach((st, i) => {
    const length = lengths.get(st.source_id);
    if (length === undefined) issues.push({ path: ["gold", "source_stances", i, "source_id"], message: `names no source of this item (${st.source_id})` });
    if (spans.has(st.source_id)) issues.push({ path: ["gold", "source_stances", i, "source_id"], message: `duplicate stance for ${st.source_id}` });
    spans.set(st.source_id, st.evidence_spans.length);
    st.evidence_spans.forEach((sp, j) => {
      if (length !== undefined && length >= 0 && !(sp.start < sp.end && sp.end <= length)) {
        issues.push({ path: ["gold", "source_stances", i, "evidence_spans", j], message: `must satisfy start < end <= ${length}` });
      }
    });
  });
  g.evidence_sets.forEach((set, i) =>
    set.forEach((ref, j) => {
      const m = SPAN_REF.exec(ref);
      const count = m ? spans.get(m[1]!) : undefined;
      if (!m || count === undefined || Number(m[2]) >= count) issues.push({ path: ["gold", "evidence_sets", i, j], message: `${ref} names no gold evidence span` });
    }),
  );
}

/** The claim-verification item template. */
export const claimVerification = defineTemplate({
  name: "claim-verification",
  schema: item,
  externalId: (v) => v.item_id,
  isGold: (v) => v.gold !== undefined && v.gold !== null,
  csv: { json: ["claim", "sources", "gold", "provenance"], boolean: ["synthetic"] },
});
