/**
 * The gateway's administration over HTTP: a lab admin adds deployments (the
 * provider key is never returned, only its last four characters; base URLs
 * carrying credentials and credential headers are refused), creates keys
 * whose secret is shown once, lists them without secrets, revokes them, and
 * reads usage; an auditor reads usage only; an API token cannot mint keys;
 * every change is audited without the key.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordUsage } from "../../src/services/gateway-usage.js";
import { client, type Client } from "../support/http.js";
import { adminWithTotp, expectError, freshWorld, signIn, type Ctx } from "./identity-helpers.js";

const PROVIDER_KEY = "sk-PLANTED-http-provider-key-9d8c7b6a";
let ctx: Ctx;
let admin: Client;
beforeEach(async () => {
  ctx = await freshWorld();
  admin = (await adminWithTotp(ctx)).c;
});
afterEach(async () => ctx.t.close());

const A = () => `/api/tenants/${ctx.w.a.slug}/gateway`;
const deployment = (over: Record<string, unknown> = {}) => ({ alias: "gpt-a", provider: "openai", baseUrl: "https://api.openai.com/v1", model: "gpt-4o-mini", apiKey: PROVIDER_KEY, ...over });

describe("deployments", () => {
  it("are added with the key sealed and never returned; bad URLs and credential headers are refused", async () => {
    const r = await admin.post(`${A()}/deployments`, deployment({ passHeaders: ["anthropic-beta"], inputPerMTok: 0.15, outputPerMTok: 0.6 }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.deployment).toMatchObject({ alias: "gpt-a", provider: "openai", baseUrl: "https://api.openai.com/v1", passHeaders: ["anthropic-beta"] });
    expect(r.body.deployment.keyLastFour).toBe(PROVIDER_KEY.slice(-4));
    const list = await admin.get(`${A()}/deployments`);
    expect(list.body.deployments).toHaveLength(1);
    for (const body of [r.body, list.body]) expect(JSON.stringify(body)).not.toContain("PLANTED");
    for (const bad of [
      deployment({ baseUrl: `https://user:${PROVIDER_KEY}@api.openai.com/v1` }),
      deployment({ baseUrl: "https://api.openai.com/v1?api_key=x" }),
      deployment({ baseUrl: "file:///etc/passwd" }),
      deployment({ passHeaders: ["authorization"] }),
      deployment({ apiKey: 'has "quotes" in it' }),
      deployment({ provider: "azure" }),
    ]) {
      const e = await admin.post(`${A()}/deployments`, bad);
      expect(e.status, JSON.stringify(bad)).toBe(400);
      expect(JSON.stringify(e.body)).not.toContain("PLANTED");
    }
    const audit = await ctx.t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "gateway.deployment.add").execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain("PLANTED");
    expect(ctx.t.logLines.join("\n")).not.toContain("PLANTED");
  });
});

describe("keys", () => {
  it("the secret is shown once; the list shows last four and limits; revocation is audited", async () => {
    const r = await admin.post(`${A()}/keys`, { name: "ci", models: ["gpt-a"], rpm: 60, budgetUsdDay: 5, expiresInDays: 7 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const secret: string = r.body.secret;
    expect(secret).toMatch(/^sk-sr-[A-Za-z0-9_-]{43}$/);
    expect(r.body.key).toMatchObject({ name: "ci", models: ["gpt-a"], rpm: 60, budgetUsdDay: 5, lastFour: secret.slice(-4), state: "active" });
    const list = await admin.get(`${A()}/keys`);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.keys[0]).not.toHaveProperty("hash");
    expectError(await admin.post(`${A()}/keys`, { models: [] }), 400, "validation_failed");
    expectError(await admin.post(`${A()}/keys`, { models: ["gpt-a"], projectId: "no-such-project" }), 404, "not_found");
    expect((await admin.delete(`${A()}/keys/${r.body.key.id}`)).status).toBe(200);
    expectError(await admin.delete(`${A()}/keys/${r.body.key.id}`), 404, "not_found");
    expect((await admin.get(`${A()}/keys`)).body.keys[0].state).toBe("revoked");
    const actions = (await ctx.t.s.store.db.selectFrom("audit_entries").select("action").where("action", "like", "gateway_key.%").execute()).map((a) => a.action);
    expect(actions).toEqual(["gateway_key.create", "gateway_key.revoke"]);
  });

  it("an API token of a lab admin may list but not mint keys or add deployments", async () => {
    const t = await admin.post(`/api/tenants/${ctx.w.a.slug}/tokens`, { name: "ci", role: "lab_admin" });
    const token = client(ctx.t.s);
    token.bearer = t.body.secret;
    expect((await token.get(`${A()}/keys`)).status).toBe(200);
    expectError(await token.post(`${A()}/keys`, { models: ["gpt-a"] }), 403, "forbidden");
    expectError(await token.post(`${A()}/deployments`, deployment()), 403, "forbidden");
  });
});

describe("usage", () => {
  it("is aggregated per day and alias; an auditor may read it but not manage keys", async () => {
    const now = ctx.t.s.now();
    const base = { type: "usage" as const, keyId: "k1", tenantId: ctx.w.a.id, projectId: null, deploymentId: "d1", model: "gpt-4o-mini", errorKind: null, latencyMs: 12, stream: false };
    await recordUsage(ctx.t.s, [
      { ...base, seq: 1, requestId: "r1", alias: "gpt-a", status: 200, promptTokens: 10, completionTokens: 5, costUsd: 0.001, time: now },
      { ...base, seq: 2, requestId: "r2", alias: "gpt-a", status: 429, promptTokens: 0, completionTokens: 0, costUsd: 0, time: now },
      { ...base, seq: 3, requestId: "r3", alias: "gpt-b", status: 200, promptTokens: 1, completionTokens: 1, costUsd: 0.0005, time: now - 86_400_000 },
    ]);
    const auditor = await signIn(ctx, ctx.w.email("a", "lab_auditor"));
    const r = await auditor.get(`${A()}/usage?days=7`);
    expect(r.status).toBe(200);
    const today = new Date(now).toISOString().slice(0, 10);
    expect(r.body.usage).toEqual([
      expect.objectContaining({ alias: "gpt-b", calls: 1 }),
      { date: today, alias: "gpt-a", calls: 2, errors: 1, promptTokens: 10, completionTokens: 5, costUsd: 0.001 },
    ]);
    expectError(await auditor.post(`${A()}/keys`, { models: ["gpt-a"] }), 403, "forbidden");
    expectError(await auditor.get(`${A()}/keys`), 403, "forbidden");
    const calls = await ctx.t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "gateway.call").execute();
    expect(calls.map((c) => [c.actor_type, c.outcome])).toEqual([["gateway_key", "success"], ["gateway_key", "denied"], ["gateway_key", "success"]]);
  });
});
