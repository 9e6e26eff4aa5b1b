/** Finds the tenant and project an import (or an import listing) is about, refusing ones that cannot take items. */
import { SealroomError } from "../domain/errors.js";
import type { ProjectRow } from "../store/repos/projects.js";
import type { TenantRow } from "../store/repos/tenants.js";
import type { Services } from "./context.js";
import { getProject } from "./projects.js";
import { getTenant } from "./tenants.js";

/** The tenant (id or slug) and its project (id or slug); shredded for a shredded tenant, conflict for an archived project. */
export async function importTarget(s: Services, tenant: string, project: string): Promise<{ tenant: TenantRow; project: ProjectRow }> {
  const t = await getTenant(s, tenant);
  if (t.status === "shredded") throw new SealroomError("shredded", "This tenant was shredded; it cannot take new data.");
  const p = await getProject(s, t.id, project);
  if (p.status === "archived") throw new SealroomError("conflict", "This project is archived; it takes no new items.");
  return { tenant: t, project: p };
}
