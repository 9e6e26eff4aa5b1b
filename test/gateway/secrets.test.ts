/**
 * Secrets never leave: provider keys planted in the configuration are
 * searched for in every response body and header, every event and log line
 * the gateway emits, and /metrics, across successes, streams, upstream
 * errors that quote the credential back, and refused configurations. The
 * client's own virtual key never appears either. Upstream response headers
 * pass only through the allowlist.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, type TestGateway } from "../support/gateway.js";
import { startMockAnthropic } from "../support/mock-anthropic.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

const OPENAI_KEY = "sk-PLANTEDopenaiSECRET-7d1c0f55e0a94e3c9b1d";
const ANTHROPIC_KEY = "sk-ant-PLANTEDanthropicSECRET-0c2b7e6f9a1d";
const key = newKey();
let o: MockUpstream;
let a: MockUpstream;
let g: TestGateway;
const seen: string[] = [];

async function call(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(`${g.url}${path}`, { method: body === undefined ? "GET" : "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}`, ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  seen.push(text, JSON.stringify([...r.headers]));
  return { status: r.status, headers: r.headers, text };
}

beforeAll(async () => {
  [o, a] = await Promise.all([startMockOpenai(), startMockAnthropic()]);
  g = await startTestGateway(
    configMessage({
      deployments: [
        deployment({ id: "d-o", alias: "gpt-test", baseUrl: `${o.url}/v1`, apiKey: OPENAI_KEY }),
        deployment({ id: "d-a", alias: "claude-test", provider: "anthropic", model: "claude-upstream", baseUrl: a.url, apiKey: ANTHROPIC_KEY }),
      ],
      keys: [keyEntry(key.hash)],
      retries: { max: 0, baseMs: 1 },
    }),
  );
});
afterAll(async () => {
  await g.close();
  await Promise.all([o.close(), a.close()]);
});

describe("planted provider keys", () => {
  it("reach the provider (so the scan below is meaningful)", async () => {
    await call("/v1/chat/completions", { model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    await call("/v1/chat/completions", { model: "claude-test", messages: [{ role: "user", content: "x" }] });
    expect(o.requests.at(-1)!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(a.requests.at(-1)!.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
  });

  it("never appear in any response, header, event, log line or metric, whatever happens", async () => {
    for (const model of ["gpt-test", "claude-test"]) {
      const up = model === "gpt-test" ? o : a;
      await call("/v1/chat/completions", { model, stream: true, messages: [{ role: "user", content: "x" }] });
      await call("/v1/messages", { model, max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] }, { "anthropic-version": "2023-06-01" });
      for (const status of [400, 401, 403, 404, 422, 500]) {
        up.behave({ echoCredential: true, echoStatus: status });
        const r = await call("/v1/chat/completions", { model, messages: [{ role: "user", content: "x" }] });
        expect(r.status).toBeGreaterThanOrEqual(400);
        await call("/v1/messages", { model, max_tokens: 5, messages: [{ role: "user", content: "x" }] });
        await call("/v1/chat/completions", { model, stream: true, messages: [{ role: "user", content: "x" }] });
      }
      up.reset();
      up.behave({ disconnectAfterFrames: 2 });
      await call("/v1/chat/completions", { model, stream: true, messages: [{ role: "user", content: "x" }] });
      up.reset();
    }
    await call("/v1/embeddings", { model: "gpt-test", input: "x" });
    await call("/v1/models", undefined);
    await call("/metrics", undefined);
    await call("/healthz", undefined);
    // A refused configuration names the field, never the value.
    const refused = g.gw.applyConfig(configMessage({ deployments: [deployment({ baseUrl: `${o.url}/v1`, apiKey: `${OPENAI_KEY} with a space` })], keys: [] }));
    expect(refused.ok).toBe(false);
    seen.push(JSON.stringify(refused));
    seen.push(...g.events.map((e) => JSON.stringify(e)));
    expect(seen.length).toBeGreaterThan(80);
    const leaks = seen.filter((s) => s.includes("PLANTED") || s.includes(key.secret) || s.includes(key.secret.slice(6)));
    expect(leaks).toEqual([]);
  });

  it("a provider error quoting the credential becomes our own message; a 400's own text is kept, scrubbed", async () => {
    o.behave({ echoCredential: true, echoStatus: 401 });
    const r = await call("/v1/chat/completions", { model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).error.message).toBe("The provider refused the gateway's credentials for this deployment.");
    o.behave({ echoCredential: true, echoStatus: 400 });
    const bad = await call("/v1/chat/completions", { model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.message).toBe("The provider refused the request: Incorrect API key provided: [redacted].");
    o.reset();
  });

  it("upstream response headers pass only through the allowlist", async () => {
    const r = await call("/v1/chat/completions", { model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(r.headers.get("x-upstream-secret")).toBeNull();
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get("x-upstream-request-id")).toBe("req_mock_1");
    const s = await call("/v1/chat/completions", { model: "gpt-test", stream: true, messages: [{ role: "user", content: "x" }] });
    expect(s.headers.get("set-cookie")).toBeNull();
    expect(s.headers.get("x-upstream-secret")).toBeNull();
    o.behave({ echoCredential: true });
    const e = await call("/v1/chat/completions", { model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    expect(e.headers.get("x-echo")).toBeNull();
    o.reset();
  });
});
