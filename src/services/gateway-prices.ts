/**
 * The price table the gateway meters cost with, in USD per million tokens by
 * upstream model. These defaults are list prices at the time of writing and
 * will drift: a deployment added with --price-in / --price-out (or
 * inputPerMTok / outputPerMTok over the API) sets its model's price, which
 * wins over this table (the most recent deployment wins when two disagree).
 * A model priced nowhere costs 0 and is logged once per configuration.
 */

export interface ModelPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** Default list prices (USD per million tokens). */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-4o": { inputPerMTok: 2.5, outputPerMTok: 10 },
  "gpt-4o-mini": { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  "gpt-4.1": { inputPerMTok: 2, outputPerMTok: 8 },
  "gpt-4.1-mini": { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  "gpt-4.1-nano": { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  "text-embedding-3-small": { inputPerMTok: 0.02, outputPerMTok: 0 },
  "text-embedding-3-large": { inputPerMTok: 0.13, outputPerMTok: 0 },
  "claude-opus-4-0": { inputPerMTok: 15, outputPerMTok: 75 },
  "claude-sonnet-4-0": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-3-7-sonnet-latest": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-3-5-haiku-latest": { inputPerMTok: 0.8, outputPerMTok: 4 },
};
