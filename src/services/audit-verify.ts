/**
 * `sealroom audit verify`: recomputes the whole tree from the stored entries
 * and checks every stored hash and signed head (src/audit/log-verifier.ts).
 * Entries are read in seq order in batches, with the subtree hashes each
 * batch completes, so memory stays bounded however long the log is.
 */
import type { KeyObject } from "node:crypto";
import { LogVerifier, type Problem, type StoredHead } from "../audit/log-verifier.js";
import { CompactRange } from "../audit/merkle.js";
import { publicKeyFromPem } from "../audit/tree-head.js";
import { listAuditHeads, listSigningPublicKeys, readAuditEntries, readAuditNodesOfLevel, readAuditSize, readAuditState } from "../store/repos/audit.js";
import type { Executor } from "../store/store.js";
import type { Services } from "./context.js";

export interface VerifyReport {
  readonly ok: boolean;
  /** Entries checked (all of them when ok). */
  readonly entries: number;
  /** Signed heads whose root and signature were checked. */
  readonly headsChecked: number;
  readonly headsStored: number;
  /** Root of the entries checked, lowercase hex. */
  readonly rootHash: string;
  /** Size and time of the newest signed head checked, if any. */
  readonly latestHead: { readonly size: number; readonly timestamp: number } | null;
  readonly problem: Problem | null;
}

const DEFAULT_BATCH = 2000;

function decodeHead(r: { size: number; root_hash: string; signed_at: number; key_id: string; signature: string }): StoredHead {
  // Malformed hex or base64 decodes to the wrong length, which then fails the signature check.
  return { size: r.size, root: Buffer.from(r.root_hash, "hex"), timestamp: r.signed_at, keyId: r.key_id, signature: Buffer.from(r.signature, "base64") };
}

async function loadKeys(db: Executor): Promise<Map<string, KeyObject>> {
  const keys = new Map<string, KeyObject>();
  for (const k of await listSigningPublicKeys(db)) {
    try {
      keys.set(k.id, publicKeyFromPem(k.public_key));
    } catch {
      // An unreadable key is as good as none: heads naming it are reported.
    }
  }
  return keys;
}

/**
 * The stored nodes a batch of entries seq a..b completes: at level L the
 * appends of leaves a-1..b-1 complete nodes ceil(a / 2^L) - 1 .. floor(b / 2^L) - 1.
 */
async function nodesFor(db: Executor, a: number, b: number): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (let level = 0, width = 1; width <= b; level += 1, width *= 2) {
    const lo = Math.ceil(a / width) - 1;
    const hi = Math.floor(b / width) - 1;
    if (lo > hi) continue;
    for (const n of await readAuditNodesOfLevel(db, level, lo, hi)) out.set(`${level}:${n.idx}`, n.hash);
  }
  return out;
}

/** Verifies the whole log; `onProgress` hears the number of entries checked after each batch. */
export async function verifyAuditLog(s: Services, options: { batchSize?: number; onProgress?: (checked: number) => void } = {}): Promise<VerifyReport> {
  const db = s.store.db;
  const batch = options.batchSize ?? DEFAULT_BATCH;
  const state = await readAuditState(db, false);
  const heads = (await listAuditHeads(db)).map(decodeHead);
  const verifier = new LogVerifier(heads, await loadKeys(db), { size: state.size, root: CompactRange.fromJSON(JSON.parse(state.frontier)).root() });
  let next = 1;
  while (!verifier.problem) {
    const entries = await readAuditEntries(db, next, batch);
    const last = entries.at(-1);
    if (!last) break;
    const nodes = await nodesFor(db, entries[0]!.seq, last.seq);
    for (const e of entries) if (verifier.entry(e, (level, index) => nodes.get(`${level}:${index}`))) break;
    next = last.seq + 1;
    options.onProgress?.(verifier.size);
  }
  const problem = verifier.problem ?? verifier.finish(await readAuditSize(db));
  const checked = heads.filter((h) => h.size <= verifier.size).sort((x, y) => y.size - x.size)[0];
  return {
    ok: problem === undefined,
    entries: verifier.size,
    headsChecked: verifier.headsChecked,
    headsStored: heads.length,
    rootHash: verifier.root().toString("hex"),
    latestHead: problem === undefined && checked ? { size: checked.size, timestamp: checked.timestamp } : null,
    problem: problem ?? null,
  };
}
