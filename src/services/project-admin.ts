/**
 * Running a project, for its lab admin: configuration, guidelines (Markdown,
 * sealed, served only inside Sealroom), members and their standing, archive.
 * Every change is audited in its transaction; guideline reads are audited
 * before the text is opened.
 */
import { SealroomError } from "../domain/errors.js";
import { itemTemplate, type TemplateName } from "../domain/templates/index.js";
import { parseProjectConfig, type ProjectConfig } from "../domain/work/project-config.js";
import { setProjectStatus } from "../store/repos/pause.js";
import { findProject, setGuidelines, updateProjectConfig, type ProjectRow } from "../store/repos/projects.js";
import { findMembership } from "../store/repos/tenants.js";
import { deleteMember, findMember, listMembers, setMemberStatus, upsertMember, type MemberRow } from "../store/repos/work.js";
import { eventBy, type Caller, type Services } from "./context.js";

/** Longest guidelines accepted (Markdown, UTF-16 units). */
export const MAX_GUIDELINES = 512 * 1024;

/** The project's configuration, parsed (a stored value that no longer validates is an error, not a default). */
export function configOf(project: ProjectRow): ProjectConfig {
  // Every work request reads the configuration; parsing is memoised on the stored text (it changes rarely).
  const key = `${project.template}\n${project.config}`;
  let parsed = parsedConfigs.get(key);
  if (!parsed) {
    if (parsedConfigs.size >= 1000) parsedConfigs.clear();
    parsed = Object.freeze(parseProjectConfig(project.template as TemplateName, JSON.parse(project.config) as unknown));
    parsedConfigs.set(key, parsed);
  }
  return parsed;
}

const parsedConfigs = new Map<string, ProjectConfig>();

/** The project (by id or slug) of a tenant, or not_found. */
export async function projectOf(s: Services, tenantId: string, idOrSlug: string): Promise<ProjectRow> {
  const p = await findProject(s.store.db, tenantId, idOrSlug);
  if (!p) throw new SealroomError("not_found", "No such project.");
  itemTemplate(p.template);
  return p;
}

/**
 * Changes some configuration fields. Changing the overlap re-opens or closes
 * items to match (one statement over the project's items: an admin action,
 * not a hot path).
 */
export async function changeProjectConfig(s: Services, project: ProjectRow, patch: Record<string, unknown>, caller: Caller): Promise<ProjectConfig> {
  const current = configOf(project);
  const next = parseProjectConfig(project.template as TemplateName, { ...current, ...patch });
  await s.store.transaction(async (tx) => {
    await updateProjectConfig(tx, project.tenant_id, project.id, JSON.stringify(next), current.overlap === next.overlap ? null : next.overlap, s.now());
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.config", objectType: "project", objectId: project.id, detail: { changed: Object.keys(patch).sort() } }));
  });
  return next;
}

const guidelinesContext = (p: ProjectRow) => ({ tenantId: p.tenant_id, table: "projects", rowId: p.id, field: "guidelines" }) as const;

/** Replaces the guidelines (a new version). */
export async function replaceGuidelines(s: Services, project: ProjectRow, markdown: string, caller: Caller): Promise<{ version: number }> {
  if (markdown.length === 0 || markdown.length > MAX_GUIDELINES) {
    throw new SealroomError("validation_failed", `Guidelines must be 1 to ${MAX_GUIDELINES} characters of Markdown.`, { issues: [{ path: "markdown", message: `must be 1 to ${MAX_GUIDELINES} characters` }] });
  }
  await s.keyring.current(project.tenant_id);
  const sealed = await s.sealer.seal(guidelinesContext(project), markdown);
  return s.store.transaction(async (tx) => {
    const version = await setGuidelines(tx, project.tenant_id, project.id, sealed, s.now());
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.guidelines.update", objectType: "project", objectId: project.id, detail: { version } }));
    return { version };
  });
}

/** The guidelines, audited as a read before they are opened; null when none were set. */
export async function readGuidelines(s: Services, project: ProjectRow, caller: Caller): Promise<{ version: number; markdown: string } | null> {
  if (project.guidelines === null) return null;
  await s.store.transaction((tx) =>
    s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.guidelines.read", objectType: "project", objectId: project.id, detail: { version: project.guidelines_version } })),
  );
  return { version: project.guidelines_version, markdown: await s.sealer.openText(guidelinesContext(project), project.guidelines) };
}

/** Archives a project: no more claims or submissions; answers stay readable for review and export. */
export async function archiveProject(s: Services, project: ProjectRow, caller: Caller): Promise<void> {
  if (project.status === "archived") throw new SealroomError("conflict", "This project is already archived.");
  await s.store.transaction(async (tx) => {
    await setProjectStatus(tx, project.tenant_id, project.id, "archived", null, s.now());
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.archive", objectType: "project", objectId: project.id }));
  });
}

/** Which tenant roles may hold each project role. */
const ELIGIBLE: Record<MemberRow["role"], readonly string[]> = { contractor: ["contractor"], reviewer: ["reviewer", "lab_admin"] };

/** Adds a tenant member to a project as a contractor or reviewer (or changes their project role). */
export async function addProjectMember(s: Services, project: ProjectRow, userId: string, role: MemberRow["role"], caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    const m = await findMembership(tx, project.tenant_id, userId);
    if (!m) throw new SealroomError("not_found", "No such member of this tenant.");
    if (!ELIGIBLE[role].includes(m.role)) throw new SealroomError("conflict", `A ${m.role} cannot be a ${role} on a project; change their tenant role first.`);
    await upsertMember(tx, { tenant_id: project.tenant_id, project_id: project.id, user_id: userId, role }, s.now());
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.member.add", objectType: "user", objectId: userId, detail: { projectId: project.id, role } }));
  });
}

/** Removes a project member. */
export async function removeProjectMember(s: Services, project: ProjectRow, userId: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    if (!(await deleteMember(tx, project.tenant_id, project.id, userId))) throw new SealroomError("not_found", "No such member of this project.");
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.member.remove", objectType: "user", objectId: userId, detail: { projectId: project.id } }));
  });
}

/** Lifts a suspension (gold accuracy or abuse) after the lab admin has looked into it. */
export async function reinstateProjectMember(s: Services, project: ProjectRow, userId: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    const m = await findMember(tx, project.tenant_id, project.id, userId);
    if (!m) throw new SealroomError("not_found", "No such member of this project.");
    if (m.status !== "suspended") throw new SealroomError("conflict", "This member is not suspended.");
    await setMemberStatus(tx, project.tenant_id, project.id, userId, "active", null, s.now());
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.member.reinstate", objectType: "user", objectId: userId, detail: { projectId: project.id } }));
  });
}

/** A page of members with their standing and gold accuracy. */
export async function projectMembers(s: Services, project: ProjectRow, after: string, limit: number): Promise<MemberRow[]> {
  return listMembers(s.store.db, project.tenant_id, project.id, after, limit);
}
