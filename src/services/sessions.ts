/**
 * Sessions: 256-bit random tokens, stored only as SHA-256 hashes, with an
 * idle timeout and an absolute lifetime. Resolving a token yields the actor
 * (user plus memberships) and where the user stands with MFA.
 */
import { uuidv7 } from "../auth/ids.js";
import { hashToken, randomToken } from "../auth/tokens.js";
import { mfaRequiredFor, type Actor } from "../domain/policy.js";
import { findUserById, type UserRow } from "../store/repos/users.js";
import { membershipsOfUser } from "../store/repos/tenants.js";
import {
  deleteSession,
  deleteSessionsOfUser,
  findSessionByTokenHash,
  insertSession,
  listSessionsOfUser,
  updateSession,
  type SessionRow,
} from "../store/repos/sessions.js";
import type { Executor } from "../store/store.js";
import { eventBy, type Caller, type RequestMeta, type Services } from "./context.js";

/** Where a session stands with multi-factor authentication. */
export type MfaState = "satisfied" | "code_required" | "enrolment_required";

export interface ResolvedSession {
  readonly session: SessionRow;
  readonly user: UserRow;
  readonly actor: Extract<Actor, { kind: "user" }>;
  readonly mfa: MfaState;
}

/** Activity is written at most this often, so reads do not each cost a write. */
const TOUCH_INTERVAL_MS = 60_000;

/** Creates a session for `userId`; returns the token (shown to the browser once, as a cookie). */
export async function createSession(
  s: Services,
  db: Executor,
  userId: string,
  meta: RequestMeta,
): Promise<{ token: string; session: SessionRow }> {
  const now = s.now();
  const token = randomToken("srs_");
  const session: SessionRow = {
    id: uuidv7(now),
    token_hash: hashToken(token),
    user_id: userId,
    created_at: now,
    last_seen_at: now,
    expires_at: now + s.config.sessionMaxMs,
    mfa_verified_at: null,
    ip: meta.ip,
    user_agent: meta.userAgent.slice(0, 256),
  };
  await insertSession(db, session);
  return { token, session };
}

/** The MFA state of a user in a session, by policy and enrolment. */
export function mfaStateOf(user: UserRow, session: SessionRow, actor: Extract<Actor, { kind: "user" }>): MfaState {
  if (session.mfa_verified_at !== null) return "satisfied";
  if (user.totp_enabled_at !== null) return "code_required";
  return mfaRequiredFor(actor.isOperator, actor.memberships.values()) ? "enrolment_required" : "satisfied";
}

/** Builds the policy actor for a user from their memberships. */
export async function userActor(db: Executor, user: UserRow): Promise<Extract<Actor, { kind: "user" }>> {
  const rows = await membershipsOfUser(db, user.id);
  return { kind: "user", userId: user.id, isOperator: user.is_operator === 1, memberships: new Map(rows.map((r) => [r.tenant_id, r.role])) };
}

/** Resolves a session token to its live session, or undefined (unknown, expired, idle, disabled user). */
export async function resolveSession(s: Services, token: string): Promise<ResolvedSession | undefined> {
  const db = s.store.db;
  const now = s.now();
  const session = await findSessionByTokenHash(db, hashToken(token));
  if (!session) return undefined;
  if (now >= session.expires_at || now - session.last_seen_at >= s.config.sessionIdleMs) {
    await deleteSession(db, session.id);
    return undefined;
  }
  const user = await findUserById(db, session.user_id);
  if (!user || user.status !== "active") return undefined;
  if (now - session.last_seen_at >= TOUCH_INTERVAL_MS) await updateSession(db, session.id, { last_seen_at: now });
  const actor = await userActor(db, user);
  return { session, user, actor, mfa: mfaStateOf(user, session, actor) };
}

/** Ends one session. */
export async function logout(s: Services, sessionId: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    await deleteSession(tx, sessionId);
    await s.audit.record(tx, eventBy(caller, { tenantId: null, action: "auth.logout", objectType: "session", objectId: sessionId }));
  });
}

/** Ends every session of a user (log out everywhere); returns how many ended. */
export async function logoutEverywhere(s: Services, userId: string, caller: Caller): Promise<number> {
  return s.store.transaction(async (tx) => {
    const ended = await deleteSessionsOfUser(tx, userId);
    await s.audit.record(tx, eventBy(caller, { tenantId: null, action: "auth.logout_all", objectType: "user", objectId: userId, detail: { ended } }));
    return ended;
  });
}

/** The user's live sessions. */
export async function listSessions(s: Services, userId: string): Promise<SessionRow[]> {
  const now = s.now();
  const rows = await listSessionsOfUser(s.store.db, userId);
  return rows.filter((r) => now < r.expires_at && now - r.last_seen_at < s.config.sessionIdleMs);
}
