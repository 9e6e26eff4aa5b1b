/**
 * `sealroom audit verify-inclusion` / `verify-consistency` driven in-process
 * through runCli: every RFC 6962 vector accepted, tampered variants exit 1,
 * malformed arguments exit 2 naming the flag.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";

interface Vectors {
  leaves: string[];
  roots: Array<{ tree_size: number; root: string }>;
  inclusion_proofs: Array<{ leaf_index: number; tree_size: number; proof: string[] }>;
  consistency_proofs: Array<{ size1: number; size2: number; proof: string[] }>;
}

const vectors = JSON.parse(readFileSync(new URL("../vectors/rfc6962-vectors.json", import.meta.url), "utf8")) as Vectors;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const leafHashHex = (index: number): string =>
  createHash("sha256")
    .update(Buffer.from([0]))
    .update(Buffer.from(vectors.leaves[index] ?? "", "hex"))
    .digest("hex");
const rootHex = (size: number): string => {
  const r = vectors.roots.find((x) => x.tree_size === size);
  if (!r) throw new Error(`no vector root for size ${size}`);
  return r.root;
};
/** Flips the lowest bit of byte `at` of a hex hash. */
const flipHex = (h: string, at = 0): string => {
  const b = Buffer.from(h, "hex");
  b[at] = (b[at] ?? 0) ^ 0x01;
  return b.toString("hex");
};
const SOME = "abacaba000000000000000000000000000000000000000000060061e00123456";

interface InclusionArgs {
  leaf: string;
  index: number;
  size: number;
  root: string;
  proof: string[];
}
const inclusion = (a: InclusionArgs): Promise<{ code: number; out: string; err: string }> =>
  run("audit", "verify-inclusion", "--leaf-hash", a.leaf, "--index", String(a.index), "--size", String(a.size), "--root", a.root, "--proof", a.proof.join(","));

interface ConsistencyArgs {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
}
const consistency = (a: ConsistencyArgs): Promise<{ code: number; out: string; err: string }> =>
  run("audit", "verify-consistency", "--size1", String(a.size1), "--size2", String(a.size2), "--root1", a.root1, "--root2", a.root2, "--proof", a.proof.join(","));

const proofTampers = (proof: string[]): Array<[string, string[]]> => [
  ...proof.map((_, i): [string, string[]] => [`flipped proof[${i}]`, proof.map((p, j) => (j === i ? flipHex(p, i) : p))]),
  ["extra hash at the end", [...proof, SOME]],
  ["extra hash at the front", [SOME, ...proof]],
  ...(proof.length > 0 ? [["missing last hash", proof.slice(0, -1)] as [string, string[]]] : []),
  ...(proof.length > 0 ? [["missing first hash", proof.slice(1)] as [string, string[]]] : []),
];

describe("audit verify-inclusion", () => {
  const cases = vectors.inclusion_proofs.map((v) => ({
    leaf: leafHashHex(v.leaf_index),
    index: v.leaf_index,
    size: v.tree_size,
    root: rootHex(v.tree_size),
    proof: v.proof,
  }));

  it.each(cases)("accepts the vector for leaf $index of $size", async (c) => {
    expect(await inclusion(c)).toEqual({ code: 0, out: "ok\n", err: "" });
  });

  it.each(cases)("rejects tampered variants of leaf $index of $size with exit 1", async (c) => {
    const variants: Array<[string, InclusionArgs]> = [
      ["flipped root", { ...c, root: flipHex(c.root) }],
      ["flipped leaf hash", { ...c, leaf: flipHex(c.leaf, 31) }],
      ["size * 2", { ...c, size: c.size * 2 }],
      ...proofTampers(c.proof).map(([d, proof]): [string, InclusionArgs] => [d, { ...c, proof }]),
    ];
    for (const index of [c.index - 1, c.index + 1, c.index ^ 2]) {
      if (index >= 0 && index < c.size) variants.push([`index ${index}`, { ...c, index }]);
    }
    if (c.index < Math.floor(c.size / 2)) variants.push(["size / 2", { ...c, size: Math.floor(c.size / 2) }]);
    for (const [desc, args] of variants) {
      const result = await inclusion(args);
      expect(result.code, desc).toBe(1);
      expect(result.out, desc).toBe("");
      expect(result.err, desc).toMatch(/^sealroom audit verify-inclusion: proof rejected: .+\n$/);
    }
  });

  it("accepts the empty proof for a one-leaf tree, written as '' or left out", async () => {
    const leaf = leafHashHex(0);
    expect((await run("audit", "verify-inclusion", "--leaf-hash", leaf, "--index", "0", "--size", "1", "--root", leaf, "--proof", "")).code).toBe(0);
    expect((await run("audit", "verify-inclusion", "--leaf-hash", leaf, "--index", "0", "--size", "1", "--root", leaf)).out).toBe("ok\n");
    expect((await run("audit", "verify-inclusion", "--leaf-hash", leaf, "--index", "0", "--size", "1", "--root", flipHex(leaf))).code).toBe(1);
  });

  it("explains why a proof fails", async () => {
    const c = cases[1] as InclusionArgs;
    expect((await inclusion({ ...c, proof: c.proof.slice(1) })).err).toContain("proof has 2 hashes, expected 3");
    expect((await inclusion({ ...c, root: SOME })).err).toContain("calculated root does not match");
  });

  it("accepts uppercase hex", async () => {
    const c = cases[2] as InclusionArgs;
    const upper = { ...c, leaf: c.leaf.toUpperCase(), root: c.root.toUpperCase(), proof: c.proof.map((p) => p.toUpperCase()) };
    expect((await inclusion(upper)).code).toBe(0);
  });
});

