/**
 * Known-answer tests for the RFC 6962 / RFC 9162 Merkle tree: the reference
 * vectors (transparency-dev/merkle), tampered variants of each, and
 * exhaustive comparison with a naive recursive implementation of the RFC's
 * definitions written here, independently of src/audit/merkle.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import type { NodeSource } from "../../src/audit/merkle.js";
import {
  CompactRange,
  EMPTY_ROOT,
  MemoryNodeSource,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOfLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from "../../src/audit/merkle.js";

interface Vectors {
  hasher_vectors: Array<{ kind: string; input_hex?: string; left_hex?: string; right_hex?: string; expected: string }>;
  leaves: string[];
  roots: Array<{ tree_size: number; root: string }>;
  inclusion_proofs: Array<{ leaf_index: number; tree_size: number; proof: string[] }>;
  consistency_proofs: Array<{ size1: number; size2: number; proof: string[] }>;
}

const vectors = JSON.parse(readFileSync(new URL("../vectors/rfc6962-vectors.json", import.meta.url), "utf8")) as Vectors;
const hex = (h: string): Buffer => Buffer.from(h, "hex");
const toHex = (bs: readonly Buffer[]): string[] => bs.map((b) => b.toString("hex"));

// ---- Naive RFC 6962 §2.1 definitions, hashed here without the module under test.
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
const naiveLeaf = (entry: Uint8Array): Buffer => sha256(Buffer.from([0]), entry);
const naiveNode = (l: Buffer, r: Buffer): Buffer => sha256(Buffer.from([1]), l, r);
const split = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function mth(d: readonly Buffer[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return d[0] as Buffer;
  const k = split(d.length);
  return naiveNode(mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: readonly Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: readonly Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = split(d.length);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}
const naiveConsistency = (m: number, d: readonly Buffer[]): Buffer[] => (m === 0 ? [] : subproof(m, d, true));

const vectorLeafHashes = vectors.leaves.map((l) => naiveLeaf(hex(l)));
const rootOf = (size: number): Buffer => {
  const r = vectors.roots.find((x) => x.tree_size === size);
  if (!r) throw new Error(`no vector root for size ${size}`);
  return hex(r.root);
};
const generatedLeaves = Array.from({ length: 300 }, (_, i) => naiveLeaf(Buffer.from(`audit entry ${i}`)));

const flip = (b: Buffer, at = 0): Buffer => {
  const c = Buffer.from(b);
  c[at] = (c[at] ?? 0) ^ 0x01;
  return c;
};
const SOME_HASH = hex("abacaba000000000000000000000000000000000000000000060061e00123456");

/** transparency-dev's corruptInclusionProof probes plus the list. */
function inclusionTampers(index: number, size: number, proof: Buffer[], root: Buffer, leaf: Buffer) {
  const probes: Array<{ desc: string; index: number; size: number; proof: Buffer[]; root: Buffer; leaf: Buffer }> = [
    { desc: "index - 1", index: index - 1, size, proof, root, leaf },
    { desc: "index + 1", index: index + 1, size, proof, root, leaf },
    { desc: "index ^ 2", index: index ^ 2, size, proof, root, leaf },
    { desc: "size * 2", index, size: size * 2, proof, root, leaf },
    { desc: "size / 2", index, size: Math.floor(size / 2), proof, root, leaf },
    { desc: "flipped root", index, size, proof, root: flip(root), leaf },
    { desc: "flipped last root byte", index, size, proof, root: flip(root, 31), leaf },
    { desc: "flipped leaf", index, size, proof, root, leaf: flip(leaf) },
    { desc: "empty root", index, size, proof, root: Buffer.from(EMPTY_ROOT), leaf },
    { desc: "random root", index, size, proof, root: SOME_HASH, leaf },
    { desc: "extra hash at the end", index, size, proof: [...proof, root], root, leaf },
    { desc: "extra hash at the front", index, size, proof: [root, ...proof], root, leaf },
  ];
  proof.forEach((_, i) => {
    const wrong = proof.map((p, j) => (j === i ? flip(p, i % 32) : p));
    probes.push({ desc: `flipped proof[${i}]`, index, size, proof: wrong, root, leaf });
  });
  if (proof.length > 0) probes.push({ desc: "missing last hash", index, size, proof: proof.slice(0, -1), root, leaf });
  if (proof.length > 0) probes.push({ desc: "missing first hash", index, size, proof: proof.slice(1), root, leaf });
  if (proof.length > 1) {
    probes.push({ desc: "inserted hash", index, size, proof: [proof[0] as Buffer, SOME_HASH, ...proof.slice(1)], root, leaf });
  }
  return probes;
}

