/**
 * Routing and streaming against misbehaving upstreams: retries with backoff
 * on 429/5xx, fallback to the next deployment, the circuit breaker (open,
 * skipped, half-open trial), first-byte and whole-request timeouts, a client
 * disconnect aborting the upstream request, chunks passed on as they arrive,
 * backpressure from a slow client, SSE frames cut into 7-byte pieces with
 * CRLF line ends, and an upstream dying mid-stream.
 */
import Anthropic from "@anthropic-ai/sdk";
import { request } from "node:http";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, until, type TestGateway } from "../support/gateway.js";
import { startMockAnthropic } from "../support/mock-anthropic.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

let a: MockUpstream;
let b: MockUpstream;
let claude: MockUpstream;
let g: TestGateway;
let clock = 1_800_000_000_000;
const key = newKey();
const msg = [{ role: "user" as const, content: "Hi" }];

function config(extra: Record<string, unknown> = {}) {
  return configMessage({
    deployments: [
      deployment({ id: "d-a", baseUrl: `${a.url}/v1`, weight: 1 }),
      deployment({ id: "d-b", baseUrl: `${b.url}/v1`, weight: 0 }),
      deployment({ id: "d-c", alias: "claude-test", provider: "anthropic", model: "claude-upstream", baseUrl: claude.url }),
    ],
    keys: [keyEntry(key.hash)],
    ...extra,
  });
}
const openai = () => new OpenAI({ apiKey: key.secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
const chat = () => openai().chat.completions.create({ model: "gpt-test", messages: msg });

beforeAll(async () => {
  [a, b, claude] = await Promise.all([startMockOpenai(), startMockOpenai(), startMockAnthropic()]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), claude.close()]);
});
beforeEach(async () => {
  for (const m of [a, b, claude]) m.reset();
  g = await startTestGateway(config(), { now: () => clock });
});
afterEach(async () => g.close());

