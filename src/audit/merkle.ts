/**
 * The audit log's Merkle tree, hashed exactly as RFC 6962 §2.1 / RFC 9162
 * §2.1 specify: domain-separated leaf and node hashes, the split at the
 * largest power of two below n, proofs as ordered lists of sibling hashes.
 * Appends keep only the right frontier (a compact range) and cost O(log n);
 * proofs read O(log n) complete-subtree nodes through the `NodeSource` port.
 * Verifiers take attacker-controlled input and never throw.
 */
import { createHash } from "node:crypto";
import { SealroomError } from "../domain/errors.js";

/** Bytes in every tree hash (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);
const HEX_HASH = /^[0-9a-f]{64}$/;

/** Leaf hash, RFC 9162 §2.1.1: SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): Buffer {
  return createHash("sha256").update(LEAF_PREFIX).update(entry).digest();
}

/** Interior node hash, RFC 9162 §2.1.1: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1). Shared: never mutate it. */
export const EMPTY_ROOT: Buffer = createHash("sha256").digest();

// Tree sizes may exceed 2^32, so bit operators (32-bit in JS) are avoided:
// every size and index is a safe integer handled with arithmetic.
function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}
const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;

/** The RFC's split point: the largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let x = n;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}

function popCount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = half(x)) if (isOdd(x)) count += 1;
  return count;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

/** Folds complete-subtree hashes, largest (leftmost) first, right to left: the RFC's unbalanced rule. */
function foldRightToLeft(hashes: readonly Buffer[]): Buffer {
  let acc: Buffer | undefined;
  for (let i = hashes.length - 1; i >= 0; i -= 1) {
    const h = hashes[i];
    if (h !== undefined) acc = acc === undefined ? h : nodeHash(h, acc);
  }
  return acc === undefined ? Buffer.from(EMPTY_ROOT) : Buffer.from(acc);
}

/** A complete subtree finished by an append: level 0 is the leaf, index its position at that level. */
export interface CreatedNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/** The persisted form of a CompactRange: lowercase hex hashes, largest subtree first. */
export interface CompactRangeJSON {
  readonly size: number;
  readonly hashes: readonly string[];
}

/**
 * Adds one leaf to a frontier of `size` leaves: merges it with every
 * complete left sibling (one per trailing 1-bit of `size`), O(log n).
 */
function pushLeaf(frontier: Buffer[], size: number, leaf: Buffer, created?: CreatedNode[]): void {
  let hash = leaf;
  let level = 0;
  let rest = size;
  created?.push({ level, index: size, hash: Buffer.from(hash) });
  while (isOdd(rest)) {
    const left = frontier.pop();
    if (left === undefined) throw new SealroomError("internal", "the Merkle frontier is inconsistent with its size");
    hash = nodeHash(left, hash);
    level += 1;
    rest = half(rest);
    created?.push({ level, index: rest, hash: Buffer.from(hash) });
  }
  frontier.push(hash);
}

function requireHash(value: unknown, what: string): Buffer {
  if (!isHash(value)) throw new SealroomError("bad_request", `${what} must be ${HASH_SIZE} bytes`);
  return Buffer.from(value);
}

/**
 * The right frontier of the tree: the roots of the perfect subtrees that
 * make up the first `size` leaves, one per set bit of `size`, largest first.
 * Enough to append and to compute the root without touching older nodes.
 */
export class CompactRange {
  #size: number;
  readonly #hashes: Buffer[];

