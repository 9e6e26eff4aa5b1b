/**
 * The gateway's pure parts on their own: the SSE parser fed every possible
 * cut of a stream, the configuration validator (refusing without echoing),
 * the sliding window, the breaker, and translation edge cases.
 */
import { describe, expect, it } from "vitest";
import { Breaker } from "../../src/gateway/breaker.js";
import { compileConfig } from "../../src/gateway/config.js";
import { WindowCounter } from "../../src/gateway/limits.js";
import { SseParser } from "../../src/gateway/sse.js";
import { anthropicToOpenaiRequest, openaiToAnthropicRequest } from "../../src/gateway/translate-request.js";
import { OpenaiToAnthropic } from "../../src/gateway/translate-stream.js";
import { upstreamHeaders } from "../../src/gateway/upstream.js";
import { configMessage, deployment, keyEntry, newKey } from "../support/gateway.js";

describe("SSE parser", () => {
  const stream = 'event: message_start\r\ndata: {"a":"é✓"}\r\n\r\n: comment\n\ndata: line1\ndata: line2\n\nevent: x\rdata: y\r\rdata: [DONE]\n\ndata:  two\n\ndata:none\n\n';
  const expected = [
    { event: "message_start", data: '{"a":"é✓"}' },
    { event: "", data: "line1\nline2" },
    { event: "x", data: "y" },
    { event: "", data: "[DONE]" },
    // One space after the colon is dropped, and only one.
    { event: "", data: " two" },
    { event: "", data: "none" },
  ];

  it("yields the same frames however the bytes are cut (every split point, and byte by byte)", () => {
    const bytes = Buffer.from(stream);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const p = new SseParser();
      const frames = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))];
      expect(frames.map(({ event, data }) => ({ event, data })), `cut at ${cut}`).toEqual(expected);
    }
    const p = new SseParser();
    const frames = [...bytes].flatMap((b) => p.push(Buffer.from([b])));
    expect(frames.map(({ event, data }) => ({ event, data }))).toEqual(expected);
    expect(p.pending).toBe(false);
  });

  it("reports a stream cut mid-frame", () => {
    const p = new SseParser();
    p.push(Buffer.from('data: {"partial'));
    expect(p.pending).toBe(true);
  });
});