/** transparency-dev's corruptConsistencyProof probes plus the list. */
function consistencyTampers(size1: number, size2: number, proof: Buffer[], root1: Buffer, root2: Buffer) {
  const probes: Array<{ desc: string; size1: number; size2: number; proof: Buffer[]; root1: Buffer; root2: Buffer }> = [
    { desc: "size1 - 1", size1: size1 - 1, size2, proof, root1, root2 },
    { desc: "size1 + 1", size1: size1 + 1, size2, proof, root1, root2 },
    { desc: "size1 ^ 2", size1: size1 ^ 2, size2, proof, root1, root2 },
    { desc: "size2 * 2", size1, size2: size2 * 2, proof, root1, root2 },
    { desc: "size2 / 2", size1, size2: Math.floor(size2 / 2), proof, root1, root2 },
    { desc: "flipped root1", size1, size2, proof, root1: flip(root1), root2 },
    { desc: "flipped root2", size1, size2, proof, root1, root2: flip(root2, 31) },
    { desc: "swapped roots", size1, size2, proof, root1: root2, root2: root1 },
    { desc: "empty proof", size1, size2, proof: [], root1, root2 },
    { desc: "trailing root1", size1, size2, proof: [...proof, root1], root1, root2 },
    { desc: "trailing root2", size1, size2, proof: [...proof, root2], root1, root2 },
    { desc: "preceding root1", size1, size2, proof: [root1, ...proof], root1, root2 },
    { desc: "preceding root2", size1, size2, proof: [root2, ...proof], root1, root2 },
    { desc: "preceding proof[0]", size1, size2, proof: [proof[0] as Buffer, ...proof], root1, root2 },
    { desc: "missing last hash", size1, size2, proof: proof.slice(0, -1), root1, root2 },
  ];
  proof.forEach((_, i) => {
    const wrong = proof.map((p, j) => (j === i ? flip(p, i % 32) : p));
    probes.push({ desc: `flipped proof[${i}]`, size1, size2, proof: wrong, root1, root2 });
  });
  return probes;
}

describe("hashing (RFC 6962 §2.1 known answers)", () => {
  it.each(vectors.hasher_vectors)("$kind → $expected", (v) => {
    if (v.kind === "empty_root") expect(EMPTY_ROOT.toString("hex")).toBe(v.expected);
    else if (v.kind === "leaf") expect(leafHash(hex(v.input_hex ?? "")).toString("hex")).toBe(v.expected);
    else if (v.kind === "node") expect(nodeHash(hex(v.left_hex ?? ""), hex(v.right_hex ?? "")).toString("hex")).toBe(v.expected);
    else throw new Error(`unknown hasher vector kind ${v.kind}`);
  });

  it("separates leaves from nodes (second-preimage resistance)", () => {
    const [a, b] = [leafHash(Buffer.from("a")), leafHash(Buffer.from("b"))];
    expect(leafHash(Buffer.concat([a, b]))).not.toEqual(nodeHash(a, b));
  });
});

