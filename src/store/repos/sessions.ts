/** Browser sessions: only the SHA-256 of the token is stored. */
import type { Selectable } from "kysely";
import { prepared } from "../prepared.js";
import type { Executor } from "../store.js";
import type { SessionsTable } from "../schema.js";

export type SessionRow = Selectable<SessionsTable>;

/** Inserts a session. */
export async function insertSession(db: Executor, row: SessionRow): Promise<void> {
  await db.insertInto("sessions").values(row).execute();
}

/** Finds a session by token hash. */
export async function findSessionByTokenHash(db: Executor, tokenHash: string): Promise<SessionRow | undefined> {
  return sessionByTokenHash.first(db, tokenHash);
}
const sessionByTokenHash = prepared((db, tokenHash: string) => db.selectFrom("sessions").selectAll().where("token_hash", "=", tokenHash));

/** Updates a session's activity time or MFA state. */
export async function updateSession(db: Executor, id: string, changes: Partial<Pick<SessionRow, "last_seen_at" | "mfa_verified_at">>): Promise<void> {
  await db.updateTable("sessions").set(changes).where("id", "=", id).execute();
}

/** Deletes one session. */
export async function deleteSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", id).execute();
}

/** Deletes every session of a user; returns how many. */
export async function deleteSessionsOfUser(db: Executor, userId: string): Promise<number> {
  const r = await db.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Lists a user's sessions, newest first. */
export async function listSessionsOfUser(db: Executor, userId: string): Promise<SessionRow[]> {
  return db.selectFrom("sessions").selectAll().where("user_id", "=", userId).orderBy("created_at", "desc").execute();
}