describe("audit verify-consistency", () => {
  const cases = vectors.consistency_proofs.map((v) => ({
    size1: v.size1,
    size2: v.size2,
    root1: rootHex(v.size1),
    root2: rootHex(v.size2),
    proof: v.proof,
  }));

  it.each(cases)("accepts the vector $size1 → $size2", async (c) => {
    expect(await consistency(c)).toEqual({ code: 0, out: "ok\n", err: "" });
  });

  it.each(cases.filter((c) => c.proof.length > 0))("rejects tampered variants of $size1 → $size2 with exit 1", async (c) => {
    const variants: Array<[string, ConsistencyArgs]> = [
      ["flipped root1", { ...c, root1: flipHex(c.root1) }],
      ["flipped root2", { ...c, root2: flipHex(c.root2, 31) }],
      ["swapped roots", { ...c, root1: c.root2, root2: c.root1 }],
      ["empty proof", { ...c, proof: [] }],
      ["size2 * 2", { ...c, size2: c.size2 * 2 }],
      ...proofTampers(c.proof).map(([d, proof]): [string, ConsistencyArgs] => [d, { ...c, proof }]),
    ];
    for (const size1 of [c.size1 - 1, c.size1 + 1, c.size1 ^ 2]) {
      if (size1 >= 0 && size1 <= c.size2) variants.push([`size1 ${size1}`, { ...c, size1 }]);
    }
    if (c.size1 <= Math.floor(c.size2 / 2)) variants.push(["size2 / 2", { ...c, size2: Math.floor(c.size2 / 2) }]);
    for (const [desc, args] of variants) {
      const result = await consistency(args);
      expect(result.code, desc).toBe(1);
      expect(result.out, desc).toBe("");
      expect(result.err, desc).toMatch(/^sealroom audit verify-consistency: proof rejected: .+\n$/);
    }
  });

  it("accepts equal sizes with equal roots and an empty proof, written as '' or left out", async () => {
    const root = rootHex(5);
    const base = ["audit", "verify-consistency", "--size1", "5", "--size2", "5", "--root1", root, "--root2", root];
    expect(await run(...base, "--proof", "")).toEqual({ code: 0, out: "ok\n", err: "" });
    expect(await run(...base)).toEqual({ code: 0, out: "ok\n", err: "" });
    expect((await run(...base, "--proof", root)).code).toBe(1);
    const differing = ["audit", "verify-consistency", "--size1", "5", "--size2", "5", "--root1", root, "--root2", rootHex(6)];
    expect((await run(...differing)).code).toBe(1);
  });
});

