/**
 * The configuration the core builds for the gateway, on both dialects: the
 * provider key is opened from its sealed column into the message bytes; the
 * rest of the message is what the gateway validates; a key whose seal does
 * not open (moved to another row) is left out, not sent garbled; a data-key
 * rotation with re-encryption carries the sealed provider key along.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileConfig } from "../../src/gateway/config.js";
import { TERMINAL } from "../../src/services/context.js";
import { SealroomError } from "../../src/domain/errors.js";
import { buildGatewayConfig } from "../../src/services/gateway-config.js";
import { addDeployment } from "../../src/services/gateway-deployments.js";
import { createGatewayKey } from "../../src/services/gateway-keys.js";
import { createProject } from "../../src/services/projects.js";
import { rotateTenantKey } from "../../src/services/key-rotation.js";
import { createTenant } from "../../src/services/tenants.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

const KEY_A = "sk-provider-a-0123456789abcdefghij";
const KEY_B = "sk-ant-provider-b-9876543210zyxwvu";

async function setup() {
  const a = await createTenant(t.s, { slug: "a", name: "A" }, TERMINAL);
  const da = await addDeployment(t.s, a.id, "terminal", { alias: "gpt", provider: "openai", baseUrl: "https://api.openai.com/v1", model: "gpt-4o", apiKey: KEY_A }, TERMINAL);
  const db = await addDeployment(t.s, a.id, "terminal", { alias: "claude", provider: "anthropic", baseUrl: "https://api.anthropic.com", model: "claude-sonnet-4-0", apiKey: Buffer.from(KEY_B), passHeaders: ["anthropic-beta"], inputPerMTok: 4, outputPerMTok: 16 }, TERMINAL);
  const k = await createGatewayKey(t.s, a.id, "terminal", { models: ["gpt", "claude"], rpm: 10, budgetUsdMonth: 50 }, TERMINAL);
  return { a, da, db, k };
}

describe("the gateway configuration message", () => {
  it("carries every deployment with its opened key, the live keys and the prices, and passes the gateway's own validation", async () => {
    const { a, k } = await setup();
    const built = await buildGatewayConfig(t.s, 3, 17);
    const msg = JSON.parse(built.message.toString("utf8"));
    expect(built).toMatchObject({ version: 3, deployments: 2, keys: 1, skipped: 0 });
    expect(msg.deployments.map((d: { apiKey: string }) => d.apiKey).sort()).toEqual([KEY_A, KEY_B].sort());
    expect(msg.keys[0]).toMatchObject({ id: k.row.id, tenantId: a.id, models: ["gpt", "claude"], rpm: 10, budgetUsdMonth: 50, paused: null, revoked: false });
    expect(msg.keys[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(msg.prices["claude-sonnet-4-0"]).toEqual({ inputPerMTok: 4, outputPerMTok: 16 });
    expect(msg.prices["gpt-4o"]).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    expect(msg.usageSeq).toBe(17);
    const compiled = compileConfig(msg, Date.now());
    expect(compiled.routes.get(`${a.id}\ngpt`)).toHaveLength(1);
  });

  it("records the hand-over of a tenant's provider keys before opening them, and builds nothing when that record fails", async () => {
    const { a } = await setup();
    await buildGatewayConfig(t.s, 5, null);
    const last = await t.s.store.db.selectFrom("audit_entries").select(["action", "tenant_id", "detail"]).orderBy("seq", "desc").limit(1).executeTakeFirstOrThrow();
    expect(last).toMatchObject({ action: "gateway.keys.handover", tenant_id: a.id });
    expect(JSON.parse(last.detail!)).toEqual({ deployments: 2, version: 5 });
    let opened = 0;
    const broken = {
      ...t.s,
      audit: { record: async () => Promise.reject(new SealroomError("audit_unavailable", "injected")) },
      sealer: { ...t.s.sealer, open: async () => (opened++, Buffer.alloc(0)) } as unknown as typeof t.s.sealer,
    };
    await expect(buildGatewayConfig(broken, 6, null)).rejects.toMatchObject({ code: "audit_unavailable" });
    expect(opened).toBe(0);
  });

  it("leaves out a deployment whose sealed key does not open (a ciphertext moved to another row)", async () => {
    const { a, da, db } = await setup();
    await t.s.store.db.updateTable("gateway_deployments").set({ api_key: db.api_key }).where("tenant_id", "=", a.id).where("id", "=", da.id).execute();
    const built = await buildGatewayConfig(t.s, 1, null);
    expect(built).toMatchObject({ deployments: 1, skipped: 1 });
    expect(built.message.includes(Buffer.from(KEY_B))).toBe(true);
    expect(built.message.includes(Buffer.from(KEY_A))).toBe(false);
  });

  it("a paused project pauses its keys; a data-key rotation with re-encryption keeps provider keys readable", async () => {
    const { a } = await setup();
    const project = await t.s.store.transaction((tx) => createProject(t.s, tx, a.id, { slug: "p1", name: "P1", template: "claim-verification" }, TERMINAL));
    const k = await createGatewayKey(t.s, a.id, "terminal", { models: ["gpt"], projectId: "p1" }, TERMINAL);
    expect(k.row.project_id).toBe(project.id);
    await t.s.store.db.updateTable("projects").set({ status: "paused", pause_reason: "relabelling" }).where("id", "=", project.id).execute();
    const msg = JSON.parse((await buildGatewayConfig(t.s, 1, null)).message.toString("utf8"));
    expect(msg.keys.find((x: { id: string }) => x.id === k.row.id).paused).toEqual({ reason: "relabelling" });
    expect(msg.keys.find((x: { id: string }) => x.id !== k.row.id).paused).toBeNull();
    await rotateTenantKey(t.s, a.id, { reencrypt: true, batch: 10 }, TERMINAL);
    const built = await buildGatewayConfig(t.s, 2, null);
    expect(built).toMatchObject({ deployments: 2, skipped: 0 });
    const rows = await t.s.store.db.selectFrom("gateway_deployments").select("api_key").execute();
    expect(rows.every((r) => Buffer.from(r.api_key).readUInt32BE(1) === 2)).toBe(true);
  });
});
