/**
 * The answer side of rubric-grading: a response scored against the item's
 * rubric. Answer: `{scores: {<criterion id>: 0..max_score}, comments?:
 * {<criterion id>: text}, justification?}`; every criterion must be scored,
 * and only the item's criteria may be. A criterion without `max_score` is
 * scored 0..DEFAULT_MAX_SCORE.
 *
 * Gold (`item.gold`): `{scores: {<criterion id>: score}, tolerance?: n}`. A
 * score counts as right within ±tolerance; without `tolerance`, exact on
 * criteria of at most 3 points (max_score ≤ 2), ±1 on longer scales.
 */
import { z } from "zod";
import type { FieldSpec } from "../../agreement/per-field.js";
import type { AgreementRecord, AnswerTemplate, Item } from "./answer-template.js";
import { checkDraft, isRecord, memoSchema, metaFields, own, parseAnswer, readItem } from "./check.js";

/** The scale top of a criterion that declares no max_score. */
export const DEFAULT_MAX_SCORE = 5;

const itemShape = z.looseObject({
  id: z.string(),
  prompt: z.string().nullish(),
  response: z.string(),
  rubric: z.array(z.looseObject({ id: z.string(), description: z.string(), max_score: z.number().int().positive().optional() })).min(1),
});
type Criterion = { id: string; description: string; max: number };
type RubricItem = { id: string; prompt: string | null; response: string; criteria: Criterion[] };

function read(item: Item): RubricItem {
  const v = readItem(itemShape, item, "rubric-grading");
  const criteria = v.rubric.map((c) => ({ id: c.id, description: c.description, max: c.max_score ?? DEFAULT_MAX_SCORE }));
  return { id: v.id, prompt: v.prompt ?? null, response: v.response, criteria };
}

/** Per item: a strict object with exactly the item's criterion ids (built with own keys, so no id reaches a prototype). */
const schemaFor = memoSchema((criteria: readonly Criterion[]) => {
  const score = (max: number) => z.number().int().min(0).max(max, `must be a whole number 0 to ${max}`);
  return z.strictObject({
    scores: z.strictObject(Object.fromEntries(criteria.map((c) => [c.id, score(c.max)]))),
    comments: z.strictObject(Object.fromEntries(criteria.map((c) => [c.id, z.string().max(2000).optional()]))).optional(),
    justification: z.string().max(5000).nullable().default(null),
  });
});
/** A checked rubric-grading answer. */
export type RubricAnswer = {
  scores: Record<string, number>;
  comments?: Record<string, string | undefined> | undefined;
  justification: string | null;
};

const scoreOf = (a: RubricAnswer, id: string): number | null => {
  const v = own(a.scores, id);
  return typeof v === "number" ? v : null;
};

/** One ordinal field `score.<criterion id>` per criterion of the items, in first-seen order. */
function agreementFields(items: Iterable<Item>): FieldSpec[] {
  const fields = new Map<string, FieldSpec>();
  for (const item of items) for (const c of read(item).criteria) fields.set(`score.${c.id}`, { field: `score.${c.id}`, level: "ordinal" });
  return [...fields.values()];
}

function agreementRecord(item: Item, a: RubricAnswer): AgreementRecord {
  const record: AgreementRecord = {};
  for (const c of read(item).criteria) record[`score.${c.id}`] = scoreOf(a, c.id);
  return record;
}

/** The same score on every criterion. */
function sameAnswer(a: RubricAnswer, b: RubricAnswer): boolean {
  const ids = Object.keys(a.scores);
  return ids.length === Object.keys(b.scores).length && ids.every((id) => scoreOf(a, id) === scoreOf(b, id));
}

/** `detail["score.<id>"]` per criterion gold scores; correct when every one is within tolerance. */
function goldCheck(item: Item, a: RubricAnswer) {
  const raw = own(item, "gold");
  const scores = isRecord(raw) ? own(raw, "scores") : undefined;
  if (!isRecord(raw) || !isRecord(scores)) return null;
  const t = own(raw, "tolerance");
  const tolerance = typeof t === "number" && Number.isInteger(t) && t >= 0 ? t : null;
  const detail: Record<string, boolean> = {};
  for (const c of read(item).criteria) {
    const g = own(scores, c.id);
    const mine = scoreOf(a, c.id);
    if (typeof g !== "number" || mine === null) continue;
    detail[`score.${c.id}`] = Math.abs(mine - g) <= (tolerance ?? (c.max <= 2 ? 0 : 1));
  }
  const parts = Object.values(detail);
  return parts.length ? { correct: parts.every(Boolean), detail } : null;
}

/** The rubric-grading answer template. */
export const rubricGradingAnswers: AnswerTemplate<RubricAnswer> = {
  name: "rubric-grading",
  hints: {
    summary: "Score the response on every rubric criterion (0 to the criterion's max score), with optional comments.",
    fields: [
      { name: "scores", kind: "scores", label: "Score per criterion", required: true },
      { name: "comments", kind: "text", label: "Comment per criterion", required: false },
      { name: "justification", kind: "text", label: "Overall justification", required: false },
    ],
  },
  checkAnswer: (item, answer) => parseAnswer<RubricAnswer>(schemaFor(read(item).criteria), answer, () => {}),
  checkDraft,
  agreementFields,
  agreementRecord,
  spans: () => [],
  sameAnswer,
  goldCheck,
  /** Prompt, response and the rubric (id, description, max score); gold, is_gold, the item id and lab metadata stay out. */
  taskView: (item) => {
    const it = read(item);
    return { prompt: it.prompt, response: it.response, rubric: it.criteria.map((c) => ({ id: c.id, description: c.description, max_score: c.max })) };
  },
  blindView: () => null,
  exportRecord: (item, a, meta) => ({
    id: read(item).id,
    scores: { ...a.scores },
    comments: a.comments ? { ...a.comments } : null,
    justification: a.justification,
    ...metaFields(meta),
  }),
};
