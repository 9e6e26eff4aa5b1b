/** Canonical JSON (RFC 8785): known answers from the RFC, then every refusal. */
import { describe, expect, it } from "vitest";
import { MAX_CANONICAL_JSON_DEPTH, canonicalJson } from "../../src/audit/canonical-json.js";
import { isSealroomError } from "../../src/domain/errors.js";

function refusal(value: unknown): { code: string; path: string | undefined } {
  try {
    canonicalJson(value);
  } catch (e) {
    if (!isSealroomError(e)) throw e;
    return { code: e.code, path: e.details.issues?.[0]?.path };
  }
  throw new Error("canonicalJson accepted the value");
}

describe("canonicalJson: RFC 8785 known answers", () => {
  it("§3.2.2 example: whitespace, literals, numbers and string escaping", () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalJson(JSON.parse(input))).toBe(expected);
  });

  it("§3.2.3 example: members sorted by UTF-16 code units, not code points", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalJson(input)).toBe(expected);
  });

  it("sorts nested objects, keeps array order, and ignores insertion order", () => {
    const a = { b: [3, { z: 1, a: [true, null] }], a: { y: "x", x: "y" }, "": 0 };
    const b = { "": 0, a: { x: "y", y: "x" }, b: [3, { a: [true, null], z: 1 }] };
    const expected = '{"":0,"a":{"x":"y","y":"x"},"b":[3,{"a":[true,null],"z":1}]}';
    expect(canonicalJson(a)).toBe(expected);
    expect(canonicalJson(b)).toBe(expected);
    expect(JSON.parse(expected)).toEqual(a);
  });

  it.each([
    [null, "null"],
    [true, "true"],
    [false, "false"],
    [0, "0"],
    [-0, "0"],
    [1e21, "1e+21"],
    [-1.5e-7, "-1.5e-7"],
    [Number.MAX_SAFE_INTEGER, "9007199254740991"],
    ["", '""'],
    ['quote " backslash \\ tab \t nul \u0000 del \u007f', '"quote \\" backslash \\\\ tab \\t nul \\u0000 del \u007f"'],
    ["lone \ud800 surrogate", '"lone \\ud800 surrogate"'],
    ["e\u0301 vs \u00e9 are not normalized", '"e\u0301 vs \u00e9 are not normalized"'],
    [[], "[]"],
    [{}, "{}"],
    [[[[]]], "[[[]]]"],
  ])("%j serializes as %s", (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it("accepts null-prototype objects and a __proto__ member from JSON.parse", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":0}'))).toBe('{"__proto__":{"x":1},"a":0}');
  });

  it(`accepts nesting up to ${MAX_CANONICAL_JSON_DEPTH} containers`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_CANONICAL_JSON_DEPTH; i += 1) deep = [deep];
    expect(canonicalJson(deep)).toBe(`${"[".repeat(MAX_CANONICAL_JSON_DEPTH)}1${"]".repeat(MAX_CANONICAL_JSON_DEPTH)}`);
  });
});

describe("canonicalJson: refusals are bad_request with the path", () => {
  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const holey = [1, , 3];
  let tooDeep: unknown = 1;
  for (let i = 0; i <= MAX_CANONICAL_JSON_DEPTH; i += 1) tooDeep = [tooDeep];

  it.each([
    ["undefined", undefined, "$"],
    ["undefined member", { a: { b: undefined } }, "$.a.b"],
    ["undefined element", [1, undefined], "$[1]"],
    ["array hole", holey, "$[1]"],
    ["function", { f: () => 1 }, "$.f"],
    ["toJSON is not honoured", { toJSON: () => "x" }, "$.toJSON"],
    ["symbol", [Symbol("s")], "$[0]"],
    ["symbol key", { [Symbol("k")]: 1 }, "$"],
    ["NaN", { "a b": NaN }, '$["a b"]'],
    ["Infinity", Infinity, "$"],
    ["-Infinity", [-Infinity], "$[0]"],
    ["bigint", { n: 10n }, "$.n"],
    ["Date", { when: new Date(0) }, "$.when"],
    ["Map", new Map(), "$"],
    ["Set", new Set([1]), "$"],
    ["class instance", new Point(), "$"],
    ["Buffer", Buffer.from("x"), "$"],
    ["Uint8Array", new Uint8Array(2), "$"],
    ["boxed string", Object("s"), "$"],
    ["RegExp", /x/, "$"],
    ["cycle", cyclic, "$.self"],
    ["too deep", tooDeep, `$${"[0]".repeat(MAX_CANONICAL_JSON_DEPTH)}`],
  ])("%s", (_, value, path) => {
    expect(refusal(value)).toEqual({ code: "bad_request", path });
  });

  it("allows the same object twice when it is not a cycle", () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"k":1},"b":[{"k":1}]}');
  });
});
