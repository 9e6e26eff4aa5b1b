/**
 * TOTP (RFC 6238) enrolment and verification, and recovery codes. The TOTP
 * secret is sealed under the installation's data key (users belong to no
 * single tenant); recovery codes are stored as hashes and used once.
 */
import { generateRecoveryCodes, hashRecoveryCode } from "../auth/tokens.js";
import { base32Encode, generateTotpSecret, otpauthUri, verifyTotp } from "../auth/totp.js";
import { SealroomError } from "../domain/errors.js";
import type { SealContext } from "../seal/envelope.js";
import { updateSession } from "../store/repos/sessions.js";
import { advanceTotpStep, consumeRecoveryCode, countRecoveryCodes, findUserById, replaceRecoveryCodes, updateUser, type UserRow } from "../store/repos/users.js";
import { INSTALLATION_SCOPE, eventBy, type Caller, type Services } from "./context.js";
import { MFA_RULE, admitAttempt, attemptFailed, attemptSucceeded, type Admission } from "./login-throttle.js";

const ISSUER = "Sealroom";

function secretContext(userId: string): SealContext {
  return { tenantId: INSTALLATION_SCOPE, table: "users", rowId: userId, field: "totp_secret" };
}

async function mustFindUser(s: Services, userId: string): Promise<UserRow> {
  const user = await findUserById(s.store.db, userId);
  if (!user) throw new SealroomError("unauthenticated", "Sign in first.");
  return user;
}

/** Starts TOTP enrolment: stores a new sealed secret (not yet active) and returns it for the authenticator app. */
export async function beginTotpEnrolment(s: Services, userId: string, caller: Caller): Promise<{ secret: string; otpauthUri: string }> {
  const user = await mustFindUser(s, userId);
  if (user.totp_enabled_at !== null) throw new SealroomError("conflict", "Two-factor authentication is already on for this account.");
  const secret = generateTotpSecret();
  const sealed = await s.sealer.seal(secretContext(user.id), secret);
  await s.store.transaction(async (tx) => {
    await updateUser(tx, user.id, { totp_secret: sealed, totp_last_step: null, updated_at: s.now() });
    await s.audit.record(tx, eventBy(caller, { tenantId: null, action: "mfa.totp.enrolment_started", objectType: "user", objectId: user.id }));
  });
  return { secret: base32Encode(secret), otpauthUri: otpauthUri(ISSUER, user.email, secret) };
}

/**
 * Confirms enrolment with a first code from the app: turns TOTP on, marks
 * this session verified and returns ten recovery codes (shown once).
 */
export async function confirmTotpEnrolment(s: Services, userId: string, sessionId: string, code: string, caller: Caller): Promise<{ recoveryCodes: string[] }> {
  const user = await mustFindUser(s, userId);
  if (user.totp_enabled_at !== null) throw new SealroomError("conflict", "Two-factor authentication is already on for this account.");
  if (!user.totp_secret) throw new SealroomError("bad_request", "Start enrolment first (POST /api/me/mfa/totp/enroll).");
  const secret = await s.sealer.open(secretContext(user.id), Buffer.from(user.totp_secret));
  const step = verifyTotp(secret, code, Math.floor(s.now() / 1000));
  if (step === null) throw new SealroomError("invalid_mfa_code", "That code is not valid. Check the time on your device and enter the current code.");
  const codes = generateRecoveryCodes(10);
  const now = s.now();
  await s.store.transaction(async (tx) => {
    await updateUser(tx, user.id, { totp_enabled_at: now, totp_last_step: step, updated_at: now });
    await replaceRecoveryCodes(tx, user.id, codes.map(hashRecoveryCode), now);
    await updateSession(tx, sessionId, { mfa_verified_at: now });
    await s.audit.record(tx, eventBy(caller, { tenantId: null, action: "mfa.totp.enabled", objectType: "user", objectId: user.id }));
  });
  return { recoveryCodes: codes };
}

/** Completes sign-in with a TOTP code or a recovery code; throttled per user. */
export async function verifyMfa(
  s: Services,
  userId: string,
  sessionId: string,
  proof: { code: string } | { recoveryCode: string },
  caller: Caller,
): Promise<{ recoveryCodesLeft: number }> {
  const user = await mustFindUser(s, userId);
  if (user.totp_enabled_at === null || !user.totp_secret) throw new SealroomError("bad_request", "Two-factor authentication is not on for this account.");
  const key = `mfa:${user.id}`;
  const method = "code" in proof ? "totp" : "recovery_code";
  const audit = (outcome: "success" | "failure" | "denied") =>
    eventBy(caller, { tenantId: null, action: "auth.mfa", objectType: "session", objectId: sessionId, outcome, detail: { method } });
  let admission: Admission;
  try {
    admission = await admitAttempt(s.store.db, [[key, MFA_RULE]], s.now());
  } catch (e) {
    await s.store.transaction((tx) => s.audit.record(tx, audit("denied")));
    throw e;
  }
  const ok = "code" in proof ? await acceptCode(s, user, proof.code) : await consumeRecoveryCode(s.store.db, user.id, hashRecoveryCode(proof.recoveryCode), s.now());
  if (!ok) {
    await attemptFailed(s.store.db, admission, s.now());
    await s.store.transaction((tx) => s.audit.record(tx, audit("failure")));
    throw new SealroomError("invalid_mfa_code", "That code is not valid.");
  }
  return s.store.transaction(async (tx) => {
    await attemptSucceeded(tx, key);
    await updateSession(tx, sessionId, { mfa_verified_at: s.now() });
    await s.audit.record(tx, audit("success"));
    return { recoveryCodesLeft: await countRecoveryCodes(tx, user.id) };
  });
}

async function acceptCode(s: Services, user: UserRow, code: string): Promise<boolean> {
  const secret = await s.sealer.open(secretContext(user.id), Buffer.from(user.totp_secret!));
  const step = verifyTotp(secret, code, Math.floor(s.now() / 1000), { lastUsedStep: user.totp_last_step });
  if (step === null) return false;
  // Of two concurrent requests with the same code only one advances the step (RFC 6238 section 5.2).
  return advanceTotpStep(s.store.db, user.id, step);
}
