/**
 * Agreement per field of an annotation (claim-verification design §3.1):
 * for each named field, Krippendorff's alpha over the items, each item a
 * unit and each answer one value. Coder identity is not needed: alpha
 * depends only on which values each unit received (Krippendorff 2011,
 * section C builds the coincidence matrix unit by unit), so items may be
 * answered by different people and by different numbers of people.
 *
 * Typical levels: nominal for categorical fields (verdict, stance), ordinal
 * for ratings such as confidence 1–5 (the design's choice), interval when the
 * rating steps are meant to be equal.
 */
import { SealroomError } from "../errors.js";
import { alphaOfPairableUnits } from "./alpha.js";
import type { AlphaInterval, BootstrapOptions } from "./bootstrap.js";
import { bootstrapPairableUnits } from "./bootstrap.js";
import type { MeasurementLevel, ReliabilityCell } from "./reliability.js";
import { assertMeasurementLevel, pairableUnits } from "./reliability.js";

/** A field to measure and the level of measurement its values have. */
export interface FieldSpec {
  readonly field: string;
  readonly level: MeasurementLevel;
}

/** Agreement on one field; `ci95` is present only when a bootstrap was asked for (null if it could not be estimated). */
export interface FieldAgreement {
  readonly field: string;
  readonly level: MeasurementLevel;
  readonly alpha: number | null;
  readonly n_units: number;
  readonly n_pairable_values: number;
  readonly ci95?: AlphaInterval | null;
}

/** An answer record; only the named own properties are read. */
export type AnswerRecord = Readonly<Record<string, unknown>>;

/** Options for `agreementPerField`: `bootstrap: true` (defaults) or bootstrap options adds `ci95`. */
export interface PerFieldOptions {
  readonly bootstrap?: boolean | BootstrapOptions;
}

/**
 * Alpha per field over items × answers (`items[u]` lists the answers to item
 * u). A missing or null field, or a null answer, is a missing value; other
 * values must be strings (nominal only) or finite numbers, else "bad_request"
 * with the offending path. Only own properties are read, so "__proto__" and
 * friends never reach the prototype. `n_units` counts items with at least
 * two values for the field.
 */
export function agreementPerField(
  items: ReadonlyArray<ReadonlyArray<AnswerRecord | null>>,
  fields: readonly FieldSpec[],
  options: PerFieldOptions = {},
): FieldAgreement[] {
  if (!Array.isArray(items)) throw badRequest("must be an array of items, each an array of answers", "items");
  if (!Array.isArray(fields)) throw badRequest("must be an array of {field, level}", "fields");
  const snapshot = items.map((answers, u) => {
    if (!Array.isArray(answers)) throw badRequest("must be an array of answers", `items[${u}]`);
    return answers.slice();
  });
  return fields.map((spec, f) => {
    if (typeof spec?.field !== "string") throw badRequest("must be a string", `fields[${f}].field`);
    assertMeasurementLevel(spec.level);
    const { field, level } = spec;
    const units = snapshot.map((answers, u) => answers.map((answer, i) => valueOf(answer, field, `items[${u}][${i}]`)));
    const pairable = pairableUnits(units, level, (u, i) => `items[${u}][${i}].${field}`);
    const a = alphaOfPairableUnits(pairable, level);
    const base = { field, level, alpha: a.alpha, n_units: a.n_units, n_pairable_values: a.n_pairable_values };
    if (options.bootstrap === undefined || options.bootstrap === false) return base;
    const bootstrapOptions = options.bootstrap === true ? {} : options.bootstrap;
    return { ...base, ci95: bootstrapPairableUnits(pairable, level, bootstrapOptions) };
  });
}

/** The field's value as a reliability cell; a value of the wrong type is passed on for `pairableUnits` to reject with its path. */
function valueOf(answer: AnswerRecord | null, field: string, path: string): ReliabilityCell {
  if (answer === null) return null;
  if (typeof answer !== "object" || Array.isArray(answer)) throw badRequest("an answer must be a record or null", path);
  if (!Object.hasOwn(answer, field)) return null;
  const v = answer[field];
  return v === undefined ? null : (v as ReliabilityCell);
}

function badRequest(message: string, path: string): SealroomError {
  return new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
}
