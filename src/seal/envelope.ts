/**
 * Sealing one value with AES-256-GCM (NIST SP 800-38D), bound by associated
 * data to the tenant, table, row and field it belongs to, so a ciphertext
 * copied to any other place does not open.
 *
 * Sealed blob, format v1 (all integers big-endian):
 *
 *   [0x01 format][4-byte data-key version][12-byte nonce][ciphertext][16-byte tag]
 *
 * The GCM additional authenticated data is the 5-byte header followed by
 * encodeAssociatedData(ctx). Binding the header means no byte of a blob can
 * change without the tag check failing, even when the caller supplies the key
 * directly (openWithKey) rather than looking it up by the version in the blob.
 */
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from "node:crypto";
import { SealroomError } from "../domain/errors.js";

/** Where a sealed value lives; every field is bound into the associated data. */
export interface SealContext {
  tenantId: string;
  table: string;
  rowId: string;
  field: string;
}

export const SEAL_FORMAT_V1 = 0x01;
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
/** SP 800-38D §8.2.2: a 96-bit nonce from an approved RBG. */
const NONCE_BYTES = 12;
/** SP 800-38D §5.2.1.2: the full 128-bit tag, never truncated. */
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 4;
const MIN_BLOB_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
const MAX_KEY_VERSION = 0xffff_ffff;
/** Longest context field we accept, in UTF-8 bytes (ids and names, never payloads). */
const MAX_CONTEXT_FIELD_BYTES = 1024;
const AD_LABEL = Buffer.from("sealroom-ad/v1", "ascii");

/**
 * The one error every failure to open produces. SP 800-38D §7.2 returns a
 * bare FAIL from authenticated decryption, and we keep it that way on purpose:
 * a blob is attacker-controlled, and an error that said *why* (bad tag vs.
 * wrong key vs. unknown version vs. truncated) would give an attacker an
 * oracle for probing keys, versions and formats. No message detail, no cause.
 */
export function decryptionFailed(): SealroomError {
  return new SealroomError("decryption_failed", "decryption failed");
}

/**
 * Serialises a SealContext as associated data: the label `sealroom-ad/v1`,
 * then tenantId, table, rowId, field, each as a 4-byte big-endian byte length
 * followed by its UTF-8 bytes. Length prefixes make the encoding injective:
 * ("ab","c") and ("a","bc") never collide.
 */
export function encodeAssociatedData(ctx: SealContext): Buffer {
  const parts: Buffer[] = [AD_LABEL];
  for (const name of ["tenantId", "table", "rowId", "field"] as const) {
    parts.push(lengthPrefixed(contextField(ctx, name)));
  }
  return Buffer.concat(parts);
}

/** Seals `plaintext` under `key` (data-key `keyVersion`) for the place `ctx`. */
export function sealWithKey(
  key: KeyObject,
  keyVersion: number,
  ctx: SealContext,
  plaintext: Uint8Array,
): Buffer {
  assertDataKey(key);
  if (!Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > MAX_KEY_VERSION) {
    throw new SealroomError("bad_request", "data-key version must be an integer from 1 to 2^32-1");
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(SEAL_FORMAT_V1, 0);
  header.writeUInt32BE(keyVersion, 1);
  const aad = Buffer.concat([header, encodeAssociatedData(ctx)]);
  return Buffer.concat([header, gcmEncrypt(key, aad, plaintext)]);
}

/** Opens a v1 blob sealed for `ctx`; any failure is the uniform decryption_failed. */
export function openWithKey(key: KeyObject, ctx: SealContext, blob: Uint8Array): Buffer {
  assertDataKey(key);
  const ad = encodeAssociatedData(ctx);
  // Snapshot the attacker-controlled input before parsing it.
  const bytes = Buffer.from(blob);
  readKeyVersion(bytes);
  const header = bytes.subarray(0, HEADER_BYTES);
  return gcmDecrypt(key, Buffer.concat([header, ad]), bytes.subarray(HEADER_BYTES));
}

/** The data-key version a blob names; decryption_failed when it is not a v1 blob. */
export function readKeyVersion(blob: Uint8Array): number {
  if (blob.length < MIN_BLOB_BYTES || blob[0] !== SEAL_FORMAT_V1) throw decryptionFailed();
  const version = Buffer.from(blob.buffer, blob.byteOffset, blob.length).readUInt32BE(1);
  if (version === 0) throw decryptionFailed();
  return version;
}

/**
 * AES-256-GCM with a fresh random nonce; returns nonce ‖ ciphertext ‖ tag.
 * Random 96-bit nonces keep the collision risk within SP 800-38D §8.3 as long
 * as one key seals fewer than 2^32 values, which rotation keeps us far below.
 */
export function gcmEncrypt(key: KeyObject, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Inverse of gcmEncrypt over nonce ‖ ciphertext ‖ tag; throws only decryptionFailed(). */
export function gcmDecrypt(key: KeyObject, aad: Uint8Array, sealed: Uint8Array): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw decryptionFailed();
  const bytes = Buffer.from(sealed);
  const nonce = bytes.subarray(0, NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = decipher.update(body);
    // final() verifies the tag; nothing decrypted is returned before it does.
    return Buffer.concat([plain, decipher.final()]);
  } catch {
    throw decryptionFailed();
  }
}

function assertDataKey(key: KeyObject): void {
  if (key.type !== "secret" || key.symmetricKeySize !== KEY_BYTES) {
    throw new SealroomError("bad_request", "a data key must be a 32-byte secret KeyObject");
  }
}

function contextField(ctx: SealContext, name: keyof SealContext): string {
  const value: unknown = ctx[name];
  if (typeof value !== "string" || value.length === 0) {
    throw new SealroomError("bad_request", `seal context field ${name} must be a non-empty string`);
  }
  return value;
}

function lengthPrefixed(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  // A lone surrogate encodes as U+FFFD, so two different strings would share
  // one encoding; refuse them to keep the encoding injective.
  if (bytes.toString("utf8") !== value) {
    throw new SealroomError("bad_request", "seal context fields must be well-formed Unicode");
  }
  if (bytes.length > MAX_CONTEXT_FIELD_BYTES) {
    throw new SealroomError("bad_request", `seal context fields are limited to ${MAX_CONTEXT_FIELD_BYTES} bytes`);
  }
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}
