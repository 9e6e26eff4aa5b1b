/** Response shapes, field by field: nothing reaches a client by serializing a row. */
import { isoTimeOrNull as iso } from "../domain/time.js";
import { taskTemplate } from "../domain/templates/answers/index.js";
import type { ApiTokenRow, InvitationRow } from "../store/repos/credentials.js";
import type { ProjectRow } from "../store/repos/projects.js";
import type { SessionRow } from "../store/repos/sessions.js";
import type { TenantRow } from "../store/repos/tenants.js";
import type { UserRow } from "../store/repos/users.js";
import type { TenantRole } from "../domain/policy.js";
import type { ImportRecord } from "../services/import-records.js";
import type { ImportSummary } from "../services/import.js";


/** A user as they see themselves. */
export function presentMe(user: UserRow, memberships: ReadonlyArray<{ tenant: TenantRow; role: TenantRole }>) {
  return {
    id: user.id,
    email: user.email,
    displayName: user.display_name,
    isOperator: user.is_operator === 1,
    totpEnabled: user.totp_enabled_at !== null,
    memberships: memberships.map((m) => ({ tenantId: m.tenant.id, tenantSlug: m.tenant.slug, tenantName: m.tenant.name, role: m.role })),
  };
}

/** A tenant. */
export function presentTenant(t: TenantRow) {
  return { id: t.id, slug: t.slug, name: t.name, status: t.status, pauseReason: t.pause_reason, createdAt: iso(t.created_at) };
}

/** A member of a tenant. */
export function presentMember(m: { user_id: string; role: TenantRole; email: string; display_name: string; status: string; created_at: number }) {
  return { userId: m.user_id, email: m.email, displayName: m.display_name, role: m.role, status: m.status, since: iso(m.created_at) };
}

/** A session in the user's session list. */
export function presentSession(row: SessionRow, currentId: string) {
  return {
    id: row.id,
    current: row.id === currentId,
    createdAt: iso(row.created_at),
    lastSeenAt: iso(row.last_seen_at),
    expiresAt: iso(row.expires_at),
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/** An API token (never its secret; only the last four characters). */
export function presentApiToken(t: ApiTokenRow) {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    lastFour: t.last_four,
    createdAt: iso(t.created_at),
    expiresAt: iso(t.expires_at),
    revokedAt: iso(t.revoked_at),
    lastUsedAt: iso(t.last_used_at),
  };
}

/** An invitation (never its token). */
export function presentInvitation(i: InvitationRow, now: number) {
  const state = i.accepted_at !== null ? "accepted" : i.revoked_at !== null ? "revoked" : now >= i.expires_at ? "expired" : "open";
  return { id: i.id, email: i.email, role: i.role, state, createdAt: iso(i.created_at), expiresAt: iso(i.expires_at) };
}

/** A project summary. */
export function presentProject(p: ProjectRow) {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    template: p.template,
    status: p.status,
    pauseReason: p.pause_reason,
    config: JSON.parse(p.config) as unknown,
    itemCount: p.item_count,
    submittedCount: p.submitted_count,
    resolvedCount: p.resolved_count,
    guidelinesVersion: p.guidelines_version,
    // How the UI renders the template's answer form (static per template).
    hints: taskTemplate(p.template).hints,
    createdAt: iso(p.created_at),
  };
}

/** An import record (its file name and hash were sealed; the caller may read them). */
export function presentImport(r: ImportRecord) {
  const row = r.row;
  return {
    id: row.id,
    projectId: row.project_id,
    status: row.status,
    format: row.format,
    fileName: r.fileName,
    sha256: r.sha256,
    actor: { type: row.actor_type, id: row.actor_id },
    total: row.total,
    imported: row.imported,
    skippedDuplicates: row.skipped_duplicates,
    changed: row.changed,
    rejected: row.rejected,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}

/** The outcome of an import just run, with up to 100 changed items and rejected lines. */
export function presentImportSummary(r: ImportSummary) {
  return {
    id: r.importId,
    projectId: r.projectId,
    status: r.status,
    format: r.format,
    sha256: r.sha256,
    bytes: r.bytes,
    total: r.total,
    imported: r.imported,
    skippedDuplicates: r.skippedDuplicates,
    changed: r.changed,
    rejected: r.rejected,
    changedItems: r.changedItems.map((c) => ({ line: c.line, externalId: c.externalId })),
    rejectedLines: r.rejectedLines.map((l) => ({ line: l.line, path: l.path, message: l.message })),
  };
}