describe("help", () => {
  it.each(["verify-inclusion", "verify-consistency"])("%s --help prints usage and a working example", async (name) => {
    const help = await run("audit", name, "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain(`Usage: sealroom audit ${name}`);
    const example = help.out.slice(help.out.indexOf("Example")).split("\n").slice(1).join(" ").replaceAll("\\", " ");
    const words = example.split(/\s+/).filter((w) => w.length > 0);
    expect(words.slice(0, 3)).toEqual(["sealroom", "audit", name]);
    expect(await run(...words.slice(1))).toEqual({ code: 0, out: "ok\n", err: "" });
  });

  it("lists both commands under `sealroom audit`", async () => {
    const { out } = await run("--help");
    expect(out).toContain("audit verify-inclusion");
    expect(out).toContain("audit verify-consistency");
  });
});

describe("malformed arguments exit 2 naming the flag", () => {
  const v = vectors.inclusion_proofs[3];
  if (!v) throw new Error("vector missing");
  const good: Record<string, string> = {
    "--leaf-hash": leafHashHex(v.leaf_index),
    "--index": String(v.leaf_index),
    "--size": String(v.tree_size),
    "--root": rootHex(v.tree_size),
    "--proof": v.proof.join(","),
  };
  const argvWith = (overrides: Record<string, string | null>): string[] => {
    const merged = { ...good, ...overrides };
    return Object.entries(merged).flatMap(([flag, value]) => (value === null ? [] : [`${flag}=${value}`]));
  };

  it("the unmodified arguments pass (so the cases below fail for their one change)", async () => {
    expect((await run("audit", "verify-inclusion", ...argvWith({}))).code).toBe(0);
  });

  it.each([
    ["--leaf-hash", null, "is required"],
    ["--root", null, "is required"],
    ["--index", null, "is required"],
    ["--size", null, "is required"],
    ["--leaf-hash", "abc", "64 hex"],
    ["--leaf-hash", `${good["--root"]}00`, "64 hex"],
    ["--root", "zz".repeat(32), "64 hex"],
    ["--root", "", "64 hex"],
    ["--index", "-1", "non-negative integer"],
    ["--index", "1.5", "non-negative integer"],
    ["--index", "1e3", "non-negative integer"],
    ["--index", "0x1", "non-negative integer"],
    ["--index", " 1", "non-negative integer"],
    ["--index", "3", "not below --size 3"],
    ["--index", "99999999999999999", "at most 9007199254740991"],
    ["--size", "9007199254740993", "at most"],
    ["--proof", "abc", "hash 1"],
    ["--proof", `${good["--root"]},`, "hash 2"],
    ["--proof", `,${good["--root"]}`, "hash 1"],
    ["--proof", Array.from({ length: 129 }, () => good["--root"]).join(","), "at most 128"],
  ] as Array<[string, string | null, string]>)("%s=%s", async (flag, value, message) => {
    const result = await run("audit", "verify-inclusion", ...argvWith({ [flag]: value }));
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toContain(`sealroom audit verify-inclusion: ${flag}: `);
    expect(result.err).toContain(message);
  });

  it("unknown flags, missing values and positional arguments", async () => {
    const unknown = await run("audit", "verify-inclusion", ...argvWith({}), "--leaf", "x");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("--leaf");
    const missing = await run("audit", "verify-inclusion", ...argvWith({ "--proof": null }), "--proof");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--proof");
    const positional = await run("audit", "verify-inclusion", ...argvWith({}), "extra");
    expect(positional).toMatchObject({ code: 2, out: "" });
    expect(positional.err).toContain("positional arguments");
  });

  it("consistency: size1 > size2, bad sizes and hashes", async () => {
    const r = rootHex(3);
    const base = { size1: "3", size2: "3", root1: r, root2: r };
    const argv = (o: Partial<typeof base>): string[] =>
      Object.entries({ ...base, ...o }).flatMap(([k, val]) => [`--${k}`, val]);
    for (const [o, flag] of [
      [{ size1: "4" }, "--size1"],
      [{ size2: "x" }, "--size2"],
      [{ size1: "-3" }, "--size1"],
      [{ root1: r.slice(2) }, "--root1"],
      [{ root2: "g".repeat(64) }, "--root2"],
    ] as Array<[Partial<typeof base>, string]>) {
      const result = await run("audit", "verify-consistency", ...argv(o));
      expect(result.code, flag).toBe(2);
      expect(result.err, flag).toContain(flag);
    }
    const badProof = await run("audit", "verify-consistency", ...argv({}), "--proof", "nothex");
    expect(badProof).toMatchObject({ code: 2, out: "" });
    expect(badProof.err).toContain("--proof: hash 1 must be exactly 64 hex characters");
  });
});
