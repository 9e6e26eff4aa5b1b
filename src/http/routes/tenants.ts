/** Tenants and what lab admins manage in them: members, invitations, API tokens, projects. */
import { z } from "zod";
import { slugSchema as slug } from "../../domain/slug.js";
import { TENANT_ROLES } from "../../domain/policy.js";
import { createApiToken, listTokens, revokeToken } from "../../services/api-tokens.js";
import { createInvitation, listTenantInvitations, revokeTenantInvitation } from "../../services/invitations.js";
import { getProject, listTenantProjects } from "../../services/projects.js";
import { changeMemberRole, createTenant, listMembers, removeMember, tenantsVisibleTo } from "../../services/tenants.js";
import { presentApiToken, presentInvitation, presentMember, presentProject, presentTenant } from "../presenters.js";
import { actorOf, json, route } from "../route.js";
import { assertInstallation, tenantFor } from "../tenant-access.js";

const role = z.enum(TENANT_ROLES);

export const tenantRoutes = [
  route({
    method: "GET",
    path: "/api/tenants",
    auth: "actor",
    summary: "Tenants visible to the caller (all of them for an operator).",
    handle: async ({ s, principal }) => json({ tenants: (await tenantsVisibleTo(s, actorOf(principal!))).map(presentTenant) }),
  }),
  route({
    method: "POST",
    path: "/api/tenants",
    auth: "session",
    summary: "Create a tenant (operator).",
    body: z.strictObject({ slug, name: z.string().trim().min(1).max(200) }),
    handle: async ({ s, body, principal, caller }) => {
      assertInstallation(principal, "installation.tenants.create");
      return json({ tenant: presentTenant(await createTenant(s, body, caller)) }, 201);
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant",
    auth: "actor",
    summary: "One tenant.",
    handle: async ({ s, params, principal }) => json({ tenant: presentTenant(await tenantFor(s, principal, params["tenant"]!, "tenant.read")) }),
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/members",
    auth: "actor",
    summary: "Members of the tenant and their roles.",
    handle: async ({ s, params, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.members.list");
      return json({ members: (await listMembers(s, t.id)).map(presentMember) });
    },
  }),
  route({
    method: "PATCH",
    path: "/api/tenants/:tenant/members/:userId",
    auth: "actor",
    summary: "Change a member's role.",
    body: z.strictObject({ role }),
    handle: async ({ s, params, body, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.members.update");
      await changeMemberRole(s, t.id, params["userId"]!, body.role, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "DELETE",
    path: "/api/tenants/:tenant/members/:userId",
    auth: "actor",
    summary: "Remove a member from the tenant.",
    handle: async ({ s, params, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.members.update");
      await removeMember(s, t.id, params["userId"]!, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/invitations",
    auth: "actor",
    summary: "The tenant's invitations and their state.",
    handle: async ({ s, params, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.invitations.list");
      const now = s.now();
      return json({ invitations: (await listTenantInvitations(s, t.id)).map((i) => presentInvitation(i, now)) });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/invitations",
    auth: "actor",
    summary: "Invite an email address with a role; returns the one-time link.",
    body: z.strictObject({ email: z.email().max(320), role }),
    handle: async ({ s, params, body, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.invitations.create");
      const r = await createInvitation(s, actorOf(principal!), t.id, body, caller);
      return json({ invitation: presentInvitation(r.invitation, s.now()), link: r.link }, 201);
    },
  }),
  route({
    method: "DELETE",
    path: "/api/tenants/:tenant/invitations/:id",
    auth: "actor",
    summary: "Revoke an open invitation.",
    handle: async ({ s, params, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.invitations.revoke");
      await revokeTenantInvitation(s, t.id, params["id"]!, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/tokens",
    auth: "actor",
    summary: "The tenant's API tokens (never their secrets).",
    handle: async ({ s, params, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.tokens.list");
      return json({ tokens: (await listTokens(s, t.id)).map(presentApiToken) });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/tokens",
    auth: "actor",
    summary: "Create an API token scoped to this tenant and one role; the secret is shown once.",
    body: z.strictObject({ name: z.string().trim().min(1).max(100), role, expiresInDays: z.number().int().min(1).max(365).default(90) }),
    handle: async ({ s, params, body, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.tokens.create");
      const actor = actorOf(principal!);
      const r = await createApiToken(s, t.id, actor.kind === "user" ? actor.userId : actor.createdBy, body, caller);
      return json({ token: presentApiToken(r.row), secret: r.token }, 201);
    },
  }),
  route({
    method: "DELETE",
    path: "/api/tenants/:tenant/tokens/:id",
    auth: "actor",
    summary: "Revoke an API token; effective on its next request.",
    handle: async ({ s, params, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.tokens.revoke");
      await revokeToken(s, t.id, params["id"]!, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/projects",
    auth: "actor",
    summary: "The tenant's projects.",
    handle: async ({ s, params, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.projects.list");
      return json({ projects: (await listTenantProjects(s, t.id)).map(presentProject) });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/projects/:project",
    auth: "actor",
    summary: "One project.",
    handle: async ({ s, params, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.projects.read");
      return json({ project: presentProject(await getProject(s, t.id, params["project"]!)) });
    },
  }),
];
