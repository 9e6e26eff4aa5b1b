/**
 * Krippendorff's alpha for nominal, ordinal, interval and ratio data, any
 * number of coders, missing values allowed. Krippendorff (2011), "Computing
 * Krippendorff's Alpha-Reliability" (https://repository.upenn.edu/asc_papers/43):
 *
 *   α = 1 − D_o / D_e,   D_o = (1/n) Σ_c Σ_k o_ck δ²_ck,
 *                        D_e = 1/(n(n−1)) Σ_c Σ_k n_c n_k δ²_ck,
 *
 * where o_ck is the coincidence matrix (section C), n_c its marginals and n
 * the number of pairable values. o_ck sums, over units, the ordered pairs of
 * values from different coders divided by m_u − 1, so
 *
 *   Σ_ck o_ck δ²_ck = Σ_u S_u / (m_u − 1),   S = Σ_c Σ_k count_c count_k δ²_ck
 *
 * and we evaluate S per unit and once over the marginals instead of storing
 * the V × V matrix. For nominal, interval and ordinal data S has a closed
 * form (see `pairSum`); ratio data is summed pairwise over distinct values.
 */
import { SealroomError } from "../errors.js";
import type { MeasurementLevel, PairableUnit, ReliabilityMatrix, ReliabilityValue, UnitValues } from "./reliability.js";
import { assertMeasurementLevel, pairableUnits, unitsOfMatrix } from "./reliability.js";

/**
 * Result of one alpha computation. `alpha` is null when it is undefined:
 * no pairable values (n = 0), or all pairable values equal so D_e = 0 and
 * α = 0/0 (Krippendorff 2011 leaves α undefined without variation; we never
 * return NaN). The disagreements are null only when n = 0.
 */
export interface AlphaResult {
  readonly level: MeasurementLevel;
  readonly alpha: number | null;
  /** Pairable units: units with at least two values (others drop out). */
  readonly n_units: number;
  /** n.. in Krippendorff (2011): the number of values in pairable units. */
  readonly n_pairable_values: number;
  readonly observed_disagreement: number | null;
  readonly expected_disagreement: number | null;
}

/** Ratio data is quadratic in the distinct values (no closed form), so their number is bounded. */
export const MAX_RATIO_DISTINCT_VALUES = 2_000;

/** Krippendorff's alpha from a coders × units matrix (`null` = missing; ordinal values may be any numbers, only their order counts). */
export function krippendorffAlpha(data: ReliabilityMatrix, level: MeasurementLevel): AlphaResult {
  assertMeasurementLevel(level);
  return alphaOfPairableUnits(pairableUnits(unitsOfMatrix(data), level, (u, i) => `data[${i}][${u}]`), level);
}

/** Krippendorff's alpha from units × values: each unit lists the values it received, coder identity not needed. */
export function krippendorffAlphaByUnit(units: UnitValues, level: MeasurementLevel): AlphaResult {
  return alphaOfPairableUnits(pairableUnits(units, level), level);
}

/** Krippendorff's alpha over already validated pairable units (the core the bootstrap reuses). */
export function alphaOfPairableUnits(units: readonly PairableUnit[], level: MeasurementLevel): AlphaResult {
  const totals = new Map<ReliabilityValue, number>();
  let n = 0;
  for (const unit of units) {
    unit.values.forEach((v, i) => totals.set(v, (totals.get(v) ?? 0) + unit.counts[i]!));
    n += unit.m;
  }
  if (n === 0) {
    return { level, alpha: null, n_units: 0, n_pairable_values: 0, observed_disagreement: null, expected_disagreement: null };
  }
  if (level === "ratio" && totals.size > MAX_RATIO_DISTINCT_VALUES) {
    throw new SealroomError("bad_request", `ratio alpha supports at most ${MAX_RATIO_DISTINCT_VALUES} distinct values`);
  }
  const coordinate = coordinates(totals, level);
  let observed = 0;
  for (const unit of units) observed += pairSum(unit.values, unit.counts, level, coordinate) / (unit.m - 1);
  const expected = totals.size < 2 ? 0 : pairSum([...totals.keys()], [...totals.values()], level, coordinate);
  return {
    level,
    // α = 1 − D_o/D_e = 1 − (n − 1) Σ_u S_u/(m_u − 1) / S_marginals (section C, the common factor 1/n cancels).
    alpha: expected === 0 ? null : 1 - ((n - 1) * observed) / expected,
    n_units: units.length,
    n_pairable_values: n,
    observed_disagreement: observed / n,
    expected_disagreement: expected / (n * (n - 1)),
  };
}

/**
 * The number each value stands for in the difference function: the value
 * itself for interval and ratio data; for ordinal data its mid-rank among
 * the pairable values, mid_c = Σ_{g<c} n_g + n_c/2. Krippendorff's ordinal
 * metric (2011, section D) δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² equals
 * (mid_k − mid_c)², so ordinal α is interval α on mid-ranks. Only the order
 * of the values matters: non-integer ordinal values are ranked like any other.
 */
function coordinates(totals: ReadonlyMap<ReliabilityValue, number>, level: MeasurementLevel): ReadonlyMap<ReliabilityValue, number> {
  const out = new Map<ReliabilityValue, number>();
  if (level === "nominal") return out;
  if (level === "interval" || level === "ratio") {
    for (const v of totals.keys()) out.set(v, v as number);
    return out;
  }
  const sorted = ([...totals.keys()] as number[]).sort((a, b) => a - b);
  let below = 0;
  for (const v of sorted) {
    const nv = totals.get(v)!;
    out.set(v, below + nv / 2);
    below += nv;
  }
  return out;
}

/**
 * S = Σ_c Σ_k count_c · count_k · δ²_ck over the distinct values given.
 * Nominal (section C): δ² = [c ≠ k], so S = N² − Σ count². Interval
 * (section E) and ordinal on mid-ranks: δ² = (c − k)², so S = 2N Σ count (x − x̄)²
 * (centred to avoid cancellation). Ratio (section F): δ² = ((c − k)/(c + k))²,
 * summed over pairs; both values 0 gives δ² = 0.
 */
function pairSum(
  values: readonly ReliabilityValue[],
  counts: readonly number[],
  level: MeasurementLevel,
  coordinate: ReadonlyMap<ReliabilityValue, number>,
): number {
  if (values.length < 2) return 0; // one distinct value: no disagreement, exactly
  let total = 0;
  for (const c of counts) total += c;
  if (level === "nominal") {
    let same = 0;
    for (const c of counts) same += c * c;
    return total * total - same;
  }
  const x = values.map((v) => coordinate.get(v)!);
  if (level === "ratio") {
    let s = 0;
    for (let i = 0; i < x.length; i++) {
      for (let j = i + 1; j < x.length; j++) {
        const sum = x[i]! + x[j]!;
        const d = sum === 0 ? 0 : (x[i]! - x[j]!) / sum;
        s += 2 * counts[i]! * counts[j]! * d * d;
      }
    }
    return s;
  }
  let mean = 0;
  x.forEach((xi, i) => (mean += counts[i]! * xi));
  mean /= total;
  let squares = 0;
  x.forEach((xi, i) => (squares += counts[i]! * (xi - mean) * (xi - mean)));
  return 2 * total * squares;
}
