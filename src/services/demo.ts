/**
 * The demo workspace seeded on a fresh installation: tenant "Demo Lab"
 * (demo-lab), a claim-verification project (demo-claims) with the 30 licensed
 * sample items in samples/ (each carries a gold block, so all are gold
 * items), the demo contractors and reviewer as its members, and one account
 * per role with random passwords that are returned once for printing.
 * Seeding runs once per database.
 */
import { readFileSync } from "node:fs";
import { SealroomError } from "../domain/errors.js";
import { itemTemplate } from "../domain/templates/index.js";
import type { TenantRole } from "../domain/policy.js";
import { markDemoSeeded, readInstallation } from "../store/repos/installation.js";
import { upsertMembership } from "../store/repos/tenants.js";
import { upsertMember } from "../store/repos/work.js";
import { SYSTEM, eventBy, type Services } from "./context.js";
import { sealedItemCodec } from "./item-codec.js";
import { addItems, createProject } from "./projects.js";
import { createTenant } from "./tenants.js";
import { createUser, generatePassword } from "./users.js";

export const DEMO_TENANT_SLUG = "demo-lab";
export const DEMO_PROJECT_SLUG = "demo-claims";
const SAMPLE_FILE = new URL("../../samples/verification-sample.jsonl", import.meta.url);

export interface DemoAccount {
  readonly role: "operator" | TenantRole;
  readonly email: string;
  readonly password: string;
}

const ACCOUNTS: ReadonlyArray<{ role: "operator" | TenantRole; email: string; name: string }> = [
  { role: "operator", email: "operator@demo.sealroom.test", name: "Demo Operator" },
  { role: "lab_admin", email: "admin@demo.sealroom.test", name: "Demo Lab Admin" },
  { role: "lab_auditor", email: "auditor@demo.sealroom.test", name: "Demo Auditor" },
  { role: "reviewer", email: "reviewer@demo.sealroom.test", name: "Demo Reviewer" },
  { role: "contractor", email: "contractor1@demo.sealroom.test", name: "Demo Contractor One" },
  { role: "contractor", email: "contractor2@demo.sealroom.test", name: "Demo Contractor Two" },
];

/**
 * Reads the bundled sample items (one JSON object a line), each checked
 * against the claim-verification item schema: a sample that fails it is a
 * bug in this release, not something to seed around.
 */
export function readSampleItems(): Array<{ externalId: string; payload: unknown; isGold: boolean }> {
  const template = itemTemplate("claim-verification");
  const lines = readFileSync(SAMPLE_FILE, "utf8").split("\n").filter((l) => l.trim() !== "");
  return lines.map((line, i) => {
    const r = template.check(JSON.parse(line));
    if (!r.ok) throw new SealroomError("internal", `sample line ${i + 1} is not a valid item: ${r.issues.map((x) => `${x.path}: ${x.message}`).join("; ")}`);
    return { externalId: r.item.externalId, payload: r.item.value, isGold: r.item.isGold };
  });
}

/** Seeds the demo workspace unless this database already has it; returns the accounts, or undefined. */
export async function seedDemo(s: Services): Promise<DemoAccount[] | undefined> {
  const installation = await readInstallation(s.store.db);
  if (installation?.demo_seeded_at != null) return undefined;
  const samples = readSampleItems();
  const tenant = await createTenant(s, { slug: DEMO_TENANT_SLUG, name: "Demo Lab" }, SYSTEM);
  const codec = await sealedItemCodec(s, tenant.id);
  return s.store.transaction(async (tx) => {
    if (!(await markDemoSeeded(tx, s.now()))) return undefined;
    const project = await createProject(s, tx, tenant.id, {
      slug: DEMO_PROJECT_SLUG,
      name: "Demo: claim verification",
      template: "claim-verification",
      config: { overlap: 2, leaseMinutes: 30 },
    }, SYSTEM);
    await addItems(s, tx, project, codec, samples, SYSTEM);
    const accounts: DemoAccount[] = [];
    for (const a of ACCOUNTS) {
      const password = generatePassword();
      const user = await createUser(s, tx, { email: a.email, displayName: a.name, password, isOperator: a.role === "operator" }, SYSTEM);
      if (a.role !== "operator") {
        await upsertMembership(tx, tenant.id, user.id, a.role, s.now());
        await s.audit.record(tx, eventBy(SYSTEM, { tenantId: tenant.id, action: "member.add", objectType: "user", objectId: user.id, detail: { role: a.role } }));
      }
      // The demo's contractors and reviewer work on the demo project from their first sign-in.
      if (a.role === "contractor" || a.role === "reviewer") {
        await upsertMember(tx, { tenant_id: tenant.id, project_id: project.id, user_id: user.id, role: a.role }, s.now());
        await s.audit.record(tx, eventBy(SYSTEM, { tenantId: tenant.id, action: "project.member.add", objectType: "user", objectId: user.id, detail: { projectId: project.id, role: a.role } }));
      }
      accounts.push({ role: a.role, email: a.email, password });
    }
    return accounts;
  });
}

