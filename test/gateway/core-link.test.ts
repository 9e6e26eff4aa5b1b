/**
 * The gateway wired to the core, on both dialects: a deployment added
 * through the service (its provider key sealed at rest), a key created, the
 * gateway started by the launcher, calls made with the OpenAI SDK, usage
 * rows and `gateway.call` audit entries recorded, revocation in force on the
 * next request, changes by another process picked up by the poll, a paused
 * tenant refused with 423, egress refusals audited, and budgets that hold
 * across a gateway restart because spend comes from the database.
 */
import OpenAI from "openai";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayLink, type GatewayLink } from "../../src/launcher/gateway-link.js";
import { TERMINAL, type Services } from "../../src/services/context.js";
import { addDeployment } from "../../src/services/gateway-deployments.js";
import { createGatewayKey, revokeGatewayKey } from "../../src/services/gateway-keys.js";
import { tenantUsage } from "../../src/services/gateway-usage.js";
import { createTenant } from "../../src/services/tenants.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";
import { DIALECT, makeServices, type TestContext } from "../support/services.js";
import { eventually } from "../support/wait.js";

const PROVIDER_KEY = "sk-PLANTED-core-provider-key-5e1f9a0b7c";
let t: TestContext;
let s: Services;
let up: MockUpstream;
let link: GatewayLink;
let tenantId: string;

const chat = (key: string, model = "gpt-test") => new OpenAI({ apiKey: key, baseURL: `${link.url}/v1`, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }] });
const status = (p: Promise<unknown>) => p.then(() => 200, (e: { status?: number }) => e.status ?? 0);

beforeAll(async () => {
  t = await makeServices();
  // The gateway keeps real time; so must the core that computes its spend.
  s = { ...t.s, now: () => Date.now() };
  up = await startMockOpenai();
  tenantId = (await createTenant(s, { slug: "gw-lab", name: "GW Lab" }, TERMINAL)).id;
  await addDeployment(s, tenantId, "terminal", { alias: "gpt-test", provider: "openai", baseUrl: `${up.url}/v1`, model: "gpt-upstream", apiKey: Buffer.from(PROVIDER_KEY), inputPerMTok: 1000, outputPerMTok: 2000 }, TERMINAL);
  link = await startGatewayLink(s, { host: "127.0.0.1", port: 0, pollMs: 100, flushMs: 10 });
}, 60_000);
afterAll(async () => {
  await link?.stop();
  await up?.close();
  await t?.close();
});

