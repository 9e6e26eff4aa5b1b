/** Users: global identities (a contractor may work for several labs). */
import type { Selectable } from "kysely";
import { prepared } from "../prepared.js";
import type { Executor } from "../store.js";
import type { UsersTable } from "../schema.js";

export type UserRow = Selectable<UsersTable>;

/** Emails compare case-insensitively; stored lowercased and trimmed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Finds a user by email (normalized). */
export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("email", "=", normalizeEmail(email)).executeTakeFirst();
}

/** Finds a user by id. */
export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return userById.first(db, id);
}
const userById = prepared((db, id: string) => db.selectFrom("users").selectAll().where("id", "=", id));

/** Inserts a user row. */
export async function insertUser(db: Executor, row: UserRow): Promise<void> {
  await db.insertInto("users").values({ ...row, email: normalizeEmail(row.email) }).execute();
}

/** Updates some columns of a user. */
export async function updateUser(db: Executor, id: string, changes: Partial<Omit<UserRow, "id" | "email">>): Promise<void> {
  await db.updateTable("users").set(changes).where("id", "=", id).execute();
}

/** Replaces the user's recovery codes with new hashes. */
export async function replaceRecoveryCodes(db: Executor, userId: string, hashes: readonly string[], now: number): Promise<void> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  if (hashes.length === 0) return;
  await db
    .insertInto("recovery_codes")
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null, created_at: now })))
    .execute();
}

/** Marks an unused recovery code used; true when one was consumed. */
export async function consumeRecoveryCode(db: Executor, userId: string, hash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable("recovery_codes")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hash)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Counts unused recovery codes. */
export async function countRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const r = await db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Records a used TOTP step if it is newer than the last one; false when another request already used it. */
export async function advanceTotpStep(db: Executor, userId: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable("users")
    .set({ totp_last_step: step })
    .where("id", "=", userId)
    .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** True when at least one account exists. */
export async function anyUserExists(db: Executor): Promise<boolean> {
  return (await db.selectFrom("users").select("id").limit(1).executeTakeFirst()) !== undefined;
}
