/**
 * What a task template declares about answers: how a submitted answer is
 * checked against its item, what a contractor may see of an item, how answers
 * become agreement records, gold scores and export records. One module per
 * template implements this interface (the kysely "one interface, the same file
 * set per dialect" shape); `index.ts` is the registry.
 *
 * Items passed in are stored items that passed their item template at import;
 * they are still read defensively (a stored item that no longer matches is an
 * internal error, never silently trusted). Answers arrive from browsers, so
 * `checkAnswer` is the only way to obtain a checked answer.
 */
import type { FieldSpec } from "../../agreement/per-field.js";
import type { FieldIssue } from "../../errors.js";
import type { TemplateName } from "../index.js";

/** A stored item, as its item template parsed it. */
export type Item = Readonly<Record<string, unknown>>;

declare const CHECKED: unique symbol;
/**
 * An answer that passed its template's `checkAnswer`. Opaque outside the
 * template modules, so unchecked JSON (say, a stored answer read back) cannot
 * reach agreement, gold or export code without being checked again.
 */
export type CheckedAnswer = { readonly [CHECKED]: true };

/** The outcome of checking an answer or a draft; issue paths are dot-separated. */
export type AnswerCheck<T> = { ok: true; answer: T } | { ok: false; issues: FieldIssue[] };

/** One answer flattened into agreement fields (`null` = no value for that field). */
export type AgreementRecord = Record<string, string | number | null>;

/**
 * Spans of one answer that share a text, for span-overlap F1
 * (agreement/span-overlap.ts): pair groups of two answers by `key`. `scored`
 * says whether the group enters the average (claim-verification: only sources
 * given an evidence-bearing stance, design §3.1).
 */
export interface SpanGroup {
  readonly key: string;
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number }>;
  readonly scored: boolean;
}

/** An answer scored against the item's gold: `correct` is the headline, `detail` the parts. */
export interface GoldCheck {
  readonly correct: boolean;
  readonly detail: Record<string, boolean>;
}

/** The blind sufficiency view (design §2.5 step 2): the claim and the cited quotes, nothing else. */
export interface BlindView {
  readonly claim: string;
  readonly question: string | null;
  readonly evidence_sets: ReadonlyArray<{ readonly quotes: readonly string[] }>;
}

/** What the resolution step knows about a resolved item; copied into export records when given. */
export interface ExportMeta {
  readonly resolution_id?: string;
  readonly item_hash?: string;
  readonly method?: "UNANIMOUS" | "MAJORITY" | "REVIEWED" | "ADJUDICATED";
  readonly annotation_ids?: readonly string[];
  readonly review_ids?: readonly string[];
  readonly verdict_distribution?: Readonly<Record<string, number>>;
  readonly confidence_mean?: number;
}

/** One answer field as the UI should render it. */
export interface FieldHint {
  readonly name: string;
  readonly kind: "choice" | "choices" | "integer" | "scores" | "ranking" | "ratings" | "text" | "spans" | "assessments" | "span_sets";
  readonly label: string;
  readonly required: boolean;
  readonly options?: readonly string[];
}

/** A short static description of a template's answer for the UI. */
export interface TemplateHints {
  readonly summary: string;
  readonly fields: readonly FieldHint[];
}

/** The answer side of one task template. */
export interface AnswerTemplate<T = CheckedAnswer> {
  readonly name: TemplateName;
  readonly hints: TemplateHints;
  /** Schema (strict: unknown keys rejected) plus checks against the item; at most 20 issues. */
  checkAnswer(item: Item, answer: unknown): AnswerCheck<T>;
  /** A draft is any JSON object within the size limit; nothing else is checked. */
  checkDraft(draft: unknown): AnswerCheck<Record<string, unknown>>;
  /**
   * The agreement fields of a project's items. A function of the items, not a
   * constant: stance per source, score per criterion and yes/no per label are
   * named after the items' sources, criteria and labels.
   */
  agreementFields(items: Iterable<Item>): FieldSpec[];
  /** The answer flattened into the fields `agreementFields` names for this item. */
  agreementRecord(item: Item, answer: T): AgreementRecord;
  /** The answer's spans grouped by the text they mark, for span-overlap F1. */
  spans(answer: T): SpanGroup[];
  /** Whether two answers agree enough to resolve an overlapping item without adjudication. */
  sameAnswer(a: T, b: T): boolean;
  /** The answer scored against the item's gold; null when the item has no usable gold. */
  goldCheck(item: Item, answer: T): GoldCheck | null;
  /** What the contractor is shown: an allowlist of the item's working fields, never gold. */
  taskView(item: Item): Record<string, unknown>;
  /** The blind sufficiency view; null for templates without a blind check. */
  blindView(item: Item, answer: T): BlindView | null;
  /** One export record for a resolved item. */
  exportRecord(item: Item, answer: T, meta: ExportMeta): Record<string, unknown>;
}
