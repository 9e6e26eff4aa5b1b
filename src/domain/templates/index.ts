/** The task templates a project can use, and the item schema of each. */
import { SealroomError } from "../errors.js";
import { claimVerification } from "./claim-verification.js";
import { classification, pairwisePreference, rubricGrading, sftWriting } from "./simple.js";
import type { ItemTemplate } from "./template.js";

/** Every template a project can be created with. */
export const TEMPLATES = ["claim-verification", "sft-writing", "pairwise-preference", "rubric-grading", "classification"] as const;
/** The name of a template. */
export type TemplateName = (typeof TEMPLATES)[number];

const BY_NAME: Readonly<Record<TemplateName, ItemTemplate>> = {
  "claim-verification": claimVerification,
  "sft-writing": sftWriting,
  "pairwise-preference": pairwisePreference,
  "rubric-grading": rubricGrading,
  classification,
};

/** The item template of a project's template name; internal error for a name no migration could have stored. */
export function itemTemplate(name: string): ItemTemplate {
  const t = (TEMPLATES as readonly string[]).includes(name) ? BY_NAME[name as TemplateName] : undefined;
  if (!t) throw new SealroomError("internal", `unknown template ${name}`);
  return t;
}
