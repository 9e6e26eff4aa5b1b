/**
 * Cohen's kappa for two raters (Cohen 1960, "A Coefficient of Agreement for
 * Nominal Scales", https://doi.org/10.1177/001316446002000104), with the
 * optional linear or quadratic weights of Cohen (1968, "Weighted kappa",
 * https://doi.org/10.1037/h0026256) for ordered categories:
 *
 *   κ = (p_o − p_e) / (1 − p_e),  p_o = Σ_ij w_ij x_ij / n,  p_e = Σ_ij w_ij r_i c_j / n²,
 *
 * with agreement weights w_ij = 1 (i = j) else 0 unweighted, 1 − |i−j|/(k−1)
 * linear, 1 − (i−j)²/(k−1)² quadratic (k categories in their given order).
 * κ is null when p_e = 1 (both raters used one and the same category: chance
 * agreement is total and κ = 0/0), and p_o, p_e, κ are null when n = 0.
 */
import { SealroomError } from "../errors.js";

/** Weighting scheme for ordered categories; "none" is plain Cohen (1960). */
export type KappaWeights = "none" | "linear" | "quadratic";
/** A label one rater gave one item; `null` = no label (the pair is dropped). */
export type KappaLabel = string | number;

/** Cohen's kappa with its parts. */
export interface CohenResult {
  readonly kappa: number | null;
  readonly p_o: number | null;
  readonly p_e: number | null;
  /** Items rated by both raters. */
  readonly n: number;
  readonly weights: KappaWeights;
}

/** Options for `cohenKappa` on paired labels. */
export interface CohenOptions {
  readonly weights?: KappaWeights;
  /** Category order (required for weights over string labels); labels outside it are "bad_request". */
  readonly categories?: readonly KappaLabel[];
}

/** Upper bound on categories (the table is k × k). */
export const MAX_KAPPA_CATEGORIES = 1_000;

function badRequest(message: string, path: string): SealroomError {
  return new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
}

/** Cohen's kappa from a k × k contingency table (rows rater A, columns rater B, cells non-negative integer counts). */
export function cohenKappaFromTable(table: ReadonlyArray<ReadonlyArray<number>>, weights: KappaWeights = "none"): CohenResult {
  if (!["none", "linear", "quadratic"].includes(weights)) throw badRequest("must be none, linear or quadratic", "weights");
  if (!Array.isArray(table) || table.length === 0) throw badRequest("must be a non-empty square array of counts", "table");
  const k = table.length;
  if (k > MAX_KAPPA_CATEGORIES) throw badRequest(`at most ${MAX_KAPPA_CATEGORIES} categories`, "table");
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  let n = 0;
  table.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) throw badRequest(`row must have ${k} cells (the table is square)`, `table[${i}]`);
    row.forEach((x: unknown, j) => {
      if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0) throw badRequest("counts must be non-negative integers", `table[${i}][${j}]`);
      rows[i]! += x;
      cols[j]! += x;
      n += x;
    });
  });
  if (!Number.isSafeInteger(n)) throw badRequest("total count too large", "table");
  if (n === 0) return { kappa: null, p_o: null, p_e: null, n: 0, weights };
  const w = weightFn(weights, k);
  let po = 0;
  let pe = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const wij = w(i, j);
      if (wij === 0) continue;
      po += wij * table[i]![j]!;
      pe += wij * rows[i]! * cols[j]!;
    }
  }
  po /= n;
  pe /= n * n;
  return { kappa: pe === 1 ? null : (po - pe) / (1 - pe), p_o: po, p_e: pe, n, weights };
}

function weightFn(weights: KappaWeights, k: number): (i: number, j: number) => number {
  if (weights === "none" || k === 1) return (i, j) => (i === j ? 1 : 0);
  if (weights === "linear") return (i, j) => 1 - Math.abs(i - j) / (k - 1);
  return (i, j) => 1 - ((i - j) * (i - j)) / ((k - 1) * (k - 1));
}

/**
 * Cohen's kappa from two raters' labels for the same items (`a[i]` and
 * `b[i]` label item i). Arrays of different lengths are "bad_request"; a
 * pair with a null on either side is dropped. Categories default to the
 * labels seen, numbers ascending, strings in code-unit order; weighted kappa
 * over strings needs an explicit `categories` order.
 */
export function cohenKappa(
  a: ReadonlyArray<KappaLabel | null>,
  b: ReadonlyArray<KappaLabel | null>,
  options: CohenOptions = {},
): CohenResult & { readonly categories: readonly KappaLabel[] } {
  if (!Array.isArray(a) || !Array.isArray(b)) throw badRequest("both raters' labels must be arrays", "labels");
  if (a.length !== b.length) throw badRequest(`rater A has ${a.length} labels, rater B ${b.length}; they must pair item by item`, "labels");
  const weights = options.weights ?? "none";
  const pairs: Array<[KappaLabel, KappaLabel]> = [];
  a.forEach((x, i) => {
    const y = b[i];
    checkLabel(x, `a[${i}]`);
    checkLabel(y, `b[${i}]`);
    if (x !== null && y !== null && y !== undefined) pairs.push([x, y]);
  });
  const categories = options.categories ? checkCategories(options.categories) : defaultCategories(pairs, weights);
  const index = new Map<KappaLabel, number>(categories.map((c, i) => [c, i]));
  const table = categories.map(() => new Array<number>(categories.length).fill(0));
  pairs.forEach(([x, y], i) => {
    const ix = index.get(x);
    const iy = index.get(y);
    if (ix === undefined || iy === undefined) throw badRequest("label is not one of the categories", `pairs[${i}]`);
    table[ix]![iy]! += 1;
  });
  if (categories.length === 0) return { kappa: null, p_o: null, p_e: null, n: 0, weights, categories };
  return { ...cohenKappaFromTable(table, weights), categories };
}

function checkLabel(x: unknown, path: string): void {
  if (x === null) return;
  if (typeof x === "string" || (typeof x === "number" && Number.isFinite(x))) return;
  throw badRequest("labels must be strings, finite numbers or null", path);
}

function checkCategories(categories: readonly KappaLabel[]): KappaLabel[] {
  const out = [...categories];
  out.forEach((c, i) => checkLabel(c, `categories[${i}]`));
  if (out.some((c) => c === null)) throw badRequest("categories cannot be null", "categories");
  if (new Set(out).size !== out.length) throw badRequest("categories must be distinct", "categories");
  if (out.length > MAX_KAPPA_CATEGORIES) throw badRequest(`at most ${MAX_KAPPA_CATEGORIES} categories`, "categories");
  return out;
}

function defaultCategories(pairs: ReadonlyArray<readonly [KappaLabel, KappaLabel]>, weights: KappaWeights): KappaLabel[] {
  const seen = [...new Set(pairs.flat())];
  if (seen.length > MAX_KAPPA_CATEGORIES) throw badRequest(`at most ${MAX_KAPPA_CATEGORIES} categories`, "labels");
  const numbers = seen.filter((c): c is number => typeof c === "number").sort((x, y) => x - y);
  const strings = seen.filter((c): c is string => typeof c === "string").sort();
  if (weights !== "none" && strings.length > 0) throw badRequest("weighted kappa over string labels needs an explicit category order", "categories");
  return [...numbers, ...strings];
}
