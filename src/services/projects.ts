/** Projects of a tenant (the spine's slice: create, list, read; the work engine adds the rest). */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { stableJson } from "../domain/templates/stable-json.js";
import { parseProjectConfig } from "../domain/work/project-config.js";
import type { TemplateName } from "../domain/templates/index.js";
import { lockProjectForWrite } from "../store/repos/items.js";
import { findProject, insertProject, listProjects, type ProjectRow } from "../store/repos/projects.js";
import type { Tx } from "../store/store.js";
import { eventBy, type Caller, type Services } from "./context.js";
import type { ItemCodec } from "./item-codec.js";
import { ItemWriter, type BatchOutcome } from "./item-writer.js";

export { TEMPLATES, type TemplateName } from "../domain/templates/index.js";

/** Creates a project in a tenant; slugs are unique per tenant. */
export async function createProject(
  s: Services,
  db: Tx,
  tenantId: string,
  input: { slug: string; name: string; template: TemplateName; config?: unknown },
  caller: Caller,
): Promise<ProjectRow> {
  const config = parseProjectConfig(input.template, input.config ?? {});
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
    config: JSON.stringify(config),
    item_count: 0,
    created_at: now,
    updated_at: now,
    guidelines: null,
    guidelines_version: 0,
    submitted_count: 0,
    resolved_count: 0,
    archived_at: null,
  };
  await insertProject(db, row);
  await s.audit.record(db, eventBy(caller, { tenantId, action: "project.create", objectType: "project", objectId: row.id, detail: { slug: row.slug, template: row.template, config } }));
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
 * Stores items already validated by the caller (demo seeding; imports use
 * importItems), de-duplicated and sealed by ItemWriter. `codec` comes from
 * sealedItemCodec, made before `db` was opened (it may create keys).
 */
export async function addItems(
  s: Services,
  db: Tx,
  project: ProjectRow,
  codec: ItemCodec,
  items: ReadonlyArray<{ externalId: string; payload: unknown; isGold: boolean }>,
  caller: Caller,
): Promise<BatchOutcome> {
  const lastSeq = await lockProjectForWrite(db, project.tenant_id, project.id, s.now());
  if (lastSeq === undefined) throw new SealroomError("not_found", "No such project.");
  const writer = new ItemWriter(db, { tenantId: project.tenant_id, projectId: project.id }, codec, lastSeq, s.now);
  const pending = items.map((item, i) => ({ line: i + 1, externalId: item.externalId, isGold: item.isGold, content: stableJson(item.payload) }));
  const outcome = await writer.write(pending);
  await s.audit.record(db, eventBy(caller, { tenantId: project.tenant_id, action: "item.import", objectType: "project", objectId: project.id, detail: { count: outcome.imported } }));
  return outcome;
}
