/**
 * The egress allowlist and "request data never chooses where the key goes".
 * A named host resolving to a private address, a resolver that answers
 * differently each time (rebinding), a redirect from the provider, and a
 * client sending every header, body field, query parameter and request-target
 * form that other gateways have let choose the upstream: the provider key
 * only ever reaches the configured upstream, an "attacker" server receives
 * nothing, and each refusal is reported as an egress_denied event.
 */
import OpenAI from "openai";
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Deployment } from "../../src/gateway/config.js";
import { compileConfig } from "../../src/gateway/config.js";
import { Cancel } from "../../src/gateway/cancel.js";
import { Egress } from "../../src/gateway/egress.js";
import { UpstreamClient, UpstreamFailure } from "../../src/gateway/upstream.js";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, until, type TestGateway } from "../support/gateway.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

let real: MockUpstream;
let attacker: MockUpstream;
let g: TestGateway;
const key = newKey();
const PROVIDER_KEY = "sk-provider-real-key-0123456789abcdef";
const msg = [{ role: "user" as const, content: "Hi" }];

beforeAll(async () => {
  [real, attacker] = await Promise.all([startMockOpenai(), startMockOpenai()]);
});
afterAll(async () => Promise.all([real.close(), attacker.close()]));
beforeEach(() => {
  real.reset();
  attacker.reset();
});
afterEach(async () => g?.close());

const denials = () => g.events.filter((e) => e.type === "egress_denied");

