/**
 * Bootstrap confidence interval for Krippendorff's alpha.
 *
 * Method: a nonparametric percentile bootstrap over units (Efron &
 * Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13). The pairable
 * units are drawn with replacement, as many as there are, `resamples` times
 * with the seeded xoshiro128** stream of ./prng.ts; alpha is recomputed on
 * each resample and the interval is read off the sorted alphas at the
 * (1 ± confidence)/2 quantiles with linear interpolation (Hyndman & Fan 1996,
 * definition 7). The same data, level, seed and resample count always give
 * the same interval.
 *
 * Limits, said plainly:
 * - It treats units as independent draws and the coders as fixed; it says
 *   nothing about other coders. Coder variability is not resampled.
 * - It is not the bootstrap of Hayes & Krippendorff (2007, KALPHA macro),
 *   which resamples pairs of values from the coincidence matrix; intervals
 *   from that macro will differ from ours.
 * - With few units (say under 30) the percentile interval is too narrow and
 *   coverage falls below the nominal level; alpha is bounded above by 1 and
 *   skewed near it, so intervals near 1 are also approximate.
 * - Resamples whose alpha is undefined (all drawn values equal, D_e = 0) are
 *   skipped and counted in `undefined_resamples`; the interval is then
 *   conditional on a defined alpha. Check that count before trusting it.
 */
import { SealroomError } from "../errors.js";
import { alphaOfPairableUnits } from "./alpha.js";
import { createPrng } from "./prng.js";
import type { MeasurementLevel, PairableUnit, ReliabilityMatrix, UnitValues } from "./reliability.js";
import { assertMeasurementLevel, pairableUnits, unitsOfMatrix } from "./reliability.js";

/** Resamples drawn when none are given. */
export const DEFAULT_RESAMPLES = 1_000;
/** Seed used when none is given, so an unseeded call is still reproducible. */
export const DEFAULT_SEED = 20110101;
/** Upper bound on resamples, to keep one call's cost bounded. */
export const MAX_RESAMPLES = 100_000;

/** Options for the bootstrap; all have reproducible defaults. */
export interface BootstrapOptions {
  /** Number of resamples (default 1,000; at most MAX_RESAMPLES). */
  readonly resamples?: number;
  /** PRNG seed, an integer in [0, 2^32) (default DEFAULT_SEED). */
  readonly seed?: number;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  readonly confidence?: number;
}

/** A percentile bootstrap interval for alpha, with what produced it. */
export interface AlphaInterval {
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
  readonly method: "percentile bootstrap over units";
  readonly resamples: number;
  /** Resamples whose alpha was undefined and were left out of the quantiles. */
  readonly undefined_resamples: number;
  readonly seed: number;
}

/** Bootstrap CI for alpha from a coders × units matrix; null when it cannot be estimated (see `bootstrapPairableUnits`). */
export function bootstrapAlpha(data: ReliabilityMatrix, level: MeasurementLevel, options: BootstrapOptions = {}): AlphaInterval | null {
  assertMeasurementLevel(level);
  return bootstrapPairableUnits(pairableUnits(unitsOfMatrix(data), level, (u, i) => `data[${i}][${u}]`), level, options);
}

/** Bootstrap CI for alpha from units × values (each unit lists its values). */
export function bootstrapAlphaByUnit(units: UnitValues, level: MeasurementLevel, options: BootstrapOptions = {}): AlphaInterval | null {
  return bootstrapPairableUnits(pairableUnits(units, level), level, options);
}

/**
 * The bootstrap over validated pairable units. Returns null when the point
 * alpha is undefined, when there are fewer than two pairable units (every
 * resample would be the data itself), or when no resample has a defined alpha.
 */
export function bootstrapPairableUnits(
  units: readonly PairableUnit[],
  level: MeasurementLevel,
  options: BootstrapOptions = {},
): AlphaInterval | null {
  const { resamples, seed, confidence } = checkOptions(options);
  if (units.length < 2 || alphaOfPairableUnits(units, level).alpha === null) return null;
  const prng = createPrng(seed);
  const alphas: number[] = [];
  const sample: PairableUnit[] = new Array<PairableUnit>(units.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < units.length; i++) sample[i] = units[prng.nextInt(units.length)]!;
    const a = alphaOfPairableUnits(sample, level).alpha;
    if (a !== null) alphas.push(a);
  }
  if (alphas.length === 0) return null;
  alphas.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return {
    lower: quantile(alphas, tail),
    upper: quantile(alphas, 1 - tail),
    confidence,
    method: "percentile bootstrap over units",
    resamples,
    undefined_resamples: resamples - alphas.length,
    seed,
  };
}

/** Hyndman & Fan (1996) definition 7 (R's default): h = (n − 1)p, interpolate between neighbours. */
function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}

function checkOptions(options: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const confidence = options.confidence ?? 0.95;
  const fail = (path: string, message: string): never => {
    throw new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
  };
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > MAX_RESAMPLES) fail("resamples", `must be an integer in [1, ${MAX_RESAMPLES}]`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail("seed", "must be an integer in [0, 2^32)");
  if (typeof confidence !== "number" || !(confidence > 0 && confidence < 1)) fail("confidence", "must be a number strictly between 0 and 1");
  return { resamples, seed, confidence };
}
