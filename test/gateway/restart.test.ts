/**
 * A gateway that dies (killed, crashed) is started again by the core on the
 * same address, configured again over its stdin (provider keys included), and
 * serves the same virtual key; the restart is recorded in the audit log. A
 * gateway stopped on purpose stays stopped. A deployment's provider key
 * rotated, or the deployment removed, reaches the running gateway at once.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayLink, type GatewayLink } from "../../src/launcher/gateway-link.js";
import { TERMINAL, type Services } from "../../src/services/context.js";
import { addDeployment, removeDeployment, rotateDeploymentKey } from "../../src/services/gateway-deployments.js";
import { createGatewayKey } from "../../src/services/gateway-keys.js";
import { createTenant } from "../../src/services/tenants.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
let s: Services;
let up: MockUpstream;
let link: GatewayLink;
let key: string;
let tenantId: string;
let deploymentId: string;

beforeAll(async () => {
  t = await makeServices();
  s = { ...t.s, now: () => Date.now() };
  up = await startMockOpenai();
  tenantId = (await createTenant(s, { slug: "restart-lab", name: "Restart Lab" }, TERMINAL)).id;
  deploymentId = (await addDeployment(s, tenantId, "terminal", { alias: "gpt-test", provider: "openai", baseUrl: `${up.url}/v1`, model: "gpt-upstream", apiKey: Buffer.from("sk-provider-restart-0123456789") }, TERMINAL)).id;
  key = (await createGatewayKey(s, tenantId, "terminal", { models: ["gpt-test"] }, TERMINAL)).secret;
  link = await startGatewayLink(s, { host: "127.0.0.1", port: 0, pollMs: 100, flushMs: 10, restartMs: 50 });
}, 60_000);
afterAll(async () => {
  await link?.stop();
  await up?.close();
  await t?.close();
});

const chat = () => new OpenAI({ apiKey: key, baseURL: `${link.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "Hi" }] });

async function until(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("gateway restart", () => {
  it("starts a killed gateway again on the same address, configured, and records it", async () => {
    await expect(chat()).resolves.toBeTruthy();
    const first = link.gateway.pid;
    process.kill(first, "SIGKILL");
    await until(() => link.restarts === 1 && link.gateway.pid !== first);
    await until(() => chat().then(() => true, () => false));
    const audit = await s.store.db.selectFrom("audit_entries").select(["action", "detail"]).where("action", "=", "gateway.restart").execute();
    expect(audit).toHaveLength(1);
    // Killed again at once: restarted again (backing off, not giving up).
    const second = link.gateway.pid;
    process.kill(second, "SIGKILL");
    await until(() => link.restarts === 2);
    await until(() => chat().then(() => true, () => false));
  }, 60_000);

  it("uses a rotated provider key from the next call, and stops routing to a removed deployment", async () => {
    up.requests.length = 0;
    await chat();
    expect(up.requests.at(-1)!.headers["authorization"]).toBe("Bearer sk-provider-restart-0123456789");
    expect((await rotateDeploymentKey(s, tenantId, deploymentId, "sk-provider-rotated-9876543210", TERMINAL)).lastFour).toBe("3210");
    await chat();
    expect(up.requests.at(-1)!.headers["authorization"]).toBe("Bearer sk-provider-rotated-9876543210");
    const stored = await s.store.db.selectFrom("gateway_deployments").select(["api_key", "last_four"]).where("id", "=", deploymentId).executeTakeFirstOrThrow();
    expect(stored.last_four).toBe("3210");
    expect(Buffer.from(stored.api_key).includes("sk-provider")).toBe(false);
    // Another tenant's admin cannot reach this deployment by its id.
    const other = (await createTenant(s, { slug: "other-lab", name: "Other Lab" }, TERMINAL)).id;
    await expect(rotateDeploymentKey(s, other, deploymentId, "sk-provider-stolen-1111111111", TERMINAL)).rejects.toMatchObject({ code: "not_found" });
    await expect(removeDeployment(s, other, deploymentId, TERMINAL)).rejects.toMatchObject({ code: "not_found" });
    await chat();
    expect(up.requests.at(-1)!.headers["authorization"]).toBe("Bearer sk-provider-rotated-9876543210");
    await removeDeployment(s, tenantId, deploymentId, TERMINAL);
    const before = up.requests.length;
    const status = await chat().then(() => 200, (e: { status?: number }) => e.status ?? 0);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(up.requests.length).toBe(before);
    const audit = await s.store.db.selectFrom("audit_entries").select("action").where("action", "in", ["gateway.deployment.rotate_key", "gateway.deployment.remove"]).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(["gateway.deployment.remove", "gateway.deployment.rotate_key"]);
  }, 30_000);

  it("leaves a gateway stopped on purpose stopped", async () => {
    const pid = link.gateway.pid;
    await link.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(link.restarts).toBe(2);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