describe("roots", () => {
  it.each(vectors.roots)("size $tree_size has root $root", ({ tree_size, root }) => {
    const leaves = vectorLeafHashes.slice(0, tree_size);
    expect(rootOfLeafHashes(leaves).toString("hex")).toBe(root);
    const range = CompactRange.empty();
    for (const l of leaves) range.append(l);
    expect(range.root().toString("hex")).toBe(root);
  });

  it("the empty tree's root is SHA-256 of nothing", () => {
    expect(rootOfLeafHashes([])).toEqual(EMPTY_ROOT);
    expect(CompactRange.empty().root()).toEqual(EMPTY_ROOT);
  });

  it("CompactRange.root equals rootOfLeafHashes and the naive MTH for sizes 0..300", () => {
    const range = CompactRange.empty();
    for (let n = 0; n <= 300; n += 1) {
      const expected = rootOfLeafHashes(generatedLeaves.slice(0, n));
      expect(range.root().toString("hex"), `size ${n}`).toBe(expected.toString("hex"));
      if (n <= 64 || n % 37 === 0) expect(expected.toString("hex"), `naive size ${n}`).toBe(mth(generatedLeaves.slice(0, n)).toString("hex"));
      if (n < 300) range.append(generatedLeaves[n] as Buffer);
    }
    expect(range.size).toBe(300);
  });

  it("rootOfLeafHashes folds a million leaves without recursion", () => {
    const n = 1_000_003;
    const bytes = randomBytes(32 * n);
    const leaves = Array.from({ length: n }, (_, i) => bytes.subarray(32 * i, 32 * i + 32));
    // Independent bottom-up reduction: an odd last node is carried up unchanged,
    // which equals the RFC's split at the largest power of two below n.
    let level: Buffer[] = leaves;
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) {
        const right = level[i + 1];
        next.push(right === undefined ? (level[i] as Buffer) : naiveNode(level[i] as Buffer, right));
      }
      level = next;
    }
    expect(rootOfLeafHashes(leaves)).toEqual(level[0]);
  });
});

describe("CompactRange", () => {
  it("reports every complete node an append finishes, matching the stored tree", async () => {
    const range = CompactRange.empty();
    const source = new MemoryNodeSource(generatedLeaves.slice(0, 100));
    const seen = new Set<string>();
    for (let i = 0; i < 100; i += 1) {
      const { created } = range.append(generatedLeaves[i] as Buffer);
      expect(created[0]).toEqual({ level: 0, index: i, hash: generatedLeaves[i] });
      for (const node of created) {
        expect(node.hash).toEqual(await source.node(node.level, node.index));
        seen.add(`${node.level}:${node.index}`);
      }
    }
    // Every complete subtree of 100 leaves: sum over levels of floor(100 / 2^level).
    expect(seen.size).toBe(100 + 50 + 25 + 12 + 6 + 3 + 1);
  });

  it("append returns copies: mutating them leaves the frontier intact", () => {
    const range = CompactRange.empty();
    for (const l of generatedLeaves.slice(0, 3)) range.append(l);
    const { created } = range.append(generatedLeaves[3] as Buffer);
    for (const c of created) c.hash.fill(0);
    expect(range.root()).toEqual(mth(generatedLeaves.slice(0, 4)));
  });

  it("round-trips through JSON and keeps appending from there", () => {
    const range = CompactRange.empty();
    for (const l of generatedLeaves.slice(0, 13)) range.append(l);
    const json = JSON.parse(JSON.stringify(range.toJSON())) as unknown;
    expect(json).toEqual({ size: 13, hashes: expect.any(Array) });
    const restored = CompactRange.fromJSON(json);
    expect(restored.size).toBe(13);
    expect(restored.root()).toEqual(range.root());
    restored.append(generatedLeaves[13] as Buffer);
    expect(restored.root()).toEqual(mth(generatedLeaves.slice(0, 14)));
  });

  const h = "ab".repeat(32);
  it.each([
    ["null", null],
    ["an array", []],
    ["a negative size", { size: -1, hashes: [] }],
    ["a fractional size", { size: 1.5, hashes: [h] }],
    ["a string size", { size: "1", hashes: [h] }],
    ["too few hashes", { size: 3, hashes: [h] }],
    ["too many hashes", { size: 1, hashes: [h, h] }],
    ["uppercase hex", { size: 1, hashes: [h.toUpperCase()] }],
    ["short hex", { size: 1, hashes: ["ab"] }],
    ["a non-string hash", { size: 1, hashes: [42] }],
    ["hashes not an array", { size: 1, hashes: h }],
  ])("fromJSON rejects %s with bad_request", (_, json) => {
    expect(() => CompactRange.fromJSON(json)).toThrow(expect.objectContaining({ code: "bad_request" }));
  });

  it("append rejects a leaf hash that is not 32 bytes", () => {
    const range = CompactRange.empty();
    expect(() => range.append(Buffer.alloc(31))).toThrow(expect.objectContaining({ code: "bad_request" }));
    expect(range.size).toBe(0);
  });
});

