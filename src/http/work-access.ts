/** Resolves the tenant, project and person behind a work route, policy first. */
import { SealroomError } from "../domain/errors.js";
import type { Action } from "../domain/policy.js";
import type { Services } from "../services/context.js";
import { workContext, type WorkContext } from "../services/work-access.js";
import { actorOf, type Principal } from "./route.js";
import { tenantFor } from "./tenant-access.js";

/** The work context of `params.tenant` / `params.project` if the caller may do `action` there, and the caller's user id. */
export async function workFor(s: Services, principal: Principal | undefined, params: Readonly<Record<string, string>>, action: Action): Promise<{ ctx: WorkContext; userId: string }> {
  const tenant = await tenantFor(s, principal, params["tenant"]!, action);
  const actor = actorOf(principal!);
  const userId = actor.kind === "user" ? actor.userId : actor.createdBy;
  if (!params["project"]) throw new SealroomError("not_found", "No such project.");
  return { ctx: await workContext(s, tenant, params["project"]), userId };
}
