/**
 * Invitations: the only way into a tenant. A lab admin (or, for a tenant's
 * first lab admin, the operator) invites an email address; the link carries
 * a one-time token, stored only as a hash, valid for seven days. No mail
 * server is needed: the link is returned to the inviter and logged.
 */
import { uuidv7 } from "../auth/ids.js";
import { hashToken, randomToken } from "../auth/tokens.js";
import { SealroomError } from "../domain/errors.js";
import type { Actor, TenantRole } from "../domain/policy.js";
import {
  findInvitationByHash,
  insertInvitation,
  listInvitations,
  markInvitationAccepted,
  revokeInvitation,
  type InvitationRow,
} from "../store/repos/credentials.js";
import { findMembership, findTenant, upsertMembership } from "../store/repos/tenants.js";
import { findUserByEmail, normalizeEmail } from "../store/repos/users.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { createUser } from "./users.js";

const INVITATION_TTL_MS = 7 * 86_400_000;

/** Creates an invitation; returns it with the link (shown once). */
export async function createInvitation(
  s: Services,
  /** "terminal": the operator at the server's own CLI, who may invite any role. */
  actor: Actor | "terminal",
  tenantId: string,
  input: { email: string; role: TenantRole },
  caller: Caller,
): Promise<{ invitation: InvitationRow; link: string; token: string }> {
  if (actor !== "terminal" && actor.kind !== "user") throw new SealroomError("forbidden", "API tokens cannot invite people.");
  if (actor !== "terminal" && !actor.memberships.has(tenantId) && actor.isOperator && input.role !== "lab_admin") {
    throw new SealroomError("forbidden", "An operator may invite only lab admins; the lab admin invites everyone else.");
  }
  const email = normalizeEmail(input.email);
  const existing = await findUserByEmail(s.store.db, email);
  if (existing && (await findMembership(s.store.db, tenantId, existing.id))) {
    throw new SealroomError("conflict", `${email} is already a member of this tenant.`);
  }
  const now = s.now();
  const token = randomToken("sri_");
  const invitation: InvitationRow = {
    tenant_id: tenantId,
    id: uuidv7(now),
    email,
    role: input.role,
    token_hash: hashToken(token),
    invited_by: actor === "terminal" ? "terminal" : actor.userId,
    created_at: now,
    expires_at: now + INVITATION_TTL_MS,
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  await s.store.transaction(async (tx) => {
    await insertInvitation(tx, invitation);
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "invitation.create", objectType: "invitation", objectId: invitation.id, detail: { email, role: input.role } }));
  });
  // The token travels in the URL fragment, which browsers never send to servers or proxies.
  const link = `${s.config.publicUrl}/invite#token=${token}`;
  s.log.info("invitation created: send this link to the invitee", { tenantId, email, role: input.role, link });
  return { invitation, link, token };
}

/** Finds an open invitation by its token, or throws invitation_invalid. */
async function openInvitation(s: Services, token: string): Promise<InvitationRow> {
  const inv = token.startsWith("sri_") ? await findInvitationByHash(s.store.db, hashToken(token)) : undefined;
  if (!inv || inv.accepted_at !== null || inv.revoked_at !== null || s.now() >= inv.expires_at) {
    throw new SealroomError("invitation_invalid", "This invitation link is not valid: it was used, revoked or has expired. Ask your lab admin for a new one.");
  }
  return inv;
}

/** What the invitee sees before accepting. */
export async function previewInvitation(s: Services, token: string) {
  const inv = await openInvitation(s, token);
  const tenant = await findTenant(s.store.db, inv.tenant_id);
  return { email: inv.email, role: inv.role, tenantName: tenant?.name ?? "", accountExists: (await findUserByEmail(s.store.db, inv.email)) !== undefined };
}

/**
 * Accepts an invitation. A new email gets an account with the given
 * password; an existing account must be signed in as itself to accept.
 */
export async function acceptInvitation(
  s: Services,
  input: { token: string; password?: string | undefined; displayName?: string | undefined },
  signedInUserId: string | undefined,
  caller: Caller,
): Promise<{ userId: string; tenantId: string; role: TenantRole; created: boolean }> {
  const inv = await openInvitation(s, input.token);
  return s.store.transaction(async (tx) => {
    const existing = await findUserByEmail(tx, inv.email);
    let userId: string;
    if (existing) {
      if (signedInUserId !== existing.id) {
        throw new SealroomError("conflict", `An account for ${inv.email} already exists: sign in as that account, then accept the invitation.`);
      }
      userId = existing.id;
    } else {
      if (!input.password) throw new SealroomError("validation_failed", "Choose a password for your new account.", { issues: [{ path: "password", message: "required" }] });
      const user = await createUser(s, tx, { email: inv.email, displayName: input.displayName ?? inv.email.split("@")[0]!, password: input.password }, caller);
      userId = user.id;
    }
    if (!(await markInvitationAccepted(tx, inv.tenant_id, inv.id, userId, s.now()))) {
      throw new SealroomError("invitation_invalid", "This invitation was used a moment ago.");
    }
    await upsertMembership(tx, inv.tenant_id, userId, inv.role, s.now());
    await s.audit.record(
      tx,
      eventBy({ ...caller, actorType: "user", actorId: userId }, { tenantId: inv.tenant_id, action: "invitation.accept", objectType: "invitation", objectId: inv.id, detail: { role: inv.role } }),
    );
    return { userId, tenantId: inv.tenant_id, role: inv.role, created: !existing };
  });
}

/** A tenant's invitations. */
export async function listTenantInvitations(s: Services, tenantId: string): Promise<InvitationRow[]> {
  return listInvitations(s.store.db, tenantId);
}

/** Revokes an open invitation of the tenant. */
export async function revokeTenantInvitation(s: Services, tenantId: string, id: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    if (!(await revokeInvitation(tx, tenantId, id, s.now()))) throw new SealroomError("not_found", "No such open invitation in this tenant.");
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "invitation.revoke", objectType: "invitation", objectId: id }));
  });
}
