/**
 * Request translation between the OpenAI Chat Completions format and the
 * Anthropic Messages format, so an alias can be served by either provider
 * whatever SDK the client uses. Input is a client's parsed body (hostile):
 * every field is read through type checks, unknown shapes are refused with
 * a 400, nothing is copied wholesale.
 */
import { isObj, own, type Obj } from "./check.js";
import { GatewayError } from "./errors.js";

/** Anthropic requires max_tokens; OpenAI requests often omit it. */
export const DEFAULT_MAX_TOKENS = 4096;

const bad = (what: string) => new GatewayError("bad_request", `The request is not in a shape the gateway can translate: ${what}.`);

type Block = Obj;
type AnthropicMessage = { role: "user" | "assistant"; content: Block[] };

function text(v: unknown, what: string): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  if (!Array.isArray(v)) throw bad(what);
  return v
    .map((p) => {
      if (isObj(p) && (own(p, "type") === "text" || own(p, "type") === "input_text") && typeof own(p, "text") === "string") return own(p, "text") as string;
      throw bad(`${what} may only hold text here`);
    })
    .join("");
}

function imageBlock(url: string): Block {
  const m = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)$/i.exec(url);
  return m ? { type: "image", source: { type: "base64", media_type: m[1], data: m[2] } } : { type: "image", source: { type: "url", url } };
}

function userBlocks(content: unknown): Block[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw bad("a user message's content");
  return content.map((p) => {
    if (!isObj(p)) throw bad("a content part");
    const type = own(p, "type");
    if (type === "text" && typeof own(p, "text") === "string") return { type: "text", text: own(p, "text") };
    const image = own(p, "image_url");
    if (type === "image_url" && isObj(image) && typeof own(image, "url") === "string") return imageBlock(own(image, "url") as string);
    throw bad("a content part of an unsupported type");
  });
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== "string" || args.trim() === "") return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObj(v) ? v : { value: v };
  } catch {
    throw bad("a tool call's arguments are not JSON");
  }
}

function assistantBlocks(m: Obj): Block[] {
  const blocks: Block[] = [];
  const t = text(own(m, "content"), "an assistant message's content");
  if (t) blocks.push({ type: "text", text: t });
  const calls = own(m, "tool_calls");
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw bad("tool_calls");
    for (const c of calls) {
      const fn = isObj(c) ? own(c, "function") : undefined;
      if (!isObj(c) || !isObj(fn) || typeof own(c, "id") !== "string" || typeof own(fn, "name") !== "string") throw bad("a tool call");
      blocks.push({ type: "tool_use", id: own(c, "id"), name: own(fn, "name"), input: parseArguments(own(fn, "arguments")) });
    }
  }
  return blocks;
}

function push(out: AnthropicMessage[], role: AnthropicMessage["role"], blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = out.at(-1);
  // Anthropic wants user and assistant turns to alternate: consecutive turns of one role merge.
  if (last && last.role === role) last.content.push(...blocks);
  else out.push({ role, content: blocks });
}

function anthropicToolChoice(choice: unknown, parallel: unknown): Obj | undefined {
  let out: Obj | undefined;
  if (choice === undefined || choice === null || choice === "auto") out = { type: "auto" };
  else if (choice === "none") return { type: "none" };
  else if (choice === "required") out = { type: "any" };
  else if (isObj(choice) && isObj(own(choice, "function")) && typeof own(own(choice, "function") as Obj, "name") === "string") {
    out = { type: "tool", name: own(own(choice, "function") as Obj, "name") };
  } else throw bad("tool_choice");
  if (parallel === false) out.disable_parallel_tool_use = true;
  return out;
}

function anthropicTools(tools: unknown): Obj[] {
  if (!Array.isArray(tools)) throw bad("tools");
  return tools.map((t) => {
    const fn = isObj(t) ? own(t, "function") : undefined;
    if (!isObj(t) || own(t, "type") !== "function" || !isObj(fn) || typeof own(fn, "name") !== "string") throw bad("a tool (only function tools are supported)");
    const params = own(fn, "parameters");
    return {
      name: own(fn, "name"),
      ...(typeof own(fn, "description") === "string" ? { description: own(fn, "description") } : {}),
      input_schema: isObj(params) ? params : { type: "object", properties: {} },
    };
  });
}