async function gatewayFor(baseUrl: string, resolve?: (h: string) => Promise<Array<{ address: string; family: number }>>, over: Record<string, unknown> = {}) {
  g = await startTestGateway(configMessage({ deployments: [deployment({ baseUrl, apiKey: PROVIDER_KEY, ...over })], keys: [keyEntry(key.hash)], retries: { max: 0, baseMs: 1 } }), resolve ? { resolve } : {});
  return new OpenAI({ apiKey: key.secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
}

describe("addresses a provider host may resolve to", () => {
  it("a named host that resolves to a loopback/private address is refused unless its deployment lists it", async () => {
    const resolve = async () => [{ address: "127.0.0.1", family: 4 }];
    let client = await gatewayFor(`http://api.provider.test:${real.port}/v1`, resolve);
    const e = (await client.chat.completions.create({ model: "gpt-test", messages: msg }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(502);
    expect(real.requests).toHaveLength(0);
    expect(denials()).toEqual([expect.objectContaining({ host: "api.provider.test", deploymentId: "dep-1", reason: "address not allowed for this host" })]);
    await g.close();
    client = await gatewayFor(`http://api.provider.test:${real.port}/v1`, resolve, { addresses: ["127.0.0.0/8"] });
    await expect(client.chat.completions.create({ model: "gpt-test", messages: msg })).resolves.toBeDefined();
    expect(real.requests).toHaveLength(1);
    expect(real.requests[0]!.headers.host).toBe(`api.provider.test:${real.port}`);
  });

  it("metadata and link-local addresses are refused for a public name; an answer mixing good and bad addresses is refused whole", async () => {
    for (const bad of [["169.254.169.254"], ["10.1.2.3"], ["::1"], ["::ffff:127.0.0.1"], ["fd00::1"], ["93.184.216.34", "127.0.0.1"]]) {
      const client = await gatewayFor(`http://api.provider.test:${real.port}/v1`, async () => bad.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })));
      const e = (await client.chat.completions.create({ model: "gpt-test", messages: msg }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(e.status, bad.join(",")).toBe(502);
      expect(denials(), bad.join(",")).toHaveLength(1);
      await g.close();
    }
    expect(real.requests).toHaveLength(0);
  });

  it("localhost may only be loopback: a resolver claiming otherwise is refused", async () => {
    const client = await gatewayFor(`http://localhost:${real.port}/v1`, async () => [{ address: "192.168.1.10", family: 4 }]);
    expect(((await client.chat.completions.create({ model: "gpt-test", messages: msg }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(denials()).toHaveLength(1);
  });

  it("rebinding: each connection uses exactly the address its own check passed; a swapped answer never connects", async () => {
    // The attacker listens on another loopback address at the real server's port.
    const { createServer } = await import("node:http");
    let attackerHits = 0;
    const evil = createServer((_req, res) => {
      attackerHits++;
      res.end("{}");
    });
    await new Promise<void>((r) => evil.listen(real.port, "127.0.0.2", r));
    let n = 0;
    const resolve = async () => [{ address: n++ % 2 === 0 ? "127.0.0.1" : "127.0.0.2", family: 4 }];
    const client = await gatewayFor(`http://rebind.test:${real.port}/v1`, resolve, { addresses: ["127.0.0.1"] });
    // Concurrent calls force new connections, each resolved and checked on its own.
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.chat.completions.create({ model: "gpt-test", messages: msg })));
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    expect(attackerHits).toBe(0);
    expect(denials().length).toBeGreaterThan(0);
    await new Promise<void>((r) => evil.close(() => r()));
  });
});

describe("the key never goes anywhere else", () => {
  it("a redirect from the provider is not followed: 502, the redirect target gets nothing, the refusal is reported", async () => {
    const client = await gatewayFor(`${real.url}/v1`);
    real.behave({ redirectTo: `${attacker.url}/v1/chat/completions?steal=1` });
    const e = (await client.chat.completions.create({ model: "gpt-test", messages: msg }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(502);
    expect(attacker.requests).toHaveLength(0);
    expect(denials()).toEqual([expect.objectContaining({ host: "127.0.0.1", reason: "redirect not followed" })]);
  });

  it("no header, body field or query parameter from the client changes the destination", async () => {
    const client = await gatewayFor(`${real.url}/v1`);
    const evil = attacker.url;
    const hostile = new OpenAI({
      apiKey: key.secret,
      baseURL: `${g.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-forwarded-host": new URL(evil).host,
        "x-forwarded-proto": "http",
        forwarded: `host=${new URL(evil).host}`,
        "x-portkey-custom-host": evil,
        "x-base-url": evil,
        "openai-base-url": evil,
        "x-upstream": evil,
      },
      defaultQuery: { base_url: evil, api_base: evil, host: new URL(evil).host },
    });
    await hostile.chat.completions.create({ model: "gpt-test", messages: msg, ...({ base_url: evil, api_base: evil, baseURL: evil, custom_host: evil } as object) });
    const r = await fetch(`${g.url}/v1/chat/completions?base_url=${encodeURIComponent(evil)}`, { method: "POST", headers: { host: new URL(evil).host, "content-type": "application/json", authorization: `Bearer ${key.secret}` }, body: JSON.stringify({ model: "gpt-test", messages: msg }) });
    expect(r.status).toBe(200);
    expect(client).toBeDefined();
    expect(attacker.requests).toHaveLength(0);
    expect(real.requests).toHaveLength(2);
    for (const req of real.requests) {
      expect(req.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      expect(req.url).toBe("/v1/chat/completions");
      for (const h of ["x-forwarded-host", "forwarded", "x-portkey-custom-host", "x-base-url", "openai-base-url", "x-upstream"]) expect(req.headers[h]).toBeUndefined();
    }
  });

  it("an absolute-form request target naming another host is not a route (404), and nothing is sent", async () => {
    await gatewayFor(`${real.url}/v1`);
    const port = new URL(g.url).port;
    const body = JSON.stringify({ model: "gpt-test", messages: msg });
    const head = await new Promise<string>((resolve) => {
      const s = connect(Number(port), "127.0.0.1", () => {
        s.write(`POST ${attacker.url}/v1/chat/completions HTTP/1.1\r\nHost: ${new URL(attacker.url).host}\r\nAuthorization: Bearer ${key.secret}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      });
      let out = "";
      s.on("data", (d) => (out += d.toString()));
      s.on("close", () => resolve(out));
    });
    expect(head).toMatch(/^HTTP\/1.1 404/);
    expect(attacker.requests).toHaveLength(0);
    expect(real.requests).toHaveLength(0);
  });

  it("the outbound client itself refuses a host outside the allowlist (one check on the call, not per route)", async () => {
    const config = compileConfig(configMessage({ deployments: [deployment({ baseUrl: `${real.url}/v1` })], keys: [] }), Date.now());
    const denied: string[] = [];
    const egress = new Egress(config.deployments, async () => [{ address: "127.0.0.1", family: 4 }], (host) => denied.push(host));
    const client = new UpstreamClient();
    const rogue: Deployment = { ...config.deployments[0]!, id: "rogue", hostname: "evil.example", port: attacker.port };
    const e = await client.send(egress, { deployment: rogue, path: "/chat/completions", body: "{}", stream: false, clientHeaders: {}, cancel: new Cancel(), firstByteMs: 1000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamFailure);
    expect((e as UpstreamFailure).kind).toBe("egress_denied");
    const literal: Deployment = { ...config.deployments[0]!, id: "literal", hostname: "127.0.0.2" };
    expect(((await client.send(egress, { deployment: literal, path: "/x", body: "{}", stream: false, clientHeaders: {}, cancel: new Cancel(), firstByteMs: 1000 }).catch((x: unknown) => x)) as UpstreamFailure).kind).toBe("egress_denied");
    expect(denied).toEqual(["evil.example", "127.0.0.2"]);
    client.destroy();
    await until(() => true);
    expect(attacker.requests).toHaveLength(0);
  });
});
