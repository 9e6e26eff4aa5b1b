/**
 * Memory stays flat over a long run: thousands of calls of every kind
 * (plain, streamed, translated, refused, aborted, failing upstream) leave the
 * heap, after a full collection, where it was after the warm-up. The state
 * the gateway keeps is bounded by its configuration, not its traffic.
 */
import OpenAI from "openai";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, type TestGateway } from "../support/gateway.js";
import { startMockAnthropic } from "../support/mock-anthropic.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let o: MockUpstream;
let a: MockUpstream;
let g: TestGateway;
const key = newKey();
const limited = newKey();

let config: Record<string, unknown>;

beforeAll(async () => {
  [o, a] = await Promise.all([startMockOpenai(), startMockAnthropic()]);
  config = configMessage({
    deployments: [deployment({ baseUrl: `${o.url}/v1` }), deployment({ id: "d-a", alias: "claude-test", provider: "anthropic", model: "claude-upstream", baseUrl: a.url })],
    keys: [keyEntry(key.hash), keyEntry(limited.hash, { id: "key-2", rpm: 5 })],
    retries: { max: 0, baseMs: 1 },
  });
  g = await startTestGateway(config);
});
afterAll(async () => {
  await g.close();
  await Promise.all([o.close(), a.close()]);
});

async function round(client: OpenAI, refused: OpenAI, i: number): Promise<void> {
  const model = i % 2 === 0 ? "gpt-test" : "claude-test";
  await client.chat.completions.create({ model, messages: [{ role: "user", content: `n${i}` }] });
  const s = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "s" }] });
  for await (const _ of s);
  await refused.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] }).catch(() => undefined);
  await client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }).catch(() => undefined);
  const ctl = new AbortController();
  const p = client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "a" }] }, { signal: ctl.signal }).catch(() => undefined);
  ctl.abort();
  await p;
}

function heap(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

describe("memory", () => {
  it("the heap stops growing: 3,500 more calls of every kind add nothing lasting", async () => {
    const client = new OpenAI({ apiKey: key.secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
    const refused = new OpenAI({ apiKey: limited.secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
    let version = 1;
    const forget = () => {
      // As the core does: acknowledge the usage it has recorded, with a fresh configuration.
      const seq = g.usage().at(-1)?.seq;
      if (seq !== undefined) g.apply({ ...config, version: ++version, usageSeq: seq });
      // The test's own records (events collected, requests the mocks saw), not the gateway's state.
      g.events.length = 0;
      o.requests.length = 0;
      a.requests.length = 0;
    };
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await round(client, refused, i);
        if (i % 100 === 99) forget();
      }
      forget();
      return heap();
    };
    // Growth during the first rounds is the JIT compiling the hot paths (code, not data);
    // a leak shows as growth that goes on round after round (one of ~150 bytes a call fails this).
    const warm = await run(400);
    const middle = await run(700);
    const end = await run(700);
    console.log(`heap after warm-up ${warm}, after 3,500 calls ${middle}, after 3,500 more ${end}`);
    expect(end - middle).toBeLessThan(512 * 1024);
    expect(end - warm).toBeLessThan(2 * 1024 * 1024);
  }, 120_000);
});
