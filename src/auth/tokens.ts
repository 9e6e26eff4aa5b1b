/**
 * Bearer secrets: random tokens (sessions, invitations, API keys), their
 * stored hashes, constant-time comparison, and MFA recovery codes.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { SealroomError } from "../domain/errors.js";

/** Short, URL- and header-safe prefixes such as "sr_sess_" that say what a token is for when it leaks into a log. */
const PREFIX_RE = /^[A-Za-z0-9_-]{0,32}$/;
const MIN_TOKEN_BYTES = 16; // 128 bits: below this an online guess stops being hopeless.
const MAX_TOKEN_BYTES = 1024;

/**
 * Crockford's base32 alphabet, lower case: no i, l, o or u, so nothing reads
 * as another character. 32 symbols = 5 bits each, and 32 divides 256, so
 * `byte & 31` is unbiased.
 */
const RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const RECOVERY_GROUPS = 3;
const RECOVERY_GROUP_LEN = 4; // 3 x 4 symbols x 5 bits = 60 bits per code.
const MAX_RECOVERY_CODES = 100;

/** `prefix` followed by `bytes` random bytes in base64url (no padding). */
export function randomToken(prefix: string, bytes = 32): string {
  if (!PREFIX_RE.test(prefix)) {
    throw new SealroomError("bad_request", "Token prefix must be up to 32 of [A-Za-z0-9_-].");
  }
  if (!Number.isInteger(bytes) || bytes < MIN_TOKEN_BYTES || bytes > MAX_TOKEN_BYTES) {
    throw new SealroomError("bad_request", `Token size must be ${MIN_TOKEN_BYTES} to ${MAX_TOKEN_BYTES} bytes.`);
  }
  return prefix + randomBytes(bytes).toString("base64url");
}

/**
 * Hex SHA-256 of a token, for storage. No salt and no slow KDF on purpose:
 * tokens carry 256 bits of randomness, so there is no dictionary to attack
 * and a fast hash is as strong as a slow one, while keeping lookup by hash
 * possible. (Passwords are the opposite case; see password.ts.)
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Constant-time string equality, also when the lengths differ: both sides are
 * hashed to 32 bytes first, so the comparison time reveals neither the length
 * nor the position of the first difference.
 */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  // Equal digests imply equal strings (SHA-256 collision resistance); the
  // length check is belt and braces and costs nothing secret.
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** `count` fresh recovery codes shaped like "abcd-efgh-jkmn" (60 random bits each). */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_RECOVERY_CODES) {
    throw new SealroomError("bad_request", `Recovery code count must be 1 to ${MAX_RECOVERY_CODES}.`);
  }
  const symbols = RECOVERY_GROUPS * RECOVERY_GROUP_LEN;
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const raw = randomBytes(symbols);
    let s = "";
    for (const byte of raw) s += RECOVERY_ALPHABET[byte & 31];
    codes.push(insertDashes(s));
  }
  return codes;
}

function insertDashes(s: string): string {
  const groups: string[] = [];
  for (let i = 0; i < s.length; i += RECOVERY_GROUP_LEN) groups.push(s.slice(i, i + RECOVERY_GROUP_LEN));
  return groups.join("-");
}

/**
 * Canonical form of a typed recovery code: lower case, whitespace and dashes
 * removed, then dashes every four characters. Following Crockford, i and l
 * read as 1 and o as 0, since a person may copy them that way. Input that is
 * not a valid code still normalizes; it just will not match any stored hash.
 */
export function normalizeRecoveryCode(input: string): string {
  // Cap the work done on hostile input; a real code is 14 characters.
  const compact = input
    .slice(0, 256)
    .toLowerCase()
    .replace(/[\s-]+/g, "")
    .replace(/[il]/g, "1")
    .replace(/o/g, "0");
  return insertDashes(compact);
}

/**
 * Hex SHA-256 of the normalized code, for storage. Online, 60 random bits are
 * out of reach; offline, a stolen hash still costs ~2^59 SHA-256 per code,
 * and the codes are single-use and replaced on regeneration.
 */
export function hashRecoveryCode(code: string): string {
  return hashToken(normalizeRecoveryCode(code));
}
