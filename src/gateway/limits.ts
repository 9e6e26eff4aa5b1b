/**
 * Per-key rate limits, kept in memory: requests per minute and tokens per
 * minute over a sliding window of sixty one-second buckets (memory per key
 * is constant whatever the traffic). Tokens are reserved before a call from
 * an estimate (prompt bytes / 4 + max_tokens) and corrected from the
 * upstream's usage afterwards.
 */
import { GatewayError } from "./errors.js";

const WINDOW_MS = 60_000;
const BUCKETS = 60;
const BUCKET_MS = WINDOW_MS / BUCKETS;

/** A sliding one-minute sum in one-second buckets. */
export class WindowCounter {
  readonly #counts = new Float64Array(BUCKETS);
  readonly #stamps = new Float64Array(BUCKETS).fill(-1);

  #slot(now: number): number {
    const second = Math.floor(now / BUCKET_MS);
    const i = second % BUCKETS;
    if (this.#stamps[i] !== second) {
      this.#stamps[i] = second;
      this.#counts[i] = 0;
    }
    return i;
  }

  /** Adds `n` (may be negative, to correct a reservation) at time `at`, if `at` is still inside the window of `now`. */
  add(now: number, n: number, at = now): void {
    if (Math.floor(now / BUCKET_MS) - Math.floor(at / BUCKET_MS) >= BUCKETS) return;
    const i = this.#slot(at);
    this.#counts[i] = this.#counts[i]! + n;
  }

  /** The sum over the last minute. */
  total(now: number): number {
    const current = Math.floor(now / BUCKET_MS);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) if (current - this.#stamps[i]! < BUCKETS) sum += this.#counts[i]!;
    return Math.max(0, sum);
  }

  /** Seconds until the window has room for `need` more under `limit` (at least 1). */
  retryAfterSec(now: number, need: number, limit: number): number {
    const current = Math.floor(now / BUCKET_MS);
    let excess = this.total(now) + need - limit;
    for (let age = BUCKETS - 1; age >= 0 && excess > 0; age--) {
      const i = (((current - age) % BUCKETS) + BUCKETS) % BUCKETS;
      if (this.#stamps[i] === current - age) {
        excess -= this.#counts[i]!;
        if (excess <= 0) return Math.max(1, Math.ceil(((current - age + BUCKETS) * BUCKET_MS - now) / 1000));
      }
    }
    return 60;
  }
}

/** What a key is limited by. */
export interface KeyLimits {
  readonly id: string;
  readonly rpm: number | null;
  readonly tpm: number | null;
}

/** A call admitted under a key's limits; settle it with the real token count. */
export interface Admission {
  readonly keyId: string;
  readonly at: number;
  readonly reservedTokens: number;
}

/** The rate windows of every configured key. */
export class RateLimits {
  #requests = new Map<string, WindowCounter>();
  #tokens = new Map<string, WindowCounter>();

  /** Forgets keys that are no longer configured, so memory follows the configuration, not history. */
  retain(ids: ReadonlySet<string>): void {
    for (const map of [this.#requests, this.#tokens]) for (const id of map.keys()) if (!ids.has(id)) map.delete(id);
  }

  /** Admits one call of about `estimate` tokens, or throws 429 with retry-after. */
  admit(key: KeyLimits, now: number, estimate: number): Admission {
    const requests = key.rpm === null ? undefined : this.#counter(this.#requests, key.id);
    if (requests && key.rpm !== null && requests.total(now) + 1 > key.rpm) {
      throw new GatewayError("rate_limited", "This key's requests-per-minute limit is reached.", requests.retryAfterSec(now, 1, key.rpm));
    }
    const tokens = key.tpm === null ? undefined : this.#counter(this.#tokens, key.id);
    if (tokens && key.tpm !== null && tokens.total(now) + estimate > key.tpm) {
      throw new GatewayError("tokens_limited", "This key's tokens-per-minute limit is reached.", tokens.retryAfterSec(now, Math.min(estimate, key.tpm), key.tpm));
    }
    requests?.add(now, 1);
    tokens?.add(now, estimate);
    return { keyId: key.id, at: now, reservedTokens: tokens ? estimate : 0 };
  }

  /** Replaces the reservation of `a` by the tokens the call really used. */
  settle(a: Admission, now: number, actualTokens: number): void {
    const tokens = this.#tokens.get(a.keyId);
    if (!tokens) return;
    tokens.add(now, -a.reservedTokens, a.at);
    tokens.add(now, actualTokens);
  }

  #counter(map: Map<string, WindowCounter>, id: string): WindowCounter {
    let c = map.get(id);
    if (!c) {
      c = new WindowCounter();
      map.set(id, c);
    }
    return c;
  }
}
