/**
 * Authorization in one place: `authorize(actor, action, resource)`. Every
 * handler calls it with the object it is about to touch; the resource names
 * its tenant, so a check is always against the object, never by role alone.
 *
 * Outcomes: "allow"; "forbidden" (the actor may know the object exists but
 * may not do this, answered 403); "not_found" (the object is in a tenant the
 * actor has no part in, answered 404 so tenants cannot be probed).
 */

export const TENANT_ROLES = ["lab_admin", "lab_auditor", "reviewer", "contractor"] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

export type Actor =
  | {
      readonly kind: "user";
      readonly userId: string;
      readonly isOperator: boolean;
      /** tenant id → role */
      readonly memberships: ReadonlyMap<string, TenantRole>;
    }
  | {
      readonly kind: "token";
      readonly tokenId: string;
      readonly tenantId: string;
      readonly role: TenantRole;
      readonly createdBy: string;
    };

export type Action =
  | "installation.tenants.list"
  | "installation.tenants.create"
  | "tenant.read"
  | "tenant.members.list"
  | "tenant.members.update"
  | "tenant.invitations.list"
  | "tenant.invitations.create"
  | "tenant.invitations.revoke"
  | "tenant.tokens.list"
  | "tenant.tokens.create"
  | "tenant.tokens.revoke"
  | "tenant.projects.list"
  | "tenant.projects.read"
  | "tenant.items.import"
  | "tenant.imports.list"
  | "tenant.audit.read"
  | "tenant.exposure.read"
  | "tenant.gateway.deployments.list"
  | "tenant.gateway.deployments.add"
  | "tenant.gateway.keys.list"
  | "tenant.gateway.keys.create"
  | "tenant.gateway.keys.revoke"
  | "tenant.gateway.usage.read"
  | "tenant.pause"
  | "tenant.projects.create"
  | "tenant.projects.manage"
  | "tenant.projects.guidelines.read"
  | "tenant.work"
  | "tenant.review"
  | "tenant.agreement.read"
  | "tenant.export"
  | "tenant.hours.log"
  | "tenant.hours.read"
  | "tenant.hours.approve"
  | "tenant.notifications.read";

export type Resource = { readonly type: "installation" } | { readonly type: "tenant"; readonly tenantId: string };

export type Decision = "allow" | "forbidden" | "not_found";

/** Which tenant roles may do each tenant action. */
const TENANT_GRANTS: Readonly<Record<Exclude<Action, `installation.${string}`>, readonly TenantRole[]>> = {
  "tenant.read": ["lab_admin", "lab_auditor", "reviewer", "contractor"],
  "tenant.members.list": ["lab_admin", "lab_auditor"],
  "tenant.members.update": ["lab_admin"],
  "tenant.invitations.list": ["lab_admin"],
  "tenant.invitations.create": ["lab_admin"],
  "tenant.invitations.revoke": ["lab_admin"],
  "tenant.tokens.list": ["lab_admin", "lab_auditor"],
  "tenant.tokens.create": ["lab_admin"],
  "tenant.tokens.revoke": ["lab_admin"],
  "tenant.projects.list": ["lab_admin", "lab_auditor", "reviewer", "contractor"],
  "tenant.projects.read": ["lab_admin", "lab_auditor", "reviewer", "contractor"],
  "tenant.items.import": ["lab_admin"],
  "tenant.imports.list": ["lab_admin", "lab_auditor"],
  "tenant.audit.read": ["lab_admin", "lab_auditor"],
  "tenant.exposure.read": ["lab_admin", "lab_auditor"],
  "tenant.gateway.deployments.list": ["lab_admin"],
  "tenant.gateway.deployments.add": ["lab_admin"],
  "tenant.gateway.keys.list": ["lab_admin"],
  "tenant.gateway.keys.create": ["lab_admin"],
  "tenant.gateway.keys.revoke": ["lab_admin"],
  "tenant.gateway.usage.read": ["lab_admin", "lab_auditor"],
  "tenant.pause": ["lab_admin"],
  "tenant.projects.create": ["lab_admin"],
  "tenant.projects.manage": ["lab_admin"],
  "tenant.projects.guidelines.read": ["lab_admin", "reviewer", "contractor"],
  // Doing the work: contractors claim and answer; reviewers (and lab admins) review and adjudicate.
  "tenant.work": ["contractor"],
  "tenant.review": ["lab_admin", "reviewer"],
  "tenant.agreement.read": ["lab_admin", "lab_auditor", "reviewer"],
  "tenant.export": ["lab_admin"],
  // Hours: contractors log their own; lab admins and auditors read everyone's; lab admins approve.
  "tenant.hours.log": ["contractor"],
  "tenant.hours.read": ["lab_admin", "lab_auditor", "contractor"],
  "tenant.hours.approve": ["lab_admin"],
  "tenant.notifications.read": ["lab_admin"],
};

/**
 * What an operator may do inside a tenant: manage it, never read its data.
 * Pausing a whole tenant is allowed (the installation's emergency brake).
 * Inviting is allowed so an operator can bring a new tenant's first lab admin
 * (the service restricts operator invitations to the lab_admin role).
 */
const OPERATOR_TENANT_ACTIONS: ReadonlySet<Action> = new Set<Action>(["tenant.read", "tenant.invitations.create", "tenant.invitations.list", "tenant.pause"]);

/**
 * A program's API token cannot mint new credentials: creating tokens,
 * invitations or gateway keys (or pointing a deployment somewhere) needs a
 * person, so a stolen token cannot make itself permanent or spend the lab's
 * provider budget.
 */
const TOKEN_DENIED: ReadonlySet<Action> = new Set<Action>(["tenant.hours.approve", "tenant.tokens.create", "tenant.invitations.create", "tenant.members.update", "tenant.tokens.revoke", "tenant.gateway.deployments.add", "tenant.gateway.keys.create", "tenant.gateway.keys.revoke"]);

/** The role `actor` holds in `tenantId`, if any. */
export function roleIn(actor: Actor, tenantId: string): TenantRole | undefined {
  if (actor.kind === "token") return actor.tenantId === tenantId ? actor.role : undefined;
  return actor.memberships.get(tenantId);
}

/** Decides whether `actor` may perform `action` on `resource`. */
export function authorize(actor: Actor, action: Action, resource: Resource): Decision {
  if (resource.type === "installation") {
    return actor.kind === "user" && actor.isOperator ? "allow" : "forbidden";
  }
  if (action.startsWith("installation.")) return "forbidden";
  const tenantAction = action as keyof typeof TENANT_GRANTS;
  const role = roleIn(actor, resource.tenantId);
  if (role === undefined) {
    if (actor.kind === "user" && actor.isOperator) return OPERATOR_TENANT_ACTIONS.has(action) ? "allow" : "forbidden";
    return "not_found";
  }
  if (actor.kind === "token" && TOKEN_DENIED.has(action)) return "forbidden";
  return TENANT_GRANTS[tenantAction].includes(role) ? "allow" : "forbidden";
}

/** True when policy requires this user to use TOTP (operators and lab admins). */
export function mfaRequiredFor(isOperator: boolean, roles: Iterable<TenantRole>): boolean {
  if (isOperator) return true;
  for (const r of roles) if (r === "lab_admin") return true;
  return false;
}
