/**
 * Abuse signals for the task flow, as pure state transitions: a token bucket
 * that limits how fast a contractor reads items, and the lease signal that
 * slows, then stops, a contractor who leases items without working them
 * (each lease shows sealed item content, so lease-and-drop is how data would
 * be harvested). The caller stores the state and reads the clock; imports
 * only the domain folder.
 */
import { SealroomError } from "../errors.js";

/** A token bucket as stored between requests. */
export interface TokenBucketState {
  /** Tokens available at updatedAt (fractional while refilling). */
  readonly tokens: number;
  /** Epoch ms of the last take. */
  readonly updatedAt: number;
}

/** Sustained rate and how many requests may come at once. */
export interface TokenBucketConfig {
  readonly ratePerMinute: number;
  readonly burst: number;
}

/** The outcome of one take. */
export interface TokenDecision {
  readonly allowed: boolean;
  /** The state to store, whether or not the take was allowed. */
  readonly state: TokenBucketState;
  /** 0 when allowed; otherwise whole seconds until a token is due (at least 1), for a Retry-After header. */
  readonly retryAfterSeconds: number;
}

function bad(path: string, message: string): SealroomError {
  return new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
}

function checkBucketConfig(c: TokenBucketConfig): void {
  if (!Number.isFinite(c.ratePerMinute) || c.ratePerMinute <= 0) throw bad("ratePerMinute", "must be a finite number > 0");
  if (!Number.isSafeInteger(c.burst) || c.burst < 1) throw bad("burst", "must be an integer >= 1");
}

/**
 * Takes one token at `now` (epoch ms). No state means a full bucket. The
 * stored state is treated as untrusted: a NaN or out-of-range token count is
 * clamped into [0, burst] (so lowering burst takes effect at once), and a
 * clock that stepped back refills nothing and restarts from `now`, which
 * can grant at most one burst early instead of locking the user out.
 */
export function takeToken(state: TokenBucketState | undefined, now: number, config: TokenBucketConfig): TokenDecision {
  checkBucketConfig(config);
  if (!Number.isFinite(now)) throw bad("now", "must be finite epoch milliseconds");
  const { ratePerMinute, burst } = config;
  const stored = state && Number.isFinite(state.tokens) ? Math.min(burst, Math.max(0, state.tokens)) : burst;
  const elapsed = state && Number.isFinite(state.updatedAt) ? Math.max(0, now - state.updatedAt) : 0;
  const tokens = Math.min(burst, stored + (elapsed * ratePerMinute) / 60_000);
  if (tokens >= 1) return { allowed: true, state: { tokens: tokens - 1, updatedAt: now }, retryAfterSeconds: 0 };
  const waitMs = ((1 - tokens) * 60_000) / ratePerMinute;
  // The epsilon keeps 999.9999999 ms of float error from becoming 2 s.
  return { allowed: false, state: { tokens, updatedAt: now }, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000 - 1e-9)) };
}

/** What to do with a contractor's next lease. */
export type LeaseSignal = "ok" | "throttle" | "suspend";

/** Counters the caller keeps per contractor. */
export interface LeaseCounters {
  /** Leases since the last submit (reset by a submit). */
  readonly leasesSinceSubmit: number;
  /** Skips in a sliding window the caller chooses; catches one junk submit every few leases resetting the counter above. */
  readonly skipsInWindow?: number;
}

/** Where the signal changes; throttleAfter <= suspendAfter. */
export interface LeaseThresholds {
  readonly throttleAfter: number;
  readonly suspendAfter: number;
}

function checkThresholds(t: LeaseThresholds): void {
  if (!Number.isSafeInteger(t.throttleAfter) || t.throttleAfter < 1) throw bad("throttleAfter", "must be an integer >= 1");
  if (!Number.isSafeInteger(t.suspendAfter) || t.suspendAfter < t.throttleAfter) throw bad("suspendAfter", "must be an integer >= throttleAfter");
}

function checkCount(value: number | undefined, path: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) throw bad(path, "must be an integer >= 0");
  return value;
}

/**
 * The lease signal, evaluated before granting the next lease with the counts
 * so far: "throttle" once the pressure reaches throttleAfter, "suspend" once
 * it reaches suspendAfter, where the pressure is the larger of the leases
 * since the last submit and the skips in the window.
 */
export function leaseSignal(counters: LeaseCounters, thresholds: LeaseThresholds): LeaseSignal {
  checkThresholds(thresholds);
  const pressure = Math.max(checkCount(counters.leasesSinceSubmit, "leasesSinceSubmit"), checkCount(counters.skipsInWindow, "skipsInWindow"));
  if (pressure >= thresholds.suspendAfter) return "suspend";
  if (pressure >= thresholds.throttleAfter) return "throttle";
  return "ok";
}
