/**
 * Throttling of sign-in and second-factor attempts per account and per source
 * IP, kept in the database so every instance sees the same counters. Each
 * attempt is counted atomically *before* the password or code is checked, so
 * a burst of parallel guesses gets no more checks than the limit. Keyed by
 * the email as typed (normalized), whether or not such an account exists, so
 * a lockout reveals nothing about which emails are registered.
 */
import { SealroomError } from "../domain/errors.js";
import { clearThrottle, countAttempt, lockKey, uncountAttempt } from "../store/repos/throttle.js";
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

function tooMany(until: number, now: number): SealroomError {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new SealroomError("too_many_requests", `Too many failed attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`, {
    retryAfterSeconds: seconds,
  });
}

/** The attempts counted for one request, to settle once the outcome is known. */
export type Admission = ReadonlyArray<{ readonly key: string; readonly rule: ThrottleRule; readonly count: number }>;

/**
 * Counts an attempt against each key; throws too_many_requests (locking the
 * key) when one is locked or this attempt goes past its limit.
 */
export async function admitAttempt(db: Executor, keys: ReadonlyArray<readonly [string, ThrottleRule]>, now: number): Promise<Admission> {
  let until = 0;
  const admission: Array<Admission[number]> = [];
  for (const [key, rule] of keys) {
    const row = await countAttempt(db, key, now, rule.windowMs);
    if (row.locked_until !== null && row.locked_until > now) until = Math.max(until, row.locked_until);
    else if (row.failures > rule.limit) {
      await lockKey(db, key, now + rule.lockMs, now);
      until = Math.max(until, now + rule.lockMs);
    }
    admission.push({ key, rule, count: row.failures });
  }
  if (until > now) throw tooMany(until, now);
  return admission;
}

/** After a failed check: a key whose count reached its limit is locked from now. */
export async function attemptFailed(db: Executor, admission: Admission, now: number): Promise<void> {
  for (const a of admission) if (a.count >= a.rule.limit) await lockKey(db, a.key, now + a.rule.lockMs, now);
}

/** After a success: forgets the account's failures and gives back the IP's counted attempt. */
export async function attemptSucceeded(db: Executor, accountKey: string, otherKeys: readonly string[] = []): Promise<void> {
  await clearThrottle(db, accountKey);
  for (const key of otherKeys) await uncountAttempt(db, key);
}
