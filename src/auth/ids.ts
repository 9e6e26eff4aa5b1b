/**
 * Identifiers: UUID version 7 (RFC 9562 section 5.7), time-ordered so primary
 * keys sort by creation time and index pages stay warm.
 */
import { randomBytes } from "node:crypto";
import { SealroomError } from "../domain/errors.js";

const MAX_MS = 2 ** 48 - 1; // unix_ts_ms is a 48-bit field.
const TAIL_BITS = 74n; // rand_a (12) + rand_b (62)
const TAIL_LIMIT = 1n << TAIL_BITS;
const SEED_MASK = (1n << (TAIL_BITS - 1n)) - 1n;
const RAND_B_MASK = (1n << 62n) - 1n;
/** Clock steps back larger than this are taken as real and not papered over. */
const MAX_REGRESSION_MS = 10_000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Monotonicity, RFC 9562 section 6.2 method 2 ("monotonic random"): within
 * one millisecond the 74 random bits are treated as one number and advanced
 * by a random 32-bit step. Seeding with the top bit clear leaves 2^73 of
 * headroom, about 2^41 ids per millisecond, so the counter never has to
 * borrow from the timestamp and the encoded time is always the one asked for.
 */
let lastMs = -1;
let tail = 0n;

/**
 * Random bytes come from a pool refilled by one CSPRNG call per 4 KiB: bulk
 * writers mint an id per row, and a randomBytes call per id would cost more
 * than the rest of the id. Bytes are handed out once, never reused.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomBig(bytes: number): bigint {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += bytes;
  if (bytes === 4) return BigInt(pool.readUInt32BE(start));
  return BigInt(`0x${pool.toString("hex", start, start + bytes)}`);
}

function nextState(nowMs: number | undefined): { ms: number; tail: bigint } {
  const explicit = nowMs !== undefined;
  const now = nowMs ?? Date.now();
  if (explicit && (!Number.isInteger(now) || now < 0 || now > MAX_MS)) {
    throw new SealroomError("bad_request", "UUIDv7 timestamp must be an integer number of ms in 0..2^48-1.");
  }
  // A wall clock that steps back a little (NTP) keeps counting on from the
  // last millisecond so ids still sort; an explicit time is used as given.
  const sameWindow = explicit ? now === lastMs : now <= lastMs && lastMs - now <= MAX_REGRESSION_MS;
  if (sameWindow) {
    tail += randomBig(4) + 1n;
    // Unreachable in practice (see above); if it happens, stay valid rather than ordered.
    if (tail >= TAIL_LIMIT) tail = randomBig(10) & SEED_MASK;
  } else {
    lastMs = now;
    tail = randomBig(10) & SEED_MASK;
  }
  return { ms: lastMs, tail };
}

/** A new UUIDv7 in lowercase canonical form; strictly increasing within one process and millisecond. */
export function uuidv7(nowMs?: number): string {
  const s = nextState(nowMs);
  const b = Buffer.alloc(16);
  b.writeUIntBE(s.ms, 0, 6);
  const randA = Number(s.tail >> 62n); // 12 bits
  b[6] = 0x70 | (randA >>> 8); // version 7 in the high nibble
  b[7] = randA & 0xff;
  b.writeBigUInt64BE((2n << 62n) | (s.tail & RAND_B_MASK), 8); // variant 0b10, then rand_b
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** True for a UUID of any version in lowercase canonical 8-4-4-4-12 form. */
export function isUuid(s: string): boolean {
  return typeof s === "string" && UUID_RE.test(s);
}
