/**
 * The official `openai` SDK, unchanged, against the gateway: chat (plain,
 * streaming with and without include_usage, tools, JSON mode), embeddings
 * and models, served by an OpenAI deployment and, through translation, by an
 * Anthropic one; and every error status the contract names, as the SDK's
 * own error classes.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, type TestGateway } from "../support/gateway.js";
import { startMockAnthropic } from "../support/mock-anthropic.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

let openaiUp: MockUpstream;
let anthropicUp: MockUpstream;
let g: TestGateway;
const key = newKey();
let client: OpenAI;

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
];

beforeAll(async () => {
  openaiUp = await startMockOpenai();
  anthropicUp = await startMockAnthropic();
  g = await startTestGateway(
    configMessage({
      deployments: [
        deployment({ id: "d-openai", alias: "gpt-test", baseUrl: `${openaiUp.url}/v1` }),
        deployment({ id: "d-anthropic", alias: "claude-test", provider: "anthropic", model: "claude-upstream", apiKey: "sk-ant-provider-000000000000001", baseUrl: anthropicUp.url }),
      ],
      keys: [keyEntry(key.hash)],
    }),
  );
  client = new OpenAI({ apiKey: key.secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await g.close();
  await openaiUp.close();
  await anthropicUp.close();
});
beforeEach(() => {
  openaiUp.reset();
  anthropicUp.reset();
});

describe.each([
  ["an OpenAI deployment", "gpt-test"],
  ["an Anthropic deployment (translated)", "claude-test"],
])("openai SDK served by %s", (_name, model) => {
  it("chat.completions.create answers with content and usage", async () => {
    const r = await client.chat.completions.create({ model, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(r.choices[0]!.message.content).toBe("Héllo from the mock ✓");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage?.prompt_tokens).toBe(model === "gpt-test" ? 11 : 13);
    expect(r.usage?.completion_tokens).toBe(model === "gpt-test" ? 7 : 9);
    const u = g.usage().at(-1)!;
    expect(u).toMatchObject({ keyId: "key-1", alias: model, status: 200, stream: false, promptTokens: r.usage?.prompt_tokens, completionTokens: r.usage?.completion_tokens });
    expect(u.costUsd).toBeGreaterThan(0);
  });

  it("streams content chunk by chunk, with usage when include_usage is asked", async () => {
    const stream = await client.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Hi" }] });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null = null;
    let chunks = 0;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta.content ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe("Héllo from the mock ✓");
    expect(finish).toBe("stop");
    expect(chunks).toBeGreaterThan(3);
    expect(usage?.completion_tokens).toBe(model === "gpt-test" ? 7 : 9);
    expect(g.usage().at(-1)).toMatchObject({ stream: true, status: 200, completionTokens: model === "gpt-test" ? 7 : 9 });
  });

  it("without include_usage the client gets no usage-only chunk, yet the call is still metered", async () => {
    const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "Hi" }] });
    for await (const c of stream) expect(c.choices.length).toBe(1);
    expect(g.usage().at(-1)!.completionTokens).toBe(model === "gpt-test" ? 7 : 9);
  });

  it("tool calls, non-streaming and streaming", async () => {
    const r = await client.chat.completions.create({ model, tools: TOOLS, messages: [{ role: "user", content: "Weather in Paris?" }] });
    const call = r.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(r.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });

    const stream = client.chat.completions.stream({ model, tools: TOOLS, messages: [{ role: "user", content: "Weather in Paris?" }] });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(streamed.function.name).toBe("get_weather");
    expect(JSON.parse(streamed.function.arguments)).toEqual({ city: "Paris" });

    // The tool's answer goes back and the conversation continues.
    const next = await client.chat.completions.create({
      model,
      tools: TOOLS,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "18°C, sunny" },
      ],
    });
    expect(next.choices[0]!.message.content).toBe("Héllo from the mock ✓");
    const up = model === "gpt-test" ? openaiUp : anthropicUp;
    const last = up.requests.at(-1)!.body;
    if (model === "claude-test") {
      expect(last.messages.at(-1)).toEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18°C, sunny" }] });
      expect(last.tools[0]).toMatchObject({ name: "get_weather", input_schema: { type: "object" } });
    } else expect(last.messages.at(-1)).toEqual({ role: "tool", tool_call_id: call.id, content: "18°C, sunny" });
  });
});

describe("openai SDK, provider specifics", () => {
  it("JSON mode and unknown fields pass through unchanged to an OpenAI deployment; the upstream sees its own model name", async () => {
    const r = await client.chat.completions.create({ model: "gpt-test", response_format: { type: "json_object" }, seed: 7, messages: [{ role: "user", content: "json please" }] });
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ ok: true });
    const body = openaiUp.requests.at(-1)!.body;
    expect(body).toMatchObject({ model: "gpt-upstream", response_format: { type: "json_object" }, seed: 7 });
  });

  it("JSON mode becomes an instruction for an Anthropic deployment", async () => {
    await client.chat.completions.create({ model: "claude-test", response_format: { type: "json_object" }, messages: [{ role: "user", content: "json please" }] });
    expect(anthropicUp.requests.at(-1)!.body.system).toMatch(/JSON object/);
    expect(anthropicUp.requests.at(-1)!.body.max_tokens).toBe(4096);
  });

  it("embeddings", async () => {
    const r = await client.embeddings.create({ model: "gpt-test", input: "hello" });
    expect(r.data[0]!.embedding.map((v) => Math.round(v * 10) / 10)).toEqual([0.1, 0.2, 0.3]);
    expect(g.usage().at(-1)).toMatchObject({ alias: "gpt-test", promptTokens: 5 });
    await expect(client.embeddings.create({ model: "claude-test", input: "hello" })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("models.list shows exactly the aliases the key may use", async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(["claude-test", "gpt-test"]);
  });
});

describe("openai SDK errors", () => {
  it("401 for a bad key, as AuthenticationError with the OpenAI error object", async () => {
    const bad = new OpenAI({ apiKey: newKey().secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
    const e = await bad.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_api_key");
    expect(openaiUp.requests).toHaveLength(0);
  });

  it("403 for a model the key may not use, 404 for an unknown alias the key lists", async () => {
    const e = await client.chat.completions.create({ model: "gpt-other", messages: [{ role: "user", content: "x" }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe("model_not_allowed");
  });

  it("404 for an alias the key lists but no deployment serves", async () => {
    const g2 = await startTestGateway(configMessage({ deployments: [deployment({ baseUrl: `${openaiUp.url}/v1` })], keys: [keyEntry(key.hash, { models: ["gpt-test", "gone"] })] }));
    const c2 = new OpenAI({ apiKey: key.secret, baseURL: `${g2.url}/v1`, maxRetries: 0 });
    await expect(c2.chat.completions.create({ model: "gone", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await g2.close();
  });
});
