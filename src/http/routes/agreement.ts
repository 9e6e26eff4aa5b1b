/** Agreement reports and export-ready answers of a project (people or API tokens; policy decides who). */
import { z } from "zod";
import { agreementReport } from "../../services/work-agreement.js";
import { exportPage, MAX_EXPORT_PAGE } from "../../services/work-export.js";
import { json, route } from "../route.js";
import { workFor } from "../work-access.js";

const BASE = "/api/tenants/:tenant/projects/:project";
const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const agreementRoutes = [
  route({
    method: "GET",
    path: `${BASE}/agreement`,
    auth: "actor",
    summary:
      "Agreement per answer field: Krippendorff's alpha (with a seeded bootstrap 95% CI unless ?bootstrap=false), Fleiss' and Cohen's kappa on nominal fields, span-overlap F1; audited.",
    query: z.strictObject({ bootstrap: flag.optional() }),
    handle: async ({ s, params, principal, query, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.agreement.read");
      return json({ report: await agreementReport(s, ctx, { bootstrap: query.bootstrap ?? true }, caller) });
    },
  }),
  route({
    method: "GET",
    path: `${BASE}/export`,
    auth: "actor",
    summary:
      "Export-ready answers: one record per resolved item in the template's export shape, or with ?format=preference (model draft, human final) pairs where they differ (keyset: ?after=resolution id); each page is an audited export.",
    query: z.strictObject({ after: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(MAX_EXPORT_PAGE).optional(), format: z.enum(["records", "preference"]).optional() }),
    handle: async ({ s, params, principal, query, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.export");
      const page = await exportPage(s, ctx, userId, query.after ?? "", query.limit ?? 100, caller, query.format ?? "records");
      return json({ exportId: page.exportId, records: page.records, next: page.next });
    },
  }),
];
