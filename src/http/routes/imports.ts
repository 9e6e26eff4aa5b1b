/** Importing items into a project over HTTP (the UI's upload), and the project's import records. */
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { formatFromContentType } from "../../formats/read.js";
import { IMPORT_FORMATS, type ImportFormat } from "../../formats/records.js";
import { importItems } from "../../services/import.js";
import { listProjectImports } from "../../services/import-records.js";
import { presentImport, presentImportSummary } from "../presenters.js";
import { json, route } from "../route.js";
import { streamedBody } from "../stream-body.js";
import { tenantFor } from "../tenant-access.js";

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const EXTENSION: Record<ImportFormat, string> = { jsonl: "jsonl", csv: "csv", labelstudio: "json" };

/** The import routes of the route table. */
export const importRoutes = [
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects/:project/imports",
    auth: "actor",
    streamBody: true,
    summary:
      "Import items from the request body: JSONL (application/x-ndjson), CSV (text/csv) or Label Studio tasks (application/json); all or nothing unless skipInvalid.",
    query: z.strictObject({
      format: z.enum(IMPORT_FORMATS as [ImportFormat, ...ImportFormat[]]).optional(),
      skipInvalid: flag.optional(),
      fileName: z.string().trim().min(1).max(255).regex(/^[^\u0000-\u001f\u007f/\\]+$/, "a file name, without folders").optional(),
    }),
    handle: async ({ c, s, params, query, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.items.import");
      const format = query.format ?? formatFromContentType(c.req.header("content-type"));
      if (!format) throw new SealroomError("unsupported_media_type", "Send the file as application/x-ndjson (JSONL), text/csv or application/json (Label Studio tasks), or name it with ?format=.");
      // Rejected lines come back as line numbers and errors (summary.rejectedLines); the raw lines stay with the uploader.
      const summary = await importItems(
        s,
        { tenant: t.id, project: params["project"]! },
        streamedBody(c, s.config.importLimitBytes),
        { format, fileName: query.fileName ?? `upload.${EXTENSION[format]}`, skipInvalid: query.skipInvalid === true },
        caller,
      );
      return json({ import: presentImportSummary(summary) }, 201);
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/projects/:project/imports",
    auth: "actor",
    summary: "The project's import records, newest first: who, when, file name, SHA-256, counts.",
    handle: async ({ s, params, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.imports.list");
      return json({ imports: (await listProjectImports(s, t.id, params["project"]!, caller)).map(presentImport) });
    },
  }),
];
