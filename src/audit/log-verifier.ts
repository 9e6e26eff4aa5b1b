/**
 * Checks a stored audit log from first principles: entries are fed in seq
 * order, each leaf is recomputed from the entry's columns (RFC 9162 §2.1.1)
 * and appended to a fresh compact range, every subtree hash that append
 * completes is compared with the stored one, and at every signed head's size
 * the recomputed root is compared with the signed root and the Ed25519
 * signature is checked. Memory stays O(log n) plus the heads.
 *
 * Stored rows are attacker-controlled: an attacker with write access to the
 * database may change, delete, renumber or insert rows and rewrite the stored
 * hashes to match. Leaf and node comparisons name the first bad row when the
 * hashes were left alone; signed heads catch a consistent rewrite, because
 * the private key is sealed and never in the database in the clear.
 */
import { createHash, type KeyObject } from "node:crypto";
import { entryLeafHash, type AuditEntry } from "./entry.js";
import { CompactRange } from "./merkle.js";
import { verifyTreeHead } from "./tree-head.js";

/** A stored signed head, decoded. */
export interface StoredHead {
  readonly size: number;
  readonly root: Buffer;
  readonly timestamp: number;
  readonly keyId: string;
  readonly signature: Buffer;
}

export type ProblemKind =
  | "missing_entry"
  | "entry_modified"
  | "detail_modified"
  | "extra_entry"
  | "node_modified"
  | "head_signature"
  | "head_unknown_key"
  | "head_root"
  | "head_beyond_log"
  | "state_mismatch";

/** The first thing found wrong; `seq` is the first bad sequence number when one can be named. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly seq: number | null;
  readonly headSize?: number;
  readonly message: string;
}

/** Looks up a stored complete-subtree hash (prefetched by the caller). */
export type StoredNodes = (level: number, index: number) => Buffer | undefined;

const pow2 = (level: number): number => 2 ** level;

/** Streams a log through the checks above; stops at the first problem. */
export class LogVerifier {
  readonly #range = CompactRange.empty();
  readonly #heads: readonly StoredHead[];
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #state: { readonly size: number; readonly root: Buffer };
  #nextHead = 0;
  #lastGoodHead = 0;
  #problem: Problem | undefined;

  /**
   * `heads` in any order; `keys` by key id; `state` is the size and root of
   * the log's own append state (its frontier), read before streaming starts.
   * Entries appended after that (a live log) are checked against their stored
   * hashes like the others.
   */
  constructor(heads: readonly StoredHead[], keys: ReadonlyMap<string, KeyObject>, state: { readonly size: number; readonly root: Buffer }) {
    this.#heads = [...heads].sort((a, b) => a.size - b.size);
    this.#keys = keys;
    this.#state = state;
    this.#checkSize();
  }

  /** Entries checked so far. */
  get size(): number {
    return this.#range.size;
  }

  /** The first problem found, if any. */
  get problem(): Problem | undefined {
    return this.#problem;
  }

  /** Heads checked so far. */
  get headsChecked(): number {
    return this.#nextHead;
  }

  /** Root of the entries checked so far. */
  root(): Buffer {
    return this.#range.root();
  }

  /** Checks the next stored entry; returns the first problem (this one or an earlier one). */
  entry(e: AuditEntry, stored: StoredNodes): Problem | undefined {
    if (this.#problem) return this.#problem;
    const expected = this.#range.size + 1;
    if (e.seq !== expected) {
      return this.#fail(
        e.seq > expected
          ? { kind: "missing_entry", seq: expected, message: `entry seq ${expected} is missing: the next stored entry is seq ${e.seq} (a row was deleted or renumbered)` }
          : { kind: "missing_entry", seq: e.seq, message: `entry seq ${e.seq} appears out of order after seq ${expected - 1}` },
      );
    }
    const digest = e.detail === null ? null : createHash("sha256").update(e.detail).digest("hex");
    if (digest !== e.detailDigest) {
      return this.#fail({ kind: "detail_modified", seq: e.seq, message: `entry seq ${e.seq}: its detail does not match the digest the entry commits to` });
    }
    const { created } = this.#range.append(entryLeafHash(e));
    for (const node of created) {
      const problem = this.#checkNode(node.level, node.index, node.hash, stored(node.level, node.index), e.seq);
      if (problem) return this.#fail(problem);
    }
    return this.#checkSize();
  }

