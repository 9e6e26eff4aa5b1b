/**
 * The official `@anthropic-ai/sdk`, unchanged, against the gateway's
 * /v1/messages: plain, streaming (event by event), tool use, served by an
 * Anthropic deployment and, through translation, by an OpenAI one; errors
 * arrive as the SDK's own error classes with Anthropic error objects.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, type TestGateway } from "../support/gateway.js";
import { startMockAnthropic } from "../support/mock-anthropic.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

let openaiUp: MockUpstream;
let anthropicUp: MockUpstream;
let g: TestGateway;
const key = newKey();
let client: Anthropic;

const TOOLS: Anthropic.Tool[] = [{ name: "get_weather", description: "Weather in a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }];

beforeAll(async () => {
  openaiUp = await startMockOpenai();
  anthropicUp = await startMockAnthropic();
  g = await startTestGateway(
    configMessage({
      deployments: [
        deployment({ id: "d-anthropic", alias: "claude-test", provider: "anthropic", model: "claude-upstream", apiKey: "sk-ant-provider-000000000000001", baseUrl: anthropicUp.url, passHeaders: ["anthropic-beta"] }),
        deployment({ id: "d-openai", alias: "gpt-test", baseUrl: `${openaiUp.url}/v1` }),
      ],
      keys: [keyEntry(key.hash)],
    }),
  );
  client = new Anthropic({ apiKey: key.secret, baseURL: g.url, maxRetries: 0 });
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
  ["an Anthropic deployment", "claude-test"],
  ["an OpenAI deployment (translated)", "gpt-test"],
])("anthropic SDK served by %s", (_name, model) => {
  it("messages.create answers with content and usage", async () => {
    const m = await client.messages.create({ model, max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] });
    expect(m.content).toEqual([expect.objectContaining({ type: "text", text: "Héllo from the mock ✓" })]);
    expect(m.stop_reason).toBe("end_turn");
    expect(m.usage.input_tokens).toBe(model === "claude-test" ? 13 : 11);
    expect(m.usage.output_tokens).toBe(model === "claude-test" ? 9 : 7);
    expect(g.usage().at(-1)).toMatchObject({ alias: model, status: 200, stream: false });
    if (model === "gpt-test") expect(openaiUp.requests.at(-1)!.body.messages[0]).toEqual({ role: "system", content: "Be brief." });
  });

  it("streams events as they come; the final message has the text and usage", async () => {
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: "user", content: "Hi" }] });
    const deltas: string[] = [];
    stream.on("text", (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join("")).toBe("Héllo from the mock ✓");
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBe(model === "claude-test" ? 9 : 7);
    expect(g.usage().at(-1)).toMatchObject({ stream: true, status: 200, completionTokens: model === "claude-test" ? 9 : 7, promptTokens: model === "claude-test" ? 13 : 11 });
  });

  it("tool use, non-streaming and streaming, and the tool result going back", async () => {
    const m = await client.messages.create({ model, max_tokens: 100, tools: TOOLS, messages: [{ role: "user", content: "Weather in Paris?" }] });
    expect(m.stop_reason).toBe("tool_use");
    const use = m.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")!;
    expect(use).toMatchObject({ name: "get_weather", input: { city: "Paris" } });

    const final = await client.messages.stream({ model, max_tokens: 100, tools: TOOLS, messages: [{ role: "user", content: "Weather in Paris?" }] }).finalMessage();
    expect(final.content.find((b) => b.type === "tool_use")).toMatchObject({ name: "get_weather", input: { city: "Paris" } });

    const next = await client.messages.create({
      model,
      max_tokens: 100,
      tools: TOOLS,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [use] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "18°C, sunny" }] },
      ],
    });
    expect(next.content[0]).toMatchObject({ type: "text", text: "Héllo from the mock ✓" });
    if (model === "gpt-test") {
      const sent = openaiUp.requests.at(-1)!.body;
      expect(sent.messages.at(-2)).toMatchObject({ role: "assistant", tool_calls: [{ id: use.id, function: { name: "get_weather" } }] });
      expect(sent.messages.at(-1)).toEqual({ role: "tool", tool_call_id: use.id, content: "18°C, sunny" });
    }
  });
});

describe("anthropic SDK specifics", () => {
  it("models.list pages through the key's aliases", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(["claude-test", "gpt-test"]);
  });

  it("anthropic-beta passes through only to a deployment configured for it", async () => {
    await client.messages.create({ model: "claude-test", max_tokens: 10, messages: [{ role: "user", content: "x" }] }, { headers: { "anthropic-beta": "tools-2024-05-16", "x-custom-thing": "no" } });
    expect(anthropicUp.requests.at(-1)!.headers["anthropic-beta"]).toBe("tools-2024-05-16");
    expect(anthropicUp.requests.at(-1)!.headers["x-custom-thing"]).toBeUndefined();
    expect(anthropicUp.requests.at(-1)!.headers["anthropic-version"]).toBe("2023-06-01");
    await client.messages.create({ model: "gpt-test", max_tokens: 10, messages: [{ role: "user", content: "x" }] }, { headers: { "anthropic-beta": "tools-2024-05-16" } });
    expect(openaiUp.requests.at(-1)!.headers["anthropic-beta"]).toBeUndefined();
  });

  it("errors are Anthropic error objects: 401, 403", async () => {
    const bad = new Anthropic({ apiKey: newKey().secret, baseURL: g.url, maxRetries: 0 });
    const e = await bad.messages.create({ model: "claude-test", max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((e as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const f = await client.messages.create({ model: "not-mine", max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((x: unknown) => x);
    expect(f).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((f as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "permission_error" } });
    expect(anthropicUp.requests).toHaveLength(0);
  });
});
