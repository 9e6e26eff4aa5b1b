/**
 * The roles a user held during a time window, rebuilt from their memberships
 * now and the audited membership changes since the window opened: walking
 * the log backwards undoes each change (a role change restores the old role,
 * a removal restores the removed role, an accepted invitation or a direct
 * addition removes the membership it created). Memberships made without an audit entry (before
 * the audit log existed, or by direct seeding) count as held throughout.
 */
import { TENANT_ROLES, type TenantRole } from "../domain/policy.js";
import { membershipEvents, type MembershipEvent } from "../store/repos/audit-exposure.js";
import { membershipsOfUser } from "../store/repos/tenants.js";
import type { Executor } from "../store/store.js";

/** tenant id → roles held at some moment of the window */
export type RolesHeld = Map<string, Set<TenantRole>>;

const isRole = (v: unknown): v is TenantRole => typeof v === "string" && (TENANT_ROLES as readonly string[]).includes(v);

/** Parses an entry's detail; a tampered or missing detail reads as {}. */
function detailOf(e: MembershipEvent): Record<string, unknown> {
  try {
    const v: unknown = e.detail === null ? {} : JSON.parse(e.detail);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Turns `state` (memberships just after `e`) into the memberships just before it. */
function undo(state: Map<string, TenantRole>, e: MembershipEvent): void {
  if (e.tenant_id === null) return;
  const d = detailOf(e);
  if (e.action === "member.role_change" && isRole(d["from"])) state.set(e.tenant_id, d["from"]);
  else if (e.action === "member.remove" && isRole(d["role"])) state.set(e.tenant_id, d["role"]);
  else if (e.action === "invitation.accept" || e.action === "member.add") state.delete(e.tenant_id);
}

function addAll(held: RolesHeld, state: ReadonlyMap<string, TenantRole>): void {
  for (const [tenantId, role] of state) {
    const roles = held.get(tenantId) ?? new Set<TenantRole>();
    roles.add(role);
    held.set(tenantId, roles);
  }
}

/** The roles `userId` held in each tenant at any time in [from, to]. */
export async function rolesHeldInWindow(db: Executor, userId: string, from: number, to: number): Promise<RolesHeld> {
  const state = new Map((await membershipsOfUser(db, userId)).map((m) => [m.tenant_id, m.role] as const));
  const events = await membershipEvents(db, userId, from); // newest first
  const held: RolesHeld = new Map();
  let i = 0;
  for (; i < events.length && events[i]!.time > to; i += 1) undo(state, events[i]!);
  addAll(held, state); // as at the end of the window
  for (; i < events.length; i += 1) {
    undo(state, events[i]!);
    addAll(held, state); // as just before each change inside the window
  }
  return held;
}
