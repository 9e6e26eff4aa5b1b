/** Loads the tenant named in a path and checks the policy against it, in that order. */
import { SealroomError } from "../domain/errors.js";
import { authorize, type Action } from "../domain/policy.js";
import type { Services } from "../services/context.js";
import { getTenant } from "../services/tenants.js";
import type { TenantRow } from "../store/repos/tenants.js";
import { actorOf, type Principal } from "./route.js";

/**
 * The tenant `idOrSlug` if `principal` may do `action` in it. A tenant the
 * caller has no part in answers not_found, exactly like one that does not
 * exist, so tenants cannot be discovered by probing.
 */
export async function tenantFor(s: Services, principal: Principal | undefined, idOrSlug: string, action: Action): Promise<TenantRow> {
  if (!principal) throw new SealroomError("unauthenticated", "Sign in first.");
  const tenant = await getTenant(s, idOrSlug);
  const decision = authorize(actorOf(principal), action, { type: "tenant", tenantId: tenant.id });
  if (decision === "not_found") throw new SealroomError("not_found", "No such tenant.");
  if (decision === "forbidden") throw new SealroomError("forbidden", "Your role in this tenant does not allow this.");
  // A shredded tenant's members keep their memberships (for the record) but lose all access to it.
  if (tenant.status === "shredded" && action !== "tenant.read") throw new SealroomError("shredded", "This tenant was shredded; its data no longer exists in readable form.");
  return tenant;
}

/** Checks an installation-wide action (operators only). */
export function assertInstallation(principal: Principal | undefined, action: Action): void {
  if (!principal) throw new SealroomError("unauthenticated", "Sign in first.");
  if (authorize(actorOf(principal), action, { type: "installation" }) !== "allow") {
    throw new SealroomError("forbidden", "Only the installation's operator may do this.");
  }
}
