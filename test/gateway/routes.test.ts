/**
 * Routes come from the table only, matched exactly: alternate spellings of a
 * path, query parameters naming another model, a Host header or a tenant
 * whose alias shares the name cannot get a key past its model allowlist.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { match, routeKeys } from "../../src/gateway/router.js";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, type TestGateway } from "../support/gateway.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

let up: MockUpstream;
let other: MockUpstream;
let g: TestGateway;
const key = newKey();

beforeAll(async () => {
  [up, other] = await Promise.all([startMockOpenai(), startMockOpenai()]);
  g = await startTestGateway(
    configMessage({
      deployments: [
        deployment({ id: "mine", alias: "allowed", baseUrl: `${up.url}/v1` }),
        deployment({ id: "mine-2", alias: "forbidden", baseUrl: `${up.url}/v1` }),
        // Another tenant uses the same alias name with its own provider key.
        deployment({ id: "theirs", tenantId: "tenant-b", alias: "shared", apiKey: "sk-provider-tenant-b-000000000000", baseUrl: `${other.url}/v1` }),
      ],
      keys: [keyEntry(key.hash, { models: ["allowed", "shared"] })],
    }),
  );
});
afterAll(async () => {
  await g.close();
  await Promise.all([up.close(), other.close()]);
});

/** Sends raw bytes (paths exactly as written, no client normalisation); returns the status line. */
function raw(method: string, target: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const port = Number(new URL(g.url).port);
  const lines = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", `Authorization: Bearer ${key.secret}`, "Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`, "Connection: close", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.write(`${lines.join("\r\n")}\r\n\r\n${body}`));
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0)));
  });
}

const body = (model: string) => JSON.stringify({ model, messages: [{ role: "user", content: "x" }] });

describe("the route table", () => {
  it("serves exactly these routes", () => {
    expect(routeKeys().sort()).toEqual(["GET /healthz", "GET /metrics", "GET /v1/models", "POST /v1/chat/completions", "POST /v1/embeddings", "POST /v1/messages"]);
    expect(match("POST", "/v1/chat/completions?x=1")).toMatchObject({ name: "chat" });
    expect(match("GET", "/v1/chat/completions")).toBe("wrong_method");
  });

  it("alternate spellings of a path are not routes", async () => {
    for (const target of ["/v1/chat/completions/", "//v1/chat/completions", "/v1//chat/completions", "/v1/./chat/completions", "/v1/x/../chat/completions", "/v1/chat%2Fcompletions", "/V1/chat/completions", "/v1/chat/completions;x", "/v1/chat/completions%00", "/v1/engines/forbidden/chat/completions", "/openai/deployments/forbidden/chat/completions"]) {
      expect(await raw("POST", target, body("forbidden")), target).toBe(404);
    }
    expect(up.requests).toHaveLength(0);
  });

  it("the model comes from the body only: query parameters and headers naming an allowed one do not help", async () => {
    expect(await raw("POST", "/v1/chat/completions?model=allowed", body("forbidden"))).toBe(403);
    expect(await raw("POST", "/v1/chat/completions?model=allowed&model=forbidden", body("forbidden"))).toBe(403);
    expect(await raw("POST", "/v1/chat/completions", body("forbidden"), { "x-model": "allowed", "openai-model": "allowed" })).toBe(403);
    expect(await raw("POST", "/v1/chat/completions", JSON.stringify({ model: ["allowed"], messages: [] }))).toBe(400);
    // Duplicate keys in JSON: the parser keeps the last one, which is the one checked and the one sent.
    expect(await raw("POST", "/v1/chat/completions", '{"model":"allowed","model":"forbidden","messages":[{"role":"user","content":"x"}]}')).toBe(403);
    expect(await raw("POST", "/v1/chat/completions", body("allowed"))).toBe(200);
    expect(up.requests).toHaveLength(1);
  });

  it("a Host header naming anything does not change routing", async () => {
    expect(await raw("POST", "/v1/chat/completions", body("forbidden"), { "X-Forwarded-Host": "admin.internal" })).toBe(403);
  });

  it("an alias of another tenant is not reachable even under the same name", async () => {
    expect(await raw("POST", "/v1/chat/completions", body("shared"))).toBe(404);
    expect(other.requests).toHaveLength(0);
  });
});
