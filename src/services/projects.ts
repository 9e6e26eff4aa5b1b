/** Projects of a tenant (the spine's slice: create, list, read; the work engine adds the rest). */
import { createHmac } from "node:crypto";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { findProject, insertItems, insertProject, listProjects, type ItemRow, type ProjectRow } from "../store/repos/projects.js";
import type { Tx } from "../store/store.js";
import { eventBy, type Caller, type Services } from "./context.js";

export const TEMPLATES = ["claim-verification", "sft-writing", "pairwise-preference", "rubric-grading", "classification"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** Creates a project in a tenant; slugs are unique per tenant. */
export async function createProject(
  s: Services,
  db: Tx,
  tenantId: string,
  input: { slug: string; name: string; template: TemplateName; config?: Record<string, unknown> },
  caller: Caller,
): Promise<ProjectRow> {
  if (await findProject(db, tenantId, input.slug)) throw new SealroomError("conflict", `A project with slug '${input.slug}' already exists in this tenant.`);
  const now = s.now();
  const row: ProjectRow = {
    tenant_id: tenantId,
    id: uuidv7(now),
    slug: input.slug,
    name: input.name,
    template: input.template,
    status: "active",
    pause_reason: null,
    config: JSON.stringify(input.config ?? {}),
    item_count: 0,
    created_at: now,
    updated_at: now,
  };
  await insertProject(db, row);
  await s.audit.record(db, eventBy(caller, { tenantId, action: "project.create", objectType: "project", objectId: row.id, detail: { slug: row.slug, template: row.template } }));
  return row;
}

/** A tenant's projects. */
export async function listTenantProjects(s: Services, tenantId: string): Promise<ProjectRow[]> {
  return listProjects(s.store.db, tenantId);
}

/** One project of a tenant by id or slug, or not_found. */
export async function getProject(s: Services, tenantId: string, idOrSlug: string): Promise<ProjectRow> {
  const p = await findProject(s.store.db, tenantId, idOrSlug);
  if (!p) throw new SealroomError("not_found", "No such project.");
  return p;
}

/**
 * The keyed hash that stands in for an item's external id, so duplicates
 * are found without the id (which may itself be sensitive) sitting in the
 * clear. Keyed by a sub-key of the tenant's first data key.
 */
export async function externalKey(s: Services, tenantId: string, externalId: string): Promise<string> {
  const key = await s.keyring.byVersion(tenantId, 1);
  const subKey = createHmac("sha256", key).update("sealroom-external-id/v1").digest();
  return createHmac("sha256", subKey).update(externalId).digest("hex");
}

/** Seals and stores items already validated by the caller, in one executor. */
export async function addItems(
  s: Services,
  db: Tx,
  project: ProjectRow,
  items: ReadonlyArray<{ externalId: string; payload: unknown; isGold: boolean }>,
  caller: Caller,
): Promise<number> {
  await s.keyring.current(project.tenant_id);
  const now = s.now();
  const rows: ItemRow[] = [];
  let seq = project.item_count;
  for (const item of items) {
    const id = uuidv7(now);
    const payload = await s.sealer.seal({ tenantId: project.tenant_id, table: "items", rowId: id, field: "payload" }, JSON.stringify(item.payload));
    rows.push({
      tenant_id: project.tenant_id,
      project_id: project.id,
      id,
      external_key: await externalKey(s, project.tenant_id, item.externalId),
      seq: ++seq,
      is_gold: item.isGold ? 1 : 0,
      payload,
      created_at: now,
    });
  }
  await insertItems(db, project.tenant_id, project.id, rows);
  await s.audit.record(db, eventBy(caller, { tenantId: project.tenant_id, action: "item.import", objectType: "project", objectId: project.id, detail: { count: rows.length } }));
  return rows.length;
}
