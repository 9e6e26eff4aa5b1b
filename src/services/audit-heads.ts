/**
 * Signed tree heads: the installation's Ed25519 signing key (created on first
 * use, private half sealed like every other secret), signing the current
 * head on demand or on a timer, and reading heads back.
 *
 * Signing a head is deliberately not itself an audit entry: the entry would
 * be appended after the root was computed, so every head would be out of
 * date the moment it was written (and signing again would chase it for
 * ever). Heads are their own append-only record instead, checked by
 * `sealroom audit verify`.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { consistencyProof, CompactRange, verifyConsistency } from "../audit/merkle.js";
import { generateSigningKey, publicKeyFromPem, signTreeHead, HEAD_ALGORITHM } from "../audit/tree-head.js";
import { SealroomError } from "../domain/errors.js";
import {
  auditNodeSource,
  findAuditHead,
  insertAuditHead,
  insertSigningKey,
  latestAuditHead,
  listAuditHeads,
  readAuditState,
  readSigningKey,
  type AuditHeadRow,
} from "../store/repos/audit.js";
import { INSTALLATION_SCOPE, type Services } from "./context.js";

/** A signed head as services hand it out. */
export interface SignedHead {
  readonly size: number;
  /** lowercase hex */
  readonly rootHash: string;
  /** ms since the epoch; part of the signed bytes */
  readonly timestamp: number;
  readonly keyId: string;
  /** base64 Ed25519 signature over treeHeadBytes({size, root, timestamp}) */
  readonly signature: string;
}

/** The published half of the signing key. */
export interface PublicSigningKey {
  readonly algorithm: typeof HEAD_ALGORITHM;
  readonly keyId: string;
  readonly publicKeyPem: string;
}

const sealContext = (keyId: string) => ({ tenantId: INSTALLATION_SCOPE, table: "audit_signing_keys", rowId: keyId, field: "private_key" });

function toHead(r: AuditHeadRow): SignedHead {
  return { size: r.size, rootHash: r.root_hash, timestamp: r.signed_at, keyId: r.key_id, signature: r.signature };
}

/** The installation's signing key row, created (and its private half sealed) on first use. */
async function ensureKeyRow(s: Services) {
  const existing = await readSigningKey(s.store.db);
  if (existing) return existing;
  const k = generateSigningKey();
  const sealed = await s.sealer.seal(sealContext(k.keyId), k.privateKeyPem);
  await insertSigningKey(s.store.db, { id: k.keyId, public_key: k.publicKeyPem, private_key: sealed, created_at: s.now() });
  // Another process may have created one at the same moment: everyone uses the oldest.
  const row = await readSigningKey(s.store.db);
  if (!row) throw new SealroomError("internal", "the audit signing key could not be stored");
  return row;
}

/** The public signing key, creating the key pair on first use. */
export async function publicSigningKey(s: Services): Promise<PublicSigningKey> {
  const row = await ensureKeyRow(s);
  return { algorithm: HEAD_ALGORITHM, keyId: row.id, publicKeyPem: row.public_key };
}

async function privateSigningKey(s: Services): Promise<{ keyId: string; key: KeyObject; publicKey: KeyObject }> {
  const row = await ensureKeyRow(s);
  const pem = await s.sealer.openText(sealContext(row.id), Buffer.from(row.private_key));
  return { keyId: row.id, key: createPrivateKey(pem), publicKey: publicKeyFromPem(row.public_key) };
}

/**
 * Refuses to sign a tree that does not extend the last signed one (RFC 9162
 * §2.1.4): if the stored hashes were rewritten, signing would launder them.
 */
async function assertExtends(s: Services, previous: AuditHeadRow, size: number, root: Buffer): Promise<void> {
  const proof = await consistencyProof(previous.size, size, auditNodeSource(s.store.db));
  const check = verifyConsistency(previous.size, size, proof, Buffer.from(previous.root_hash, "hex"), root);
  if (!check.ok) {
    throw new SealroomError("audit_inconsistent", `The audit log no longer extends the head signed at size ${previous.size} (${check.reason}); no head was signed. Run \`sealroom audit verify\`.`);
  }
}

/**
 * Signs the current tree head unless the newest head already covers every
 * entry. Returns the newest head and whether this call created it; no head
 * for an empty log.
 */
export async function signCurrentHead(s: Services): Promise<{ head: SignedHead | undefined; created: boolean }> {
  // One read gives size and frontier together, so the root is exactly the root of `size` entries.
  const state = await readAuditState(s.store.db, false);
  const latest = await latestAuditHead(s.store.db);
  if (state.size === 0 || (latest && latest.size >= state.size)) return { head: latest ? toHead(latest) : undefined, created: false };
  const root = CompactRange.fromJSON(JSON.parse(state.frontier)).root();
  if (latest) await assertExtends(s, latest, state.size, root);
  const { keyId, key } = await privateSigningKey(s);
  const timestamp = Math.max(s.now(), latest ? latest.signed_at : 0);
  const signature = signTreeHead({ size: state.size, root, timestamp }, key).toString("base64");
  const row: AuditHeadRow = { size: state.size, root_hash: root.toString("hex"), signed_at: timestamp, key_id: keyId, signature };
  await insertAuditHead(s.store.db, row);
  return { head: toHead(row), created: true };
}

/** The newest signed head, if any. */
export async function latestHead(s: Services): Promise<SignedHead | undefined> {
  const r = await latestAuditHead(s.store.db);
  return r ? toHead(r) : undefined;
}

/** The head signed at exactly `size` entries, if any. */
export async function headAt(s: Services, size: number): Promise<SignedHead | undefined> {
  const r = await findAuditHead(s.store.db, size);
  return r ? toHead(r) : undefined;
}

/** Every signed head, oldest first. */
export async function listHeads(s: Services): Promise<SignedHead[]> {
  return (await listAuditHeads(s.store.db)).map(toHead);
}

/** The number of entries in the log now (signed or not). */
export async function currentTreeSize(s: Services): Promise<number> {
  return (await readAuditState(s.store.db, false)).size;
}
