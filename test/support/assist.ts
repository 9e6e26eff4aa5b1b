/**
 * Model assist in tests: the sample claim-verification items, a model reply
 * built from an item's gold block (quotes sliced from the snapshot text, so
 * they exist there), and a mock OpenAI upstream (the shared mock machinery,
 * failure modes included) whose JSON-mode answer a test chooses per request.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withConfig } from "../../src/config/config.js";
import { startGatewayLink, type GatewayLink } from "../../src/launcher/gateway-link.js";
import type { Services } from "../../src/services/context.js";
import { startMock, type MockUpstream, type WireFormat } from "./mock-upstream.js";
import { makeServices, type TestContext } from "./services.js";
import { freePort } from "./wait.js";

/** The repository's sample verification items (each with a gold block). */
export const SAMPLES: ReadonlyArray<Record<string, any>> = readFileSync(join(import.meta.dirname, "../../samples/verification-sample.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, any>);

/** A model's reply that agrees with the item's gold: stances, quotes of the gold spans, verdict, a justification citing the quoted sources. */
export function replyFromGold(item: Record<string, any>, note = ""): Record<string, unknown> {
  const g = item["gold"];
  const sources = (item["sources"] as any[]).map((s) => {
    const gs = (g.source_stances as any[]).find((x) => x.source_id === s.source_id);
    const points = Array.from(s.snapshot.text as string);
    const evidence = ((gs?.evidence_spans ?? []) as Array<{ start: number; end: number }>).map((sp) => ({ quote: points.slice(sp.start, sp.end).join(""), role: gs.stance === "REFUTES" ? "REFUTES" : "SUPPORTS" }));
    return { source_id: s.source_id, stance: gs?.stance ?? "NOT_ENOUGH_INFO", reliability: "HIGH", evidence };
  });
  const cited = sources.filter((s) => s.evidence.length > 0).map((s) => `[${s.source_id}]`);
  return {
    verdict: g.verdict,
    conflict_type: g.conflict_type ?? null,
    sources,
    justification: `${cited.length ? `The quoted passages of ${cited.join(" and ")}` : "None of the sources"} decide the claim as stated. ${note}`.trim(),
    confidence: 4,
    missing_evidence: g.verdict === "NOT_ENOUGH_EVIDENCE" ? "A source that addresses the claim directly." : null,
    answer_to_question: null,
  };
}

/** The claim text a chat request asks about (the assist prompt's user message is JSON with `claim`). */
export function claimOfRequest(body: any): string {
  const user = (body?.messages as Array<{ role: string; content: string }> | undefined)?.find((m) => m.role === "user");
  try {
    return String(JSON.parse(user?.content ?? "{}").claim ?? "");
  } catch {
    return "";
  }
}

/** A mock OpenAI upstream whose chat completions answer `reply(body)` as the message content. */
export function startMockAssist(reply: (body: any) => string): Promise<MockUpstream> {
  const format: WireFormat = {
    credential: (h) => String(h.authorization ?? "").replace(/^Bearer /, ""),
    error: (status, message) => ({ error: { message, type: "server_error", param: null, code: null } }),
    answer(path, body) {
      if (path !== "/v1/chat/completions") return undefined;
      return {
        id: "chatcmpl-assist",
        object: "chat.completion",
        created: 1_700_000_000,
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: reply(body), refusal: null }, logprobs: null, finish_reason: "stop" }],
        usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
      };
    },
    frames: () => ["data: [DONE]\n\n"],
    floodFrame: (n) => `data: ${"x".repeat(n)}\n\n`,
  };
  return startMock(format);
}

/** A running gateway (real process, through the link) in front of a mock model that answers with `reply`. */
export interface AssistGateway {
  readonly t: TestContext;
  /** The test services on real time, configured to reach the gateway at `port`. */
  readonly s: Services;
  readonly up: MockUpstream;
  readonly link: GatewayLink;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts one. The gateway keeps real time (spend windows), so the core does
 * too. The link writes only when a test says so: configuration changes push
 * through gatewayChanged, and usage is written by link.flush().
 */
export async function startAssistGateway(reply: (body: any) => string): Promise<AssistGateway> {
  const t = await makeServices({}, { keyFile: true });
  const port = await freePort();
  const s: Services = { ...t.s, now: () => Date.now(), config: withConfig(t.s.config, { gatewayPort: port }) };
  const up = await startMockAssist(reply);
  const link = await startGatewayLink(s, { host: "127.0.0.1", port, pollMs: 600_000, refreshMs: 600_000, flushMs: 600_000 });
  return {
    t,
    s,
    up,
    link,
    port,
    close: async () => {
      await link.stop();
      await up.close();
      await t.close();
    },
  };
}
