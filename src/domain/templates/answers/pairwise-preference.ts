/**
 * The answer side of pairwise-preference: a prompt and 2..16 responses,
 * addressed by index (0-based, item order). Answer:
 *   choice      the preferred response's index, or "tie" (2 responses only);
 *   ranking     every index once, best first; required with more than 2 responses,
 *               and its first entry is the choice;
 *   strength    1 slight … 3 strong preference; null for a tie;
 *   ratings     optional, per axis one 1..7 rating per response; axes are the
 *               item's `axes` (lower_snake_case strings) or DEFAULT_AXES;
 *   justification  optional free text.
 * Gold (`item.gold`): an index, "tie", or {choice, ranking?}.
 */
import { z } from "zod";
import type { FieldSpec } from "../../agreement/per-field.js";
import type { AgreementRecord, AnswerTemplate, Item } from "./answer-template.js";
import { checkDraft, isRecord, memoSchema, metaFields, own, parseAnswer, readItem } from "./check.js";

/** Rating axes when the item names none. */
export const DEFAULT_AXES = ["helpfulness", "correctness", "harmlessness"] as const;
const AXIS = /^[a-z][a-z0-9_]{0,39}$/;
const RATING_MAX = 7;

const itemShape = z.looseObject({
  id: z.string(),
  prompt: z.string(),
  responses: z.array(z.union([z.string(), z.looseObject({ text: z.string() })])).min(2),
});
type PairItem = { id: string; prompt: string; responses: string[]; axes: readonly string[] };

/** The item's responses as texts, and its rating axes (its own `axes` if well-formed, else the defaults). */
function read(item: Item): PairItem {
  const v = readItem(itemShape, item, "pairwise-preference");
  const axes = own(item, "axes");
  const valid = Array.isArray(axes) && axes.length > 0 && axes.length <= 10 && axes.every((a) => typeof a === "string" && AXIS.test(a)) && new Set(axes).size === axes.length;
  return { id: v.id, prompt: v.prompt, responses: v.responses.map((r) => (typeof r === "string" ? r : r.text)), axes: valid ? (axes as string[]) : DEFAULT_AXES };
}

const schemaFor = memoSchema((n: number, axes: readonly string[]) => {
  const index = z.number().int().min(0).max(n - 1, `must be a response index 0 to ${n - 1}`);
  const perResponse = z.array(z.number().int().min(1).max(RATING_MAX)).length(n, `needs one rating per response (${n})`);
  return z.strictObject({
    choice: z.union([index, z.literal("tie")]),
    ranking: z.array(index).optional(),
    strength: z.number().int().min(1).max(3).nullable().default(null),
    ratings: z.strictObject(Object.fromEntries(axes.map((a) => [a, perResponse.optional()]))).optional(),
    justification: z.string().max(5000).nullable().default(null),
  });
});
/** A checked pairwise-preference answer. */
export type PairAnswer = {
  choice: number | "tie";
  ranking?: number[] | undefined;
  strength: number | null;
  ratings?: Record<string, number[] | undefined> | undefined;
  justification: string | null;
};

function checkAnswer(item: Item, answer: unknown) {
  const it = read(item);
  const n = it.responses.length;
  return parseAnswer<PairAnswer>(schemaFor(n, it.axes), answer, (a, issues) => {
    if (a.choice === "tie" && n !== 2) issues.add(["choice"], 'may be "tie" only when there are 2 responses');
    if (a.choice === "tie" && a.strength !== null) issues.add(["strength"], "must be null when the choice is a tie");
    if (a.ranking === undefined) {
      if (n > 2) issues.add(["ranking"], `is required when there are more than 2 responses (${n})`);
      return;
    }
    if (a.ranking.length !== n || new Set(a.ranking).size !== n) issues.add(["ranking"], `must list every response index 0 to ${n - 1} once`);
    else if (a.choice === "tie") issues.add(["ranking"], "must be omitted when the choice is a tie");
    else if (a.ranking[0] !== a.choice) issues.add(["ranking", 0], "must be the chosen response");
  });
}

