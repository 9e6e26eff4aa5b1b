/**
 * Password hashing with scrypt (RFC 7914) and the password policy.
 *
 * Encoded form: `scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64url>$<hash b64url>`.
 * The parameters travel with the hash so they can be raised later without
 * invalidating stored passwords (see `needsRehash`).
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { SealroomError } from "../domain/errors.js";
import { COMMON_PASSWORDS } from "./common-passwords.js";

/** scrypt cost parameters: N = 2^ln, block size r, parallelism p (RFC 7914 section 2). */
export interface ScryptParams {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/** Production parameters: N = 2^15, r = 8, p = 1 (32 MiB, the RFC 7914 section 2 interactive-login ballpark). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ ln: 15, r: 8, p: 1 });

/** Cheap parameters for tests only: never use them to store a real password. */
export const FAST_SCRYPT_PARAMS: ScryptParams = Object.freeze({ ln: 10, r: 8, p: 1 });

/** Policy bounds in characters (code points); the maximum keeps hashing cost bounded, not security. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/**
 * Upper bounds on parameters read back from an encoded hash. The encoding is
 * stored data, but a tampered row must not be able to make one login burn
 * gigabytes of memory or minutes of CPU.
 */
const LIMITS = { lnMin: 1, lnMax: 20, rMax: 32, pMax: 16, memBytes: 2 ** 30, work: 2 ** 25 } as const;
/** Hashing megabytes of "password" is a denial-of-service vector, not a feature. */
const MAX_INPUT_CHARS = 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;
const PARAMS_RE = /^ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})$/;

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function paramsInRange(p: ScryptParams): boolean {
  return (
    Number.isInteger(p.ln) && p.ln >= LIMITS.lnMin && p.ln <= LIMITS.lnMax &&
    Number.isInteger(p.r) && p.r >= 1 && p.r <= LIMITS.rMax &&
    Number.isInteger(p.p) && p.p >= 1 && p.p <= LIMITS.pMax &&
    128 * 2 ** p.ln * p.r <= LIMITS.memBytes &&
    2 ** p.ln * p.r * p.p <= LIMITS.work
  );
}

/**
 * RFC 8265 section 4.2 (OpaqueString) normalizes to NFC so the same password
 * typed on two keyboards that emit different code point sequences still matches.
 */
function normalize(password: string): string {
  return password.normalize("NFC");
}

function deriveKey(password: string, salt: Buffer, params: ScryptParams, keyLen: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // OpenSSL needs 128*r*(N+p+2) bytes and Node's default maxmem (32 MiB) is
  // below that for our default cost; 256*N*r covers it except for toy N.
  const maxmem = Math.max(256 * N * params.r, 128 * params.r * (N + params.p + 2));
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLen, { N, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

function decodeB64url(s: string): Buffer | null {
  // Buffer.from(..., "base64url") silently skips bad characters; check first.
  return B64URL.test(s) ? Buffer.from(s, "base64url") : null;
}

/** Parses an encoded hash defensively: anything unexpected yields null. */
function parseEncoded(encoded: string): ParsedHash | null {
  if (typeof encoded !== "string" || encoded.length > 512) return null;
  const parts = encoded.split("$");
  if (parts.length !== 4 || parts[0] !== "scrypt") return null;
  const m = PARAMS_RE.exec(parts[1] ?? "");
  if (!m) return null;
  const params: ScryptParams = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (!paramsInRange(params)) return null;
  const salt = decodeB64url(parts[2] ?? "");
  const hash = decodeB64url(parts[3] ?? "");
  if (!salt || !hash || salt.length < SALT_BYTES || hash.length !== KEY_BYTES) return null;
  return { params, salt, hash };
}

/** Hashes a password with scrypt and a fresh 16-byte salt; returns the self-describing encoding. */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  if (!paramsInRange(params)) {
    throw new SealroomError("config_invalid", "scrypt parameters are out of the supported range.");
  }
  if (password.length > MAX_INPUT_CHARS) {
    throw new SealroomError("bad_request", "Password is too long.");
  }
  const salt = randomBytes(SALT_BYTES);
  const hash = await deriveKey(normalize(password), salt, params, KEY_BYTES);
  const p = `ln=${params.ln},r=${params.r},p=${params.p}`;
  return `scrypt$${p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** True when `password` matches `encoded`; false (never a throw) for a wrong password or a malformed encoding. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (typeof password !== "string" || password.length > MAX_INPUT_CHARS) return false;
  const parsed = parseEncoded(encoded);
  if (!parsed) return false;
  try {
    const candidate = await deriveKey(normalize(password), parsed.salt, parsed.params, parsed.hash.length);
    return timingSafeEqual(candidate, parsed.hash);
  } catch {
    // e.g. the runtime refusing the memory: still a uniform "no".
    return false;
  }
}

/** True when `encoded` was not made with exactly `params` (or cannot be parsed) and should be replaced at next login. */
export function needsRehash(encoded: string, params: ScryptParams): boolean {
  const parsed = parseEncoded(encoded);
  if (!parsed) return true;
  const p = parsed.params;
  return p.ln !== params.ln || p.r !== params.r || p.p !== params.p || parsed.salt.length !== SALT_BYTES;
}

/** Returns null when `password` is acceptable, otherwise a message for the person choosing it. */
export function checkPasswordPolicy(password: string, context?: { email?: string }): string | null {
  const pw = normalize(password);
  // Count code points, not UTF-16 units, so an emoji counts as one character.
  const chars = [...pw];
  if (chars.length < PASSWORD_MIN_LENGTH) {
    return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  }
  if (chars.length > PASSWORD_MAX_LENGTH) {
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  }
  if (new Set(chars).size === 1) {
    return "Password must not be a single character repeated.";
  }
  const lower = pw.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) {
    return "Password is too common; choose a less predictable one.";
  }
  if (matchesEmail(lower, context?.email)) {
    return "Password must not be your email address.";
  }
  return null;
}

function matchesEmail(lowerPassword: string, email: string | undefined): boolean {
  const e = email?.trim().toLowerCase();
  if (!e) return false;
  const at = e.lastIndexOf("@");
  const local = at > 0 ? e.slice(0, at) : "";
  return lowerPassword === e || (local !== "" && lowerPassword === local);
}

/** Throws SealroomError("weak_password") when `password` fails `checkPasswordPolicy`. */
export function assertPasswordPolicy(password: string, context?: { email?: string }): void {
  const problem = checkPasswordPolicy(password, context);
  if (problem !== null) throw new SealroomError("weak_password", problem);
}
