/** A small installation for tests: an operator, and two tenants with one user per role each. */
import type { TenantRole } from "../../src/domain/policy.js";
import { TERMINAL, type Services } from "../../src/services/context.js";
import { addProjectMember } from "../../src/services/project-admin.js";
import { createProject } from "../../src/services/projects.js";
import { createTenant } from "../../src/services/tenants.js";
import { createUser } from "../../src/services/users.js";
import { upsertMembership } from "../../src/store/repos/tenants.js";
import type { TenantRow } from "../../src/store/repos/tenants.js";

export const PASSWORD = "correct horse battery staple 42";
export const ROLES: readonly TenantRole[] = ["lab_admin", "lab_auditor", "reviewer", "contractor"];

export interface World {
  readonly a: TenantRow;
  readonly b: TenantRow;
  readonly operator: string;
  /** email of the user holding `role` in tenant `t` ("a" or "b") */
  email(t: "a" | "b", role: TenantRole): string;
  userId(t: "a" | "b", role: TenantRole): string;
  readonly projectA: string;
  readonly projectB: string;
}

/** Seeds the world through the real services. */
export async function seedWorld(s: Services): Promise<World> {
  const a = await createTenant(s, { slug: "lab-a", name: "Lab A" }, TERMINAL);
  const b = await createTenant(s, { slug: "lab-b", name: "Lab B" }, TERMINAL);
  const ids = new Map<string, string>();
  await s.store.transaction((tx) => createUser(s, tx, { email: "op@test.dev", displayName: "Op", password: PASSWORD, isOperator: true }, TERMINAL));
  for (const [key, t] of [["a", a], ["b", b]] as const) {
    for (const role of ROLES) {
      const email = `${role}@${key}.test.dev`;
      const u = await s.store.transaction((tx) => createUser(s, tx, { email, displayName: `${role} ${key}`, password: PASSWORD }, TERMINAL));
      await upsertMembership(s.store.db, t.id, u.id, role, s.now());
      ids.set(email, u.id);
    }
  }
  const pa = await s.store.transaction((tx) => createProject(s, tx, a.id, { slug: "proj-a", name: "Project A", template: "claim-verification" }, TERMINAL));
  const pb = await s.store.transaction((tx) => createProject(s, tx, b.id, { slug: "proj-b", name: "Project B", template: "claim-verification" }, TERMINAL));
  // The contractor and reviewer of each tenant work on its project.
  for (const [key, project] of [["a", pa], ["b", pb]] as const) {
    await addProjectMember(s, project, ids.get(`contractor@${key}.test.dev`)!, "contractor", TERMINAL);
    await addProjectMember(s, project, ids.get(`reviewer@${key}.test.dev`)!, "reviewer", TERMINAL);
  }
  return {
    a,
    b,
    operator: "op@test.dev",
    email: (t, role) => `${role}@${t}.test.dev`,
    userId: (t, role) => ids.get(`${role}@${t}.test.dev`)!,
    projectA: pa.id,
    projectB: pb.id,
  };
}
