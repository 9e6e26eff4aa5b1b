/**
 * Reliability data for Krippendorff's alpha: validation and reduction to
 * pairable units. Follows Krippendorff (2011), "Computing Krippendorff's
 * Alpha-Reliability", section A (the reliability data matrix) and section C
 * (values in units with fewer than two values are not pairable and drop out).
 *
 * The input is attacker-controlled in the sense of STYLE.md §11: it arrives
 * from uploaded annotations, so every cell is checked before use and the
 * total size is bounded.
 */
import { SealroomError } from "../errors.js";

/** The levels of measurement Krippendorff (2011) gives difference functions for (sections C–F). */
export const MEASUREMENT_LEVELS = ["nominal", "ordinal", "interval", "ratio"] as const;
/** One of "nominal", "ordinal", "interval", "ratio". */
export type MeasurementLevel = (typeof MEASUREMENT_LEVELS)[number];
/** A coded value: strings are allowed for nominal data only; numbers must be finite, |v| ≤ MAX_ABS_VALUE. */
export type ReliabilityValue = string | number;
/** A reliability-matrix cell; `null` means the coder gave no value for the unit. */
export type ReliabilityCell = ReliabilityValue | null;
/** Coders × units (Krippendorff 2011, section A): `data[i][u]` is coder i's value for unit u. */
export type ReliabilityMatrix = ReadonlyArray<ReadonlyArray<ReliabilityCell>>;
/** Units × values, the form that needs no coder identity: `units[u]` lists the values unit u received. */
export type UnitValues = ReadonlyArray<ReadonlyArray<ReliabilityCell>>;

/** Largest magnitude accepted for a numeric value, so sums of squared differences cannot overflow to Infinity. */
export const MAX_ABS_VALUE = 1e15;

/** Upper bound on cells (coders × units, or Σ values per unit) accepted by the alpha functions. */
export const MAX_RELIABILITY_CELLS = 5_000_000;

/** A unit with m ≥ 2 values, grouped as distinct values and their counts (Σ counts = m). */
export interface PairableUnit {
  readonly values: readonly ReliabilityValue[];
  readonly counts: readonly number[];
  readonly m: number;
}

function badRequest(message: string, path?: string): SealroomError {
  return new SealroomError("bad_request", path === undefined ? message : `${path}: ${message}`, path === undefined ? {} : { issues: [{ path, message }] });
}

/** Throws SealroomError "bad_request" unless `level` is one of MEASUREMENT_LEVELS. */
export function assertMeasurementLevel(level: unknown): asserts level is MeasurementLevel {
  if (typeof level !== "string" || !(MEASUREMENT_LEVELS as readonly string[]).includes(level)) {
    throw badRequest(`unknown level of measurement; expected one of ${MEASUREMENT_LEVELS.join(", ")}`, "level");
  }
}

/**
 * Transposes a coders × units matrix into units × values. Every coder row
 * must have the same number of units (else "bad_request"); cells are checked
 * later by `pairableUnits`.
 */
export function unitsOfMatrix(data: ReliabilityMatrix): ReliabilityCell[][] {
  if (!Array.isArray(data)) throw badRequest("reliability data must be an array of coder rows", "data");
  const rows = data.slice(); // snapshot before use
  const first = rows[0];
  if (first === undefined) return [];
  if (!Array.isArray(first)) throw badRequest("each coder row must be an array", "data[0]");
  const nUnits = first.length;
  if (rows.length * nUnits > MAX_RELIABILITY_CELLS) throw badRequest(`reliability data exceeds ${MAX_RELIABILITY_CELLS} cells`, "data");
  const units: ReliabilityCell[][] = Array.from({ length: nUnits }, () => []);
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw badRequest("each coder row must be an array", `data[${i}]`);
    if (row.length !== nUnits) throw badRequest(`coder row has ${row.length} units, expected ${nUnits} like the first row`, `data[${i}]`);
    for (let u = 0; u < nUnits; u++) units[u]!.push(row[u] as ReliabilityCell);
  });
  return units;
}

/** Checks one cell for the level; returns the value, or null for a missing value. */
function checkCell(cell: unknown, level: MeasurementLevel, path: string): ReliabilityValue | null {
  if (cell === null) return null;
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) throw badRequest("values must be finite numbers or strings; use null for a missing value", path);
    if (Math.abs(cell) > MAX_ABS_VALUE) throw badRequest(`numeric values must lie within ±${MAX_ABS_VALUE}`, path);
    // The ratio metric ((c−k)/(c+k))² presumes an absolute zero and no negative values (Krippendorff 2011, section F).
    if (level === "ratio" && cell < 0) throw badRequest("ratio data cannot be negative", path);
    return cell === 0 ? 0 : cell; // fold −0 into 0
  }
  if (typeof cell === "string") {
    if (level !== "nominal") throw badRequest(`${level} data must be numbers; strings are allowed for nominal data only`, path);
    return cell;
  }
  throw badRequest("values must be finite numbers or strings; use null for a missing value", path);
}

/**
 * Validates every value for `level` and keeps the units with at least two
 * values (Krippendorff 2011, section C: m_u ≥ 2), each grouped by distinct
 * value. Values compare with SameValueZero, so the number 1 and the string
 * "1" are different nominal values.
 */
export function pairableUnits(
  units: UnitValues,
  level: MeasurementLevel,
  cellPath: (unit: number, index: number) => string = (u, i) => `units[${u}][${i}]`,
): PairableUnit[] {
  assertMeasurementLevel(level);
  if (!Array.isArray(units)) throw badRequest("units must be an array of value lists", "units");
  const out: PairableUnit[] = [];
  let cells = 0;
  units.forEach((unit, u) => {
    if (!Array.isArray(unit)) throw badRequest("each unit must be an array of values", `units[${u}]`);
    cells += unit.length;
    if (cells > MAX_RELIABILITY_CELLS) throw badRequest(`reliability data exceeds ${MAX_RELIABILITY_CELLS} cells`, "units");
    const counts = new Map<ReliabilityValue, number>();
    let m = 0;
    unit.forEach((cell: unknown, i) => {
      const v = checkCell(cell, level, cellPath(u, i));
      if (v === null) return;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      m++;
    });
    if (m >= 2) out.push({ values: [...counts.keys()], counts: [...counts.values()], m });
  });
  return out;
}
