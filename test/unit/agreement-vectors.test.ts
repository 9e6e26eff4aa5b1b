/**
 * Known-answer tests: every example in test/vectors/agreement-examples.json,
 * each `expected` value to the number of decimals it is printed with, and the
 * full-precision values (`computed_here`, `kappa_full_precision`) to 1e-12.
 * A section or expected key this file does not know fails the suite, so new
 * examples cannot be skipped silently.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { krippendorffAlpha } from "../../src/domain/agreement/alpha.js";
import { cohenKappaFromTable } from "../../src/domain/agreement/cohen.js";
import { fleissKappa } from "../../src/domain/agreement/fleiss.js";
import type { MeasurementLevel, ReliabilityMatrix } from "../../src/domain/agreement/reliability.js";

interface AlphaExample {
  id: string;
  reliability_data: ReliabilityMatrix;
  pairable_values_n?: number;
  expected: Record<string, number>;
  computed_here?: Record<string, number>;
}
interface TableExample {
  id: string;
  expected: Record<string, number>;
}
interface Vectors {
  description: string;
  krippendorff_alpha: AlphaExample[];
  fleiss_kappa: Array<TableExample & { counts: number[][] }>;
  cohen_kappa: Array<TableExample & { table: number[][] }>;
}

const vectors = JSON.parse(readFileSync(new URL("../vectors/agreement-examples.json", import.meta.url), "utf8")) as Vectors;

/** Decimals the reference value is printed with in the JSON (0.743 → 3, 0.4 → 1). */
const decimals = (x: number): number => (String(x).split(".")[1] ?? "").length;

/** |actual − expected| within half a unit of the last printed decimal: "to the precision given". */
function expectToPrintedPrecision(actual: number | null, expected: number, label: string): void {
  expect(actual, label).not.toBeNull();
  const tolerance = 0.5 * 10 ** -decimals(expected) + 1e-12;
  expect(Math.abs(actual! - expected), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

const LEVELS = new Set<string>(["nominal", "ordinal", "interval", "ratio"]);

describe("agreement-examples.json", () => {
  it("has only the sections this suite reproduces, each non-empty", () => {
    expect(Object.keys(vectors).sort()).toEqual(["cohen_kappa", "description", "fleiss_kappa", "krippendorff_alpha"]);
    expect(vectors.krippendorff_alpha.length).toBeGreaterThanOrEqual(2);
    expect(vectors.fleiss_kappa.length).toBeGreaterThanOrEqual(1);
    expect(vectors.cohen_kappa.length).toBeGreaterThanOrEqual(3);
  });

  describe.each(vectors.krippendorff_alpha.map((ex) => [ex.id, ex] as const))("Krippendorff's alpha: %s", (_id, ex) => {
    it("reproduces every expected level to its printed precision", () => {
      const keys = Object.keys(ex.expected);
      expect(keys.length).toBeGreaterThan(0);
      for (const level of keys) {
        expect(LEVELS.has(level), `unknown expected key ${level}`).toBe(true);
        const r = krippendorffAlpha(ex.reliability_data, level as MeasurementLevel);
        expectToPrintedPrecision(r.alpha, ex.expected[level]!, `${ex.id} ${level}`);
      }
    });

    it("matches the full-precision values to 1e-12", () => {
      for (const [level, value] of Object.entries(ex.computed_here ?? {})) {
        expect(LEVELS.has(level), `unknown computed_here key ${level}`).toBe(true);
        expect(krippendorffAlpha(ex.reliability_data, level as MeasurementLevel).alpha).toBeCloseTo(value, 12);
      }
    });

    it("counts the pairable values (n..)", () => {
      const r = krippendorffAlpha(ex.reliability_data, "nominal");
      const counted = ex.reliability_data.flat().filter((v) => v !== null).length;
      if (ex.pairable_values_n !== undefined) expect(r.n_pairable_values).toBe(ex.pairable_values_n);
      expect(r.n_pairable_values).toBeLessThanOrEqual(counted);
    });
  });

  it("Krippendorff 2011 C: 11 of 12 units are pairable (unit 12 has one value)", () => {
    const ex = vectors.krippendorff_alpha.find((e) => e.id === "krippendorff-2011-C")!;
    const r = krippendorffAlpha(ex.reliability_data, "nominal");
    expect(r.n_units).toBe(11);
    expect(r.n_pairable_values).toBe(40);
  });

  describe.each(vectors.fleiss_kappa.map((ex) => [ex.id, ex] as const))("Fleiss' kappa: %s", (_id, ex) => {
    it("reproduces P̄, P̄_e and κ", () => {
      const r = fleissKappa(ex.counts);
      const actual: Record<string, number | null> = { P_bar: r.p_bar, P_e_bar: r.p_e_bar, kappa: r.kappa };
      for (const [key, value] of Object.entries(ex.expected)) {
        if (key === "kappa_full_precision") expect(r.kappa).toBeCloseTo(value, 12);
        else {
          expect(key in actual, `unknown expected key ${key}`).toBe(true);
          expectToPrintedPrecision(actual[key]!, value, `${ex.id} ${key}`);
        }
      }
    });
  });

  describe.each(vectors.cohen_kappa.map((ex) => [ex.id, ex] as const))("Cohen's kappa: %s", (_id, ex) => {
    it("reproduces p_o, p_e and κ", () => {
      const r = cohenKappaFromTable(ex.table);
      const actual: Record<string, number | null> = { p_o: r.p_o, p_e: r.p_e, kappa: r.kappa };
      for (const [key, value] of Object.entries(ex.expected)) {
        expect(key in actual, `unknown expected key ${key}`).toBe(true);
        expectToPrintedPrecision(actual[key]!, value, `${ex.id} ${key}`);
      }
    });
  });
});
