/**
 * Fleiss' and Cohen's kappa beyond the published vectors: edge cases, input
 * validation, weighted Cohen on a hand-checked table, and two identities that
 * tie the implementations together — Fleiss' κ with complete data relates to
 * nominal alpha by α = 1 − (1 − κ)(n·· − 1)/n·· (both have D_o = 1 − P̄), and
 * with two categories linear and quadratic weights equal plain κ.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { krippendorffAlphaByUnit } from "../../src/domain/agreement/alpha.js";
import { cohenKappa, cohenKappaFromTable } from "../../src/domain/agreement/cohen.js";
import { fleissKappa } from "../../src/domain/agreement/fleiss.js";
import { isSealroomError } from "../../src/domain/errors.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/agreement-examples.json", import.meta.url), "utf8")) as {
  fleiss_kappa: Array<{ counts: number[][] }>;
  cohen_kappa: Array<{ id: string; table: number[][] }>;
};
const FLEISS = vectors.fleiss_kappa[0]!.counts;
const GRANT = vectors.cohen_kappa.find((e) => e.id === "wikipedia-cohen-grant-proposals")!.table;

function expectBadRequest(f: () => unknown): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(isSealroomError(thrown, "bad_request"), String(thrown)).toBe(true);
}

describe("Fleiss' kappa", () => {
  it("computes P̄_e from the category shares exactly (Wikipedia example)", () => {
    const r = fleissKappa(FLEISS);
    const shares = [20, 28, 39, 21, 32].map((t) => t / 140);
    expect(r.category_proportions).toEqual(shares);
    expect(r.p_e_bar).toBeCloseTo(shares.reduce((s, p) => s + p * p, 0), 15);
    expect(r.p_bar).toBeCloseTo(0.378021978021978, 12);
    expect(r).toMatchObject({ n_subjects: 10, n_raters: 14 });
  });

  it("relates to nominal alpha on the same ratings: α = 1 − (1 − κ)(n − 1)/n", () => {
    const units = FLEISS.map((row) => row.flatMap((count, category) => new Array<number>(count).fill(category)));
    const alpha = krippendorffAlphaByUnit(units, "nominal").alpha!;
    const kappa = fleissKappa(FLEISS).kappa!;
    expect(alpha).toBeCloseTo(1 - ((1 - kappa) * 139) / 140, 12);
  });

  it("is 1 under perfect agreement and null when every rating is one category", () => {
    expect(fleissKappa([[3, 0], [0, 3], [3, 0]]).kappa).toBe(1);
    expect(fleissKappa([[0, 4, 0], [0, 4, 0]]).kappa).toBeNull();
  });

  it("rejects unequal raters per subject, ragged rows, bad counts and empty input", () => {
    expectBadRequest(() => fleissKappa([[1, 2], [2, 2]]));
    expectBadRequest(() => fleissKappa([[1, 2], [1, 1, 1]]));
    expectBadRequest(() => fleissKappa([[1, -1, 3], [1, 1, 1]]));
    expectBadRequest(() => fleissKappa([[1.5, 1.5], [1, 2]]));
    expectBadRequest(() => fleissKappa([[1, 0], [0, 1]])); // one rater per subject
    expectBadRequest(() => fleissKappa([]));
    expectBadRequest(() => fleissKappa([[]]));
    expectBadRequest(() => fleissKappa([[1, Number.NaN]]));
  });
});

describe("Cohen's kappa", () => {
  it("gives κ = 0.4 exactly (to 1e-12) for the grant-proposal table, from the table and from labels", () => {
    expect(cohenKappaFromTable(GRANT)).toMatchObject({ n: 50, weights: "none" });
    expect(cohenKappaFromTable(GRANT).kappa).toBeCloseTo(0.4, 12);
    // Expand the table into 50 paired labels: 20 Yes/Yes, 5 Yes/No, 10 No/Yes, 15 No/No.
    const pairs = [...Array(20).fill(["Y", "Y"]), ...Array(5).fill(["Y", "N"]), ...Array(10).fill(["N", "Y"]), ...Array(15).fill(["N", "N"])] as Array<[string, string]>;
    const r = cohenKappa(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
    expect(r.kappa).toBeCloseTo(0.4, 12);
    expect(r.p_o).toBeCloseTo(0.7, 12);
    expect(r.p_e).toBeCloseTo(0.5, 12);
    expect(r.categories).toEqual(["N", "Y"]);
  });

  it("computes weighted kappa (Cohen 1968) on a hand-checked 3 × 3 table", () => {
    // Disagreement form 1 − Σ w·o / Σ w·e with w = |i−j| or (i−j)², computed separately in Python.
    const table = [[10, 5, 1], [2, 8, 3], [0, 1, 11]];
    expect(cohenKappaFromTable(table).kappa).toBeCloseTo(0.5634427684117126, 12);
    expect(cohenKappaFromTable(table, "linear").kappa).toBeCloseTo(0.6472534745201852, 12);
    expect(cohenKappaFromTable(table, "quadratic").kappa).toBeCloseTo(0.7301448003510311, 12);
  });

  it("weights make no difference with two categories", () => {
    const plain = cohenKappaFromTable(GRANT).kappa!;
    expect(cohenKappaFromTable(GRANT, "linear").kappa).toBeCloseTo(plain, 12);
    expect(cohenKappaFromTable(GRANT, "quadratic").kappa).toBeCloseTo(plain, 12);
  });

  it("orders numeric labels for weights, and takes an explicit order for strings", () => {
    const a = [1, 2, 3, 3, 2, 1, 1];
    const b = [1, 3, 3, 2, 2, 1, 2];
    const byLabels = cohenKappa(a, b, { weights: "quadratic" });
    expect(byLabels.categories).toEqual([1, 2, 3]);
    const table = [[2, 1, 0], [0, 1, 1], [0, 1, 1]];
    expect(byLabels.kappa).toBeCloseTo(cohenKappaFromTable(table, "quadratic").kappa!, 12);
    const words = cohenKappa(a.map(String), b.map(String), { weights: "quadratic", categories: ["1", "2", "3"] });
    expect(words.kappa).toBeCloseTo(byLabels.kappa!, 12);
    expectBadRequest(() => cohenKappa(a.map(String), b.map(String), { weights: "linear" }));
  });

  it("drops pairs with a missing label", () => {
    const r = cohenKappa(["a", "b", null, "a"], ["a", "b", "b", null]);
    expect(r.n).toBe(2);
    expect(r.kappa).toBe(1);
  });

  it("is null when chance agreement is total, and null throughout with no pairs", () => {
    expect(cohenKappa(["x", "x", "x"], ["x", "x", "x"]).kappa).toBeNull();
    expect(cohenKappaFromTable([[5, 0], [0, 0]]).kappa).toBeNull();
    expect(cohenKappa([null, "a"], ["b", null])).toMatchObject({ kappa: null, p_o: null, p_e: null, n: 0 });
    expect(cohenKappa([], [])).toMatchObject({ kappa: null, n: 0 });
    expect(cohenKappaFromTable([[0, 0], [0, 0]])).toMatchObject({ kappa: null, p_o: null, p_e: null, n: 0 });
  });

  it("rejects mismatched lengths and malformed input", () => {
    expectBadRequest(() => cohenKappa(["a", "b"], ["a"]));
    expectBadRequest(() => cohenKappa(["a", undefined as unknown as string], ["a", "b"]));
    expectBadRequest(() => cohenKappa(["a", true as unknown as string], ["a", "b"]));
    expectBadRequest(() => cohenKappa(["a", "c"], ["a", "b"], { categories: ["a", "b"] }));
    expectBadRequest(() => cohenKappa(["a"], ["a"], { categories: ["a", "a"] }));
    expectBadRequest(() => cohenKappaFromTable([[1, 2], [3]]));
    expectBadRequest(() => cohenKappaFromTable([[1, 2, 3], [3, 4, 5]]));
    expectBadRequest(() => cohenKappaFromTable([[1, -2], [3, 4]]));
    expectBadRequest(() => cohenKappaFromTable([]));
    expectBadRequest(() => cohenKappaFromTable(GRANT, "cubic" as "linear"));
  });
});
