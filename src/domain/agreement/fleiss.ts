/**
 * Fleiss' kappa for a fixed number of raters per subject (Fleiss 1971,
 * "Measuring nominal scale agreement among many raters", Psychological
 * Bulletin 76(5), https://doi.org/10.1037/h0031619, eqs. 2–9):
 *
 *   p_j = Σ_i n_ij / (N n),  P_i = (Σ_j n_ij² − n) / (n(n − 1)),
 *   P̄ = mean P_i,  P̄_e = Σ_j p_j²,  κ = (P̄ − P̄_e) / (1 − P̄_e).
 *
 * κ is null when P̄_e = 1 (every rating fell in one category, κ = 0/0).
 */
import { SealroomError } from "../errors.js";

/** Fleiss' kappa with its parts. */
export interface FleissResult {
  readonly kappa: number | null;
  /** P̄: mean observed agreement over subjects. */
  readonly p_bar: number;
  /** P̄_e: agreement expected by chance, Σ p_j². */
  readonly p_e_bar: number;
  /** p_j: share of all ratings in each category, in column order. */
  readonly category_proportions: readonly number[];
  readonly n_subjects: number;
  readonly n_raters: number;
}

/** Upper bound on subjects × categories cells. */
export const MAX_FLEISS_CELLS = 5_000_000;

function badRequest(message: string, path: string): SealroomError {
  return new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
}

/**
 * Fleiss' kappa from a subjects × categories count matrix (`counts[i][j]` =
 * raters who put subject i in category j). Rows of different lengths, or
 * rows whose counts do not all sum to the same n ≥ 2, are "bad_request".
 */
export function fleissKappa(counts: ReadonlyArray<ReadonlyArray<number>>): FleissResult {
  if (!Array.isArray(counts) || counts.length === 0) throw badRequest("must be a non-empty array of subject rows", "counts");
  const rows = counts.slice();
  const k = Array.isArray(rows[0]) ? rows[0].length : 0;
  if (k === 0) throw badRequest("rows must list at least one category", "counts[0]");
  if (rows.length * k > MAX_FLEISS_CELLS) throw badRequest(`at most ${MAX_FLEISS_CELLS} cells`, "counts");
  const totals = new Array<number>(k).fill(0);
  let raters = -1;
  let sumP = 0;
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) throw badRequest(`row must have ${k} categories like the first row`, `counts[${i}]`);
    let n = 0;
    let squares = 0;
    row.forEach((x: unknown, j) => {
      if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0 || x > 1e6) throw badRequest("counts must be integers in [0, 1e6]", `counts[${i}][${j}]`);
      n += x;
      squares += x * x;
      totals[j]! += x;
    });
    if (raters === -1) raters = n;
    if (n !== raters) throw badRequest(`row sums to ${n} raters, the first row to ${raters}; Fleiss' kappa needs the same number per subject`, `counts[${i}]`);
    if (n < 2) throw badRequest("each subject needs at least two ratings", `counts[${i}]`);
    sumP += (squares - n) / (n * (n - 1));
  });
  const all = rows.length * raters;
  const proportions = totals.map((t) => t / all);
  const pBar = sumP / rows.length;
  const peBar = proportions.reduce((s, p) => s + p * p, 0);
  const undefinedKappa = proportions.some((p) => p === 1);
  return {
    kappa: undefinedKappa ? null : (pBar - peBar) / (1 - peBar),
    p_bar: pBar,
    p_e_bar: peBar,
    category_proportions: proportions,
    n_subjects: rows.length,
    n_raters: raters,
  };
}
