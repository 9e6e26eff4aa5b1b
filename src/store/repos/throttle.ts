/** Login throttling counters, shared by every instance through the database. */
import type { Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { LoginThrottleTable } from "../schema.js";

export type ThrottleRow = Selectable<LoginThrottleTable>;

/** Reads the counter for a key. */
export async function readThrottle(db: Executor, key: string): Promise<ThrottleRow | undefined> {
  return db.selectFrom("login_throttle").selectAll().where("key", "=", key).executeTakeFirst();
}

/** Writes the counter for a key. */
export async function writeThrottle(db: Executor, row: ThrottleRow): Promise<void> {
  await db
    .insertInto("login_throttle")
    .values(row)
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({ failures: row.failures, window_started_at: row.window_started_at, locked_until: row.locked_until }),
    )
    .execute();
}

/** Forgets a key's failures (after a successful login). */
export async function clearThrottle(db: Executor, key: string): Promise<void> {
  await db.deleteFrom("login_throttle").where("key", "=", key).execute();
}
