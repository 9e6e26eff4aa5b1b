/** Running projects: create, configure, guidelines, members, pause/resume (project and tenant), archive, notifications. */
import { z } from "zod";
import { slugSchema as slug } from "../../domain/slug.js";
import { TEMPLATES } from "../../domain/templates/index.js";
import { projectConfigPatchSchema } from "../../domain/work/project-config.js";
import { MAX_PAUSE_REASON, pauseProject, pauseTenant, resumeProject, resumeTenant } from "../../services/work-pause.js";
import {
  addProjectMember,
  archiveProject,
  changeProjectConfig,
  MAX_GUIDELINES,
  projectMembers,
  readGuidelines,
  reinstateProjectMember,
  removeProjectMember,
  replaceGuidelines,
} from "../../services/project-admin.js";
import { createProject } from "../../services/projects.js";
import { listTenantNotifications } from "../../services/notifications.js";
import { presentProject } from "../presenters.js";
import { roleIn } from "../../domain/policy.js";
import { memberAs } from "../../services/work-access.js";
import { actorOf, json, route } from "../route.js";
import { tenantFor } from "../tenant-access.js";
import { workFor } from "../work-access.js";

const reason = z.strictObject({ reason: z.string().trim().min(3).max(MAX_PAUSE_REASON) });
const page = z.strictObject({ after: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(500).optional() });

/** The fields a request actually sent. */
function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export const projectRoutes = [
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects",
    auth: "actor",
    summary: "Create a project with a template and a configuration (overlap, lease, skip and review policies, gold, daily cap).",
    body: z.strictObject({ slug, name: z.string().trim().min(1).max(200), template: z.enum(TEMPLATES), config: z.record(z.string(), z.unknown()).optional() }),
    handle: async ({ s, params, principal, body, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.projects.create");
      const p = await s.store.transaction((tx) => createProject(s, tx, t.id, body, caller));
      return json({ project: presentProject(p) }, 201);
    },
  }),
  route({
    method: "PATCH",
    path: "/api/tenants/:tenant/projects/:project/config",
    auth: "actor",
    summary: "Change some configuration fields; the rest keep their values (review, gold and abuse are replaced as a whole).",
    body: projectConfigPatchSchema,
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      return json({ config: await changeProjectConfig(s, ctx.project, stripUndefined(body), caller) });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/projects/:project/guidelines",
    auth: "session",
    summary: "The project's guidelines (Markdown), for its members; every read is audited.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.projects.guidelines.read");
      // Contractors and reviewers read the guidelines of the projects they work on, not every project of the lab.
      const role = roleIn(actorOf(principal!), ctx.tenant.id);
      if (role === "contractor" || role === "reviewer") await memberAs(s, ctx, userId, role);
      return json({ guidelines: await readGuidelines(s, ctx.project, caller) });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects/:project/guidelines",
    auth: "actor",
    summary: "Replace the guidelines with a new version (sealed at rest).",
    body: z.strictObject({ markdown: z.string().min(1).max(MAX_GUIDELINES) }),
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      return json({ guidelines: await replaceGuidelines(s, ctx.project, body.markdown, caller) }, 201);
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/projects/:project/members",
    auth: "actor",
    summary: "Project members with their standing, counters and gold accuracy (keyset: ?after=userId).",
    query: page,
    handle: async ({ s, params, principal, query }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      const rows = await projectMembers(s, ctx.project, query.after ?? "", query.limit ?? 100);
      return json({
        members: rows.map((m) => ({
          userId: m.user_id,
          role: m.role,
          status: m.status,
          statusReason: m.status_reason,
          submitted: m.submitted,
          goldAnswered: m.gold_answered,
          goldAccuracy: m.gold_answered ? m.gold_correct / m.gold_answered : null,
        })),
        next: rows.length === (query.limit ?? 100) ? rows.at(-1)!.user_id : null,
      });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects/:project/members",
    auth: "actor",
    summary: "Add a tenant member to the project as a contractor or reviewer.",
    body: z.strictObject({ userId: z.string().min(1).max(64), role: z.enum(["contractor", "reviewer"]) }),
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      await addProjectMember(s, ctx.project, body.userId, body.role, caller);
      return json({ ok: true }, 201);
    },
  }),
  route({
    method: "DELETE",
    path: "/api/tenants/:tenant/projects/:project/members/:userId",
    auth: "actor",
    summary: "Remove a member from the project (their past work stays).",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      await removeProjectMember(s, ctx.project, params["userId"]!, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects/:project/members/:userId/reinstate",
    auth: "actor",
    summary: "Lift a member's suspension (gold accuracy or abuse) after looking into it.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      await reinstateProjectMember(s, ctx.project, params["userId"]!, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects/:project/pause",
    auth: "actor",
    summary: "Pause the project: open leases freeze, claims and reads answer 423 with the reason.",
    body: reason,
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      return json(await pauseProject(s, ctx.project, body.reason, caller));
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects/:project/resume",
    auth: "actor",
    summary: "Resume the project: frozen leases get back the time they had left.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      return json(await resumeProject(s, ctx.tenant, ctx.project, caller));
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/projects/:project/archive",
    auth: "actor",
    summary: "Archive the project: no more work; answers stay for review and export.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx } = await workFor(s, principal, params, "tenant.projects.manage");
      await archiveProject(s, ctx.project, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/pause",
    auth: "actor",
    summary: "Pause all work in the tenant (operator or lab admin), with a reason contractors see.",
    body: reason,
    handle: async ({ s, params, principal, body, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.pause");
      return json(await pauseTenant(s, t, body.reason, caller));
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/resume",
    auth: "actor",
    summary: "Resume work in the tenant; projects paused on their own stay paused.",
    handle: async ({ s, params, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.pause");
      return json(await resumeTenant(s, t, caller));
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/notifications",
    auth: "actor",
    summary: "What the lab admins are told (members suspended for gold accuracy or abuse), newest first (keyset: ?after=id).",
    query: page,
    handle: async ({ s, params, principal, query }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.notifications.read");
      return json(await listTenantNotifications(s, t.id, query.after ?? null, query.limit ?? 100));
    },
  }),
];
