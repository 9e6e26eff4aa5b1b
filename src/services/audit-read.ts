/**
 * Reading a tenant's audit log, page by page (keyset pagination on seq).
 * The audit log is sensitive itself (who did what, from where), so every
 * page read is recorded as "audit.read" in the same transaction, before the
 * page is returned: if that entry cannot be written, nothing is returned.
 */
import { AUDIT_READ } from "../audit/actions.js";
import type { AuditEntry } from "../audit/entry.js";
import { readTenantAuditEntries } from "../store/repos/audit.js";
import { eventBy, type Caller, type Services } from "./context.js";

/** Largest page served. */
export const MAX_AUDIT_PAGE = 500;

/** One page of a tenant's entries with seq > `after`, oldest first; `next` is the `after` of the next page, or null at the end. */
export async function readTenantAudit(
  s: Services,
  tenantId: string,
  page: { after: number; limit: number },
  caller: Caller,
): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const limit = Math.min(Math.max(1, page.limit), MAX_AUDIT_PAGE);
  return s.store.transaction(async (tx) => {
    const entries = await readTenantAuditEntries(tx, tenantId, page.after, limit);
    const last = entries.at(-1);
    await s.audit.record(
      tx,
      eventBy(caller, { tenantId, action: AUDIT_READ, objectType: "audit_log", objectId: tenantId, detail: { after: page.after, limit, returned: entries.length } }),
    );
    return { entries, next: last && entries.length === limit ? last.seq : null };
  });
}
