/** Token usage as each provider reports it, and its cost from the configured price table. */
import { isObj, own } from "./check.js";
import type { Price } from "./config.js";

/** Tokens of one call; zero when the upstream reported none. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);

/** Usage from an OpenAI `usage` object (chat completions and embeddings). */
export function openaiUsage(u: unknown): Usage {
  if (!isObj(u)) return { promptTokens: 0, completionTokens: 0 };
  return { promptTokens: count(own(u, "prompt_tokens")), completionTokens: count(own(u, "completion_tokens")) };
}

/** Usage from an Anthropic `usage` object; cache reads and writes count as prompt tokens. */
export function anthropicUsage(u: unknown): Usage {
  if (!isObj(u)) return { promptTokens: 0, completionTokens: 0 };
  return {
    promptTokens: count(own(u, "input_tokens")) + count(own(u, "cache_creation_input_tokens")) + count(own(u, "cache_read_input_tokens")),
    completionTokens: count(own(u, "output_tokens")),
  };
}

/** Cost in USD of `usage` at `price` (zero for a model without a price). */
export function costOf(usage: Usage, price: Price | undefined): number {
  if (!price) return 0;
  return (usage.promptTokens * price.inputPerMTok + usage.completionTokens * price.outputPerMTok) / 1_000_000;
}

/**
 * The `usage` object of a JSON response, found without parsing the whole
 * body: the last `"usage"` key (an unescaped `"usage"` can only be a key,
 * never text inside a string) and its balanced braces. Undefined when the
 * shape is not as expected; callers then parse the whole body.
 */
export function findUsage(raw: Buffer): unknown {
  const at = raw.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  let i = at + 7;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i++;
  if (raw[i] !== 0x3a /* : */) return undefined;
  i++;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i++;
  if (raw[i] !== 0x7b /* { */) return undefined;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      try {
        return JSON.parse(raw.toString("utf8", start, i + 1)) as unknown;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
