/** Reading a project's import records back, with their sealed file name and hash opened. */
import { listImports, type ImportRow } from "../store/repos/imports.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { getProject } from "./projects.js";

/** An import record as people read it. */
export interface ImportRecord {
  readonly row: ImportRow;
  readonly fileName: string;
  /** Hex SHA-256 of the file as received, or null when it was never fully received. */
  readonly sha256: string | null;
}

/**
 * The newest `limit` import records of a project (id or slug) of a tenant.
 * Opening the sealed file names is a read of sealed data, so it is audited
 * first: if the entry cannot be written, nothing is returned.
 */
export async function listProjectImports(s: Services, tenantId: string, project: string, caller: Caller, limit = 100): Promise<ImportRecord[]> {
  const p = await getProject(s, tenantId, project);
  const rows = await listImports(s.store.db, tenantId, p.id, limit);
  await s.store.transaction((tx) =>
    s.audit.record(tx, eventBy(caller, { tenantId, action: "imports.read", objectType: "project", objectId: p.id, detail: { records: rows.length } })),
  );
  const at = (row: ImportRow, field: string) => ({ tenantId, table: "imports", rowId: row.id, field });
  return Promise.all(
    rows.map(async (row) => ({
      row,
      fileName: await s.sealer.openText(at(row, "file_name"), row.file_name),
      sha256: row.file_sha256 === null ? null : await s.sealer.openText(at(row, "file_sha256"), row.file_sha256),
    })),
  );
}
