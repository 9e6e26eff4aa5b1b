/** Reading a project's import records back, with their sealed file name and hash opened. */
import { listImports, type ImportRow } from "../store/repos/imports.js";
import type { Services } from "./context.js";
import { getProject } from "./projects.js";

/** An import record as people read it. */
export interface ImportRecord {
  readonly row: ImportRow;
  readonly fileName: string;
  /** Hex SHA-256 of the file as received, or null when it was never fully received. */
  readonly sha256: string | null;
}

/** The newest `limit` import records of a project (id or slug) of a tenant. */
export async function listProjectImports(s: Services, tenantId: string, project: string, limit = 100): Promise<ImportRecord[]> {
  const p = await getProject(s, tenantId, project);
  const rows = await listImports(s.store.db, tenantId, p.id, limit);
  const at = (row: ImportRow, field: string) => ({ tenantId, table: "imports", rowId: row.id, field });
  return Promise.all(
    rows.map(async (row) => ({
      row,
      fileName: await s.sealer.openText(at(row, "file_name"), row.file_name),
      sha256: row.file_sha256 === null ? null : await s.sealer.openText(at(row, "file_sha256"), row.file_sha256),
    })),
  );
}
