/**
 * Krippendorff's alpha beyond the published vectors: edge cases (no
 * variation, one unit, all missing, dropped singleton units), input
 * validation, and a comparison on random data with a naive implementation
 * of Krippendorff (2011) written here from the paper — a dense coincidence
 * matrix and the δ² of sections C–F, ordinal by its Σ n_g formula — kept
 * independent of src/domain/agreement/alpha.ts (which uses closed forms and
 * mid-ranks).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_RATIO_DISTINCT_VALUES, krippendorffAlpha, krippendorffAlphaByUnit } from "../../src/domain/agreement/alpha.js";
import type { MeasurementLevel, ReliabilityCell, ReliabilityMatrix } from "../../src/domain/agreement/reliability.js";
import { MEASUREMENT_LEVELS } from "../../src/domain/agreement/reliability.js";
import { isSealroomError } from "../../src/domain/errors.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/agreement-examples.json", import.meta.url), "utf8")) as {
  krippendorff_alpha: Array<{ id: string; reliability_data: ReliabilityCell[][]; computed_here: Record<string, number> }>;
};
const C = vectors.krippendorff_alpha.find((e) => e.id === "krippendorff-2011-C")!;

function expectBadRequest(f: () => unknown, path?: string): void {
  try {
    f();
  } catch (e) {
    expect(isSealroomError(e, "bad_request"), String(e)).toBe(true);
    if (path !== undefined) expect((e as { details: { issues?: Array<{ path: string }> } }).details.issues?.[0]?.path).toBe(path);
    return;
  }
  expect.fail("expected a SealroomError bad_request");
}

// ---- Naive Krippendorff (2011), straight from the definitions.
function naiveAlpha(data: ReliabilityMatrix, level: MeasurementLevel): number | null {
  const nUnits = data[0]?.length ?? 0;
  const units = Array.from({ length: nUnits }, (_, u) => data.map((row) => row[u]!).filter((v) => v !== null)).filter((vs) => vs.length >= 2);
  const values = [...new Set(units.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const idx = new Map(values.map((v, i) => [v, i]));
  const V = values.length;
  const o = Array.from({ length: V }, () => new Array<number>(V).fill(0));
  for (const vs of units) {
    for (let i = 0; i < vs.length; i++) for (let j = 0; j < vs.length; j++) if (i !== j) o[idx.get(vs[i]!)!]![idx.get(vs[j]!)!]! += 1 / (vs.length - 1);
  }
  const nc = o.map((row) => row.reduce((s, x) => s + x, 0));
  const n = nc.reduce((s, x) => s + x, 0);
  if (n === 0) return null;
  const delta2 = (c: number, k: number): number => {
    const vc = values[c]!;
    const vk = values[k]!;
    if (level === "nominal") return c === k ? 0 : 1;
    if (level === "interval") return ((vc as number) - (vk as number)) ** 2;
    if (level === "ratio") return (vc as number) + (vk as number) === 0 ? 0 : (((vc as number) - (vk as number)) / ((vc as number) + (vk as number))) ** 2;
    const [lo, hi] = c < k ? [c, k] : [k, c];
    let s = 0;
    for (let g = lo; g <= hi; g++) s += nc[g]!;
    return (s - (nc[c]! + nc[k]!) / 2) ** 2;
  };
  let Do = 0;
  let De = 0;
  for (let c = 0; c < V; c++) {
    for (let k = 0; k < V; k++) {
      Do += o[c]![k]! * delta2(c, k);
      De += nc[c]! * nc[k]! * delta2(c, k);
    }
  }
  Do /= n;
  De /= n * (n - 1);
  return De === 0 ? null : 1 - Do / De;
}

/** A tiny LCG (Numerical Recipes constants) so the random cases are fixed, independent of src/…/prng.ts. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomMatrix(rand: () => number, coders: number, units: number, values: readonly number[], missing: number): ReliabilityCell[][] {
  return Array.from({ length: coders }, () => Array.from({ length: units }, () => (rand() < missing ? null : values[Math.floor(rand() * values.length)]!)));
}

describe("Krippendorff's alpha", () => {
  it("agrees with a naive coincidence-matrix implementation on the 2011 example", () => {
    for (const level of MEASUREMENT_LEVELS) {
      expect(naiveAlpha(C.reliability_data, level)).toBeCloseTo(C.computed_here[level]!, 12);
      expect(krippendorffAlpha(C.reliability_data, level).alpha).toBeCloseTo(naiveAlpha(C.reliability_data, level)!, 12);
    }
  });

  it("agrees with the naive implementation on 200 random matrices, every level", () => {
    const rand = lcg(7);
    for (let t = 0; t < 200; t++) {
      const coders = 2 + Math.floor(rand() * 5);
      const units = 1 + Math.floor(rand() * 15);
      const palette = t % 2 === 0 ? [1, 2, 3, 4, 5] : [0, 0.5, 1.25, 3, 7.5, 10];
      const data = randomMatrix(rand, coders, units, palette, rand() * 0.5);
      for (const level of MEASUREMENT_LEVELS) {
        const got = krippendorffAlpha(data, level).alpha;
        const want = naiveAlpha(data, level);
        if (want === null) expect(got, `case ${t} ${level}`).toBeNull();
        else expect(got, `case ${t} ${level}`).toBeCloseTo(want, 9);
      }
    }
  });

  it("reports D_o and D_e so that α = 1 − D_o/D_e", () => {
    const r = krippendorffAlpha(C.reliability_data, "interval");
    expect(1 - r.observed_disagreement! / r.expected_disagreement!).toBeCloseTo(r.alpha!, 12);
    expect(r.level).toBe("interval");
  });

  it("is undefined (null, never NaN) when every pairable value is the same", () => {
    const same = [
      [3, 3, 3, null],
      [3, 3, null, 5],
      [3, 3, 3, null],
    ];
    for (const level of MEASUREMENT_LEVELS) {
      const r = krippendorffAlpha(same, level);
      expect(r.alpha).toBeNull();
      expect(r.observed_disagreement).toBe(0);
      expect(r.expected_disagreement).toBe(0);
      expect(r.n_units).toBe(3);
      expect(r.n_pairable_values).toBe(8);
    }
  });

  it("is 1 when coders agree on every unit and the units vary", () => {
    const agree = [
      [1, 2, 3, 4, null],
      [1, 2, 3, 4, 5],
      [null, 2, 3, 4, 5],
    ];
    for (const level of MEASUREMENT_LEVELS) expect(krippendorffAlpha(agree, level).alpha).toBe(1);
  });

  it("is 0 for a single unit with any variation, null for a single unit without", () => {
    for (const level of MEASUREMENT_LEVELS) {
      expect(krippendorffAlpha([[1], [2]], level).alpha).toBeCloseTo(0, 12);
      expect(krippendorffAlpha([[1], [1], [4]], level).alpha).toBeCloseTo(0, 12);
      expect(krippendorffAlpha([[2], [2]], level).alpha).toBeNull();
    }
  });

  it("is null with zero counts when everything is missing or there is no data", () => {
    for (const data of [[[null, null], [null, null]], [[null, 1], [2, null]], [], [[], []]] as ReliabilityCell[][][]) {
      const r = krippendorffAlpha(data, "nominal");
      expect(r).toMatchObject({ alpha: null, n_units: 0, n_pairable_values: 0, observed_disagreement: null, expected_disagreement: null });
    }
  });

  it("drops units with fewer than two values: changing the 2011 example's unit 12 changes nothing", () => {
    const changed = C.reliability_data.map((row) => row.map((v, u) => (u === 11 && v !== null ? 1 : v)));
    for (const level of MEASUREMENT_LEVELS) expect(krippendorffAlpha(changed, level).alpha).toBe(krippendorffAlpha(C.reliability_data, level).alpha);
  });

  it("does not depend on coder identity: by-unit input and shuffled coders give the same alpha", () => {
    const byUnit = C.reliability_data[0]!.map((_, u) => C.reliability_data.map((row) => row[u]!));
    const reversed = [...C.reliability_data].reverse();
    for (const level of MEASUREMENT_LEVELS) {
      expect(krippendorffAlphaByUnit(byUnit, level).alpha).toBeCloseTo(C.computed_here[level]!, 12);
      expect(krippendorffAlpha(reversed, level).alpha).toBeCloseTo(C.computed_here[level]!, 12);
    }
  });

  it("treats nominal strings like any labels, and 1 and '1' as different values", () => {
    const labels = C.reliability_data.map((row) => row.map((v) => (v === null ? null : `v${v}`)));
    expect(krippendorffAlpha(labels, "nominal").alpha).toBeCloseTo(C.computed_here.nominal!, 12);
    expect(krippendorffAlpha([[1, 2], ["1", 2]], "nominal").alpha).not.toBe(1);
  });

  it("ranks non-integer ordinal values: any increasing relabelling keeps ordinal alpha, not interval alpha", () => {
    const f = (v: number): number => Math.log(v) * 3.7 + 0.25; // strictly increasing, non-integer
    const relabelled = C.reliability_data.map((row) => row.map((v) => (v === null ? null : f(v as number))));
    expect(krippendorffAlpha(relabelled, "ordinal").alpha).toBeCloseTo(C.computed_here.ordinal!, 12);
    expect(krippendorffAlpha(relabelled, "interval").alpha).not.toBeCloseTo(C.computed_here.interval!, 3);
  });

  it("handles ratio zeros (0 vs 0 is no difference, 0 vs x is maximal)", () => {
    const r = krippendorffAlpha([[0, 0, 1, 2], [0, 3, 1, 2]], "ratio");
    expect(r.alpha).not.toBeNull();
    expect(Number.isFinite(r.alpha!)).toBe(true);
    expect(r.alpha).toBeCloseTo(naiveAlpha([[0, 0, 1, 2], [0, 3, 1, 2]], "ratio")!, 12);
  });

  it("rejects coder rows of different lengths", () => {
    expectBadRequest(() => krippendorffAlpha([[1, 2, 3], [1, 2], [1, 2, 3]], "nominal"), "data[1]");
    expectBadRequest(() => krippendorffAlpha([[1, 2], [1, 2, 3]], "interval"), "data[1]");
  });

  it("rejects values the level cannot take, with the cell's path", () => {
    expectBadRequest(() => krippendorffAlpha([[1, 2], [1, "b"]], "ordinal"), "data[1][1]");
    expectBadRequest(() => krippendorffAlpha([["a", "b"], ["a", "b"]], "interval"), "data[0][0]");
    expectBadRequest(() => krippendorffAlpha([[1, -2], [1, 2]], "ratio"), "data[0][1]");
    for (const bad of [Number.NaN, Infinity, -Infinity, 1e16, undefined, true, {}, [1]]) {
      expectBadRequest(() => krippendorffAlpha([[1, bad as unknown as number], [1, 2]], "nominal"), "data[0][1]");
    }
    expectBadRequest(() => krippendorffAlphaByUnit([[1, 2], [3, Number.NaN]], "nominal"), "units[1][1]");
  });

  it("rejects an unknown level and malformed shapes", () => {
    expectBadRequest(() => krippendorffAlpha([[1], [2]], "circular" as MeasurementLevel), "level");
    expectBadRequest(() => krippendorffAlpha("nope" as unknown as ReliabilityMatrix, "nominal"), "data");
    expectBadRequest(() => krippendorffAlpha([[1, 2], "ab"] as unknown as ReliabilityMatrix, "nominal"), "data[1]");
    expectBadRequest(() => krippendorffAlphaByUnit([[1, 2], 3] as unknown as ReliabilityMatrix, "nominal"), "units[1]");
  });

  it("bounds the work for ratio data", () => {
    const many = Array.from({ length: MAX_RATIO_DISTINCT_VALUES + 1 }, (_, i) => i);
    expectBadRequest(() => krippendorffAlpha([many, many], "ratio"));
    expect(krippendorffAlpha([many, many], "interval").alpha).toBe(1);
  });

  it("never returns NaN on random data with heavy missingness", () => {
    const rand = lcg(99);
    for (let t = 0; t < 300; t++) {
      const data = randomMatrix(rand, 1 + Math.floor(rand() * 4), Math.floor(rand() * 6), [0, 1, 2], 0.7);
      for (const level of MEASUREMENT_LEVELS) {
        const { alpha } = krippendorffAlpha(data, level);
        if (alpha !== null) expect(Number.isFinite(alpha)).toBe(true);
      }
    }
  });
});
