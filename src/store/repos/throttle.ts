/** Login throttling counters, shared by every instance through the database. */
import { sql, type Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { LoginThrottleTable } from "../schema.js";

export type ThrottleRow = Selectable<LoginThrottleTable>;

/**
 * Counts one attempt against `key` in a single atomic statement (so parallel
 * attempts cannot all slip under the limit) and returns the counter after it.
 * A window older than `windowMs` starts again at 1; while locked, attempts are
 * not counted (the lock already holds them off).
 */
export async function countAttempt(db: Executor, key: string, now: number, windowMs: number): Promise<ThrottleRow> {
  const stale = now - windowMs;
  return db
    .insertInto("login_throttle")
    .values({ key, failures: 1, window_started_at: now, locked_until: null })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        failures: sql<number>`case
          when login_throttle.locked_until is not null and login_throttle.locked_until > ${now} then login_throttle.failures
          when login_throttle.window_started_at < ${stale} then 1
          else login_throttle.failures + 1 end`,
        window_started_at: sql<number>`case
          when login_throttle.locked_until is not null and login_throttle.locked_until > ${now} then login_throttle.window_started_at
          when login_throttle.window_started_at < ${stale} then ${now}
          else login_throttle.window_started_at end`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Locks `key` until `until` and restarts its count. */
export async function lockKey(db: Executor, key: string, until: number, now: number): Promise<void> {
  await db.updateTable("login_throttle").set({ locked_until: until, failures: 0, window_started_at: now }).where("key", "=", key).execute();
}

/** Takes back one counted attempt (it succeeded). */
export async function uncountAttempt(db: Executor, key: string): Promise<void> {
  await db
    .updateTable("login_throttle")
    .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
    .where("key", "=", key)
    .execute();
}

/** Forgets a key entirely (after a successful login for an account). */
export async function clearThrottle(db: Executor, key: string): Promise<void> {
  await db.deleteFrom("login_throttle").where("key", "=", key).execute();
}
