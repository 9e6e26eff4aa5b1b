/**
 * One audit entry and its bytes. The leaf of the Merkle tree is the
 * canonical JSON (RFC 8785-style: sorted keys, no whitespace) of every field
 * stored for the entry, so changing any stored column changes the leaf hash.
 * `detail` is kept beside the entry; the entry commits to its digest.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";
import { leafHash } from "./merkle.js";

export type ActorType = "user" | "token" | "gateway_key" | "system" | "anonymous";
export type Outcome = "success" | "failure" | "denied";

/** What a caller records; the log adds the sequence number and time. */
export interface AuditEvent {
  readonly tenantId: string | null;
  readonly actorType: ActorType;
  readonly actorId: string | null;
  /** Dotted verb, e.g. "auth.login", "item.read", "tenant.pause". */
  readonly action: string;
  readonly objectType: string | null;
  readonly objectId: string | null;
  readonly outcome: Outcome;
  readonly requestId: string | null;
  readonly ip: string | null;
  /** Small, non-secret metadata (counts, roles, names); never payloads or credentials. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** An entry as stored: the event plus its place in the log. */
export interface AuditEntry extends Omit<AuditEvent, "detail"> {
  /** 1-based; the Merkle leaf index is seq - 1. */
  readonly seq: number;
  readonly time: number;
  /** Canonical JSON of the detail, or null. */
  readonly detail: string | null;
  /** hex SHA-256 of `detail`, or null. */
  readonly detailDigest: string | null;
}

/** Builds the stored entry for an event at `seq` and `time`. */
export function toEntry(event: AuditEvent, seq: number, time: number): AuditEntry {
  const detail = event.detail && Object.keys(event.detail).length > 0 ? canonicalJson(event.detail) : null;
  const { detail: _ignored, ...rest } = event;
  return { ...rest, seq, time, detail, detailDigest: detail === null ? null : createHash("sha256").update(detail).digest("hex") };
}

/** The exact bytes hashed into the tree for `e`. */
export function entryBytes(e: AuditEntry): Buffer {
  return Buffer.from(
    canonicalJson({
      v: 1,
      seq: e.seq,
      time: e.time,
      tenant: e.tenantId,
      actor: { type: e.actorType, id: e.actorId },
      action: e.action,
      object: { type: e.objectType, id: e.objectId },
      outcome: e.outcome,
      requestId: e.requestId,
      ip: e.ip,
      detailDigest: e.detailDigest,
    }),
    "utf8",
  );
}

/** RFC 6962 leaf hash of an entry. */
export function entryLeafHash(e: AuditEntry): Buffer {
  return leafHash(entryBytes(e));
}