describe("the gateway wired to the core", () => {
  it("keeps the provider key sealed at rest (only the last four characters in the clear)", async () => {
    if (DIALECT === "sqlite") {
      for (const f of readdirSync(t.dataDir).filter((n) => n.startsWith("sealroom.db"))) expect(readFileSync(join(t.dataDir, f)).includes(Buffer.from("PLANTED")), f).toBe(false);
    } else {
      const rows = (await sql<{ t: string }>`select d::text as t from gateway_deployments d`.execute(s.store.db)).rows;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.t).not.toContain("PLANTED");
      expect(rows[0]!.t).not.toContain(Buffer.from("PLANTED").toString("hex"));
    }
  });

  it("serves a key created through the service, and records usage rows and gateway.call audit entries", async () => {
    const { row, secret } = await createGatewayKey(s, tenantId, "terminal", { models: ["gpt-test"] }, TERMINAL);
    const r = await chat(secret);
    expect(r.choices[0]!.message.content).toBe("Héllo from the mock ✓");
    expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const usage = await eventually(async () => {
      await link.flush();
      const u = await tenantUsage(s, tenantId, 1);
      if (u.length === 0) throw new Error("no usage recorded yet");
      return u;
    });
    expect(usage).toEqual([expect.objectContaining({ alias: "gpt-test", calls: 1, errors: 0, promptTokens: 11, completionTokens: 7 })]);
    expect(usage[0]!.costUsd).toBeCloseTo(0.025, 6);
    const audit = await s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "gateway.call").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ tenant_id: tenantId, actor_type: "gateway_key", actor_id: row.id, outcome: "success" });
    expect(audit[0]!.detail).not.toContain("PLANTED");
    expect(audit[0]!.detail).not.toContain("Héllo");
  });

  it("a key revoked through the service is refused on the very next request", async () => {
    const { row, secret } = await createGatewayKey(s, tenantId, "terminal", { models: ["gpt-test"] }, TERMINAL);
    expect(await status(chat(secret))).toBe(200);
    await revokeGatewayKey(s, tenantId, row.id, TERMINAL);
    expect(await status(chat(secret))).toBe(401);
  });

  it("a change made by another process (no notification) is picked up by the poll", async () => {
    const elsewhere: Services = { ...s };
    const { secret } = await createGatewayKey(elsewhere, tenantId, "terminal", { models: ["gpt-test"] }, TERMINAL);
    let got = 0;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && (got = await status(chat(secret))) !== 200) await new Promise((r) => setTimeout(r, 50));
    expect(got).toBe(200);
  });

  it("a paused tenant's keys are refused with 423 and the reason", async () => {
    const { secret } = await createGatewayKey(s, tenantId, "terminal", { models: ["gpt-test"] }, TERMINAL);
    await s.store.db.updateTable("tenants").set({ status: "paused", pause_reason: "incident review", updated_at: Date.now() + 1 }).where("id", "=", tenantId).execute();
    let e: { status?: number; message?: string } = {};
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && e.status !== 423) e = await chat(secret).then(() => ({}), (x: { status?: number; message?: string }) => x);
    expect(e.status).toBe(423);
    expect(e.message).toMatch(/incident review/);
    await s.store.db.updateTable("tenants").set({ status: "active", pause_reason: null, updated_at: Date.now() + 2 }).where("id", "=", tenantId).execute();
    const back = Date.now() + 3000;
    let code = 0;
    while (Date.now() < back && (code = await status(chat(secret))) !== 200) await new Promise((r) => setTimeout(r, 50));
    expect(code).toBe(200);
  });

  it("an egress refusal (a provider redirect) is audited as gateway.egress_denied", async () => {
    const { secret } = await createGatewayKey(s, tenantId, "terminal", { models: ["gpt-test"] }, TERMINAL);
    up.behave({ redirectTo: "http://169.254.169.254/latest/meta-data/" });
    expect(await status(chat(secret))).toBe(502);
    up.reset();
    const deadline = Date.now() + 3000;
    let rows: unknown[] = [];
    while (Date.now() < deadline && rows.length === 0) {
      rows = await s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "gateway.egress_denied").execute();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toEqual([expect.objectContaining({ tenant_id: tenantId, outcome: "denied", detail: expect.stringContaining("169.254.169.254") })]);
  });

  it("a daily budget holds across a gateway restart: spend is read back from the database", async () => {
    const { secret } = await createGatewayKey(s, tenantId, "terminal", { models: ["gpt-test"], budgetUsdDay: 0.05 }, TERMINAL);
    expect(await status(chat(secret))).toBe(200);
    expect(await status(chat(secret))).toBe(200);
    expect(await status(chat(secret))).toBe(429);
    await link.stop();
    link = await startGatewayLink(s, { host: "127.0.0.1", port: 0, pollMs: 100, flushMs: 10 });
    expect(await status(chat(secret))).toBe(429);
  }, 30_000);

  it("no log line of the core, no audit row and no usage row carries the provider key", async () => {
    await link.flush();
    expect(t.logLines.length).toBeGreaterThan(0);
    expect(t.logLines.filter((l) => l.includes("PLANTED"))).toEqual([]);
    const audit = await s.store.db.selectFrom("audit_entries").selectAll().execute();
    expect(JSON.stringify(audit)).not.toContain("PLANTED");
    const usage = await s.store.db.selectFrom("gateway_usage").selectAll().execute();
    expect(usage.length).toBeGreaterThan(0);
    expect(JSON.stringify(usage)).not.toContain("PLANTED");
  });
});