describe("retries, fallback, breaker", () => {
  it("retries 5xx and 429 before the first byte, then succeeds on the same deployment", async () => {
    a.behave({ failTimes: 2, failStatus: 500 });
    await expect(chat()).resolves.toBeDefined();
    expect(a.requests).toHaveLength(3);
    a.behave({ failTimes: 1, failStatus: 429, retryAfter: "0" });
    await expect(chat()).resolves.toBeDefined();
    expect(a.requests).toHaveLength(5);
    expect(b.requests).toHaveLength(0);
  });

  it("falls back to the next deployment when one keeps failing", async () => {
    a.behave({ failTimes: 100, failStatus: 503 });
    const r = await chat();
    expect(r.choices[0]!.message.content).toBe("Héllo from the mock ✓");
    expect(a.requests).toHaveLength(3);
    expect(b.requests).toHaveLength(1);
    expect(g.usage().at(-1)).toMatchObject({ deploymentId: "d-b", status: 200 });
  });

  it("an upstream 429 with a long retry-after goes to the fallback at once; when all are limited the client gets 429", async () => {
    a.behave({ failTimes: 100, failStatus: 429, retryAfter: "30" });
    b.behave({ failTimes: 100, failStatus: 429, retryAfter: "30" });
    const e = (await chat().catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e.headers?.get("retry-after")).toBe("30");
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
  });

  it("the breaker opens after consecutive failures, skips the deployment, and lets one trial through after the cool-down", async () => {
    g.apply({ ...config({ retries: { max: 0, baseMs: 1 }, breaker: { failures: 3, cooldownMs: 10_000 } }), version: 2 });
    a.behave({ failTimes: 3, failStatus: 500 });
    for (let i = 0; i < 3; i++) await chat();
    expect(a.requests).toHaveLength(3);
    await chat();
    await chat();
    expect(a.requests).toHaveLength(3);
    expect(b.requests).toHaveLength(5);
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/sealroom_gateway_breaker_open\{deployment="d-a"\} 1/);
    clock += 10_000;
    await chat();
    expect(a.requests).toHaveLength(4);
    expect(g.usage().at(-1)).toMatchObject({ deploymentId: "d-a" });
    await chat();
    expect(a.requests).toHaveLength(5);
  });

  it("when every deployment's breaker is open the client gets 503 with retry-after", async () => {
    g.apply({ ...config({ retries: { max: 0, baseMs: 1 }, breaker: { failures: 1, cooldownMs: 20_000 } }), version: 2 });
    a.behave({ failTimes: 100, failStatus: 500 });
    b.behave({ failTimes: 100, failStatus: 500 });
    expect(((await chat().catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const e = (await chat().catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(503);
    expect(Number(e.headers?.get("retry-after"))).toBe(20);
  });
});

describe("timeouts and disconnects", () => {
  it("a slow first byte is a 504 (after retries and fallback)", async () => {
    g.apply({ ...config({ timeouts: { requestMs: 5000, firstByteMs: 100 }, retries: { max: 1, baseMs: 1 } }), version: 2 });
    a.behave({ firstByteDelayMs: 1000 });
    b.behave({ firstByteDelayMs: 1000 });
    const e = (await chat().catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(504);
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(2);
  });

  it("the per-request timeout cuts a stream that runs too long, with an error event", async () => {
    g.apply({ ...config({ timeouts: { requestMs: 400, firstByteMs: 400 } }), version: 2 });
    a.behave({ frameDelayMs: 150 });
    const stream = await openai().chat.completions.create({ model: "gpt-test", stream: true, messages: msg });
    await expect((async () => {
      for await (const _ of stream);
    })()).rejects.toThrow();
    await until(() => g.usage().length === 1);
    expect(g.usage()[0]).toMatchObject({ status: 504, errorKind: "upstream_timeout" });
  });

  it("a client that disconnects mid-stream aborts the upstream request", async () => {
    a.behave({ frameDelayMs: 200 });
    const ctl = new AbortController();
    const res = await fetch(`${g.url}/v1/chat/completions`, { method: "POST", signal: ctl.signal, headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}` }, body: JSON.stringify({ model: "gpt-test", stream: true, messages: msg }) });
    const reader = res.body!.getReader();
    await reader.read();
    ctl.abort();
    await until(() => a.aborted === 1);
    await until(() => g.usage().length === 1);
    expect(g.usage()[0]).toMatchObject({ status: 499, errorKind: "client_gone" });
  });

  it("a client that gives up while the upstream has not answered aborts it too", async () => {
    a.behave({ firstByteDelayMs: 3000 });
    const ctl = new AbortController();
    const p = fetch(`${g.url}/v1/chat/completions`, { method: "POST", signal: ctl.signal, headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}` }, body: JSON.stringify({ model: "gpt-test", messages: msg }) }).catch(() => undefined);
    await until(() => a.requests.length === 1);
    ctl.abort();
    await p;
    await until(() => a.aborted === 1);
    await until(() => g.usage().length === 1);
    expect(g.usage()[0]!.status).toBe(499);
  });
});

describe("streaming", () => {
  it("passes each chunk on as it arrives (the first reaches the client long before the stream ends)", async () => {
    a.behave({ frameDelayMs: 120 });
    const t0 = performance.now();
    const res = await fetch(`${g.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}` }, body: JSON.stringify({ model: "gpt-test", stream: true, messages: msg }) });
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = performance.now() - t0;
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: /);
    while (!(await reader.read()).done);
    const total = performance.now() - t0;
    expect(firstAt).toBeLessThan(100);
    expect(total).toBeGreaterThan(500);
  });

  it("applies backpressure: a client that does not read stops the upstream after a few socket buffers", async () => {
    a.behave({ floodBytes: 500 * 1024 * 1024 });
    const req = request(`${g.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}` } });
    req.end(JSON.stringify({ model: "gpt-test", stream: true, messages: msg }));
    const res = await new Promise<import("node:http").IncomingMessage>((r) => req.on("response", r));
    res.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const written = a.floodWritten;
    await new Promise((r) => setTimeout(r, 500));
    expect(a.floodWritten - written).toBeLessThan(1024 * 1024);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    res.destroy();
    await until(() => a.aborted === 1);
  });

  it.each([
    ["gpt-test", "OpenAI pass-through"],
    ["claude-test", "Anthropic → OpenAI"],
  ])("SSE frames cut into 7-byte pieces with CRLF line ends still stream whole (%s, %s)", async (model) => {
    for (const m of [a, claude]) m.behave({ splitBytes: 7, crlf: true });
    const stream = await openai().chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: msg });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe("Héllo from the mock ✓");
    expect(g.usage().at(-1)!.completionTokens).toBeGreaterThan(0);
  });

  it.each(["gpt-test", "claude-test"])("the same through the Anthropic SDK (%s)", async (model) => {
    for (const m of [a, claude]) m.behave({ splitBytes: 7, crlf: true });
    const client = new Anthropic({ apiKey: key.secret, baseURL: g.url, maxRetries: 0 });
    const final = await client.messages.stream({ model, max_tokens: 50, messages: msg }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: "text", text: "Héllo from the mock ✓" });
  });

  it.each(["gpt-test", "claude-test"])("an upstream that dies mid-stream makes the OpenAI SDK raise (%s)", async (model) => {
    for (const m of [a, claude]) m.behave({ disconnectAfterFrames: 3 });
    const stream = await openai().chat.completions.create({ model, stream: true, messages: msg });
    await expect((async () => {
      for await (const _ of stream);
    })()).rejects.toBeInstanceOf(OpenAI.APIError);
    await until(() => g.usage().length === 1);
    expect(g.usage()[0]).toMatchObject({ status: 502, errorKind: "upstream_stream_failed" });
  });

  it.each(["gpt-test", "claude-test"])("and the Anthropic SDK raise (%s)", async (model) => {
    for (const m of [a, claude]) m.behave({ disconnectAfterFrames: 4 });
    const client = new Anthropic({ apiKey: key.secret, baseURL: g.url, maxRetries: 0 });
    await expect(client.messages.stream({ model, max_tokens: 50, messages: msg }).finalMessage()).rejects.toThrow();
  });
});