describe("configuration validation", () => {
  const good = () => configMessage({ deployments: [deployment({ baseUrl: "https://api.example.com/v1/" })], keys: [keyEntry(newKey().hash)] });

  it("accepts a good message and normalises the base URL", () => {
    const c = compileConfig(good(), 0);
    expect(c.deployments[0]).toMatchObject({ baseUrl: "https://api.example.com/v1", hostname: "api.example.com", port: 443, basePath: "/v1" });
  });

  it("refuses bad shapes, naming the field and never the value", () => {
    const secret = "sk-provider-never-echo-me-000000";
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ apiKey: `${secret} x` }, /deployments\[0\]\.apiKey/],
      [{ apiKey: `${secret}\r\nx-evil: 1` }, /apiKey/],
      [{ baseUrl: "file:///etc/passwd" }, /baseUrl/],
      [{ baseUrl: `https://user:${secret}@api.example.com` }, /baseUrl/],
      [{ baseUrl: `https://api.example.com/v1?key=${secret}` }, /baseUrl/],
      [{ provider: "azure" }, /provider/],
      [{ passHeaders: ["authorization"] }, /passHeaders/],
      [{ passHeaders: ["x-forwarded-host"] }, /passHeaders/],
      [{ passHeaders: ["host"] }, /passHeaders/],
      [{ addresses: ["not-an-ip"] }, /addresses/],
    ];
    for (const [over, field] of cases) {
      const msg = configMessage({ deployments: [deployment({ baseUrl: "https://api.example.com/v1", ...over, ...(over.apiKey ? {} : { apiKey: secret }) })], keys: [] });
      let error = "";
      try {
        compileConfig(msg, 0);
      } catch (e) {
        error = (e as Error).message;
      }
      expect(error, JSON.stringify(over)).toMatch(field);
      expect(error).not.toContain(secret);
    }
    expect(() => compileConfig({ ...good(), keys: [keyEntry("nothex")] }, 0)).toThrow(/keys\[0\]\.hash/);
    expect(() => compileConfig({ ...good(), keys: [keyEntry(newKey().hash, { rpm: 0 })] }, 0)).toThrow(/rpm/);
    const k = newKey().hash;
    expect(() => compileConfig({ ...good(), keys: [keyEntry(k), keyEntry(k, { id: "key-2" })] }, 0)).toThrow(/used twice/);
    expect(() => compileConfig({ ...good(), type: "other" }, 0)).toThrow(/type/);
  });

  it("ignores inherited properties (a __proto__ key in JSON sets nothing)", () => {
    const msg = JSON.parse(JSON.stringify(good()).replace('"type":"config"', '"type":"config","__proto__":{"polluted":true}'));
    compileConfig(msg, 0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("sliding window and breaker", () => {
  it("the window sums the last 60 seconds only and says when room comes back", () => {
    const w = new WindowCounter();
    const t = 1_000_000_000;
    w.add(t, 5);
    w.add(t + 30_000, 5);
    expect(w.total(t + 59_000)).toBe(10);
    expect(w.total(t + 60_000)).toBe(5);
    expect(w.retryAfterSec(t + 40_000, 1, 10)).toBe(20);
    // A reservation corrected after its bucket was reused by a newer second must not wipe that second.
    w.add(t + 90_000, 3);
    w.add(t + 90_500, -5, t + 30_000);
    expect(w.total(t + 90_500)).toBe(3);
  });

  it("the breaker opens after K failures, allows one trial after the cool-down, and closes on success", () => {
    const b = new Breaker({ failures: 2, cooldownMs: 1000 });
    b.failure(0);
    expect(b.acquire(0)).toBe(true);
    b.failure(0);
    expect(b.acquire(500)).toBe(false);
    expect(b.acquire(1000)).toBe(true);
    expect(b.acquire(1000)).toBe(false);
    b.failure(1000);
    expect(b.acquire(1500)).toBe(false);
    expect(b.acquire(2000)).toBe(true);
    b.success();
    expect(b.state).toBe("closed");
  });
});

describe("translation edge cases", () => {
  it("OpenAI → Anthropic: system and developer messages join, consecutive tool results merge into one user turn, images map", () => {
    const out = openaiToAnthropicRequest(
      {
        model: "x",
        max_tokens: 50,
        temperature: 1.7,
        stop: "END",
        messages: [
          { role: "system", content: "A" },
          { role: "developer", content: [{ type: "text", text: "B" }] },
          { role: "user", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }, { id: "c2", type: "function", function: { name: "f", arguments: "" } }] },
          { role: "tool", tool_call_id: "c1", content: "r1" },
          { role: "tool", tool_call_id: "c2", content: "r2" },
        ],
      },
      "claude-up",
    );
    expect(out).toMatchObject({ model: "claude-up", max_tokens: 50, temperature: 1, system: "A\n\nB", stop_sequences: ["END"] });
    const messages = out.messages as Array<{ role: string; content: unknown[] }>;
    expect(messages[0]!.content[1]).toEqual({ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } });
    expect(messages[1]!.content).toEqual([
      { type: "tool_use", id: "c1", name: "f", input: { a: 1 } },
      { type: "tool_use", id: "c2", name: "f", input: {} },
    ]);
    expect(messages[2]).toEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: "c1", content: "r1" }, { type: "tool_result", tool_use_id: "c2", content: "r2" }] });
  });

  it("Anthropic → OpenAI: tool results become tool messages ahead of the user's text; tool_choice maps", () => {
    const out = anthropicToOpenaiRequest(
      {
        model: "x",
        max_tokens: 10,
        system: [{ type: "text", text: "S" }],
        tools: [{ name: "f", input_schema: { type: "object" } }],
        tool_choice: { type: "any", disable_parallel_tool_use: true },
        messages: [{ role: "user", content: [{ type: "text", text: "after" }, { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "r" }] }] }],
        stream: true,
      },
      "gpt-up",
    );
    expect(out).toMatchObject({ model: "gpt-up", tool_choice: "required", parallel_tool_calls: false, stream: true, stream_options: { include_usage: true } });
    expect(out.messages).toEqual([
      { role: "system", content: "S" },
      { role: "tool", tool_call_id: "t1", content: "r" },
      { role: "user", content: "after" },
    ]);
  });

  it("hostile shapes are refused as 400, not thrown as crashes", () => {
    for (const body of [{ messages: "x" }, { messages: [] }, { messages: [null] }, { messages: [{ role: "wizard", content: "x" }] }, { messages: [{ role: "user", content: [{ type: "input_audio" }] }] }, { messages: [{ role: "assistant", content: null, tool_calls: [{ id: 1 }] }] }]) {
      expect(() => openaiToAnthropicRequest(body, "m"), JSON.stringify(body)).toThrow(/translate/);
    }
  });

  it("OpenAI stream → Anthropic events: blocks open and close in order, one tool_use per tool call", () => {
    const t = new OpenaiToAnthropic("alias");
    const f = (data: unknown) => t.frame({ event: "", data: typeof data === "string" ? data : JSON.stringify(data), raw: "" });
    let out = f({ id: "c", choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] });
    out += f({ id: "c", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: '{"x"' } }] }, finish_reason: null }] });
    out += f({ id: "c", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }, finish_reason: null }] });
    out += f({ id: "c", choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: "b", function: { name: "g", arguments: "{}" } }] }, finish_reason: "tool_calls" }] });
    out += f({ id: "c", choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } });
    out += f("[DONE]");
    const events = [...out.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(out).toContain('"stop_reason":"tool_use"');
    expect(out).toContain('"usage":{"input_tokens":3,"output_tokens":4}');
    expect(t.finish()).toBe("");
  });
});

