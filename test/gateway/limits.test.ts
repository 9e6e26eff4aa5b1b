/**
 * Each limit on a virtual key, and an attempt to get past it: requests and
 * tokens per minute, daily and monthly budgets (including spend reported by
 * the core, not counted twice), expiry, revocation on the very next request,
 * tenant/project pause (423 with the reason), and every other refusal the
 * contract names with its status, in both error formats. Refused calls never
 * reach the provider. A movable clock stands in for time.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, type TestGateway } from "../support/gateway.js";
import { startMockAnthropic } from "../support/mock-anthropic.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

let up: MockUpstream;
let anthropicUp: MockUpstream;
let g: TestGateway;
let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
const key = newKey();
const msg = [{ role: "user" as const, content: "Hi" }];

function config(keyOver: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return configMessage({
    deployments: [
      deployment({ baseUrl: `${up.url}/v1` }),
      deployment({ id: "d-a", alias: "claude-test", provider: "anthropic", model: "claude-upstream", baseUrl: anthropicUp.url }),
    ],
    keys: [keyEntry(key.hash, keyOver)],
    ...extra,
  });
}
const openai = () => new OpenAI({ apiKey: key.secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: key.secret, baseURL: g.url, maxRetries: 0 });
const chat = (extra: Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming> = {}) => openai().chat.completions.create({ model: "gpt-test", messages: msg, ...extra });
const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);

beforeAll(async () => {
  up = await startMockOpenai();
  anthropicUp = await startMockAnthropic();
});
afterAll(async () => {
  await up.close();
  await anthropicUp.close();
});
beforeEach(async () => {
  clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  up.reset();
  anthropicUp.reset();
  g = await startTestGateway(config(), { now: () => clock });
});
afterEach(async () => g.close());

describe("rate limits", () => {
  it("requests per minute: the third call in a minute is refused with 429 and retry-after, and allowed again a minute later", async () => {
    g.apply(config({ rpm: 2 }));
    await chat();
    await chat();
    const e = await caught(chat());
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e!.code).toBe("rate_limited");
    const after = Number(e!.headers?.get("retry-after"));
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(60);
    expect(up.requests).toHaveLength(2);
    clock += 30_000;
    expect(await caught(chat())).toBeInstanceOf(OpenAI.RateLimitError);
    clock += 31_000;
    await expect(chat()).resolves.toBeDefined();
    expect(g.usage().filter((u) => u.status === 429)).toHaveLength(2);
  });

  it("tokens per minute: a call whose max_tokens alone exceeds the limit is refused; real usage counts afterwards", async () => {
    g.apply(config({ tpm: 100 }));
    expect((await caught(chat({ max_tokens: 200 })))?.code).toBe("tokens_limited");
    expect(up.requests).toHaveLength(0);
    // Each call reserves ~20 + 10 tokens and then counts its real 18.
    let allowed = 0;
    for (let i = 0; i < 10; i++) if ((await caught(chat({ max_tokens: 10 }))) === undefined) allowed++;
    expect(allowed).toBeGreaterThanOrEqual(3);
    expect(allowed).toBeLessThanOrEqual(5);
    clock += 61_000;
    await expect(chat({ max_tokens: 10 })).resolves.toBeDefined();
  });
});

describe("budgets", () => {
  // Each call costs 11 × $1000/M + 7 × $2000/M = $0.025 at the test prices.
  it("a daily budget refuses once spent (429, retry-after to UTC midnight) and opens the next day", async () => {
    g.apply(config({ budgetUsdDay: 0.05 }));
    await chat();
    await chat();
    const e = await caught(chat());
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e!.code).toBe("budget_exceeded");
    expect(Number(e!.headers?.get("retry-after"))).toBe(12 * 3600);
    clock += 12 * 3600 * 1000;
    await expect(chat()).resolves.toBeDefined();
  });

  it("a monthly budget already spent (per the core) refuses, with retry-after to the first of next month", async () => {
    g.apply(config({ budgetUsdMonth: 10, spentUsdMonth: 10 }));
    const e = await caught(chat());
    expect(e!.code).toBe("budget_exceeded");
    expect(Number(e!.headers?.get("retry-after"))).toBe((Date.UTC(2026, 11, 1) - clock) / 1000);
    expect(up.requests).toHaveLength(0);
  });

  it("spend the core reports with usageSeq is not counted twice; spend it has not seen still counts", async () => {
    g.apply(config({ budgetUsdDay: 0.08, spentUsdDay: 0.04 }));
    await chat(); // 0.065 now
    const seq = g.usage().at(-1)!.seq;
    g.apply({ ...config({ budgetUsdDay: 0.08, spentUsdDay: 0.065 }), version: 2, usageSeq: seq });
    await expect(chat()).resolves.toBeDefined(); // 0.09
    expect((await caught(chat()))?.code).toBe("budget_exceeded");
    // The core has still only counted the first call: the second stays counted here (0.065 + 0.025).
    g.apply({ ...config({ budgetUsdDay: 0.08, spentUsdDay: 0.065 }), version: 3, usageSeq: seq });
    expect((await caught(chat()))?.code).toBe("budget_exceeded");
  });
});

describe("key lifecycle", () => {
  it("an expired key is refused (401) from its expiry on", async () => {
    g.apply(config({ expiresAt: clock + 1000 }));
    await chat();
    clock += 1000;
    const e = await caught(chat());
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(e!.message).toMatch(/expired/);
  });

  it("revocation takes effect on the next request, for both SDKs", async () => {
    await chat();
    g.apply({ ...config({ revoked: true }), version: 2 });
    expect(await caught(chat())).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(await caught(anthropic().messages.create({ model: "claude-test", max_tokens: 5, messages: msg }))).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(up.requests).toHaveLength(1);
    expect(anthropicUp.requests).toHaveLength(0);
  });

  it("a paused tenant or project is refused with 423 and the reason, in both formats, models list included", async () => {
    g.apply(config({ paused: { reason: "tenant paused by the operator" } }));
    const e = await caught(chat());
    expect(e!.status).toBe(423);
    expect(e!.message).toMatch(/tenant paused by the operator/);
    const a = (await caught(anthropic().messages.create({ model: "claude-test", max_tokens: 5, messages: msg }))) as unknown as InstanceType<typeof Anthropic.APIError>;
    expect(a.status).toBe(423);
    expect(a.error).toMatchObject({ type: "error", error: { type: "permission_error", message: expect.stringMatching(/paused/) } });
    expect((await caught(openai().models.list()))?.status).toBe(423);
    expect(up.requests).toHaveLength(0);
    expect(g.usage().at(-1)).toMatchObject({ status: 423, errorKind: "paused" });
  });
});

describe("authentication fails closed", () => {
  const post = (headers: Record<string, string>, body: unknown = { model: "gpt-test", messages: msg }) =>
    fetch(`${g.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  it("no key, a malformed header, an unknown key, a Basic header, two different keys: all 401, nothing upstream", async () => {
    const other = newKey().secret;
    for (const headers of <Array<Record<string, string>>>[
      {},
      { authorization: "Bearer" },
      { authorization: `Basic ${Buffer.from(`x:${key.secret}`).toString("base64")}` },
      { authorization: `Bearer ${other}` },
      { authorization: `Bearer ${key.secret}x` },
      { authorization: `Bearer ${key.secret.toUpperCase()}` },
      { "x-api-key": "sk-sr-short" },
      { authorization: `Bearer ${key.secret}`, "x-api-key": other },
      { authorization: `Bearer ${other}`, "x-api-key": key.secret },
    ]) {
      const r = await post(headers);
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
    }
    expect(up.requests).toHaveLength(0);
    expect(g.usage()).toHaveLength(0);
  });

  it("before any configuration arrives every call is refused (503), never served with a default", async () => {
    const bare = await startTestGateway(undefined);
    const r = await fetch(`${bare.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}` }, body: "{}" });
    expect(r.status).toBe(503);
    await bare.close();
  });

  it("a refused configuration leaves the previous one in force", async () => {
    const r = g.gw.applyConfig({ ...config(), keys: [{ ...keyEntry(key.hash), rpm: -1 }], version: 9 });
    expect(r.ok).toBe(false);
    await expect(chat()).resolves.toBeDefined();
  });
});

describe("request refusals", () => {
  const raw = (path: string, init: RequestInit & { headers?: Record<string, string> }) =>
    fetch(`${g.url}${path}`, { ...init, headers: { authorization: `Bearer ${key.secret}`, ...(init.headers ?? {}) } });

  it("400 bad JSON, 413 too large, 415 not JSON, 405 wrong method, 404 unknown path", async () => {
    expect((await raw("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" })).status).toBe(400);
    g.apply({ ...config(), bodyLimitBytes: 2048, version: 2 });
    expect((await raw("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "x".repeat(5000) }] }) })).status).toBe(413);
    expect((await raw("/v1/chat/completions", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" })).status).toBe(415);
    expect((await raw("/v1/chat/completions", { method: "GET" })).status).toBe(405);
    expect((await raw("/v1/completions", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(404);
    expect(up.requests).toHaveLength(0);
  });
});
