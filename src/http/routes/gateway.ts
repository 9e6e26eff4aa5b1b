/** The LLM gateway's administration, for lab admins: deployments, virtual keys, usage (auditors may read usage). */
import { z } from "zod";
import { addDeployment, listTenantDeployments, removeDeployment, rotateDeploymentKey } from "../../services/gateway-deployments.js";
import { createGatewayKey, listTenantGatewayKeys, revokeGatewayKey } from "../../services/gateway-keys.js";
import { tenantUsage } from "../../services/gateway-usage.js";
import { presentDeployment, presentGatewayKey, presentUsageDay } from "../gateway-presenters.js";
import { actorOf, json, route } from "../route.js";
import { tenantFor } from "../tenant-access.js";

const alias = z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, "use letters, digits and . _ : / @ -");
const money = z.number().min(0).max(1e9);

/** The gateway administration routes (registered in app.ts). */
export const gatewayRoutes = [
  route({
    method: "GET",
    path: "/api/tenants/:tenant/gateway/deployments",
    auth: "actor",
    summary: "The tenant's gateway deployments (provider keys never shown: last four characters only).",
    handle: async ({ s, params, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.deployments.list");
      return json({ deployments: (await listTenantDeployments(s, t.id)).map(presentDeployment) });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/gateway/deployments",
    auth: "actor",
    summary: "Add a deployment: an alias served by a provider; the provider key is sealed at once and never returned.",
    body: z.strictObject({
      alias,
      provider: z.enum(["openai", "anthropic"]),
      baseUrl: z.url({ protocol: /^https?$/ }).max(2000),
      model: z.string().regex(/^[\x21-\x7e]{1,200}$/, "printable characters without spaces"),
      apiKey: z.string().min(8).max(4096),
      weight: z.number().min(0).max(1_000_000).optional(),
      passHeaders: z.array(z.string().max(100)).max(32).optional(),
      inputPerMTok: money.optional(),
      outputPerMTok: money.optional(),
    }),
    handle: async ({ s, params, body, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.deployments.add");
      const actor = actorOf(principal!);
      const row = await addDeployment(s, t.id, actor.kind === "user" ? actor.userId : actor.createdBy, body, caller);
      return json({ deployment: presentDeployment(row) }, 201);
    },
  }),
  route({
    method: "DELETE",
    path: "/api/tenants/:tenant/gateway/deployments/:id",
    auth: "actor",
    summary: "Remove a deployment; the gateway stops routing to it with the next configuration push.",
    handle: async ({ s, params, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.deployments.add");
      await removeDeployment(s, t.id, params["id"]!, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/gateway/deployments/:id/key",
    auth: "actor",
    summary: "Rotate a deployment's provider key (sealed at once, never returned; the old key is replaced in the same statement).",
    body: z.strictObject({ apiKey: z.string().min(8).max(4096) }),
    handle: async ({ s, params, body, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.deployments.add");
      return json(await rotateDeploymentKey(s, t.id, params["id"]!, body.apiKey, caller));
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/gateway/keys",
    auth: "actor",
    summary: "The tenant's virtual keys (never their secrets).",
    handle: async ({ s, params, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.keys.list");
      const now = s.now();
      return json({ keys: (await listTenantGatewayKeys(s, t.id)).map((k) => presentGatewayKey(k, now)) });
    },
  }),
  route({
    method: "POST",
    path: "/api/tenants/:tenant/gateway/keys",
    auth: "actor",
    summary: "Create a virtual key (sk-sr-…) for some aliases; the secret is shown once.",
    body: z.strictObject({
      name: z.string().trim().max(100).optional(),
      projectId: z.string().min(1).max(200).optional(),
      models: z.array(alias).min(1).max(1000),
      rpm: z.number().int().min(1).max(1_000_000_000).optional(),
      tpm: z.number().int().min(1).max(1_000_000_000).optional(),
      budgetUsdDay: money.optional(),
      budgetUsdMonth: money.optional(),
      expiresInDays: z.number().int().min(1).max(3650).optional(),
    }),
    handle: async ({ s, params, body, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.keys.create");
      const actor = actorOf(principal!);
      const { expiresInDays, ...rest } = body;
      const r = await createGatewayKey(s, t.id, actor.kind === "user" ? actor.userId : actor.createdBy, { ...rest, ...(expiresInDays ? { expiresInMs: expiresInDays * 86_400_000 } : {}) }, caller);
      return json({ key: presentGatewayKey(r.row, s.now()), secret: r.secret }, 201);
    },
  }),
  route({
    method: "DELETE",
    path: "/api/tenants/:tenant/gateway/keys/:id",
    auth: "actor",
    summary: "Revoke a virtual key; refused from the gateway's next request on.",
    handle: async ({ s, params, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.keys.revoke");
      await revokeGatewayKey(s, t.id, params["id"]!, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/gateway/usage",
    auth: "actor",
    summary: "Gateway usage per day and alias: calls, errors, tokens, cost.",
    query: z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) }),
    handle: async ({ s, params, query, principal }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.gateway.usage.read");
      return json({ days: query.days, usage: (await tenantUsage(s, t.id, query.days)).map(presentUsageDay) });
    },
  }),
];
