/**
 * Audit action names that other parts of the log read back: exposure reports
 * count them, so writers (the work engine, exports, the gateway, the audit
 * read paths) must use exactly these names and detail shapes.
 */

/** A read of one sealed item: objectType "item", objectId the item id, detail { projectId }. */
export const ITEM_READ = "item.read";
/** An export file handed to someone: objectType "export", objectId the export id, detail { projectId }. */
export const EXPORT_DOWNLOAD = "export.download";
/** A model call through the gateway: actor the gateway key, detail { projectId } when the key is project-bound. */
export const GATEWAY_CALL = "gateway.call";
/** A page of a tenant's audit log was read: objectType "audit_log". */
export const AUDIT_READ = "audit.read";
/** An exposure report was produced: objectType "exposure_report". */
export const AUDIT_EXPOSURE = "audit.exposure";

/** Actions that read sealed tenant data (what an exposure report lists as "did read"). */
export const DATA_READ_ACTIONS: readonly string[] = [ITEM_READ, EXPORT_DOWNLOAD, GATEWAY_CALL];
