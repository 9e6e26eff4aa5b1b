/** Response shapes of the audit endpoints, field by field. */
import { isoTime as iso } from "../domain/time.js";
import { entryLeafHash, type AuditEntry } from "../audit/entry.js";
import { treeHeadBytes } from "../audit/tree-head.js";
import type { SignedHead } from "../services/audit-heads.js";


/** Parses a stored detail; a detail that is not JSON (tampered) is shown as null, and `audit verify` names the row. */
function detailOf(detail: string | null): unknown {
  if (detail === null) return null;
  try {
    return JSON.parse(detail);
  } catch {
    return null;
  }
}

/** One audit entry, with its leaf index and leaf hash so an inclusion proof can be checked against it. */
export function presentAuditEntry(e: AuditEntry) {
  return {
    seq: e.seq,
    leafIndex: e.seq - 1,
    leafHash: entryLeafHash(e).toString("hex"),
    time: iso(e.time),
    tenantId: e.tenantId,
    actor: { type: e.actorType, id: e.actorId },
    action: e.action,
    object: { type: e.objectType, id: e.objectId },
    outcome: e.outcome,
    requestId: e.requestId,
    ip: e.ip,
    detail: detailOf(e.detail),
    detailDigest: e.detailDigest,
  };
}

/** A signed tree head, with the exact message that was signed. */
export function presentHead(h: SignedHead) {
  return {
    size: h.size,
    rootHash: h.rootHash,
    timestamp: iso(h.timestamp),
    timestampMs: h.timestamp,
    keyId: h.keyId,
    algorithm: "Ed25519",
    signature: h.signature,
    signedMessage: signedMessageOf(h),
  };
}

/** The canonical JSON the signature covers; null for a stored head too damaged to rebuild it. */
function signedMessageOf(h: SignedHead): string | null {
  try {
    return treeHeadBytes({ size: h.size, root: Buffer.from(h.rootHash, "hex"), timestamp: h.timestamp }).toString("utf8");
  } catch {
    return null;
  }
}
