/**
 * The item schemas of the simple templates: sft-writing, pairwise-preference,
 * rubric-grading and classification. Each item carries its external id in an
 * `id` field and marks gold with `gold` (any non-null value, e.g. the
 * reference answer) or `is_gold: true`. Unknown keys are kept: labs attach
 * their own metadata, and nothing reads it but the lab.
 */
import { z } from "zod";
import { externalIdField, goldFields, goldFlag, text } from "./fields.js";
import { defineTemplate } from "./template.js";

/** Prompts, contexts and responses: generous, but bounded (UTF-16 units). */
const LONG_TEXT = 200_000;

/** sft-writing: a prompt and optional context; the contractor writes the ideal response. */
export const sftWriting = defineTemplate({
  name: "sft-writing",
  schema: z.looseObject({ id: externalIdField, prompt: text(LONG_TEXT), context: z.string().max(LONG_TEXT).nullish(), ...goldFields }),
  externalId: (v) => v.id,
  isGold: goldFlag,
  csv: { json: ["gold"], boolean: ["is_gold"] },
});

const response = z.union([
  text(LONG_TEXT),
  z.looseObject({ text: text(LONG_TEXT), id: z.string().max(128).optional(), model: z.string().max(200).optional() }),
]);

/** pairwise-preference: a prompt and 2..16 responses to choose between, rank or rate. */
export const pairwisePreference = defineTemplate({
  name: "pairwise-preference",
  schema: z.looseObject({
    id: externalIdField,
    prompt: text(LONG_TEXT),
    responses: z.array(response).min(2, "needs at least 2 responses").max(16, "has more than 16 responses"),
    ...goldFields,
  }),
  externalId: (v) => v.id,
  isGold: goldFlag,
  csv: { json: ["responses", "gold"], boolean: ["is_gold"] },
});

const criterion = z.looseObject({
  id: z.string().min(1).max(128),
  description: text(5000),
  max_score: z.number().int().min(1).max(100).optional(),
});

/** rubric-grading: a response (and optionally its prompt) scored against 1..50 rubric criteria with unique ids. */
export const rubricGrading = defineTemplate({
  name: "rubric-grading",
  schema: z.looseObject({
    id: externalIdField,
    prompt: z.string().max(LONG_TEXT).nullish(),
    response: text(LONG_TEXT),
    rubric: z
      .array(criterion)
      .min(1, "needs at least one criterion")
      .max(50, "has more than 50 criteria")
      .superRefine((cs, ctx) => {
        const seen = new Set<string>();
        cs.forEach((c, i) => {
          if (seen.has(c.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate criterion id ${c.id}` });
          seen.add(c.id);
        });
      }),
    ...goldFields,
  }),
  externalId: (v) => v.id,
  isGold: goldFlag,
  csv: { json: ["rubric", "gold"], boolean: ["is_gold"] },
});

/** classification: a text and the 2..200 distinct labels to choose from (Label Studio's text + choices). */
export const classification = defineTemplate({
  name: "classification",
  schema: z.looseObject({
    id: externalIdField,
    text: text(LONG_TEXT),
    labels: z
      .array(text(200))
      .min(2, "needs at least 2 labels")
      .max(200, "has more than 200 labels")
      .refine((ls) => new Set(ls).size === ls.length, "labels must be distinct"),
    multi_label: z.boolean().optional(),
    ...goldFields,
  }),
  externalId: (v) => v.id,
  isGold: goldFlag,
  csv: { json: ["labels", "gold"], boolean: ["is_gold", "multi_label"] },
});
