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
  return encodeAd(ctx, 0);
}

/** encodeAssociatedData with `reserve` bytes left free in front (for the blob header), in one allocation. */
function encodeAd(ctx: SealContext, reserve: number): Buffer {
  const values = [contextField(ctx, "tenantId"), contextField(ctx, "table"), contextField(ctx, "rowId"), contextField(ctx, "field")];
  const lengths = values.map(checkedByteLength);
  const out = Buffer.allocUnsafe(reserve + AD_LABEL.length + lengths.reduce((a, n) => a + 4 + n, 0));
  let at = reserve + AD_LABEL.copy(out, reserve);
  values.forEach((v, i) => {
    at = out.writeUInt32BE(lengths[i]!, at);
    at += out.write(v, at, "utf8");
  });
  return out;
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
  // One buffer holds header ‖ associated data; the header is also the blob's first bytes.
  const aad = encodeAd(ctx, HEADER_BYTES);
  aad.writeUInt8(SEAL_FORMAT_V1, 0);
  aad.writeUInt32BE(keyVersion, 1);
  const nonce = nextNonce();
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const rest = cipher.final(); // empty for GCM (a stream mode), kept for form's sake
  const tag = cipher.getAuthTag();
  const out = Buffer.allocUnsafe(HEADER_BYTES + NONCE_BYTES + body.length + rest.length + TAG_BYTES);
  let at = aad.copy(out, 0, 0, HEADER_BYTES);
  at += nonce.copy(out, at);
  at += body.copy(out, at);
  at += rest.copy(out, at);
  tag.copy(out, at);
  return out;
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
  const nonce = nextNonce();
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/**
 * Nonces come from a pool filled by one CSPRNG call per NONCE_POOL nonces:
 * a randomBytes call costs about as much as sealing a small value, and bulk
 * writers (imports, re-encryption) seal hundreds of thousands. Each nonce is
 * handed out once and the pool is never reused; nonces are public (they sit
 * in every blob), so holding the next few in memory discloses nothing.
 */
const NONCE_POOL = 1024;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

function nextNonce(): Buffer {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * NONCE_POOL);
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
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

/** The UTF-8 length of a context field, refusing what would break injectivity or size bounds. */
function checkedByteLength(value: string): number {
  // eslint-disable-next-line no-control-regex
  const bytes = /^[\u0000-\u007f]*$/.test(value) ? value.length : wellFormedLength(value);
  if (bytes > MAX_CONTEXT_FIELD_BYTES) {
    throw new SealroomError("bad_request", `seal context fields are limited to ${MAX_CONTEXT_FIELD_BYTES} bytes`);
  }
  return bytes;
}

function wellFormedLength(value: string): number {
  const bytes = Buffer.from(value, "utf8");
  // A lone surrogate encodes as U+FFFD, so two different strings would share
  // one encoding; refuse them to keep the encoding injective.
  if (bytes.toString("utf8") !== value) {
    throw new SealroomError("bad_request", "seal context fields must be well-formed Unicode");
  }
  return bytes.length;
}
