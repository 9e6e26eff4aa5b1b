/**
 * The answer side of classification (and span labeling, Label Studio's
 * choices + labels over one text). Answer:
 *   single-label items: `{label, spans?}`, label one of the item's labels;
 *   multi-label items (`multi_label: true`): `{labels, spans?}`, distinct
 *   labels of the item (possibly none);
 *   spans: `[{start, end, label, exact}]`, code-point offsets into `text`,
 *   `exact` equal to the slice, spans of one label not overlapping.
 * Gold (`item.gold`): single-label a label string or `{label}`; multi-label
 * an array of labels or `{labels}`. Gold spans are not scored.
 */
import { z } from "zod";
import type { FieldSpec } from "../../agreement/per-field.js";
import type { AgreementRecord, AnswerTemplate, Item, SpanGroup } from "./answer-template.js";
import { checkDraft, checkSpans, codePoints, isRecord, Issues, memoSchema, metaFields, own, parseAnswer, readItem } from "./check.js";

const MAX_SPANS = 1000;

const itemShape = z.looseObject({ id: z.string(), text: z.string(), labels: z.array(z.string()).min(1), multi_label: z.boolean().nullish() });
type ClassItem = { id: string; text: string; labels: string[]; multi: boolean };

function read(item: Item): ClassItem {
  const v = readItem(itemShape, item, "classification");
  return { id: v.id, text: v.text, labels: v.labels, multi: v.multi_label === true };
}

/** Per label set (items of a project mostly share one); `exact` is checked against the text by checkLabelSpans. */
const schemaFor = memoSchema((labels: readonly string[], multi: boolean) => {
  const known = new Set(labels);
  const label = z.string().refine((l) => known.has(l), "is not one of the item's labels");
  const span = z.strictObject({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative(), label, exact: z.string() });
  const spans = z.array(span).max(MAX_SPANS).optional();
  if (!multi) return z.strictObject({ label, spans });
  return z.strictObject({ labels: z.array(label).refine((ls) => new Set(ls).size === ls.length, "must not repeat a label"), spans });
});
type Span = { start: number; end: number; label: string; exact: string };
/** A checked classification answer: `label` on single-label items, `labels` on multi-label ones. */
export type ClassAnswer = { label?: string; labels?: string[]; spans?: Span[] | undefined };

/** Span checks per label: bounds, exact text, no overlap among spans of one label. */
function checkLabelSpans(it: ClassItem, a: ClassAnswer, issues: Issues): void {
  if (!a.spans?.length) return;
  const text = codePoints(it.text);
  for (const label of new Set(a.spans.map((s) => s.label))) {
    const indexes = a.spans.flatMap((s, j) => (s.label === label ? [j] : []));
    checkSpans(
      indexes.map((j) => a.spans![j]!),
      text,
      (k, ...p) => ["spans", indexes[k]!, ...p],
      issues,
    );
  }
}

/** The labels an answer chose, as a set. */
const chosen = (a: ClassAnswer): Set<string> => new Set(a.labels ?? (a.label !== undefined ? [a.label] : []));

/** `label` (nominal) for single-label items; `label.<X>` yes/no (nominal) per label of multi-label items. */
function agreementFields(items: Iterable<Item>): FieldSpec[] {
  const fields = new Map<string, FieldSpec>();
  for (const item of items) {
    const it = read(item);
    if (!it.multi) fields.set("label", { field: "label", level: "nominal" });
    else for (const l of it.labels) fields.set(`label.${l}`, { field: `label.${l}`, level: "nominal" });
  }
  return [...fields.values()];
}

function agreementRecord(item: Item, a: ClassAnswer): AgreementRecord {
  const it = read(item);
  if (!it.multi) return { label: a.label ?? null };
  const set = chosen(a);
  return Object.fromEntries(it.labels.map((l) => [`label.${l}`, set.has(l) ? "yes" : "no"]));
}

/** Spans grouped by label, for span-overlap F1 per (item, label). */
function spans(a: ClassAnswer): SpanGroup[] {
  const groups = new Map<string, Array<{ start: number; end: number }>>();
  for (const s of a.spans ?? []) groups.set(s.label, [...(groups.get(s.label) ?? []), { start: s.start, end: s.end }]);
  return [...groups].map(([key, list]) => ({ key, spans: list, scored: true }));
}

/** The same label set (span differences do not block automatic resolution). */
function sameAnswer(a: ClassAnswer, b: ClassAnswer): boolean {
  const x = chosen(a);
  const y = chosen(b);
  return x.size === y.size && [...x].every((l) => y.has(l));
}

/** Gold label(s) from a string, {label}, an array or {labels}; null when none of them is a label of the item. */
function goldLabels(item: Item, it: ClassItem): Set<string> | null {
  const raw = own(item, "gold");
  const value = isRecord(raw) ? own(raw, it.multi ? "labels" : "label") : raw;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every((l) => typeof l === "string" && it.labels.includes(l))) return null;
  if (!it.multi && list.length !== 1) return null;
  return new Set(list as string[]);
}

/** Single-label: `detail.label`; multi-label: `detail["label.X"]` per label of the item (chosen iff gold). */
function goldCheck(item: Item, a: ClassAnswer) {
  const it = read(item);
  const gold = goldLabels(item, it);
  if (gold === null) return null;
  const mine = chosen(a);
  const detail: Record<string, boolean> = it.multi ? Object.fromEntries(it.labels.map((l) => [`label.${l}`, mine.has(l) === gold.has(l)])) : { label: a.label !== undefined && gold.has(a.label) };
  return { correct: Object.values(detail).every(Boolean), detail };
}

/** The classification answer template. */
export const classificationAnswers: AnswerTemplate<ClassAnswer> = {
  name: "classification",
  hints: {
    summary: "Choose the label (or, on multi-label items, every label that applies); optionally mark labelled spans in the text.",
    fields: [
      { name: "label", kind: "choice", label: "Label (single-label items)", required: false },
      { name: "labels", kind: "choices", label: "Labels (multi-label items)", required: false },
      { name: "spans", kind: "spans", label: "Labelled spans", required: false },
    ],
  },
  checkAnswer: (item, answer) => {
    const it = read(item);
    return parseAnswer<ClassAnswer>(schemaFor(it.labels, it.multi), answer, (a, issues) => checkLabelSpans(it, a, issues));
  },
  checkDraft,
  agreementFields,
  agreementRecord,
  spans,
  sameAnswer,
  goldCheck,
  /** Text, labels and whether several may apply; gold, is_gold, the item id and lab metadata stay out. */
  taskView: (item) => {
    const it = read(item);
    return { text: it.text, labels: [...it.labels], multi_label: it.multi };
  },
  blindView: () => null,
  exportRecord: (item, a, meta) => {
    const it = read(item);
    const answer = it.multi ? { labels: [...chosen(a)] } : { label: a.label ?? null };
    return { id: it.id, ...answer, spans: (a.spans ?? []).map((s) => ({ ...s })), ...metaFields(meta) };
  },
};