describe("usage without a full parse", () => {
  it("finds the top-level usage object, ignoring the word inside strings, and gives up on odd shapes", async () => {
    const { findUsage } = await import("../../src/gateway/usage.js");
    const body = { id: "x", choices: [{ message: { content: 'say "usage": {"prompt_tokens": 999} and {braces}' } }], usage: { prompt_tokens: 3, completion_tokens: 4, details: { a: "}" } } };
    expect(findUsage(Buffer.from(JSON.stringify(body)))).toEqual(body.usage);
    expect(findUsage(Buffer.from(JSON.stringify(body, null, 2)))).toEqual(body.usage);
    expect(findUsage(Buffer.from('{"usage": null}'))).toBeUndefined();
    expect(findUsage(Buffer.from('{"usage": {"prompt_tokens": 1'))).toBeUndefined();
    expect(findUsage(Buffer.from('{"choices": []}'))).toBeUndefined();
  });
});

describe("upstream request headers", () => {
  const compiled = (baseUrl: string, provider: "openai" | "anthropic", passHeaders: string[] = []) => {
    const key = newKey();
    return compileConfig(configMessage({ deployments: [deployment({ baseUrl, provider, passHeaders })], keys: [keyEntry(key.hash)] }), 0).deployments[0]!;
  };
  const asObject = (list: string[]) => Object.fromEntries(list.flatMap((v, i) => (i % 2 === 0 ? [[v, list[i + 1]]] : [])));

  it("name the host as node would (port only when not the scheme's, IPv6 in brackets), then the credential and configured headers only", () => {
    expect(asObject(upstreamHeaders(compiled("https://api.openai.com/v1", "openai"), {}, false, 12)).host).toBe("api.openai.com");
    expect(asObject(upstreamHeaders(compiled("http://127.0.0.1:8080/v1", "openai"), {}, false, 12)).host).toBe("127.0.0.1:8080");
    expect(asObject(upstreamHeaders(compiled("http://[::1]:9000", "anthropic"), {}, false, 12)).host).toBe("[::1]:9000");
    const d = compiled("https://api.anthropic.com", "anthropic", ["anthropic-beta"]);
    const h = upstreamHeaders(d, { "anthropic-beta": "tools-2024-05-16", "x-other": "no", authorization: "Bearer sk-sr-client" }, true, 99);
    expect(h.length % 2).toBe(0);
    expect(asObject(h)).toEqual({ host: "api.anthropic.com", "content-type": "application/json", accept: "text/event-stream", "content-length": "99", "x-api-key": d.apiKey, "anthropic-version": "2023-06-01", "anthropic-beta": "tools-2024-05-16" });
  });
});
