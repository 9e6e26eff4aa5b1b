/** Model assist of a project: run the model over items without a draft, and the drafts' status (lab admins and their tokens). */
import { z } from "zod";
import { assistStatus, MAX_ASSIST_RUN, runAssist } from "../../services/work-assist.js";
import { json, route } from "../route.js";
import { workFor } from "../work-access.js";

const BASE = "/api/tenants/:tenant/projects/:project/assist";

export const assistRoutes = [
  route({
    method: "POST",
    path: `${BASE}/run`,
    auth: "actor",
    summary: `Draft answers with the project's assist model for up to {limit} items without one (default 50, at most ${MAX_ASSIST_RUN}), through the gateway and charged to the project; 409 when assist is off or the gateway is not running.`,
    body: z.strictObject({ limit: z.number().int().min(1).max(MAX_ASSIST_RUN).optional() }),
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      const r = await runAssist(s, ctx, { limit: body.limit ?? 50, caller });
      return json({ run: { model: r.model, attempted: r.attempted, ok: r.ok, invalid: r.invalid, failed: r.failed, stoppedBy: r.stoppedBy, more: r.more } });
    },
  }),
  route({
    method: "GET",
    path: BASE,
    auth: "actor",
    summary: "The project's assist model, its drafts by status (ok, invalid, failed) and what the gateway metered for them.",
    handle: async ({ s, params, principal }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      const r = await assistStatus(s, ctx);
      return json({ assist: { model: r.model, showToContractors: r.showToContractors, drafts: { ...r.drafts }, usage: { ...r.usage } } });
    },
  }),
];
