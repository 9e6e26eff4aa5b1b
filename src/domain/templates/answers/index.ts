/** The answer side of every task template, by template name. */
import { SealroomError } from "../../errors.js";
import { TEMPLATES } from "../index.js";
import type { TemplateName } from "../index.js";
import type { AnswerTemplate } from "./answer-template.js";
import { claimVerificationAnswers } from "./claim-verification.js";
import { classificationAnswers } from "./classification.js";
import { pairwisePreferenceAnswers } from "./pairwise-preference.js";
import { rubricGradingAnswers } from "./rubric-grading.js";
import { sftWritingAnswers } from "./sft-writing.js";

export type {
  AgreementRecord,
  AnswerCheck,
  AnswerTemplate,
  BlindView,
  CheckedAnswer,
  ExportMeta,
  FieldHint,
  GoldCheck,
  Item,
  SpanGroup,
  TemplateHints,
} from "./answer-template.js";
export { MAX_ANSWER_ISSUES, MAX_DRAFT_CHARS } from "./check.js";

/**
 * Erases a module's answer type to the opaque CheckedAnswer. The one cast of
 * this folder: a module's answers come only from its own checkAnswer, so its
 * answer type and CheckedAnswer denote the same values.
 */
function erase<T>(template: AnswerTemplate<T>): AnswerTemplate {
  return template as unknown as AnswerTemplate;
}

const BY_NAME: Readonly<Record<TemplateName, AnswerTemplate>> = {
  "claim-verification": erase(claimVerificationAnswers),
  "sft-writing": erase(sftWritingAnswers),
  "pairwise-preference": erase(pairwisePreferenceAnswers),
  "rubric-grading": erase(rubricGradingAnswers),
  classification: erase(classificationAnswers),
};

/** The answer template of a project's template name; internal error for a name no migration could have stored. */
export function taskTemplate(name: string): AnswerTemplate {
  const t = (TEMPLATES as readonly string[]).includes(name) ? BY_NAME[name as TemplateName] : undefined;
  if (!t) throw new SealroomError("internal", `unknown template ${name}`);
  return t;
}
