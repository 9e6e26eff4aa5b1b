/**
 * What every work request checks before it touches an item: the project and
 * its configuration, pause (423, recorded), membership and standing on the
 * project, the per-contractor read limit, and suspension when a contractor's
 * pattern says they are harvesting rather than working.
 */
import type { AuditEvent } from "../audit/entry.js";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { taskTemplate, type AnswerTemplate, type Item } from "../domain/templates/answers/index.js";
import { takeToken, type TokenBucketState } from "../domain/work/abuse.js";
import type { ProjectConfig } from "../domain/work/project-config.js";
import type { ItemRow, ProjectRow } from "../store/repos/projects.js";
import type { TenantRow } from "../store/repos/tenants.js";
import { findMember, insertNotification, setMemberStatus, type MemberRow } from "../store/repos/work.js";
import type { Tx } from "../store/store.js";
import { eventBy, SYSTEM, type Caller, type Services } from "./context.js";
import { configOf, projectOf } from "./project-admin.js";
import { blocked, pausedReason } from "./work-pause.js";

/** A project as the work engine sees it. */
export interface WorkContext {
  readonly tenant: TenantRow;
  readonly project: ProjectRow;
  readonly config: ProjectConfig;
  readonly template: AnswerTemplate;
}

/** Loads the project (id or slug) of `tenant` with its parsed configuration and template. */
export async function workContext(s: Services, tenant: TenantRow, project: string): Promise<WorkContext> {
  const p = await projectOf(s, tenant.id, project);
  return { tenant, project: p, config: configOf(p), template: taskTemplate(p.template) };
}

/** Refuses work on a paused tenant or project (recording the attempt) or an archived project. */
export async function assertWorkable(s: Services, ctx: WorkContext, userId: string, action: string, caller: Caller, options: { record?: boolean } = {}): Promise<void> {
  const reason = pausedReason(ctx.tenant, ctx.project);
  if (reason !== null) {
    // Heartbeats are the page's, not the person's: refused but not recorded as attempts (one every 30 s would bury them).
    if (options.record === false) throw new SealroomError("paused", reason, { reason });
    throw await blocked(s, { tenantId: ctx.tenant.id, projectId: ctx.project.id }, userId, action, reason, caller);
  }
  if (ctx.project.status === "archived") throw new SealroomError("conflict", "This project is archived; it takes no more work.");
}

/** Why `m` may not work on the project as `role` (absent, another role, suspended), or null when it may. */
export function standingError(m: MemberRow | undefined, role: MemberRow["role"]): SealroomError | null {
  if (!m || m.role !== role) return new SealroomError("forbidden", `You are not a ${role} on this project; a lab admin can add you.`);
  if (m.status === "suspended") return new SealroomError("forbidden", `You are suspended on this project: ${m.status_reason ?? "ask your lab admin"}`, { reason: m.status_reason });
  return null;
}

/** The caller's membership of the project in `role`; forbidden when absent or suspended (with the reason). */
export async function memberAs(s: Services, ctx: WorkContext, userId: string, role: MemberRow["role"]): Promise<MemberRow> {
  const m = await findMember(s.store.db, ctx.tenant.id, ctx.project.id, userId);
  const refusal = standingError(m, role);
  if (refusal) throw refusal;
  return m!;
}

const buckets = new WeakMap<Services, Map<string, TokenBucketState>>();

/**
 * Counts one item read against the contractor's per-minute limit (in this
 * process; a restart forgives). too_many_requests with Retry-After when over.
 */
export function takeRead(s: Services, ctx: WorkContext, userId: string): void {
  let map = buckets.get(s);
  if (!map) buckets.set(s, (map = new Map()));
  const key = `${ctx.tenant.id}/${ctx.project.id}/${userId}`;
  const rate = ctx.config.abuse.readsPerMinute;
  const d = takeToken(map.get(key), s.now(), { ratePerMinute: rate, burst: rate });
  map.set(key, d.state);
  if (!d.allowed) {
    throw new SealroomError("too_many_requests", `Too many task reads; try again in ${d.retryAfterSeconds} s.`, { retryAfterSeconds: d.retryAfterSeconds });
  }
}

/** The item's content (the caller has already audited the read, or is validating server-side). */
export async function openItem(s: Services, item: Pick<ItemRow, "tenant_id" | "id" | "payload">): Promise<Item> {
  const text = await s.sealer.openText({ tenantId: item.tenant_id, table: "items", rowId: item.id, field: "payload" }, item.payload);
  return JSON.parse(text) as Item;
}

/** Suspends a contractor on a project and tells the lab admins (a notification); the audit event goes to `events`, recorded by the caller last. */
export async function suspendMember(
  s: Services,
  tx: Tx,
  ctx: WorkContext,
  userId: string,
  kind: "gold_accuracy" | "abuse",
  reason: string,
  detail: Record<string, unknown>,
  events: AuditEvent[],
): Promise<void> {
  const now = s.now();
  await setMemberStatus(tx, ctx.tenant.id, ctx.project.id, userId, "suspended", reason, now);
  await insertNotification(tx, { tenant_id: ctx.tenant.id, id: uuidv7(now), kind: `member.suspended.${kind}`, project_id: ctx.project.id, subject_user_id: userId, detail: JSON.stringify({ reason, ...detail }), created_at: now });
  events.push(eventBy(SYSTEM, { tenantId: ctx.tenant.id, action: "project.member.suspend", objectType: "user", objectId: userId, detail: { projectId: ctx.project.id, kind, ...detail } }));
}