describe("inclusion proofs (RFC 9162 §2.1.3)", () => {
  it.each(vectors.inclusion_proofs)("vector: leaf $leaf_index of $tree_size", async ({ leaf_index, tree_size, proof }) => {
    const leaf = vectorLeafHashes[leaf_index] as Buffer;
    const root = rootOf(tree_size);
    expect(verifyInclusion(leaf, leaf_index, tree_size, proof.map(hex), root)).toEqual({ ok: true });
    const generated = await inclusionProof(leaf_index, tree_size, new MemoryNodeSource(vectorLeafHashes.slice(0, tree_size)));
    expect(toHex(generated)).toEqual(proof);
  });

  it.each(vectors.inclusion_proofs)("vector tampered: leaf $leaf_index of $tree_size", ({ leaf_index, tree_size, proof }) => {
    const leaf = vectorLeafHashes[leaf_index] as Buffer;
    const probes = inclusionTampers(leaf_index, tree_size, proof.map(hex), rootOf(tree_size), leaf);
    const accepted = probes.filter((p) => verifyInclusion(p.leaf, p.index, p.size, p.proof, p.root).ok).map((p) => p.desc);
    expect(accepted).toEqual([]);
  });

  it("every (index, size) up to 40 matches PATH() and verifies; tampering is caught", async () => {
    for (let size = 1; size <= 40; size += 1) {
      const leaves = generatedLeaves.slice(0, size);
      const source = new MemoryNodeSource(leaves);
      const root = mth(leaves);
      for (let index = 0; index < size; index += 1) {
        const at = `index ${index}, size ${size}`;
        const proof = await inclusionProof(index, size, source);
        expect(toHex(proof), at).toEqual(toHex(path(index, leaves)));
        const leaf = leaves[index] as Buffer;
        expect(verifyInclusion(leaf, index, size, proof, root), at).toEqual({ ok: true });
        const accepted = inclusionTampers(index, size, proof, root, leaf)
          .filter((p) => verifyInclusion(p.leaf, p.index, p.size, p.proof, p.root).ok)
          .map((p) => p.desc);
        expect(accepted, at).toEqual([]);
      }
    }
  });

  it("reads O(log n) complete nodes only", async () => {
    const leaves = Array.from({ length: 1000 }, (_, i) => naiveLeaf(Buffer.from([i % 256, i >> 8])));
    for (const [index, size] of [[0, 1000], [999, 1000], [500, 1000], [998, 999], [767, 777]] as const) {
      const source = new MemoryNodeSource(leaves.slice(0, size));
      const proof = await inclusionProof(index, size, source);
      expect(source.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size)));
      expect(verifyInclusion(leaves[index] as Buffer, index, size, proof, mth(leaves.slice(0, size)))).toEqual({ ok: true });
    }
  });

  it("refuses to prove an index outside the tree", async () => {
    const source = new MemoryNodeSource(generatedLeaves.slice(0, 4));
    for (const [index, size] of [[4, 4], [0, 0], [-1, 4], [1.5, 4]] as const) {
      await expect(inclusionProof(index, size, source)).rejects.toMatchObject({ code: "bad_request" });
    }
  });
});

