/**
 * Character-overlap agreement between two raters' evidence spans, as in the
 * claim-verification design §3.1 ("Evidence location"): with A and B the sets
 * of character positions each rater marked, P = |A∩B|/|B|, R = |A∩B|/|A|,
 * F1 = 2PR/(P+R). This is micro-averaged over characters within one
 * (item, source) pair: every marked code point counts once, however many
 * spans cover it. Averaging over source pairs (a macro average) is the
 * caller's job. No tokenisation: offsets are Unicode code points, [start, end).
 */
import { SealroomError } from "../errors.js";

/** A half-open span [start, end) of code-point offsets, as a tuple or as {start, end} (EvidenceSpan). */
export type Span = readonly [start: number, end: number] | { readonly start: number; readonly end: number };

/** Overlap scores; B's spans are scored against A's (swap them to swap P and R; F1 is symmetric). */
export interface SpanOverlap {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** |A ∩ B| in code points. */
  readonly overlap_chars: number;
  /** |A| and |B|: code points each rater marked (overlaps within one rater counted once). */
  readonly a_chars: number;
  readonly b_chars: number;
}

/** Upper bound on spans per side. */
export const MAX_SPANS = 100_000;

function badRequest(message: string, path: string): SealroomError {
  return new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
}

/**
 * Character-overlap precision, recall and F1 of spans `b` against spans `a`.
 * Both sides empty (no code point marked, e.g. both found no evidence) gives
 * 1, 1, 1; exactly one side empty gives 0, 0, 0. Empty spans [s, s) mark
 * nothing. Offsets must be integers with 0 ≤ start ≤ end (≤ textLength when
 * given), else "bad_request".
 */
export function spanOverlapF1(a: readonly Span[], b: readonly Span[], textLength?: number): SpanOverlap {
  if (textLength !== undefined && (!Number.isSafeInteger(textLength) || textLength < 0)) throw badRequest("must be a non-negative integer", "textLength");
  const ma = merge(a, "a", textLength);
  const mb = merge(b, "b", textLength);
  const aChars = length(ma);
  const bChars = length(mb);
  if (aChars === 0 && bChars === 0) return { precision: 1, recall: 1, f1: 1, overlap_chars: 0, a_chars: 0, b_chars: 0 };
  if (aChars === 0 || bChars === 0) return { precision: 0, recall: 0, f1: 0, overlap_chars: 0, a_chars: aChars, b_chars: bChars };
  const overlap = intersection(ma, mb);
  const precision = overlap / bChars;
  const recall = overlap / aChars;
  const f1 = overlap === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, overlap_chars: overlap, a_chars: aChars, b_chars: bChars };
}

/** Validates spans and merges them into sorted, disjoint, non-empty intervals. */
function merge(spans: readonly Span[], side: string, textLength: number | undefined): Array<[number, number]> {
  if (!Array.isArray(spans)) throw badRequest("must be an array of spans", side);
  if (spans.length > MAX_SPANS) throw badRequest(`at most ${MAX_SPANS} spans`, side);
  const list: Array<[number, number]> = spans.map((s: unknown, i) => {
    const [start, end] = Array.isArray(s) && s.length === 2 ? (s as unknown[]) : isObject(s) ? [s.start, s.end] : [undefined, undefined];
    const path = `${side}[${i}]`;
    if (typeof start !== "number" || typeof end !== "number" || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) {
      throw badRequest("a span is [start, end) or {start, end} with integer offsets", path);
    }
    if (start < 0 || end < start) throw badRequest("offsets must satisfy 0 ≤ start ≤ end", path);
    if (textLength !== undefined && end > textLength) throw badRequest(`end ${end} is past the text length ${textLength}`, path);
    return [start, end];
  });
  list.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of list) {
    if (s === e) continue;
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

function isObject(x: unknown): x is { start?: unknown; end?: unknown } {
  return typeof x === "object" && x !== null;
}

const length = (spans: ReadonlyArray<readonly [number, number]>): number => spans.reduce((n, [s, e]) => n + (e - s), 0);

/** |A ∩ B| for two sorted lists of disjoint intervals, by a two-pointer sweep. */
function intersection(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): number {
  let i = 0;
  let j = 0;
  let total = 0;
  while (i < a.length && j < b.length) {
    const [as, ae] = a[i]!;
    const [bs, be] = b[j]!;
    total += Math.max(0, Math.min(ae, be) - Math.max(as, bs));
    if (ae < be) i++;
    else j++;
  }
  return total;
}