/** JSON mode has no Anthropic switch: it becomes an instruction (documented as an approximation). */
function jsonInstruction(format: unknown): string | undefined {
  if (!isObj(format)) return undefined;
  const type = own(format, "type");
  if (type === "json_object") return "Respond with a single JSON object and nothing else.";
  const schema = own(format, "json_schema");
  if (type === "json_schema" && isObj(schema)) return `Respond with a single JSON object that conforms to this JSON Schema, and nothing else: ${JSON.stringify(own(schema, "schema") ?? {})}`;
  return undefined;
}

/** An OpenAI chat completion request as an Anthropic Messages request for `model`. */
export function openaiToAnthropicRequest(body: Obj, model: string): Obj {
  const rawMessages = own(body, "messages");
  if (!Array.isArray(rawMessages) || rawMessages.length === 0) throw bad("messages must be a non-empty array");
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const m of rawMessages) {
    if (!isObj(m)) throw bad("a message");
    const role = own(m, "role");
    if (role === "system" || role === "developer") system.push(text(own(m, "content"), "a system message"));
    else if (role === "user") push(messages, "user", userBlocks(own(m, "content")));
    else if (role === "assistant") push(messages, "assistant", assistantBlocks(m));
    else if (role === "tool") {
      if (typeof own(m, "tool_call_id") !== "string") throw bad("a tool message without tool_call_id");
      push(messages, "user", [{ type: "tool_result", tool_use_id: own(m, "tool_call_id"), content: text(own(m, "content"), "a tool message") }]);
    } else throw bad("a message role");
  }
  const instruction = jsonInstruction(own(body, "response_format"));
  if (instruction) system.push(instruction);
  const maxTokens = own(body, "max_completion_tokens") ?? own(body, "max_tokens");
  const out: Obj = { model, max_tokens: typeof maxTokens === "number" && maxTokens > 0 ? Math.floor(maxTokens) : DEFAULT_MAX_TOKENS, messages };
  if (system.length > 0) out.system = system.join("\n\n");
  const temperature = own(body, "temperature");
  // OpenAI's range is 0..2, Anthropic's 0..1.
  if (typeof temperature === "number") out.temperature = Math.min(1, Math.max(0, temperature));
  if (typeof own(body, "top_p") === "number") out.top_p = own(body, "top_p");
  const stop = own(body, "stop");
  if (typeof stop === "string") out.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.every((s) => typeof s === "string")) out.stop_sequences = stop;
  if (own(body, "stream") === true) out.stream = true;
  if (typeof own(body, "user") === "string") out.metadata = { user_id: own(body, "user") };
  const tools = own(body, "tools");
  if (tools !== undefined && tools !== null && (!Array.isArray(tools) || tools.length > 0)) {
    out.tools = anthropicTools(tools);
    out.tool_choice = anthropicToolChoice(own(body, "tool_choice"), own(body, "parallel_tool_calls"));
  }
  return out;
}

function openaiUserParts(blocks: Obj[]): unknown {
  const parts = blocks.map((b) => {
    const type = own(b, "type");
    if (type === "text" && typeof own(b, "text") === "string") return { type: "text", text: own(b, "text") };
    const source = own(b, "source");
    if (type === "image" && isObj(source)) {
      if (own(source, "type") === "base64") return { type: "image_url", image_url: { url: `data:${String(own(source, "media_type"))};base64,${String(own(source, "data"))}` } };
      if (own(source, "type") === "url" && typeof own(source, "url") === "string") return { type: "image_url", image_url: { url: own(source, "url") } };
    }
    throw bad("a content block of an unsupported type");
  });
  return parts.every((p) => p.type === "text") ? parts.map((p) => (p as { text: string }).text).join("\n") : parts;
}

function toolResultText(content: unknown): string {
  if (typeof content === "string" || content === undefined) return content ?? "";
  return text(content, "a tool_result's content");
}

