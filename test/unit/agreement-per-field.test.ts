/**
 * Agreement per annotation field: the Krippendorff 2011 matrix recast as
 * items × answers with a categorical and a rating field, missing values in
 * every form, the optional bootstrap CI, and hostile field names and values.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bootstrapAlpha } from "../../src/domain/agreement/bootstrap.js";
import type { AnswerRecord } from "../../src/domain/agreement/per-field.js";
import { agreementPerField } from "../../src/domain/agreement/per-field.js";
import type { MeasurementLevel, ReliabilityCell } from "../../src/domain/agreement/reliability.js";
import { isSealroomError } from "../../src/domain/errors.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/agreement-examples.json", import.meta.url), "utf8")) as {
  krippendorff_alpha: Array<{ id: string; reliability_data: ReliabilityCell[][]; computed_here: Record<string, number> }>;
};
const ex = vectors.krippendorff_alpha.find((e) => e.id === "krippendorff-2011-C")!;
const VERDICTS = ["", "SUPPORTED", "REFUTED", "NOT_ENOUGH_EVIDENCE", "CONFLICTING_EVIDENCE", "CHERRY_PICKING"];

/** Item u gets one answer per coder; a missing value becomes, in turn, an absent field, null, undefined or a null answer. */
const items: Array<Array<AnswerRecord | null>> = ex.reliability_data[0]!.map((_, u) =>
  ex.reliability_data.map((row, coder) => {
    const v = row[u];
    if (v === null || v === undefined) return [{ note: "skipped" }, { verdict: null, confidence: null }, { verdict: undefined }, null][(u + coder) % 4]!;
    return { verdict: VERDICTS[v as number]!, confidence: v, note: "free text is ignored" };
  }),
);

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

describe("agreement per field", () => {
  it("reproduces the 2011 example per field: nominal on verdict labels, ordinal and interval on the rating", () => {
    const fields: Array<{ field: string; level: MeasurementLevel }> = [
      { field: "verdict", level: "nominal" },
      { field: "confidence", level: "ordinal" },
      { field: "confidence", level: "interval" },
      { field: "confidence", level: "ratio" },
    ];
    const out = agreementPerField(items, fields);
    expect(out.map((r) => r.field)).toEqual(["verdict", "confidence", "confidence", "confidence"]);
    for (const r of out) {
      expect(r.alpha).toBeCloseTo(ex.computed_here[r.level]!, 12);
      expect(r).toMatchObject({ n_units: 11, n_pairable_values: 40 });
      expect("ci95" in r).toBe(false);
    }
  });

  it("adds ci95 on request, equal to the bootstrap of the same matrix", () => {
    const [verdict] = agreementPerField(items, [{ field: "verdict", level: "nominal" }], { bootstrap: { seed: 9 } });
    expect(verdict!.ci95).toEqual(bootstrapAlpha(ex.reliability_data, "nominal", { seed: 9 }));
    const [withDefaults] = agreementPerField(items, [{ field: "confidence", level: "ordinal" }], { bootstrap: true });
    expect(withDefaults!.ci95).toEqual(bootstrapAlpha(ex.reliability_data, "ordinal"));
    expect(withDefaults!.ci95!.lower).toBeLessThan(withDefaults!.alpha!);
  });

  it("allows items with different numbers of answers and reports an unknown field as all missing", () => {
    const ragged = [[{ v: "a" }, { v: "a" }, { v: "a" }], [{ v: "b" }, { v: "b" }], [{ v: "c" }]];
    expect(agreementPerField(ragged, [{ field: "v", level: "nominal" }])[0]).toEqual({ field: "v", level: "nominal", alpha: 1, n_units: 2, n_pairable_values: 5 });
    expect(agreementPerField(ragged, [{ field: "w", level: "nominal" }])[0]).toMatchObject({ alpha: null, n_units: 0, n_pairable_values: 0 });
    expect(agreementPerField([], [{ field: "v", level: "nominal" }])[0]).toMatchObject({ alpha: null, n_units: 0 });
  });

  it("reads own properties only, so inherited names are missing values", () => {
    const plain = [[{ v: 1 }, { v: 2 }], [{ v: 1 }, { v: 1 }]];
    for (const field of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(agreementPerField(plain, [{ field, level: "nominal" }])[0]).toMatchObject({ alpha: null, n_pairable_values: 0 });
    }
    const own = JSON.parse('[[{"__proto__": "x"}, {"__proto__": "y"}], [{"__proto__": "x"}, {"__proto__": "x"}]]') as AnswerRecord[][];
    expect(agreementPerField(own, [{ field: "__proto__", level: "nominal" }])[0]!.n_pairable_values).toBe(4);
  });

  it("rejects values of the wrong type with the answer's path", () => {
    expectBadRequest(() => agreementPerField([[{ v: "a" }, { v: true }]], [{ field: "v", level: "nominal" }]), "items[0][1].v");
    expectBadRequest(() => agreementPerField([[{ v: 1 }], [{ v: 2 }, { v: "3" }]], [{ field: "v", level: "ordinal" }]), "items[1][1].v");
    expectBadRequest(() => agreementPerField([[{ v: 1 }, { v: { n: 1 } }]], [{ field: "v", level: "nominal" }]), "items[0][1].v");
    expectBadRequest(() => agreementPerField([[{ v: 1 }, 7 as unknown as AnswerRecord]], [{ field: "v", level: "nominal" }]), "items[0][1]");
    expectBadRequest(() => agreementPerField([[{ v: 1 }, [1] as unknown as AnswerRecord]], [{ field: "v", level: "nominal" }]), "items[0][1]");
  });

  it("rejects malformed items and field specs", () => {
    expectBadRequest(() => agreementPerField("x" as unknown as AnswerRecord[][], [{ field: "v", level: "nominal" }]), "items");
    expectBadRequest(() => agreementPerField([{ v: 1 }] as unknown as AnswerRecord[][], [{ field: "v", level: "nominal" }]), "items[0]");
    expectBadRequest(() => agreementPerField([], [{ field: "v", level: "rank" as MeasurementLevel }]), "level");
    expectBadRequest(() => agreementPerField([], [{ field: 3 as unknown as string, level: "nominal" }]), "fields[0].field");
    expectBadRequest(() => agreementPerField([], null as unknown as []), "fields");
    expectBadRequest(() => agreementPerField(items, [{ field: "verdict", level: "nominal" }], { bootstrap: { resamples: 0 } }), "resamples");
  });
});