/** choice (nominal); rank.i (ordinal, 1 = best) per response of items with more than 2; rating.axis.i (ordinal). */
function agreementFields(items: Iterable<Item>): FieldSpec[] {
  const fields: FieldSpec[] = [{ field: "choice", level: "nominal" }];
  const seen = new Set<string>(["choice"]);
  const add = (field: string) => {
    if (!seen.has(field)) fields.push({ field, level: "ordinal" });
    seen.add(field);
  };
  const list = [...items].map(read);
  for (const it of list) {
    if (it.responses.length > 2) it.responses.forEach((_, i) => add(`rank.${i}`));
  }
  for (const it of list) {
    for (const axis of it.axes) it.responses.forEach((_, i) => add(`rating.${axis}.${i}`));
  }
  return fields;
}

function agreementRecord(item: Item, a: PairAnswer): AgreementRecord {
  const it = read(item);
  const record: AgreementRecord = { choice: String(a.choice) };
  if (it.responses.length > 2) it.responses.forEach((_, i) => (record[`rank.${i}`] = a.ranking ? a.ranking.indexOf(i) + 1 : null));
  for (const axis of it.axes) it.responses.forEach((_, i) => (record[`rating.${axis}.${i}`] = a.ratings?.[axis]?.[i] ?? null));
  return record;
}

/** Same choice, and the same ranking where both gave one (with 2 responses the choice is the ranking). */
function sameAnswer(a: PairAnswer, b: PairAnswer): boolean {
  if (a.choice !== b.choice) return false;
  return a.ranking === undefined || b.ranking === undefined || a.ranking.join(",") === b.ranking.join(",");
}

/** Gold: an index, "tie", or {choice, ranking?}; `detail.choice` and, when gold ranks, `detail.ranking`. */
function goldCheck(item: Item, a: PairAnswer) {
  const n = read(item).responses.length;
  const raw = own(item, "gold");
  const g = isRecord(raw) ? raw : { choice: raw };
  const choice = own(g, "choice");
  const validIndex = (x: unknown) => typeof x === "number" && Number.isInteger(x) && x >= 0 && x < n;
  if (!(choice === "tie" || validIndex(choice))) return null;
  const detail: Record<string, boolean> = { choice: a.choice === choice };
  const ranking = own(g, "ranking");
  if (Array.isArray(ranking) && ranking.length === n && ranking.every(validIndex)) detail["ranking"] = a.ranking?.join(",") === ranking.join(",");
  return { correct: Object.values(detail).every(Boolean), detail };
}

/** The pairwise-preference answer template. */
export const pairwisePreferenceAnswers: AnswerTemplate<PairAnswer> = {
  name: "pairwise-preference",
  hints: {
    summary: "Choose the better response (or rank them all), say how strong the preference is, optionally rate each response per axis, and justify.",
    fields: [
      { name: "choice", kind: "choice", label: "Preferred response", required: true },
      { name: "ranking", kind: "ranking", label: "Ranking, best first (required with more than 2 responses)", required: false },
      { name: "strength", kind: "integer", label: "Strength, 1 (slight) to 3 (strong)", required: false },
      { name: "ratings", kind: "ratings", label: "Ratings per axis, 1 to 7", required: false, options: DEFAULT_AXES },
      { name: "justification", kind: "text", label: "Justification", required: false },
    ],
  },
  checkAnswer,
  checkDraft,
  agreementFields,
  agreementRecord,
  spans: () => [],
  sameAnswer,
  goldCheck,
  /**
   * Prompt, response texts and axes only. Response ids and model names stay
   * out (ids such as "chosen" can leak the gold pair; model names bias raters),
   * as do gold, is_gold, the item id and lab metadata.
   */
  taskView: (item) => {
    const it = read(item);
    return { prompt: it.prompt, responses: it.responses, axes: [...it.axes] };
  },
  blindView: () => null,
  exportRecord: (item, a, meta) => ({
    id: read(item).id,
    choice: a.choice,
    ranking: a.ranking ?? null,
    strength: a.strength,
    ratings: a.ratings ?? null,
    justification: a.justification,
    ...metaFields(meta),
  }),
};