describe("consistency proofs (RFC 9162 §2.1.4)", () => {
  it.each(vectors.consistency_proofs)("vector: $size1 → $size2", async ({ size1, size2, proof }) => {
    expect(verifyConsistency(size1, size2, proof.map(hex), rootOf(size1), rootOf(size2))).toEqual({ ok: true });
    const generated = await consistencyProof(size1, size2, new MemoryNodeSource(vectorLeafHashes.slice(0, size2)));
    expect(toHex(generated)).toEqual(proof);
  });

  it.each(vectors.consistency_proofs.filter((v) => v.proof.length > 0))(
    "vector tampered: $size1 → $size2",
    ({ size1, size2, proof }) => {
      const probes = consistencyTampers(size1, size2, proof.map(hex), rootOf(size1), rootOf(size2));
      const accepted = probes.filter((p) => verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2).ok).map((p) => p.desc);
      expect(accepted).toEqual([]);
    },
  );

  it("every (size1, size2) up to 40 matches PROOF() and verifies; tampering is caught", async () => {
    for (let size2 = 0; size2 <= 40; size2 += 1) {
      const leaves = generatedLeaves.slice(0, size2);
      const source = new MemoryNodeSource(leaves);
      const root2 = mth(leaves);
      for (let size1 = 0; size1 <= size2; size1 += 1) {
        const at = `${size1} → ${size2}`;
        const root1 = mth(leaves.slice(0, size1));
        const proof = await consistencyProof(size1, size2, source);
        expect(toHex(proof), at).toEqual(toHex(naiveConsistency(size1, leaves)));
        expect(verifyConsistency(size1, size2, proof, root1, root2), at).toEqual({ ok: true });
        if (proof.length === 0) continue;
        const accepted = consistencyTampers(size1, size2, proof, root1, root2)
          .filter((p) => verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2).ok)
          .map((p) => p.desc);
        expect(accepted, at).toEqual([]);
      }
    }
  });

  it("reads O(log n) complete nodes only", async () => {
    const leaves = Array.from({ length: 1000 }, (_, i) => naiveLeaf(Buffer.from([i % 256, i >> 8])));
    for (const [size1, size2] of [[1, 1000], [999, 1000], [500, 1000], [3, 999], [767, 777]] as const) {
      const source = new MemoryNodeSource(leaves.slice(0, size2));
      await consistencyProof(size1, size2, source);
      expect(source.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size2)));
    }
  });

  it("equal sizes need an empty proof and equal roots; size 0 needs the empty root", () => {
    const [a, b] = [mth(generatedLeaves.slice(0, 3)), mth(generatedLeaves.slice(0, 4))];
    expect(verifyConsistency(3, 3, [], a, a)).toEqual({ ok: true });
    expect(verifyConsistency(3, 3, [], a, b)).toMatchObject({ ok: false });
    expect(verifyConsistency(3, 3, [a], a, a)).toEqual({ ok: false, reason: "proof has 1 hashes, expected 0" });
    expect(verifyConsistency(0, 4, [], EMPTY_ROOT, b)).toEqual({ ok: true });
    expect(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toEqual({ ok: true });
    expect(verifyConsistency(0, 4, [], a, b)).toMatchObject({ ok: false });
    expect(verifyConsistency(0, 4, [b], EMPTY_ROOT, b)).toMatchObject({ ok: false });
    expect(verifyConsistency(1, 2, [], generatedLeaves[0] as Buffer, b)).toEqual({ ok: false, reason: "proof has 0 hashes, expected 1" });
  });

  it("refuses size1 > size2", async () => {
    await expect(consistencyProof(5, 4, new MemoryNodeSource(generatedLeaves.slice(0, 5)))).rejects.toMatchObject({ code: "bad_request" });
  });
});

/** A NodeSource for a huge tree whose leaves all hash to `leaf`: level-L nodes are all equal. */
function uniformTree(leaf: Buffer, levels: number): { source: NodeSource & { reads: number }; level: (l: number) => Buffer } {
  const byLevel = [leaf];
  for (let l = 1; l <= levels; l += 1) byLevel.push(naiveNode(byLevel[l - 1] as Buffer, byLevel[l - 1] as Buffer));
  const level = (l: number): Buffer => {
    const h = byLevel[l];
    if (!h) throw new Error(`no level ${l}`);
    return h;
  };
  const source = {
    reads: 0,
    async node(l: number, index: number): Promise<Buffer> {
      source.reads += 1;
      if (!Number.isSafeInteger(index) || index < 0) throw new Error(`bad index ${index}`);
      return level(l);
    },
  };
  return { source, level };
}

/** MTH of a uniform tree of n leaves: its perfect subtrees, largest first, folded right to left. */
function uniformRoot(level: (l: number) => Buffer, n: number): Buffer {
  const parts: Buffer[] = [];
  for (let l = 60; l >= 0; l -= 1) if (Math.floor(n / 2 ** l) % 2 === 1) parts.push(level(l));
  return parts.reduceRight((acc, h) => naiveNode(h, acc));
}