  /**
   * After the last entry: nothing may be missing below the recorded size, no
   * entry may lie beyond the log's size as read now (`finalSize`, re-read
   * after streaming), and no head may lie beyond the entries.
   */
  finish(finalSize: number): Problem | undefined {
    if (this.#problem) return this.#problem;
    const size = this.#range.size;
    const recorded = this.#state.size;
    if (size < recorded) {
      const tail = size + 1 === recorded ? `seq ${recorded} is` : `seqs ${size + 1}..${recorded} are`;
      return this.#fail({ kind: "missing_entry", seq: size + 1, message: `entry ${tail} missing: the log recorded ${recorded} entries` });
    }
    if (size > finalSize) {
      return this.#fail({ kind: "extra_entry", seq: finalSize + 1, message: `entry seq ${finalSize + 1} is beyond the ${finalSize} entries the log recorded: it was inserted outside the log` });
    }
    const beyond = this.#heads[this.#nextHead];
    if (beyond) {
      return this.#fail({ kind: "head_beyond_log", seq: size + 1, headSize: beyond.size, message: `a head was signed at size ${beyond.size}, but only ${size} entries are stored: entries were removed from the end` });
    }
    return undefined;
  }

  /** At every size: the heads signed there, and, at the recorded size, the frontier's root. */
  #checkSize(): Problem | undefined {
    const problem = this.#checkHeads();
    if (problem) return problem;
    if (this.#range.size === this.#state.size && !this.#range.root().equals(this.#state.root)) {
      return this.#fail({ kind: "state_mismatch", seq: null, message: "the log's stored frontier does not match the entries (the append state was altered)" });
    }
    return undefined;
  }

  #checkNode(level: number, index: number, computed: Buffer, stored: Buffer | undefined, seq: number): Problem | undefined {
    if (level === 0) {
      if (!stored) return { kind: "extra_entry", seq, message: `entry seq ${seq} has no leaf hash stored with it: it was inserted outside the log` };
      if (!stored.equals(computed)) {
        return { kind: "entry_modified", seq, message: `entry seq ${seq} does not hash to the leaf stored when it was appended: a column was changed, or rows were swapped or renumbered` };
      }
      return undefined;
    }
    if (stored && stored.equals(computed)) return undefined;
    const first = index * pow2(level) + 1;
    return {
      kind: "node_modified",
      seq: first,
      message: `the stored subtree hash over seqs ${first}..${first + pow2(level) - 1} (level ${level}, index ${index}) ${stored ? "does not match" : "is missing for"} the entries: entries and their leaf hashes, or the subtree hash, were altered`,
    };
  }

  /** Checks every head whose size is the number of entries seen so far. */
  #checkHeads(): Problem | undefined {
    for (let h = this.#heads[this.#nextHead]; h && h.size === this.#range.size; h = this.#heads[this.#nextHead]) {
      const problem = this.#checkHead(h);
      if (problem) return this.#fail(problem);
      this.#lastGoodHead = h.size;
      this.#nextHead += 1;
    }
    return undefined;
  }

  #checkHead(h: StoredHead): Problem | undefined {
    const key = this.#keys.get(h.keyId);
    if (!key) return { kind: "head_unknown_key", seq: null, headSize: h.size, message: `the head at size ${h.size} names signing key ${h.keyId}, which this installation does not have` };
    const root = this.#range.root();
    if (!verifyTreeHead({ size: h.size, root: h.root, timestamp: h.timestamp }, h.signature, key)) {
      return { kind: "head_signature", seq: null, headSize: h.size, message: `the signature of the head at size ${h.size} does not verify: the stored head was altered` };
    }
    if (!root.equals(h.root)) {
      const from = this.#lastGoodHead + 1;
      return {
        kind: "head_root",
        seq: from,
        headSize: h.size,
        message: `entries 1..${h.size} do not hash to the root signed at size ${h.size}: an entry between seq ${from} and ${h.size} was changed and the stored hashes rewritten to match`,
      };
    }
    return undefined;
  }

  #fail(p: Problem): Problem {
    this.#problem = p;
    return p;
  }
}