  private constructor(size: number, hashes: Buffer[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  /** The frontier of the empty tree. */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Restores a frontier saved with toJSON; throws bad_request on anything malformed. */
  static fromJSON(json: unknown): CompactRange {
    if (typeof json !== "object" || json === null) throw new SealroomError("bad_request", "compact range must be an object");
    const { size, hashes } = json as { size?: unknown; hashes?: unknown };
    if (!isCount(size)) throw new SealroomError("bad_request", "compact range size must be a non-negative safe integer");
    if (!Array.isArray(hashes)) throw new SealroomError("bad_request", "compact range hashes must be an array");
    const list: unknown[] = [...hashes];
    if (list.length !== popCount(size)) {
      throw new SealroomError("bad_request", `compact range of size ${size} needs ${popCount(size)} hashes, got ${list.length}`);
    }
    const decoded = list.map((h, i) => {
      if (typeof h !== "string" || !HEX_HASH.test(h)) {
        throw new SealroomError("bad_request", `compact range hash ${i} must be 64 lowercase hex characters`);
      }
      return Buffer.from(h, "hex");
    });
    return new CompactRange(size, decoded);
  }

  /** The persisted form: size and lowercase hex hashes. */
  toJSON(): CompactRangeJSON {
    return { size: this.#size, hashes: this.#hashes.map((h) => h.toString("hex")) };
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash in O(log n); `created` lists every complete subtree node this finished. */
  append(leafHash: Uint8Array): { created: CreatedNode[] } {
    const leaf = requireHash(leafHash, "leaf hash");
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new SealroomError("conflict", "the Merkle tree is full");
    const created: CreatedNode[] = [];
    pushLeaf(this.#hashes, this.#size, leaf, created);
    this.#size += 1;
    return { created };
  }

  /** MTH of the current tree (RFC 9162 §2.1.1); EMPTY_ROOT when empty. */
  root(): Buffer {
    return foldRightToLeft(this.#hashes);
  }
}

/** MTH over leaf hashes, computed by an iterative compact-range fold (no recursion). */
export function rootOfLeafHashes(leafHashes: readonly Buffer[]): Buffer {
  const frontier: Buffer[] = [];
  let size = 0;
  for (const h of leafHashes) {
    pushLeaf(frontier, size, requireHash(h, `leaf hash ${size}`));
    size += 1;
  }
  return foldRightToLeft(frontier);
}

/** Port to the stored tree: hash of the complete subtree over leaves [index·2^level, (index+1)·2^level). */
export interface NodeSource {
  node(level: number, index: number): Promise<Buffer>;
}

/** A half-open leaf range [start, end) of one subtree of the RFC's decomposition. */
type Range = readonly [start: number, end: number];

/**
 * Sibling subtrees of PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), in proof
 * order: nearest the leaf first.
 */
function inclusionRanges(index: number, size: number): Range[] {
  const out: Range[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const mid = start + splitPoint(end - start);
    if (index < mid) {
      out.push([mid, end]);
      end = mid;
    } else {
      out.push([start, mid]);
      start = mid;
    }
  }
  return out.reverse();
}

/**
 * Subtrees of PROOF(size1, D[0:size2]) = SUBPROOF(size1, D[0:size2], true)
 * (RFC 9162 §2.1.4.1), in proof order, for 0 < size1 < size2.
 */
function consistencyRanges(size1: number, size2: number): Range[] {
  const out: Range[] = [];
  let start = 0;
  let end = size2;
  let whole = true; // the RFC's flag b: is the old tree's root this subtree?
  while (size1 - start < end - start) {
    const mid = start + splitPoint(end - start);
    if (size1 <= mid) {
      out.push([mid, end]);
      end = mid;
    } else {
      out.push([start, mid]);
      start = mid;
      whole = false;
    }
  }
  if (!whole) out.push([start, end]);
  return out.reverse();
}

async function readNode(nodes: NodeSource, level: number, index: number): Promise<Buffer> {
  const hash: unknown = await nodes.node(level, index);
  if (!isHash(hash)) throw new SealroomError("internal", `stored Merkle node (${level}, ${index}) is not a ${HASH_SIZE}-byte hash`);
  return Buffer.from(hash);
}

/**
 * MTH of a subtree range. Ranges of the RFC decomposition start at a
 * multiple of a power of two no smaller than their width, so the greedy
 * split into aligned complete subtrees yields them largest first and the
 * right-to-left fold equals the RFC's recursion. Only complete nodes are read.
 */
async function rangeHash([start, end]: Range, nodes: NodeSource): Promise<Buffer> {
  const reads: Promise<Buffer>[] = [];
  let pos = start;
  while (pos < end) {
    let width = 1;
    let level = 0;
    while (pos % (width * 2) === 0 && pos + width * 2 <= end) {
      width *= 2;
      level += 1;
    }
    reads.push(readNode(nodes, level, pos / width));
    pos += width;
  }
  return foldRightToLeft(await Promise.all(reads));
}

/** Inclusion proof (audit path) for leaf `index` in the tree of `size` leaves, RFC 9162 §2.1.3.1. */
export async function inclusionProof(index: number, size: number, nodes: NodeSource): Promise<Buffer[]> {
  if (!isCount(size) || !isCount(index) || index >= size) {
    throw new SealroomError("bad_request", `leaf index ${String(index)} is not below tree size ${String(size)}`);
  }
  return Promise.all(inclusionRanges(index, size).map((r) => rangeHash(r, nodes)));
}

/** Consistency proof between tree sizes size1 ≤ size2, RFC 9162 §2.1.4.1; empty when size1 is 0 or equals size2. */
export async function consistencyProof(size1: number, size2: number, nodes: NodeSource): Promise<Buffer[]> {
  if (!isCount(size1) || !isCount(size2) || size1 > size2) {
    throw new SealroomError("bad_request", `tree size ${String(size1)} is not at most ${String(size2)}`);
  }
  if (size1 === 0 || size1 === size2) return [];
  return Promise.all(consistencyRanges(size1, size2).map((r) => rangeHash(r, nodes)));
}

/**
 * MTH of the first `size` leaves (RFC 9162 §2.1.1) from stored complete
 * subtrees: one node per set bit of `size`, O(log n) reads.
 */
export async function rootAt(size: number, nodes: NodeSource): Promise<Buffer> {
  if (!isCount(size)) throw new SealroomError("bad_request", `tree size ${String(size)} is not a non-negative integer`);
  return rangeHash([0, size], nodes);
}

/** Outcome of a proof verification; `reason` is for people. */
export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: VerifyResult = Object.freeze({ ok: true });
const fail = (reason: string): VerifyResult => ({ ok: false, reason });

/** Copies an attacker-supplied proof, or says why it is unusable. */
function snapshotProof(proof: unknown): Buffer[] | string {
  if (!Array.isArray(proof)) return "proof must be a list of hashes";
  const copy: unknown[] = [...proof];
  const bad = copy.findIndex((h) => !isHash(h));
  if (bad >= 0) return `proof hash ${bad + 1} is not ${HASH_SIZE} bytes`;
  return copy.map((h) => Buffer.from(h as Uint8Array));
}

/**
 * The shared loop of RFC 9162 §2.1.3.2 step 4 and §2.1.4.2 step 6 without
 * the hashing: for each proof hash, whether it is a left sibling. Its
 * length is the number of hashes the proof must have.
 */
function pathSides(first: number, last: number): boolean[] {
  const sides: boolean[] = [];
  let [fn, sn] = [first, last];
  while (sn > 0) {
    const left = isOdd(fn) || fn === sn;
    if (left) {
      while (!isOdd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    }
    [fn, sn] = [half(fn), half(sn)];
    sides.push(left);
  }
  return sides;
}

/** Verifies an inclusion proof, RFC 9162 §2.1.3.2. Never throws. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): VerifyResult {
  try {
    if (!isCount(size) || size === 0) return fail("tree size must be a positive integer");
    if (!isCount(index)) return fail("leaf index must be a non-negative integer");
    if (index >= size) return fail(`leaf index ${index} is not below tree size ${size}`);
    if (!isHash(leafHash)) return fail(`leaf hash is not ${HASH_SIZE} bytes`);
    if (!isHash(root)) return fail(`root is not ${HASH_SIZE} bytes`);
    const path = snapshotProof(proof);
    if (typeof path === "string") return fail(path);
    const sides = pathSides(index, size - 1); // §2.1.3.2 steps 2–4
    if (path.length !== sides.length) return fail(`proof has ${path.length} hashes, expected ${sides.length}`);
    let r: Buffer = Buffer.from(leafHash);
    path.forEach((p, i) => {
      r = sides[i] ? nodeHash(p, r) : nodeHash(r, p);
    });
    return r.equals(root) ? OK : fail("calculated root does not match");
  } catch {
    return fail("the proof could not be read");
  }
}

/** RFC 9162 §2.1.4.2 steps 3, 4 and 6 without the hashing, for 0 < size1 < size2. */
function consistencySides(size1: number, size2: number): boolean[] {
  let [fn, sn] = [size1 - 1, size2 - 1];
  while (isOdd(fn)) [fn, sn] = [half(fn), half(sn)];
  return pathSides(fn, sn);
}

/**
 * Verifies a consistency proof, RFC 9162 §2.1.4.2. Never throws. As in
 * transparency-dev/merkle, equal sizes need an empty proof and equal roots;
 * size1 = 0 needs an empty proof (and, stricter, root1 = MTH({})).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): VerifyResult {
  try {
    if (!isCount(size1) || !isCount(size2)) return fail("tree sizes must be non-negative integers");
    if (size1 > size2) return fail(`size1 ${size1} is greater than size2 ${size2}`);
    if (!isHash(root1)) return fail(`root1 is not ${HASH_SIZE} bytes`);
    if (!isHash(root2)) return fail(`root2 is not ${HASH_SIZE} bytes`);
    const path = snapshotProof(proof);
    if (typeof path === "string") return fail(path);
    if (size1 === size2 || size1 === 0) {
      if (path.length !== 0) return fail(`proof has ${path.length} hashes, expected 0`);
      if (size1 === 0) return Buffer.from(root1).equals(EMPTY_ROOT) ? OK : fail("root1 is not the empty tree's root");
      return Buffer.from(root1).equals(root2) ? OK : fail("root1 and root2 differ although the sizes are equal");
    }
    return foldConsistency(size1, size2, path, Buffer.from(root1), Buffer.from(root2));
  } catch {
    return fail("the proof could not be read");
  }
}

/** RFC 9162 §2.1.4.2 steps 1–7 for 0 < size1 < size2 on a snapshotted proof. */
function foldConsistency(size1: number, size2: number, path: Buffer[], root1: Buffer, root2: Buffer): VerifyResult {
  const seeded = isPowerOfTwo(size1); // step 2: the old root is the first node
  const sides = consistencySides(size1, size2);
  const expected = sides.length + (seeded ? 0 : 1);
  if (path.length !== expected) return fail(`proof has ${path.length} hashes, expected ${expected}`);
  const nodes = seeded ? [root1, ...path] : path;
  const seed = nodes[0];
  if (seed === undefined) return fail("proof is empty");
  let fr = seed;
  let sr = seed;
  sides.forEach((left, i) => {
    const c = nodes[i + 1];
    if (c === undefined) return;
    if (left) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
    } else {
      sr = nodeHash(sr, c);
    }
  });
  if (!fr.equals(root1)) return fail("calculated root1 does not match");
  if (!sr.equals(root2)) return fail("calculated root2 does not match");
  return OK;
}

/** In-memory NodeSource over a list of leaf hashes (tests); counts node reads. */
export class MemoryNodeSource implements NodeSource {
  readonly #levels: Buffer[][];
  #reads = 0;

  constructor(leafHashes: readonly Uint8Array[]) {
    let level = leafHashes.map((h, i) => requireHash(h, `leaf hash ${i}`));
    this.#levels = [level];
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Buffer, level[i + 1] as Buffer));
      this.#levels.push(next);
      level = next;
    }
  }

  /** Number of node() calls served so far. */
  get reads(): number {
    return this.#reads;
  }

  /** Hash of a complete subtree; not_found for incomplete or out-of-range nodes. */
  async node(level: number, index: number): Promise<Buffer> {
    this.#reads += 1;
    const hash = this.#levels[level]?.[index];
    if (hash === undefined) throw new SealroomError("not_found", `no complete Merkle node at level ${level}, index ${index}`);
    return Buffer.from(hash);
  }
}
