/**
 * /metrics in the Prometheus text format: requests by status, errors by
 * kind, the latency histogram, tokens and cost per tenant and alias; label
 * values come from the configuration, never from what a client sends.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configMessage, deployment, keyEntry, newKey, startTestGateway, TENANT, type TestGateway } from "../support/gateway.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

let up: MockUpstream;
let g: TestGateway;
const key = newKey();

beforeAll(async () => {
  up = await startMockOpenai();
  g = await startTestGateway(configMessage({ deployments: [deployment({ baseUrl: `${up.url}/v1` })], keys: [keyEntry(key.hash, { rpm: 2 })] }));
});
afterAll(async () => {
  await g.close();
  await up.close();
});

describe("/metrics", () => {
  it("counts requests, errors, latency, tokens and cost; client-chosen names never become labels", async () => {
    const client = new OpenAI({ apiKey: key.secret, baseURL: `${g.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).catch(() => undefined);
    await client.chat.completions.create({ model: 'evil"label\ninjection', messages: [{ role: "user", content: "x" }] }).catch(() => undefined);
    const r = await fetch(`${g.url}/metrics`);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const who = `tenant="${TENANT}",alias="gpt-test"`;
    expect(text).toContain(`sealroom_gateway_requests_total{${who},status="200"} 2`);
    expect(text).toContain(`sealroom_gateway_requests_total{${who},status="429"} 1`);
    expect(text).toContain(`sealroom_gateway_errors_total{${who},kind="rate_limited"} 1`);
    expect(text).toMatch(new RegExp(`sealroom_gateway_request_duration_seconds_bucket\\{${who.replace(/[{}"]/g, "\\$&")},le="\\+Inf"\\} 3`));
    expect(text).toContain(`sealroom_gateway_request_duration_seconds_count{${who}} 3`);
    expect(text).toContain(`sealroom_gateway_tokens_total{${who},type="prompt"} 22`);
    expect(text).toContain(`sealroom_gateway_tokens_total{${who},type="completion"} 14`);
    expect(text).toContain(`sealroom_gateway_cost_usd_total{${who}} 0.05`);
    expect(text).toContain(`sealroom_gateway_upstream_attempts_total{deployment="dep-1",outcome="200"} 2`);
    expect(text).not.toContain("evil");
    expect(text).toContain(`sealroom_gateway_requests_total{tenant="${TENANT}",alias="-",status="403"} 1`);
    for (const line of text.trim().split("\n")) expect(line).toMatch(/^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[^}]*\})? [0-9.e+-]+)$/);
  });
});
