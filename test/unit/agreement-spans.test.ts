/**
 * Character-overlap span F1 (claim-verification design §3.1): hand-computed
 * cases, the empty-set conventions, validation, and a comparison on random
 * spans with a naive set-of-positions implementation written here.
 */
import { describe, expect, it } from "vitest";
import type { Span } from "../../src/domain/agreement/span-overlap.js";
import { spanOverlapF1 } from "../../src/domain/agreement/span-overlap.js";
import { isSealroomError } from "../../src/domain/errors.js";

function expectBadRequest(f: () => unknown, path?: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(isSealroomError(thrown, "bad_request"), String(thrown)).toBe(true);
  if (path !== undefined) expect((thrown as { details: { issues?: Array<{ path: string }> } }).details.issues?.[0]?.path).toBe(path);
}

function naive(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): { p: number; r: number; f1: number } {
  const set = (spans: ReadonlyArray<readonly [number, number]>): Set<number> => {
    const s = new Set<number>();
    for (const [start, end] of spans) for (let i = start; i < end; i++) s.add(i);
    return s;
  };
  const A = set(a);
  const B = set(b);
  if (A.size === 0 && B.size === 0) return { p: 1, r: 1, f1: 1 };
  if (A.size === 0 || B.size === 0) return { p: 0, r: 0, f1: 0 };
  const both = [...A].filter((i) => B.has(i)).length;
  const p = both / B.size;
  const r = both / A.size;
  return { p, r, f1: both === 0 ? 0 : (2 * p * r) / (p + r) };
}

describe("span-overlap F1", () => {
  it("scores identical, disjoint and partly overlapping spans", () => {
    expect(spanOverlapF1([[31, 63]], [[31, 63]])).toEqual({ precision: 1, recall: 1, f1: 1, overlap_chars: 32, a_chars: 32, b_chars: 32 });
    expect(spanOverlapF1([[0, 10]], [[10, 20]])).toMatchObject({ precision: 0, recall: 0, f1: 0, overlap_chars: 0 });
    expect(spanOverlapF1([[0, 10]], [[5, 15]])).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, overlap_chars: 5 });
    const sub = spanOverlapF1([[0, 10]], [[0, 5]]);
    expect(sub).toMatchObject({ precision: 1, recall: 0.5 });
    expect(sub.f1).toBeCloseTo(2 / 3, 15);
  });

  it("measures P against B and R against A", () => {
    const r = spanOverlapF1([[0, 4]], [[0, 4], [10, 22]]);
    expect(r.precision).toBeCloseTo(4 / 16, 15);
    expect(r.recall).toBe(1);
  });

  it("counts a character once however many spans of one rater cover it", () => {
    expect(spanOverlapF1([[0, 10], [5, 15], [2, 3]], [[0, 15]])).toMatchObject({ a_chars: 15, f1: 1 });
    expect(spanOverlapF1([[0, 5], [5, 10]], [[0, 10]])).toMatchObject({ a_chars: 10, f1: 1 });
  });

  it("is 1 when both sides are empty and 0 when exactly one is", () => {
    expect(spanOverlapF1([], [])).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(spanOverlapF1([[3, 3]], [])).toMatchObject({ f1: 1 }); // an empty span marks nothing
    expect(spanOverlapF1([[0, 5]], [])).toMatchObject({ precision: 0, recall: 0, f1: 0, a_chars: 5, b_chars: 0 });
    expect(spanOverlapF1([], [[0, 5]])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });

  it("accepts EvidenceSpan-shaped {start, end} objects", () => {
    const a: Span[] = [{ start: 31, end: 63 }];
    expect(spanOverlapF1(a, [[40, 63]]).recall).toBeCloseTo(23 / 32, 15);
  });

  it("counts code points, not UTF-16 units, when bounded by the text length", () => {
    const text = "a😀b"; // 3 code points, 4 UTF-16 units
    const n = Array.from(text).length;
    expect(spanOverlapF1([[0, 3]], [[1, 3]], n).recall).toBeCloseTo(2 / 3, 15);
    expectBadRequest(() => spanOverlapF1([[0, 4]], [], n), "a[0]");
  });

  it("agrees with a naive set-of-positions implementation on random spans", () => {
    let s = 11;
    const rand = (k: number): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return Math.floor((s / 2 ** 32) * k);
    };
    const spans = (): Array<[number, number]> =>
      Array.from({ length: rand(4) }, () => {
        const start = rand(60);
        return [start, start + rand(20)] as [number, number];
      });
    for (let t = 0; t < 500; t++) {
      const a = spans();
      const b = spans();
      const got = spanOverlapF1(a, b);
      const want = naive(a, b);
      expect(got.precision, `case ${t}`).toBeCloseTo(want.p, 12);
      expect(got.recall, `case ${t}`).toBeCloseTo(want.r, 12);
      expect(got.f1, `case ${t}`).toBeCloseTo(want.f1, 12);
    }
  });

  it("rejects malformed spans with their path", () => {
    expectBadRequest(() => spanOverlapF1([[-1, 3]], []), "a[0]");
    expectBadRequest(() => spanOverlapF1([], [[0, 2], [5, 4]]), "b[1]");
    expectBadRequest(() => spanOverlapF1([[0.5, 3]], []), "a[0]");
    expectBadRequest(() => spanOverlapF1([[0, 3, 4] as unknown as Span], []), "a[0]");
    expectBadRequest(() => spanOverlapF1([{ start: "0", end: 3 } as unknown as Span], []), "a[0]");
    expectBadRequest(() => spanOverlapF1([null as unknown as Span], []), "a[0]");
    expectBadRequest(() => spanOverlapF1("x" as unknown as Span[], []), "a");
    expectBadRequest(() => spanOverlapF1([], [], -1), "textLength");
  });
});
