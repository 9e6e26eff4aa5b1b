/** A mock Anthropic Messages API on loopback (streaming events, tool use); see mock-upstream.ts for failure modes. */
import { startMock, type Behaviour, type MockUpstream, type WireFormat } from "./mock-upstream.js";

export const ANTHROPIC_USAGE = { input_tokens: 13, output_tokens: 9 };

const wantsTool = (body: any) => Array.isArray(body?.tools) && body.tools.length > 0 && !JSON.stringify(body.messages?.at(-1) ?? {}).includes("tool_result");

const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

const format: WireFormat = {
  credential: (h) => String(h["x-api-key"] ?? ""),
  error: (status, message) => ({ type: "error", error: { type: status === 429 ? "rate_limit_error" : status === 401 ? "authentication_error" : "api_error", message } }),
  answer(path, body, b: Behaviour) {
    if (path !== "/v1/messages") return undefined;
    const tool = wantsTool(body);
    return {
      id: "msg_mock1",
      type: "message",
      role: "assistant",
      model: body.model,
      content: tool ? [{ type: "tool_use", id: "toolu_mock1", name: body.tools[0].name, input: { city: "Paris" } }] : [{ type: "text", text: b.content }],
      stop_reason: tool ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: ANTHROPIC_USAGE,
    };
  },
  frames(body, b) {
    const frames = [ev("message_start", { message: { id: "msg_mock1", type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 13, output_tokens: 1 } } })];
    frames.push(": keep-alive comment\n\n", ev("ping", {}));
    if (wantsTool(body)) {
      frames.push(ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_mock1", name: body.tools[0].name, input: {} } }));
      for (const piece of ['{"city"', ':"Par', 'is"}']) frames.push(ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: piece } }));
    } else {
      frames.push(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
      for (let i = 0; i < b.content.length; i += 5) frames.push(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: b.content.slice(i, i + 5) } }));
    }
    frames.push(ev("content_block_stop", { index: 0 }));
    frames.push(ev("message_delta", { delta: { stop_reason: wantsTool(body) ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } }));
    frames.push(ev("message_stop", {}));
    return frames;
  },
  floodFrame: (n) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "x".repeat(n) } }),
};

/** Starts a mock Anthropic server; deployments point at `url` (no /v1). */
export function startMockAnthropic(): Promise<MockUpstream> {
  return startMock(format);
}
