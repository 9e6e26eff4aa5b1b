/**
 * Signed tree heads: the log's commitment to "these are the first `size`
 * entries, and their Merkle root is `root`, as of `timestamp`". Modelled on
 * RFC 9162 §4.10 (the signed tree head of Certificate Transparency 2.0),
 * with the signed bytes as canonical JSON instead of TLS presentation
 * language, and Ed25519 (RFC 8032) from node:crypto as the signature scheme.
 * Pure: keys come in as KeyObjects; storing and sealing them is a service's job.
 * Verification takes attacker-controlled input and never throws.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { SealroomError } from "../domain/errors.js";
import { canonicalJson } from "./canonical-json.js";
import { HASH_SIZE } from "./merkle.js";

/** The signature algorithm, as published next to the public key. */
export const HEAD_ALGORITHM = "Ed25519";

/** What a head commits to. `root` is the 32-byte RFC 6962 root of the first `size` entries. */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
  /** Milliseconds since the epoch when the head was signed. */
  readonly timestamp: number;
}

/** A newly generated signing key pair: PEM encodings and the key id. */
export interface GeneratedSigningKey {
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

/**
 * The exact bytes signed: canonical JSON of {v:1, size, root (lowercase
 * hex), timestamp}. A verifier rebuilds them from the three values alone.
 */
export function treeHeadBytes(head: TreeHead): Buffer {
  if (!isCount(head.size)) throw new SealroomError("bad_request", "tree head size must be a non-negative safe integer");
  if (!isCount(head.timestamp)) throw new SealroomError("bad_request", "tree head timestamp must be a non-negative safe integer");
  if (!(head.root instanceof Uint8Array) || head.root.length !== HASH_SIZE) throw new SealroomError("bad_request", `tree head root must be ${HASH_SIZE} bytes`);
  return Buffer.from(canonicalJson({ v: 1, size: head.size, root: Buffer.from(head.root).toString("hex"), timestamp: head.timestamp }), "utf8");
}

/**
 * The key id: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo, as RFC
 * 6962 §3.2 derives a log's id from its public key.
 */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex");
}

/** Generates a fresh Ed25519 key pair for signing heads. */
export function generateSigningKey(): GeneratedSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Reads a PEM public key; throws bad_request unless it is an Ed25519 key. */
export function publicKeyFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new SealroomError("bad_request", "the public key is not a valid PEM key");
  }
  if (key.asymmetricKeyType !== "ed25519") throw new SealroomError("bad_request", "the public key is not an Ed25519 key");
  return key;
}

/** Signs a head with an Ed25519 private key; returns the 64-byte signature. */
export function signTreeHead(head: TreeHead, privateKey: KeyObject): Buffer {
  if (privateKey.asymmetricKeyType !== "ed25519") throw new SealroomError("internal", "tree heads are signed with Ed25519 keys only");
  // Ed25519 hashes internally (RFC 8032 §5.1.6): node:crypto takes no digest name for it.
  return sign(null, treeHeadBytes(head), privateKey);
}

/** True when `signature` is a valid Ed25519 signature of `head` under `publicKey`. Never throws. */
export function verifyTreeHead(head: TreeHead, signature: Uint8Array, publicKey: KeyObject): boolean {
  try {
    if (publicKey.asymmetricKeyType !== "ed25519") return false;
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    return verify(null, treeHeadBytes(head), publicKey, signature);
  } catch {
    return false;
  }
}