describe("trees beyond 2^32 leaves (no 32-bit arithmetic)", () => {
  const { source, level } = uniformTree(naiveLeaf(Buffer.from("same")), 53);
  it.each([
    [2 ** 40 - 12345, 2 ** 40],
    [2 ** 35 + 2, 2 ** 35 + 3],
    [2 ** 33, 2 ** 45 + 2 ** 33 + 17],
    [0, Number.MAX_SAFE_INTEGER],
    [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER],
  ])("inclusion of %d in %d", async (index, size) => {
    source.reads = 0;
    const proof = await inclusionProof(index, size, source);
    expect(source.reads).toBeLessThanOrEqual(2 * 53);
    expect(verifyInclusion(level(0), index, size, proof, uniformRoot(level, size))).toEqual({ ok: true });
    expect(verifyInclusion(level(0), index, size, proof, flip(uniformRoot(level, size)))).toMatchObject({ ok: false });
  });

  it.each([
    [2 ** 33 + 7, 2 ** 35 + 3],
    [2 ** 32, 2 ** 32 + 1],
    [2 ** 31 + 1, Number.MAX_SAFE_INTEGER],
  ])("consistency of %d and %d", async (size1, size2) => {
    const proof = await consistencyProof(size1, size2, source);
    expect(verifyConsistency(size1, size2, proof, uniformRoot(level, size1), uniformRoot(level, size2))).toEqual({ ok: true });
  });
});

describe("verifiers never throw on hostile input", () => {
  const leaf = vectorLeafHashes[0] as Buffer;
  const root = rootOf(1);
  const hostile: unknown[] = [undefined, null, NaN, Infinity, -1, 1.5, 2 ** 53, "1", {}, [], Symbol("x"), 10n];
  it("inclusion", () => {
    for (const bad of hostile) {
      const cases = [
        () => verifyInclusion(leaf, bad as number, 1, [], root),
        () => verifyInclusion(leaf, 0, bad as number, [], root),
        () => verifyInclusion(bad as Buffer, 0, 1, [], root),
        () => verifyInclusion(leaf, 0, 2, bad as Buffer[], root),
        () => verifyInclusion(leaf, 0, 2, [bad as Buffer], root),
        () => verifyInclusion(leaf, 0, 1, [], bad as Buffer),
      ];
      for (const run of cases) expect(run()).toMatchObject({ ok: false, reason: expect.any(String) });
    }
    expect(verifyInclusion(leaf, 0, 1, [Buffer.alloc(31)], root)).toMatchObject({ ok: false });
    expect(verifyInclusion(leaf, 3, 2 ** 40, [leaf], root)).toEqual({ ok: false, reason: "proof has 1 hashes, expected 40" });
    expect(verifyInclusion(leaf, 0, 1, [], flip(root))).toEqual({ ok: false, reason: "calculated root does not match" });
  });

  it("consistency", () => {
    for (const bad of hostile) {
      const cases = [
        () => verifyConsistency(bad as number, 1, [], root, root),
        () => verifyConsistency(1, bad as number, [], root, root),
        () => verifyConsistency(1, 2, bad as Buffer[], root, root),
        () => verifyConsistency(1, 2, [bad as Buffer], root, root),
        () => verifyConsistency(1, 1, [], bad as Buffer, root),
        () => verifyConsistency(1, 1, [], root, bad as Buffer),
      ];
      for (const run of cases) expect(run()).toMatchObject({ ok: false, reason: expect.any(String) });
    }
    expect(verifyConsistency(2, 1, [], root, root)).toMatchObject({ ok: false });
    const throwing = new Proxy([], { get: () => { throw new Error("boom"); } });
    expect(verifyConsistency(1, 2, throwing, root, root)).toMatchObject({ ok: false });
  });

  it("MemoryNodeSource serves complete nodes only", async () => {
    const source = new MemoryNodeSource(generatedLeaves.slice(0, 5));
    await expect(source.node(0, 4)).resolves.toEqual(generatedLeaves[4]);
    await expect(source.node(2, 0)).resolves.toEqual(mth(generatedLeaves.slice(0, 4)));
    for (const [l, i] of [[1, 2], [3, 0], [0, 5], [-1, 0]] as const) {
      const err: unknown = await source.node(l, i).catch((e: unknown) => e);
      expect(isSealroomError(err, "not_found")).toBe(true);
    }
  });
});
