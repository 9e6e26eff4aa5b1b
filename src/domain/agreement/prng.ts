/**
 * A small seeded pseudo-random generator so bootstrap results are
 * reproducible: xoshiro128** (Blackman & Vigna, "Scrambled Linear
 * Pseudorandom Number Generators", ACM TOMS 47(4), 2021; reference code at
 * https://prng.di.unimi.it/xoshiro128starstar.c), its 128-bit state filled
 * from a 32-bit seed by SplitMix32-style mixing so nearby seeds give
 * unrelated streams. Statistical use only: never for secrets (node:crypto is).
 */
import { SealroomError } from "../errors.js";

/** A deterministic stream of random numbers. */
export interface Prng {
  /** The next 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform integer in [0, n), without modulo bias (rejection sampling); 1 ≤ n ≤ 2^32. */
  nextInt(n: number): number;
}

/** SplitMix32-style finaliser (the MurmurHash3 fmix32 constants) stepping a 32-bit counter. */
function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** A xoshiro128** generator seeded from an integer in [0, 2^32); other seeds are "bad_request". */
export function createPrng(seed: number): Prng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new SealroomError("bad_request", "seed must be an integer in [0, 2^32)", { issues: [{ path: "seed", message: "out of range" }] });
  }
  const mix = { s: seed >>> 0 };
  let s0 = splitMix32(mix);
  let s1 = splitMix32(mix);
  let s2 = splitMix32(mix);
  let s3 = splitMix32(mix);
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  const nextInt = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new SealroomError("bad_request", "range must be an integer in [1, 2^32]");
    // Accept only draws below the largest multiple of n, so every residue is equally likely.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = nextUint32();
      if (x < limit) return x % n;
    }
  };
  return { nextUint32, nextInt };
}
