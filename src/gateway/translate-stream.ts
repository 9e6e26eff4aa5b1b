/**
 * Streaming relays: one upstream SSE frame in, the client's frames out,
 * event by event (nothing waits for the whole response). Four of them:
 * pass-through for each provider (which only read usage on the way) and
 * the two translations. Each also keeps the call's token usage.
 */
import { isObj, own, type Obj } from "./check.js";
import { dataFrame, eventFrame, type SseFrame } from "./sse.js";
import { finishReasonOf, idPart, stopReasonOf } from "./translate-response.js";
import { anthropicUsage, openaiUsage, type Usage } from "./usage.js";

/** Turns upstream frames into client frames. */
export interface StreamRelay {
  /** Client output for one upstream frame ("" when there is nothing to send). */
  frame(f: SseFrame): string;
  /** When the upstream stream ends: the closing output, or undefined when it ended before its terminal event. */
  finish(): string | undefined;
  /** True when the upstream sent an error event (already relayed). */
  readonly failed: boolean;
  readonly usage: Usage;
}

function parse(data: string): Obj | undefined {
  try {
    const v: unknown = JSON.parse(data);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A quick test before parsing: only frames that mention usage are parsed on the pass-through path. */
const HAS_USAGE = /"usage"\s*:\s*\{/;

/** OpenAI upstream → OpenAI client. Drops the usage-only chunk the client did not ask for (we always ask for it). */
export class OpenaiPassthrough implements StreamRelay {
  usage: Usage = { promptTokens: 0, completionTokens: 0 };
  failed = false;
  #done = false;
  constructor(private readonly clientWantsUsage: boolean) {}

  frame(f: SseFrame): string {
    if (f.data === "[DONE]") {
      this.#done = true;
      return "data: [DONE]\n\n";
    }
    if (f.data.includes('"error"') && parse(f.data)?.error !== undefined) this.failed = true;
    if (HAS_USAGE.test(f.data)) {
      const chunk = parse(f.data);
      if (chunk) {
        this.usage = openaiUsage(own(chunk, "usage"));
        const choices = own(chunk, "choices");
        if (!this.clientWantsUsage && Array.isArray(choices) && choices.length === 0) return "";
      }
    }
    return `${f.raw}\n\n`;
  }

  finish(): string | undefined {
    return this.#done ? "" : undefined;
  }
}

/** Anthropic upstream → Anthropic client: frames pass unchanged; usage read from message_start and message_delta. */
export class AnthropicPassthrough implements StreamRelay {
  usage: Usage = { promptTokens: 0, completionTokens: 0 };
  failed = false;
  #done = false;

  frame(f: SseFrame): string {
    if (f.event === "message_start") {
      const m = parse(f.data)?.message;
      if (isObj(m)) this.usage = anthropicUsage(own(m, "usage"));
    } else if (f.event === "message_delta") {
      mergeDeltaUsage(this.usage, parse(f.data));
    } else if (f.event === "message_stop") this.#done = true;
    else if (f.event === "error") this.failed = true;
    return `${f.raw}\n\n`;
  }

  finish(): string | undefined {
    return this.#done ? "" : undefined;
  }
}

/** message_delta carries cumulative output tokens (and, on newer API versions, input tokens). */
function mergeDeltaUsage(usage: Usage, event: Obj | undefined): void {
  const u = event ? own(event, "usage") : undefined;
  if (!isObj(u)) return;
  const next = anthropicUsage(u);
  usage.completionTokens = next.completionTokens;
  if (next.promptTokens > 0) usage.promptTokens = next.promptTokens;
}

/** Anthropic upstream → OpenAI client (chat.completion.chunk frames, then [DONE]). */
export class AnthropicToOpenai implements StreamRelay {
  usage: Usage = { promptTokens: 0, completionTokens: 0 };
  failed = false;
  #id = "chatcmpl-pending";
  #created: number;
  #tools = new Map<number, number>();
  #done = false;

  constructor(
    private readonly alias: string,
    private readonly clientWantsUsage: boolean,
    now: number,
  ) {
    this.#created = Math.floor(now / 1000);
  }

  #chunk(delta: Obj, finish: string | null = null): string {
    const chunk: Obj = { id: this.#id, object: "chat.completion.chunk", created: this.#created, model: this.alias, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    if (this.clientWantsUsage) chunk.usage = null;
    return dataFrame(JSON.stringify(chunk));
  }

  frame(f: SseFrame): string {
    const e = parse(f.data);
    if (!e) return "";
    const type = f.event || own(e, "type");
    switch (type) {
      case "message_start": {
        const m = isObj(own(e, "message")) ? (own(e, "message") as Obj) : {};
        this.#id = `chatcmpl-${idPart(own(m, "id"))}`;
        this.usage = anthropicUsage(own(m, "usage"));
        return this.#chunk({ role: "assistant", content: "" });
      }
      case "content_block_start":
        return this.#blockStart(e);
      case "content_block_delta":
        return this.#blockDelta(e);
      case "message_delta": {
        mergeDeltaUsage(this.usage, e);
        const delta = own(e, "delta");
        return this.#chunk({}, finishReasonOf(isObj(delta) ? own(delta, "stop_reason") : undefined));
      }
      case "message_stop": {
        this.#done = true;
        const u = this.usage;
        const usageChunk = this.clientWantsUsage
          ? dataFrame(JSON.stringify({ id: this.#id, object: "chat.completion.chunk", created: this.#created, model: this.alias, choices: [], usage: { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens } }))
          : "";
        return `${usageChunk}data: [DONE]\n\n`;
      }
      case "error": {
        this.failed = true;
        const err = own(e, "error");
        const message = isObj(err) && typeof own(err, "message") === "string" ? (own(err, "message") as string) : "The upstream stream failed.";
        return dataFrame(JSON.stringify({ error: { message, type: "api_error", param: null, code: "upstream_error" } }));
      }
      default:
        return "";
    }
  }

  #blockStart(e: Obj): string {
    const block = own(e, "content_block");
    const index = own(e, "index");
    if (!isObj(block) || typeof index !== "number") return "";
    if (own(block, "type") === "tool_use") {
      const n = this.#tools.size;
      this.#tools.set(index, n);
      return this.#chunk({ tool_calls: [{ index: n, id: String(own(block, "id")), type: "function", function: { name: String(own(block, "name")), arguments: "" } }] });
    }
    const text = own(block, "text");
    return own(block, "type") === "text" && typeof text === "string" && text.length > 0 ? this.#chunk({ content: text }) : "";
  }

  #blockDelta(e: Obj): string {
    const delta = own(e, "delta");
    if (!isObj(delta)) return "";
    if (own(delta, "type") === "text_delta" && typeof own(delta, "text") === "string") return this.#chunk({ content: own(delta, "text") });
    const tool = this.#tools.get(own(e, "index") as number);
    if (own(delta, "type") === "input_json_delta" && tool !== undefined && typeof own(delta, "partial_json") === "string") {
      return this.#chunk({ tool_calls: [{ index: tool, function: { arguments: own(delta, "partial_json") } }] });
    }
    return "";
  }

  finish(): string | undefined {
    return this.#done ? "" : undefined;
  }
}

/**
 * OpenAI upstream → Anthropic client (message_start, content blocks,
 * message_delta, message_stop). OpenAI streams tool calls one after the
 * other; each becomes one tool_use block.
 */
export class OpenaiToAnthropic implements StreamRelay {
  usage: Usage = { promptTokens: 0, completionTokens: 0 };
  failed = false;
  #started = false;
  #block = -1;
  #open: "text" | "tool" | null = null;
  #tool = -1;
  #stop: string | null = null;
  #done = false;

  constructor(private readonly alias: string) {}

  #start(chunk: Obj): string {
    if (this.#started) return "";
    this.#started = true;
    const message = { id: `msg_${idPart(own(chunk, "id"))}`, type: "message", role: "assistant", model: this.alias, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return eventFrame("message_start", JSON.stringify({ type: "message_start", message }));
  }

  #close(): string {
    if (this.#open === null) return "";
    this.#open = null;
    return eventFrame("content_block_stop", JSON.stringify({ type: "content_block_stop", index: this.#block }));
  }

  #openBlock(kind: "text" | "tool", block: Obj): string {
    const closed = this.#close();
    this.#block += 1;
    this.#open = kind;
    return closed + eventFrame("content_block_start", JSON.stringify({ type: "content_block_start", index: this.#block, content_block: block }));
  }

  #delta(delta: Obj): string {
    return eventFrame("content_block_delta", JSON.stringify({ type: "content_block_delta", index: this.#block, delta }));
  }

  frame(f: SseFrame): string {
    if (f.data === "[DONE]") return this.#end();
    const chunk = parse(f.data);
    if (!chunk) return "";
    const err = own(chunk, "error");
    if (err !== undefined) {
      this.failed = true;
      const message = isObj(err) && typeof own(err, "message") === "string" ? (own(err, "message") as string) : "The upstream stream failed.";
      return eventFrame("error", JSON.stringify({ type: "error", error: { type: "api_error", message } }));
    }
    let out = this.#start(chunk);
    if (isObj(own(chunk, "usage"))) this.usage = openaiUsage(own(chunk, "usage"));
    const choices = own(chunk, "choices");
    const choice = Array.isArray(choices) && isObj(choices[0]) ? choices[0] : undefined;
    if (!choice) return out;
    const delta = own(choice, "delta");
    if (isObj(delta)) out += this.#content(delta);
    if (own(choice, "finish_reason") !== null && own(choice, "finish_reason") !== undefined) this.#stop = stopReasonOf(own(choice, "finish_reason"));
    return out;
  }

  #content(delta: Obj): string {
    let out = "";
    const text = own(delta, "content");
    if (typeof text === "string" && text.length > 0) {
      if (this.#open !== "text") out += this.#openBlock("text", { type: "text", text: "" });
      out += this.#delta({ type: "text_delta", text });
    }
    const calls = own(delta, "tool_calls");
    for (const c of Array.isArray(calls) ? calls : []) {
      if (!isObj(c)) continue;
      const fn = isObj(own(c, "function")) ? (own(c, "function") as Obj) : {};
      const index = typeof own(c, "index") === "number" ? (own(c, "index") as number) : this.#tool;
      if (this.#open !== "tool" || index !== this.#tool) {
        this.#tool = index;
        out += this.#openBlock("tool", { type: "tool_use", id: typeof own(c, "id") === "string" ? own(c, "id") : `toolu_${idPart(undefined)}`, name: String(own(fn, "name") ?? ""), input: {} });
      }
      const args = own(fn, "arguments");
      if (typeof args === "string" && args.length > 0) out += this.#delta({ type: "input_json_delta", partial_json: args });
    }
    return out;
  }

  #end(): string {
    if (this.#done) return "";
    this.#done = true;
    const start = this.#started ? "" : this.#start({});
    const u = this.usage;
    const delta = { type: "message_delta", delta: { stop_reason: this.#stop ?? "end_turn", stop_sequence: null }, usage: { input_tokens: u.promptTokens, output_tokens: u.completionTokens } };
    return start + this.#close() + eventFrame("message_delta", JSON.stringify(delta)) + eventFrame("message_stop", JSON.stringify({ type: "message_stop" }));
  }

  finish(): string | undefined {
    if (this.#done) return "";
    // Some OpenAI-compatible servers omit [DONE]; a stream that reached its finish_reason is complete.
    return this.#stop !== null ? this.#end() : undefined;
  }
}
