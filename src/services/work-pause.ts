/**
 * Pause and resume, for one project (lab admin) or a whole tenant (operator
 * or lab admin). A pause takes effect on the next request: open leases are
 * frozen with the time they had left, so nothing is handed to anyone else;
 * claims, task reads, heartbeats and hours are refused with 423 and the
 * reason; a submission in flight is kept as a draft. Every refused attempt is
 * recorded (blocked_attempts) so hours can be reconciled. Resume thaws the
 * frozen leases with the time they had, so the queue is exactly as it was.
 */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import type { ProjectRow } from "../store/repos/projects.js";
import type { TenantRow } from "../store/repos/tenants.js";
import type { Tx } from "../store/store.js";
import { freezeLeases, insertBlockedAttempt, setProjectStatus, setTenantPause, thawLeases } from "../store/repos/pause.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { gatewayChanged } from "./gateway-notify.js";
import { bumpGatewayVersion } from "../store/repos/gateway.js";

/** The reason shown to contractors, bounded so it fits a banner. */
export const MAX_PAUSE_REASON = 500;

/** Throws `paused` (423) with the reason when the tenant or the project is paused; tenant first. */
export function pausedReason(tenant: Pick<TenantRow, "status" | "pause_reason">, project: Pick<ProjectRow, "status" | "pause_reason"> | null): string | null {
  if (tenant.status === "paused") return `Work in this lab is paused: ${tenant.pause_reason ?? "no reason given"}`;
  if (project && project.status === "paused") return `This project is paused: ${project.pause_reason ?? "no reason given"}`;
  return null;
}

/**
 * Records a refused attempt (its own transaction, so it lands even though the
 * request fails) and returns the error to throw.
 */
export async function blocked(s: Services, where: { tenantId: string; projectId: string | null }, userId: string, action: string, reason: string, caller: Caller): Promise<SealroomError> {
  await s.store.transaction(async (tx) => {
    await insertBlockedAttempt(tx, { tenant_id: where.tenantId, id: uuidv7(s.now()), project_id: where.projectId, user_id: userId, action, reason, at: s.now() });
    await s.audit.record(tx, eventBy(caller, { tenantId: where.tenantId, action: "work.blocked", objectType: "project", objectId: where.projectId, outcome: "denied", detail: { attempted: action } }));
  });
  return new SealroomError("paused", reason, { reason });
}

function checkReason(reason: string): string {
  const r = reason.trim();
  if (r.length < 3 || r.length > MAX_PAUSE_REASON) {
    throw new SealroomError("validation_failed", `The reason must be 3 to ${MAX_PAUSE_REASON} characters; contractors see it.`, { issues: [{ path: "reason", message: `must be 3 to ${MAX_PAUSE_REASON} characters` }] });
  }
  return r;
}

/** Gateway keys of a paused tenant or project are refused too: the gateway's configuration changes. */
async function afterChange(tx: Tx): Promise<void> {
  await bumpGatewayVersion(tx);
}

/** Pauses a project. */
export async function pauseProject(s: Services, project: ProjectRow, reasonIn: string, caller: Caller): Promise<{ frozenLeases: number }> {
  const reason = checkReason(reasonIn);
  if (project.status === "archived") throw new SealroomError("conflict", "An archived project cannot be paused.");
  const frozen = await s.store.transaction(async (tx) => {
    const now = s.now();
    await setProjectStatus(tx, project.tenant_id, project.id, "paused", reason, now);
    const n = await freezeLeases(tx, project.tenant_id, project.id, now);
    await afterChange(tx);
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.pause", objectType: "project", objectId: project.id, detail: { reason, frozenLeases: n } }));
    return n;
  });
  await gatewayChanged(s);
  return { frozenLeases: frozen };
}

/** Resumes a paused project (its leases stay frozen while the whole tenant is paused). */
export async function resumeProject(s: Services, tenant: TenantRow, project: ProjectRow, caller: Caller): Promise<{ thawedLeases: number }> {
  if (project.status !== "paused") throw new SealroomError("conflict", "This project is not paused.");
  const thawed = await s.store.transaction(async (tx) => {
    const now = s.now();
    await setProjectStatus(tx, project.tenant_id, project.id, "active", null, now);
    const n = tenant.status === "paused" ? 0 : await thawLeases(tx, project.tenant_id, project.id, now);
    await afterChange(tx);
    await s.audit.record(tx, eventBy(caller, { tenantId: project.tenant_id, action: "project.resume", objectType: "project", objectId: project.id, detail: { thawedLeases: n } }));
    return n;
  });
  await gatewayChanged(s);
  return { thawedLeases: thawed };
}

/** Pauses every project of a tenant at once. */
export async function pauseTenant(s: Services, tenant: TenantRow, reasonIn: string, caller: Caller): Promise<{ frozenLeases: number }> {
  const reason = checkReason(reasonIn);
  if (tenant.status === "shredded") throw new SealroomError("shredded", "This tenant was shredded.");
  const frozen = await s.store.transaction(async (tx) => {
    const now = s.now();
    await setTenantPause(tx, tenant.id, "paused", reason, now);
    const n = await freezeLeases(tx, tenant.id, null, now);
    await afterChange(tx);
    await s.audit.record(tx, eventBy(caller, { tenantId: tenant.id, action: "tenant.pause", objectType: "tenant", objectId: tenant.id, detail: { reason, frozenLeases: n } }));
    return n;
  });
  await gatewayChanged(s);
  return { frozenLeases: frozen };
}

/** Resumes a paused tenant (projects paused on their own stay paused). */
export async function resumeTenant(s: Services, tenant: TenantRow, caller: Caller): Promise<{ thawedLeases: number }> {
  if (tenant.status !== "paused") throw new SealroomError("conflict", "This tenant is not paused.");
  const thawed = await s.store.transaction(async (tx) => {
    const now = s.now();
    await setTenantPause(tx, tenant.id, "active", null, now);
    const n = await thawLeases(tx, tenant.id, null, now);
    await afterChange(tx);
    await s.audit.record(tx, eventBy(caller, { tenantId: tenant.id, action: "tenant.resume", objectType: "tenant", objectId: tenant.id, detail: { thawedLeases: n } }));
    return n;
  });
  await gatewayChanged(s);
  return { thawedLeases: thawed };
}
