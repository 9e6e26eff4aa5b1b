/**
 * Login throttling per account and per source IP, kept in the database so
 * every instance sees the same counters. Keyed by the email as typed
 * (normalized), whether or not such an account exists, so a lockout answer
 * reveals nothing about which emails are registered.
 */
import { SealroomError } from "../domain/errors.js";
import { clearThrottle, readThrottle, writeThrottle } from "../store/repos/throttle.js";
import type { Executor } from "../store/store.js";

export interface ThrottleRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

const MINUTE = 60_000;
export const ACCOUNT_RULE: ThrottleRule = { limit: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };
export const IP_RULE: ThrottleRule = { limit: 30, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };
export const MFA_RULE: ThrottleRule = { limit: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };

/** Throws too_many_requests if any key is locked now. */
export async function assertNotLocked(db: Executor, keys: readonly string[], now: number): Promise<void> {
  let until = 0;
  for (const key of keys) {
    const row = await readThrottle(db, key);
    if (row?.locked_until && row.locked_until > now) until = Math.max(until, row.locked_until);
  }
  if (until > now) {
    const seconds = Math.ceil((until - now) / 1000);
    throw new SealroomError("too_many_requests", `Too many failed attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`, {
      retryAfterSeconds: seconds,
    });
  }
}

/** Counts one failure against `key`; locks it when the rule's limit is reached. */
export async function recordFailure(db: Executor, key: string, rule: ThrottleRule, now: number): Promise<void> {
  const row = await readThrottle(db, key);
  const fresh = !row || now - row.window_started_at > rule.windowMs;
  const failures = (fresh ? 0 : row.failures) + 1;
  const locked = failures >= rule.limit;
  await writeThrottle(db, {
    key,
    failures: locked ? 0 : failures,
    window_started_at: fresh || locked ? now : row.window_started_at,
    locked_until: locked ? now + rule.lockMs : (row?.locked_until ?? null),
  });
}

/** Forgets failures of `key` (after success). */
export async function recordSuccess(db: Executor, key: string): Promise<void> {
  await clearThrottle(db, key);
}
