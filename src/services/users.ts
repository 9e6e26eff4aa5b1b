/** Accounts: created by the operator CLI, by invitation acceptance, or by the demo seed. */
import { uuidv7 } from "../auth/ids.js";
import { DEFAULT_SCRYPT_PARAMS, assertPasswordPolicy, hashPassword } from "../auth/password.js";
import { randomToken } from "../auth/tokens.js";
import { SealroomError } from "../domain/errors.js";
import type { Tx } from "../store/store.js";
import { anyUserExists, findUserByEmail, insertUser, normalizeEmail, type UserRow } from "../store/repos/users.js";
import { eventBy, type Caller, type Services } from "./context.js";

/** A random password that passes the policy (for generated accounts). */
export function generatePassword(): string {
  return randomToken("", 16);
}

/** Creates an account after checking the password policy; email must be new. */
export async function createUser(
  s: Services,
  db: Tx,
  input: { email: string; displayName: string; password: string; isOperator?: boolean },
  caller: Caller,
): Promise<UserRow> {
  const email = normalizeEmail(input.email);
  assertPasswordPolicy(input.password, { email });
  if (await findUserByEmail(db, email)) throw new SealroomError("conflict", `An account with email ${email} already exists.`);
  const now = s.now();
  const row: UserRow = {
    id: uuidv7(now),
    email,
    display_name: input.displayName,
    password_hash: await hashPassword(input.password, { ...DEFAULT_SCRYPT_PARAMS, ln: s.config.passwordCostLog2 }),
    is_operator: input.isOperator ? 1 : 0,
    status: "active",
    totp_secret: null,
    totp_enabled_at: null,
    totp_last_step: null,
    created_at: now,
    updated_at: now,
  };
  await insertUser(db, row);
  await s.audit.record(db, eventBy(caller, { tenantId: null, action: "user.create", objectType: "user", objectId: row.id, detail: { operator: row.is_operator === 1 } }));
  return row;
}

/** True when the installation has at least one account. */
export async function hasAccounts(s: Services): Promise<boolean> {
  return anyUserExists(s.store.db);
}
