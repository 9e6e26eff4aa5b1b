/**
 * The gateway in-process for tests: createGatewayServer on 127.0.0.1, the
 * events it emits collected, and builders for configuration messages and
 * virtual keys.
 */
import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { GatewayEvent, UsageEvent } from "../../src/gateway/events.js";
import { createGatewayServer, type Gateway, type GatewayOptions } from "../../src/gateway/server.js";

export const TENANT = "tenant-a";

/** A fresh virtual key secret and its hash. */
export function newKey(): { secret: string; hash: string } {
  const secret = `sk-sr-${randomBytes(32).toString("base64url")}`;
  return { secret, hash: createHash("sha256").update(secret).digest("hex") };
}

/** A deployment entry of a config message. */
export function deployment(over: Record<string, unknown> & { baseUrl: string }): Record<string, unknown> {
  return { id: "dep-1", tenantId: TENANT, alias: "gpt-test", provider: "openai", model: "gpt-upstream", apiKey: "sk-provider-openai-0000000000000001", weight: 1, passHeaders: [], ...over };
}

/** A key entry of a config message. */
export function keyEntry(hash: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "key-1",
    hash,
    tenantId: TENANT,
    projectId: null,
    models: ["gpt-test", "claude-test"],
    rpm: null,
    tpm: null,
    budgetUsdDay: null,
    budgetUsdMonth: null,
    spentUsdDay: 0,
    spentUsdMonth: 0,
    expiresAt: null,
    revoked: false,
    paused: null,
    ...over,
  };
}

/** A whole config message. */
export function configMessage(over: { deployments: unknown[]; keys: unknown[] } & Record<string, unknown>): Record<string, unknown> {
  return {
    type: "config",
    version: 1,
    prices: { "gpt-upstream": { inputPerMTok: 1000, outputPerMTok: 2000 }, "claude-upstream": { inputPerMTok: 3000, outputPerMTok: 15000 } },
    timeouts: { requestMs: 10_000, firstByteMs: 5_000 },
    retries: { max: 2, baseMs: 1 },
    ...over,
  };
}

/** A gateway listening on loopback, with what it emitted. */
export interface TestGateway {
  readonly url: string;
  readonly gw: Gateway;
  readonly events: GatewayEvent[];
  usage(): UsageEvent[];
  /** Applies a config message; throws when the gateway refuses it. */
  apply(config: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** Starts a gateway in-process with `config` applied. */
export async function startTestGateway(config: Record<string, unknown> | undefined, options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const events: GatewayEvent[] = [];
  const gw = createGatewayServer({ emit: (e) => void events.push(e), ...options });
  const apply = (c: Record<string, unknown>) => {
    const r = gw.applyConfig(c);
    if (!r.ok) throw new Error(`config refused: ${r.error}`);
  };
  if (config) apply(config);
  await new Promise<void>((r) => gw.server.listen(0, "127.0.0.1", r));
  const port = (gw.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    gw,
    events,
    usage: () => events.filter((e): e is UsageEvent => e.type === "usage"),
    apply,
    close: () => gw.close(100),
  };
}

/** Waits until `check` is true (polling), or throws after `ms`. */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
