/**
 * Password login. One generic failure for unknown email, wrong password and
 * disabled account (no user enumeration), the same scrypt work in each case
 * (no timing oracle), and throttling per account and per source IP.
 */
import { DEFAULT_SCRYPT_PARAMS, hashPassword, needsRehash, verifyPassword } from "../auth/password.js";
import { SealroomError } from "../domain/errors.js";
import { findUserByEmail, normalizeEmail, updateUser, type UserRow } from "../store/repos/users.js";
import type { RequestMeta, Services } from "./context.js";
import { ACCOUNT_RULE, IP_RULE, assertNotLocked, recordFailure, recordSuccess } from "./login-throttle.js";
import { createSession, mfaStateOf, userActor, type MfaState } from "./sessions.js";

export interface LoginResult {
  readonly token: string;
  readonly sessionId: string;
  readonly user: UserRow;
  readonly mfa: MfaState;
}

let dummyHash: Promise<string> | undefined;

/** A real hash of a random password, verified against when the email is unknown. */
function dummy(costLog2: number): Promise<string> {
  dummyHash ??= hashPassword(`unused-${Math.random()}`, { ...DEFAULT_SCRYPT_PARAMS, ln: costLog2 });
  return dummyHash;
}

/** Verifies email and password and opens a session (which may still need an MFA step). */
export async function login(s: Services, input: { email: string; password: string }, meta: RequestMeta): Promise<LoginResult> {
  const db = s.store.db;
  const email = normalizeEmail(input.email);
  const keys = [`acct:${email}`, `ip:${meta.ip}`];
  await assertNotLocked(db, keys, s.now());

  const user = await findUserByEmail(db, email);
  const ok = user
    ? (await verifyPassword(input.password, user.password_hash)) && user.status === "active"
    : (await verifyPassword(input.password, await dummy(s.config.passwordCostLog2)), false);
  if (!user || !ok) {
    const now = s.now();
    await recordFailure(db, keys[0]!, ACCOUNT_RULE, now);
    await recordFailure(db, keys[1]!, IP_RULE, now);
    s.log.info("login failed", { requestId: meta.requestId, ip: meta.ip });
    throw new SealroomError("invalid_credentials", "Email or password is incorrect.");
  }
  await recordSuccess(db, keys[0]!);

  const params = { ...DEFAULT_SCRYPT_PARAMS, ln: s.config.passwordCostLog2 };
  if (needsRehash(user.password_hash, params)) {
    await updateUser(db, user.id, { password_hash: await hashPassword(input.password, params), updated_at: s.now() });
  }
  const { token, session } = await createSession(s, db, user.id, meta);
  const actor = await userActor(db, user);
  s.log.info("login", { requestId: meta.requestId, userId: user.id });
  return { token, sessionId: session.id, user, mfa: mfaStateOf(user, session, actor) };
}
