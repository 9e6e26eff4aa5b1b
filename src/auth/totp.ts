/**
 * Time-based one-time passwords: RFC 6238 TOTP over RFC 4226 HOTP, the
 * RFC 4648 base32 alphabet for secrets, and the Key URI format authenticator
 * apps scan (https://github.com/google/google-authenticator/wiki/Key-Uri-Format).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { SealroomError } from "../domain/errors.js";

export type TotpAlgorithm = "sha1" | "sha256" | "sha512";

export interface TotpOptions {
  readonly digits?: 6 | 8;
  readonly stepSeconds?: number;
  readonly algorithm?: TotpAlgorithm;
}

export interface VerifyTotpOptions extends TotpOptions {
  /** Steps accepted either side of the current one, for clock skew; default 1, at most 10. */
  readonly window?: number;
  /** The step matched at the last successful login; it and anything older is refused (RFC 6238 section 5.2). */
  readonly lastUsedStep?: number | null;
}

// RFC 4648 section 6.
const B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** Prototype-less lookup so "constructor" and friends are not valid digits. */
const B32_LOOKUP: Record<string, number> = Object.create(null) as Record<string, number>;
for (let i = 0; i < B32_ALPHABET.length; i++) B32_LOOKUP[B32_ALPHABET[i] as string] = i;

const SECRET_BYTES = 20; // RFC 4226 section 4 R6: 160 bits, the HMAC-SHA1 output length.
const DEFAULT_STEP = 30; // RFC 6238 section 5.2
const MAX_WINDOW = 10;

/** Encodes bytes as RFC 4648 base32, upper case, without "=" padding (as authenticator apps expect). */
export function base32Encode(data: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of data) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32_ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += B32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes RFC 4648 base32, ignoring case, whitespace and trailing "="; throws SealroomError("bad_request") otherwise. */
export function base32Decode(input: string): Buffer {
  const s = input.replace(/\s+/g, "").replace(/=+$/, "").toUpperCase();
  // 1, 3 or 6 trailing characters cannot come from whole bytes (RFC 4648 section 6 final quanta).
  if ([1, 3, 6].includes(s.length % 8)) {
    throw new SealroomError("bad_request", "Invalid base32: impossible length.");
  }
  const out = Buffer.alloc(Math.floor((s.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let j = 0;
  for (const ch of s) {
    const v = B32_LOOKUP[ch];
    if (v === undefined) throw new SealroomError("bad_request", "Invalid base32: unexpected character.");
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}

/** A fresh random 160-bit TOTP secret. */
export function generateTotpSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

function resolveOptions(opts: TotpOptions | undefined): Required<TotpOptions> {
  const digits = opts?.digits ?? 6;
  const stepSeconds = opts?.stepSeconds ?? DEFAULT_STEP;
  const algorithm = opts?.algorithm ?? "sha1";
  if (digits !== 6 && digits !== 8) throw new SealroomError("bad_request", "TOTP digits must be 6 or 8.");
  if (!Number.isInteger(stepSeconds) || stepSeconds < 1) {
    throw new SealroomError("bad_request", "TOTP step must be a positive whole number of seconds.");
  }
  if (algorithm !== "sha1" && algorithm !== "sha256" && algorithm !== "sha512") {
    throw new SealroomError("bad_request", "Unsupported TOTP algorithm.");
  }
  return { digits, stepSeconds, algorithm };
}

/** RFC 4226 section 5.3 HOTP value for one counter, zero-padded to `digits`. */
export function hotp(secret: Buffer, counter: number, opts?: Omit<TotpOptions, "stepSeconds">): string {
  const { digits, algorithm } = resolveOptions(opts);
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new SealroomError("bad_request", "HOTP counter must be a non-negative integer.");
  }
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(msg).digest();
  // Dynamic truncation, RFC 4226 section 5.4: offset from the low nibble of the last byte.
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** RFC 6238 section 4.2 time step for a Unix time (T0 = 0). */
function stepAt(timeSeconds: number, stepSeconds: number): number {
  if (!Number.isFinite(timeSeconds) || timeSeconds < 0) {
    throw new SealroomError("bad_request", "TOTP time must be a non-negative number of seconds.");
  }
  return Math.floor(timeSeconds / stepSeconds);
}

/** The TOTP code for `timeSeconds` (Unix seconds). */
export function totpAt(secret: Buffer, timeSeconds: number, opts?: TotpOptions): string {
  const o = resolveOptions(opts);
  return hotp(secret, stepAt(timeSeconds, o.stepSeconds), o);
}

/**
 * Checks `code` against the steps around `nowSeconds`; returns the matched
 * step (store it as the next `lastUsedStep`) or null.
 */
export function verifyTotp(
  secret: Buffer,
  code: string,
  nowSeconds: number,
  opts?: VerifyTotpOptions,
): number | null {
  const o = resolveOptions(opts);
  const window = opts?.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new SealroomError("bad_request", `TOTP window must be a whole number from 0 to ${MAX_WINDOW}.`);
  }
  const candidate = typeof code === "string" ? code.replace(/\s+/g, "") : "";
  if (candidate.length !== o.digits || !/^[0-9]+$/.test(candidate)) return null;
  const given = Buffer.from(candidate, "ascii");
  const current = stepAt(nowSeconds, o.stepSeconds);
  const last = opts?.lastUsedStep ?? null;
  let matched: number | null = null;
  // Compare every step in the window without an early exit, so timing does
  // not reveal which step (if any) matched.
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(secret, step, o), "ascii");
    const equal = timingSafeEqual(expected, given);
    // A code is single-use (RFC 6238 section 5.2): a step at or before the
    // last accepted one is a replay even when the digits are right.
    if (equal && matched === null && (last === null || step > last)) matched = step;
  }
  return matched;
}

/** The `otpauth://totp/` Key URI for enrolling `secret` in an authenticator app (SHA-1, 6 digits, 30 s). */
export function otpauthUri(issuer: string, account: string, secret: Buffer): string {
  // The label is "issuer:account"; a colon inside either would make it ambiguous.
  if (!issuer || !account || issuer.includes(":") || account.includes(":")) {
    throw new SealroomError("bad_request", "Issuer and account must be non-empty and must not contain ':'.");
  }
  // encodeURIComponent gives %20 for spaces, which the Key URI format requires (not "+").
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${base32Encode(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    "algorithm=SHA1",
    "digits=6",
    `period=${DEFAULT_STEP}`,
  ].join("&");
  return `otpauth://totp/${label}?${query}`;
}
