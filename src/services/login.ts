/**
 * Password login. One generic failure for unknown email, wrong password and
 * disabled account (no user enumeration), the same scrypt work in each case
 * (no timing oracle), throttling per account and per source IP, and an audit
 * entry for every attempt, failed or not.
 */
import { DEFAULT_SCRYPT_PARAMS, hashPassword, needsRehash, verifyPassword } from "../auth/password.js";
import { SealroomError, isSealroomError } from "../domain/errors.js";
import { findUserByEmail, normalizeEmail, updateUser, type UserRow } from "../store/repos/users.js";
import { eventBy, type Caller, type RequestMeta, type Services } from "./context.js";
import { ACCOUNT_RULE, IP_RULE, admitAttempt, attemptFailed, attemptSucceeded, type Admission } from "./login-throttle.js";
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

async function auditAttempt(s: Services, caller: Caller, outcome: "failure" | "denied", email: string, userId: string | null): Promise<void> {
  await s.store.transaction((tx) =>
    s.audit.record(tx, eventBy({ ...caller, actorType: userId ? "user" : "anonymous", actorId: userId }, { tenantId: null, action: "auth.login", outcome, detail: { email } })),
  );
}

/** Verifies email and password and opens a session (which may still need an MFA step). */
export async function login(s: Services, input: { email: string; password: string }, meta: RequestMeta): Promise<LoginResult> {
  const db = s.store.db;
  const caller: Caller = { actorType: "anonymous", actorId: null, requestId: meta.requestId, ip: meta.ip };
  const email = normalizeEmail(input.email);
  const accountKey = `acct:${email}`;
  const ipKey = `ip:${meta.ip}`;
  let admission: Admission;
  try {
    admission = await admitAttempt(db, [[accountKey, ACCOUNT_RULE], [ipKey, IP_RULE]], s.now());
  } catch (e) {
    if (isSealroomError(e, "too_many_requests")) await auditAttempt(s, caller, "denied", email, null);
    throw e;
  }

  const user = await findUserByEmail(db, email);
  const ok = user
    ? (await verifyPassword(input.password, user.password_hash)) && user.status === "active"
    : (await verifyPassword(input.password, await dummy(s.config.passwordCostLog2)), false);
  if (!user || !ok) {
    await attemptFailed(db, admission, s.now());
    await auditAttempt(s, caller, "failure", email, user?.id ?? null);
    throw new SealroomError("invalid_credentials", "Email or password is incorrect.");
  }

  const params = { ...DEFAULT_SCRYPT_PARAMS, ln: s.config.passwordCostLog2 };
  const rehash = needsRehash(user.password_hash, params) ? await hashPassword(input.password, params) : undefined;
  const actor = await userActor(db, user);
  const { token, session } = await s.store.transaction(async (tx) => {
    await attemptSucceeded(tx, accountKey, [ipKey]);
    if (rehash) await updateUser(tx, user.id, { password_hash: rehash, updated_at: s.now() });
    const created = await createSession(s, tx, user.id, meta);
    await s.audit.record(tx, eventBy({ ...caller, actorType: "user", actorId: user.id }, { tenantId: null, action: "auth.login", objectType: "session", objectId: created.session.id }));
    return created;
  });
  return { token, sessionId: session.id, user, mfa: mfaStateOf(user, session, actor) };
}
