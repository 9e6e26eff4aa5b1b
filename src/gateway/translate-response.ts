/**
 * Whole-response translation (non-streaming) between Anthropic messages and
 * OpenAI chat completions. The upstream body is parsed JSON we did not write:
 * fields are read through type checks and rebuilt, never copied wholesale.
 */
import { randomUUID } from "node:crypto";
import { isObj, own, type Obj } from "./check.js";
import { anthropicUsage, openaiUsage, type Usage } from "./usage.js";

/** Anthropic stop_reason → OpenAI finish_reason. */
export function finishReasonOf(stop: unknown): string {
  if (stop === "max_tokens") return "length";
  if (stop === "tool_use") return "tool_calls";
  if (stop === "refusal") return "content_filter";
  return "stop";
}

/** OpenAI finish_reason → Anthropic stop_reason. */
export function stopReasonOf(finish: unknown): string {
  if (finish === "length") return "max_tokens";
  if (finish === "tool_calls" || finish === "function_call") return "tool_use";
  if (finish === "content_filter") return "refusal";
  return "end_turn";
}

/** A safe id fragment from an upstream id (or a fresh one). */
export function idPart(v: unknown): string {
  return typeof v === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(v) ? v : randomUUID().replaceAll("-", "");
}

/** An Anthropic message as an OpenAI chat completion answering for `alias`. */
export function anthropicToOpenaiResponse(msg: Obj, alias: string, now: number): { body: Obj; usage: Usage } {
  const usage = anthropicUsage(own(msg, "usage"));
  let text = "";
  const calls: Obj[] = [];
  const content = own(msg, "content");
  for (const b of Array.isArray(content) ? content : []) {
    if (!isObj(b)) continue;
    if (own(b, "type") === "text" && typeof own(b, "text") === "string") text += own(b, "text") as string;
    else if (own(b, "type") === "tool_use") calls.push({ id: String(own(b, "id")), type: "function", function: { name: String(own(b, "name")), arguments: JSON.stringify(own(b, "input") ?? {}) } });
  }
  const message: Obj = { role: "assistant", content: text.length > 0 || calls.length === 0 ? text : null, refusal: null };
  if (calls.length > 0) message.tool_calls = calls;
  const body = {
    id: `chatcmpl-${idPart(own(msg, "id"))}`,
    object: "chat.completion",
    created: Math.floor(now / 1000),
    model: alias,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(own(msg, "stop_reason")) }],
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
  };
  return { body, usage };
}

function parseInput(args: unknown): unknown {
  if (typeof args !== "string" || args.trim() === "") return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    // A model can emit malformed arguments; hand them over rather than fail the whole response.
    return { _raw: args };
  }
}

/** An OpenAI chat completion as an Anthropic message answering for `alias`. */
export function openaiToAnthropicResponse(completion: Obj, alias: string): { body: Obj; usage: Usage } {
  const usage = openaiUsage(own(completion, "usage"));
  const choices = own(completion, "choices");
  const choice = Array.isArray(choices) && isObj(choices[0]) ? choices[0] : {};
  const message = isObj(own(choice, "message")) ? (own(choice, "message") as Obj) : {};
  const content: Obj[] = [];
  const text = own(message, "content");
  if (typeof text === "string" && text.length > 0) content.push({ type: "text", text });
  const calls = own(message, "tool_calls");
  for (const c of Array.isArray(calls) ? calls : []) {
    const fn = isObj(c) ? own(c, "function") : undefined;
    if (!isObj(c) || !isObj(fn)) continue;
    content.push({ type: "tool_use", id: typeof own(c, "id") === "string" ? own(c, "id") : `toolu_${idPart(undefined)}`, name: String(own(fn, "name")), input: parseInput(own(fn, "arguments")) });
  }
  const body = {
    id: `msg_${idPart(own(completion, "id"))}`,
    type: "message",
    role: "assistant",
    model: alias,
    content,
    stop_reason: stopReasonOf(own(choice, "finish_reason")),
    stop_sequence: null,
    usage: { input_tokens: usage.promptTokens, output_tokens: usage.completionTokens },
  };
  return { body, usage };
}
