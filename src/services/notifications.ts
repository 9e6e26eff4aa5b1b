/** What the lab admins of a tenant are told: contractors suspended for gold accuracy or abuse. */
import { listNotifications } from "../store/repos/work.js";
import type { Services } from "./context.js";

/** A page of a tenant's notifications, newest first; `next` is the cursor for the following page. */
export async function listTenantNotifications(s: Services, tenantId: string, beforeId: string | null, limit: number) {
  const rows = await listNotifications(s.store.db, tenantId, beforeId, limit);
  return {
    notifications: rows.map((n) => ({
      id: n.id,
      kind: n.kind,
      projectId: n.project_id,
      userId: n.subject_user_id,
      detail: JSON.parse(n.detail) as unknown,
      createdAt: new Date(n.created_at).toISOString(),
    })),
    next: rows.length === limit ? rows.at(-1)!.id : null,
  };
}
