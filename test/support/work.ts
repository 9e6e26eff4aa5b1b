/** A project with contractors and reviewers, seeded through the real services, for work-engine tests. */
import { TERMINAL, type Caller, type Services } from "../../src/services/context.js";
import { sealedItemCodec } from "../../src/services/item-codec.js";
import { addProjectMember } from "../../src/services/project-admin.js";
import { addItems, createProject } from "../../src/services/projects.js";
import { createTenant } from "../../src/services/tenants.js";
import { createUser } from "../../src/services/users.js";
import { workContext, type WorkContext } from "../../src/services/work-access.js";
import { upsertMembership } from "../../src/store/repos/tenants.js";
import { SealroomError } from "../../src/domain/errors.js";
import type { TemplateName } from "../../src/domain/templates/index.js";
import { client, type Client } from "./http.js";
import { PASSWORD } from "./world.js";

export interface WorkWorld {
  readonly tenantId: string;
  readonly projectId: string;
  readonly contractors: string[];
  readonly reviewers: string[];
  readonly admin: string;
  /** Sign-in email of every seeded user, by user id. */
  readonly emails: Readonly<Record<string, string>>;
  /** A fresh context (re-read: project status and config change during tests). */
  ctx(): Promise<WorkContext>;
  /** The audit caller of a user. */
  as(userId: string): Caller;
}

/** A classification item with `id`; gold when `gold` is given. */
export function classItem(id: string, gold?: string): Record<string, unknown> {
  return { id, text: `Text of ${id}: the weather is fine.`, labels: ["positive", "negative", "neutral"], ...(gold ? { gold } : {}) };
}

let n = 0;

/** Creates a tenant, a project, users and items. */
export async function seedWork(
  s: Services,
  opts: { template?: TemplateName; config?: Record<string, unknown>; items?: ReadonlyArray<{ externalId: string; payload: Record<string, unknown>; isGold: boolean }>; contractors?: number; reviewers?: number; slug?: string },
): Promise<WorkWorld> {
  const k = ++n;
  const tenant = await createTenant(s, { slug: opts.slug ?? `work-${k}`, name: `Work ${k}` }, TERMINAL);
  const project = await s.store.transaction((tx) => createProject(s, tx, tenant.id, { slug: "p", name: "P", template: opts.template ?? "classification", config: opts.config ?? {} }, TERMINAL));
  const emails: Record<string, string> = {};
  const user = async (role: "contractor" | "reviewer" | "lab_admin", i: number) => {
    const email = `${role}${i}.${k}@work.test`;
    const u = await s.store.transaction((tx) => createUser(s, tx, { email, displayName: `${role} ${i}`, password: PASSWORD }, TERMINAL));
    await upsertMembership(s.store.db, tenant.id, u.id, role, s.now());
    emails[u.id] = email;
    return u.id;
  };
  const contractors: string[] = [];
  for (let i = 0; i < (opts.contractors ?? 3); i++) contractors.push(await user("contractor", i));
  const reviewers: string[] = [];
  for (let i = 0; i < (opts.reviewers ?? 1); i++) reviewers.push(await user("reviewer", i));
  const admin = await user("lab_admin", 0);
  for (const c of contractors) await addProjectMember(s, project, c, "contractor", TERMINAL);
  for (const r of reviewers) await addProjectMember(s, project, r, "reviewer", TERMINAL);
  if (opts.items?.length) {
    const codec = await sealedItemCodec(s, tenant.id);
    await s.store.transaction((tx) => addItems(s, tx, project, codec, opts.items!, TERMINAL));
  }
  return {
    tenantId: tenant.id,
    projectId: project.id,
    contractors,
    reviewers,
    admin,
    emails,
    ctx: async () => {
      const { getTenant } = await import("../../src/services/tenants.js");
      return workContext(s, await getTenant(s, tenant.id), project.id);
    },
    as: (userId) => ({ actorType: "user", actorId: userId, requestId: null, ip: "127.0.0.1" }),
  };
}

/** `count` classification items named `${prefix}-i`. */
export function classItems(count: number, prefix = "it"): Array<{ externalId: string; payload: Record<string, unknown>; isGold: boolean }> {
  return Array.from({ length: count }, (_, i) => ({ externalId: `${prefix}-${i}`, payload: classItem(`${prefix}-${i}`), isGold: false }));
}

/** seedWork items from whole claim-verification samples: externalId = item_id; `gold` kept on the ids in `goldIds`, removed from the rest. */
export function sampleItems(samples: ReadonlyArray<Record<string, unknown>>, goldIds: ReadonlySet<string>): Array<{ externalId: string; payload: Record<string, unknown>; isGold: boolean }> {
  return samples.map((s) => {
    const payload = structuredClone(s);
    const isGold = goldIds.has(String(s["item_id"]));
    if (!isGold) delete payload["gold"];
    return { externalId: String(s["item_id"]), payload, isGold };
  });
}

/** An HTTP client signed in as a seeded user (people whose role needs TOTP still have to enrol). */
export async function signIn(s: Services, w: WorkWorld, userId: string): Promise<Client> {
  const c = client(s);
  const r = await c.login(w.emails[userId]!, PASSWORD);
  if (r.status !== 200) throw new Error(`sign-in of ${userId} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return c;
}

/** The code of the SealroomError `p` rejects with, or "ok" when it resolves (other errors are rethrown). */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SealroomError) return e.code;
    throw e;
  }
  return "ok";
}
