/** A mock OpenAI API on loopback (chat completions, streaming, tool calls, embeddings); see mock-upstream.ts for failure modes. */
import { startMock, type Behaviour, type MockUpstream, type WireFormat } from "./mock-upstream.js";

export const OPENAI_USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

const wantsTool = (body: any) => Array.isArray(body?.tools) && body.tools.length > 0 && body.messages?.at(-1)?.role !== "tool";
const toolName = (body: any): string => body.tools[0]?.function?.name ?? "tool";
const isJsonMode = (body: any) => body?.response_format?.type === "json_object" || body?.response_format?.type === "json_schema";

function chunk(body: any, delta: object, finish: string | null = null, usage?: object | null): string {
  const c: any = { id: "chatcmpl-mock1", object: "chat.completion.chunk", created: 1_700_000_000, model: body.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  if (body.stream_options?.include_usage) c.usage = usage ?? null;
  return `data: ${JSON.stringify(c)}\n\n`;
}

const format: WireFormat = {
  credential: (h) => String(h.authorization ?? "").replace(/^Bearer /, ""),
  error: (status, message) => ({ error: { message, type: status === 429 ? "requests" : "server_error", param: null, code: null } }),
  answer(path, body, b: Behaviour) {
    if (path === "/v1/embeddings") {
      const vector = [0.1, 0.2, 0.3];
      // The SDK asks for base64 unless told otherwise, and decodes little-endian float32s.
      const embedding = body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
      return { object: "list", data: [{ object: "embedding", index: 0, embedding }], model: body.model, usage: { prompt_tokens: 5, total_tokens: 5 } };
    }
    if (path !== "/v1/chat/completions") return undefined;
    const message: any = wantsTool(body)
      ? { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "call_mock1", type: "function", function: { name: toolName(body), arguments: '{"city":"Paris"}' } }] }
      : { role: "assistant", content: isJsonMode(body) ? '{"ok":true}' : b.content, refusal: null };
    return {
      id: "chatcmpl-mock1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: body.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: wantsTool(body) ? "tool_calls" : "stop" }],
      usage: OPENAI_USAGE,
    };
  },
  frames(body, b) {
    const frames = [chunk(body, { role: "assistant", content: "" })];
    if (wantsTool(body)) {
      frames.push(chunk(body, { tool_calls: [{ index: 0, id: "call_mock1", type: "function", function: { name: toolName(body), arguments: "" } }] }));
      for (const piece of ['{"city"', ':"Par', 'is"}']) frames.push(chunk(body, { tool_calls: [{ index: 0, function: { arguments: piece } }] }));
      frames.push(chunk(body, {}, "tool_calls"));
    } else {
      const text = b.content;
      for (let i = 0; i < text.length; i += 5) frames.push(chunk(body, { content: text.slice(i, i + 5) }));
      frames.push(chunk(body, {}, "stop"));
    }
    if (body.stream_options?.include_usage) {
      frames.push(`data: ${JSON.stringify({ id: "chatcmpl-mock1", object: "chat.completion.chunk", created: 1_700_000_000, model: body.model, choices: [], usage: OPENAI_USAGE })}\n\n`);
    }
    frames.push("data: [DONE]\n\n");
    return frames;
  },
  floodFrame: (n) => `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "x".repeat(n) }, finish_reason: null }] })}\n\n`,
};

/** Starts a mock OpenAI server; deployments point at `${url}/v1`. */
export function startMockOpenai(host?: string): Promise<MockUpstream> {
  return startMock(format, host);
}
