/**
 * The answer side of sft-writing: the contractor writes the ideal response to
 * a prompt. Answer: `{response, note?}`. Free text has no categorical fields,
 * so there is no per-field agreement, no automatic gold score (a reference
 * response is for reviewers, not for string comparison) and no automatic
 * resolution of overlapping answers: review decides.
 */
import { z } from "zod";
import type { AnswerTemplate, Item } from "./answer-template.js";
import { checkDraft, metaFields, notBlank, parseAnswer, readItem } from "./check.js";

/** Same bound as the item's prompt (simple.ts LONG_TEXT). */
const MAX_RESPONSE = 200_000;

const answerSchema = z.strictObject({
  response: z.string().max(MAX_RESPONSE, `must be at most ${MAX_RESPONSE} characters`).refine(notBlank, "must not be empty"),
  note: z.string().max(2000).nullable().default(null),
});
/** A checked sft-writing answer. */
export type SftAnswer = z.output<typeof answerSchema>;

const itemShape = z.looseObject({ id: z.string(), prompt: z.string(), context: z.string().nullish() });
const read = (item: Item) => readItem(itemShape, item, "sft-writing");

/** The sft-writing answer template. */
export const sftWritingAnswers: AnswerTemplate<SftAnswer> = {
  name: "sft-writing",
  hints: {
    summary: "Write the ideal response to the prompt.",
    fields: [
      { name: "response", kind: "text", label: "Response", required: true },
      { name: "note", kind: "text", label: "Note to the reviewer", required: false },
    ],
  },
  checkAnswer: (item, answer) => {
    read(item);
    return parseAnswer(answerSchema, answer, () => {});
  },
  checkDraft,
  // Free text: no categorical field to compute alpha on (review scores these answers instead).
  agreementFields: () => [],
  agreementRecord: () => ({}),
  spans: () => [],
  // Two written responses never agree "enough" by themselves: a reviewer picks or merges.
  sameAnswer: () => false,
  // gold on sft-writing items is a reference response; comparing free text says nothing about correctness.
  goldCheck: () => null,
  /** Prompt and context only: gold (the reference response), is_gold, the id and lab metadata stay out. */
  taskView: (item) => {
    const v = read(item);
    return { prompt: v.prompt, context: v.context ?? null };
  },
  blindView: () => null,
  exportRecord: (item, a, meta) => ({ id: read(item).id, response: a.response, note: a.note, ...metaFields(meta) }),
};