function openaiMessages(m: Obj): Obj[] {
  const role = own(m, "role");
  const content = own(m, "content");
  if (role !== "user" && role !== "assistant") throw bad("a message role");
  if (typeof content === "string") return [{ role, content }];
  if (!Array.isArray(content) || !content.every(isObj)) throw bad("a message's content");
  if (role === "user") {
    // Tool results answer the previous assistant turn, so they come first, as `tool` messages.
    const results = content.filter((b) => own(b, "type") === "tool_result");
    const rest = content.filter((b) => own(b, "type") !== "tool_result");
    const out: Obj[] = results.map((r) => ({ role: "tool", tool_call_id: String(own(r, "tool_use_id")), content: toolResultText(own(r, "content")) }));
    if (rest.length > 0) out.push({ role: "user", content: openaiUserParts(rest) });
    return out;
  }
  const texts: string[] = [];
  const calls: Obj[] = [];
  for (const b of content) {
    const type = own(b, "type");
    if (type === "text" && typeof own(b, "text") === "string") texts.push(own(b, "text") as string);
    else if (type === "tool_use") calls.push({ id: String(own(b, "id")), type: "function", function: { name: String(own(b, "name")), arguments: JSON.stringify(own(b, "input") ?? {}) } });
    else if (type !== "thinking" && type !== "redacted_thinking") throw bad("an assistant content block of an unsupported type");
  }
  return [{ role: "assistant", content: texts.length > 0 ? texts.join("") : null, ...(calls.length > 0 ? { tool_calls: calls } : {}) }];
}

function openaiToolChoice(choice: unknown): { tool_choice?: unknown; parallel_tool_calls?: boolean } {
  if (!isObj(choice)) return {};
  const parallel = own(choice, "disable_parallel_tool_use") === true ? { parallel_tool_calls: false } : {};
  const type = own(choice, "type");
  if (type === "auto") return { tool_choice: "auto", ...parallel };
  if (type === "any") return { tool_choice: "required", ...parallel };
  if (type === "none") return { tool_choice: "none" };
  if (type === "tool" && typeof own(choice, "name") === "string") return { tool_choice: { type: "function", function: { name: own(choice, "name") } }, ...parallel };
  throw bad("tool_choice");
}

/** An Anthropic Messages request as an OpenAI chat completion request for `model`. */
export function anthropicToOpenaiRequest(body: Obj, model: string): Obj {
  const rawMessages = own(body, "messages");
  if (!Array.isArray(rawMessages) || rawMessages.length === 0) throw bad("messages must be a non-empty array");
  const messages: Obj[] = [];
  const system = own(body, "system");
  if (system !== undefined) messages.push({ role: "system", content: text(system, "system") });
  for (const m of rawMessages) {
    if (!isObj(m)) throw bad("a message");
    messages.push(...openaiMessages(m));
  }
  const out: Obj = { model, messages };
  if (typeof own(body, "max_tokens") === "number") out.max_tokens = own(body, "max_tokens");
  if (typeof own(body, "temperature") === "number") out.temperature = own(body, "temperature");
  if (typeof own(body, "top_p") === "number") out.top_p = own(body, "top_p");
  const stop = own(body, "stop_sequences");
  if (Array.isArray(stop) && stop.length > 0 && stop.every((s) => typeof s === "string")) out.stop = stop;
  if (own(body, "stream") === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  const metadata = own(body, "metadata");
  if (isObj(metadata) && typeof own(metadata, "user_id") === "string") out.user = own(metadata, "user_id");
  const tools = own(body, "tools");
  if (Array.isArray(tools) && tools.length > 0) {
    out.tools = tools.map((t) => {
      if (!isObj(t) || typeof own(t, "name") !== "string" || (own(t, "type") !== undefined && own(t, "type") !== "custom")) throw bad("a tool (only client tools are supported)");
      return { type: "function", function: { name: own(t, "name"), ...(typeof own(t, "description") === "string" ? { description: own(t, "description") } : {}), parameters: own(t, "input_schema") ?? { type: "object" } } };
    });
    Object.assign(out, openaiToolChoice(own(body, "tool_choice")));
  }
  return out;
}
