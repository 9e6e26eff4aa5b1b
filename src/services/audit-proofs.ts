/**
 * Inclusion and consistency proofs over the stored tree, in the RFC 9162
 * §2.1.3 / §2.1.4 format (ordered sibling hashes), with the roots they lead
 * to and the signed head at that size when one exists. They reveal hashes
 * only, never entries, so any signed-in caller may ask for them.
 */
import { consistencyProof, inclusionProof, rootAt } from "../audit/merkle.js";
import { SealroomError } from "../domain/errors.js";
import { auditNodeSource, readAuditNode } from "../store/repos/audit.js";
import { currentTreeSize, headAt, latestHead, type SignedHead } from "./audit-heads.js";
import type { Services } from "./context.js";

/** Entry `index` (0-based leaf index, seq - 1) is in the tree of `size` entries with root `rootHash`. */
export interface InclusionAnswer {
  readonly index: number;
  readonly size: number;
  readonly leafHash: string;
  readonly rootHash: string;
  readonly proof: readonly string[];
  /** The signed head of exactly `size` entries, or null when that size was never signed. */
  readonly signedHead: SignedHead | null;
}

/** The tree of `size1` entries is a prefix of the tree of `size2` entries. */
export interface ConsistencyAnswer {
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly proof: readonly string[];
  readonly signedHead1: SignedHead | null;
  readonly signedHead2: SignedHead | null;
}

const hex = (b: Buffer): string => b.toString("hex");

async function assertWithinLog(s: Services, size: number, what: string): Promise<void> {
  const current = await currentTreeSize(s);
  if (size > current) throw new SealroomError("bad_request", `${what} ${size} is beyond the log, which holds ${current} entries.`);
}

/** The size a proof defaults to: the newest signed head. */
async function defaultSize(s: Services, index: number): Promise<number> {
  const head = await latestHead(s);
  if (!head || index >= head.size) {
    throw new SealroomError("bad_request", `No signed head covers leaf index ${index} yet: pass size explicitly, or sign a head first (sealroom audit sign-head).`);
  }
  return head.size;
}

/** Inclusion proof for leaf `index` in the tree of `size` entries (default: the newest signed head). */
export async function proveInclusion(s: Services, index: number, size?: number): Promise<InclusionAnswer> {
  const n = size ?? (await defaultSize(s, index));
  if (index >= n) throw new SealroomError("bad_request", `Leaf index ${index} is not below tree size ${n}.`);
  await assertWithinLog(s, n, "Tree size");
  const nodes = auditNodeSource(s.store.db);
  const leaf = await readAuditNode(s.store.db, 0, index);
  if (!leaf) throw new SealroomError("not_found", `No leaf is stored at index ${index}.`);
  const [proof, root, head] = [await inclusionProof(index, n, nodes), await rootAt(n, nodes), await headAt(s, n)];
  return { index, size: n, leafHash: hex(leaf), rootHash: hex(root), proof: proof.map(hex), signedHead: head ?? null };
}

/** Consistency proof from the tree of `size1` entries to the tree of `size2` entries. */
export async function proveConsistency(s: Services, size1: number, size2: number): Promise<ConsistencyAnswer> {
  if (size1 > size2) throw new SealroomError("bad_request", `size1 ${size1} is greater than size2 ${size2}.`);
  await assertWithinLog(s, size2, "size2");
  const nodes = auditNodeSource(s.store.db);
  const proof = await consistencyProof(size1, size2, nodes);
  const [root1, root2] = [await rootAt(size1, nodes), await rootAt(size2, nodes)];
  const [h1, h2] = [await headAt(s, size1), await headAt(s, size2)];
  return { size1, size2, root1: hex(root1), root2: hex(root2), proof: proof.map(hex), signedHead1: h1 ?? null, signedHead2: h2 ?? null };
}
