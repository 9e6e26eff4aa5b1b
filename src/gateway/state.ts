/**
 * The gateway's mutable state in one place: the current configuration (swapped
 * whole), its egress allowlist, the upstream client, breakers, rate windows,
 * spend and metrics. Everything keyed by configured ids is pruned on each
 * swap, so memory follows the configuration, not the traffic.
 */
import { Breaker } from "./breaker.js";
import { compileConfig, type GatewayConfig } from "./config.js";
import { Egress, systemResolver, type Resolver } from "./egress.js";
import type { Emit } from "./events.js";
import { RateLimits } from "./limits.js";
import { Metrics } from "./metrics.js";
import { Spend } from "./spend.js";
import { UpstreamClient } from "./upstream.js";

/** What the state is built from (tests inject resolver, clock and randomness). */
export interface StateOptions {
  readonly emit: Emit;
  readonly resolve?: Resolver;
  readonly now?: () => number;
  readonly random?: () => number;
  /** True when the channel to the core is backed up: calls are then refused (their audit could not be delivered). */
  readonly backlogged?: () => boolean;
}

/** A live configuration with what was derived from it. */
export interface Live {
  readonly config: GatewayConfig;
  readonly egress: Egress;
  readonly client: UpstreamClient;
}

/** Hosts, ports, schemes and address rules: when these change, pooled connections are not reused. */
function egressSignature(c: GatewayConfig): string {
  return [...new Set(c.deployments.map((d) => `${d.protocol}//${d.hostname}:${d.port} ${d.addresses?.join(",") ?? "public"}`))].sort().join("\n");
}

/** The gateway's state. */
export class GatewayState {
  live: Live | undefined;
  readonly breakers = new Map<string, Breaker>();
  readonly limits = new RateLimits();
  readonly spend = new Spend();
  readonly metrics = new Metrics();
  readonly emit: Emit;
  readonly now: () => number;
  readonly random: () => number;
  readonly backlogged: () => boolean;
  readonly #resolve: Resolver;
  #signature = "";
  #seq = 0;
  readonly #retiring = new Set<ReturnType<typeof setTimeout>>();

  constructor(o: StateOptions) {
    this.emit = o.emit;
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.backlogged = o.backlogged ?? (() => false);
    this.#resolve = o.resolve ?? systemResolver;
  }

  /** Validates and swaps in a configuration message; the old one stays on any error. */
  apply(raw: unknown): GatewayConfig {
    const config = compileConfig(raw, this.now());
    const egress = new Egress(config.deployments, this.#resolve, (host, deploymentId, reason) => this.#denied(host, deploymentId, reason));
    const signature = egressSignature(config);
    let client = this.live?.client;
    if (!client || signature !== this.#signature) {
      const old = client;
      client = new UpstreamClient();
      // Calls in flight keep their connections; none outlives requestMs, after which the old pool is closed.
      if (old && this.live) this.#retire(old, this.live.config.timeouts.requestMs);
    }
    this.#signature = signature;
    const previous = this.live?.config;
    this.live = { config, egress, client };
    this.#retainBreakers(config, previous);
    this.limits.retain(new Set([...config.keysByHash.values()].map((k) => k.id)));
    this.spend.apply(config);
    return config;
  }

  /** The next usage record number. */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** The breaker of a deployment. */
  breaker(id: string): Breaker {
    let b = this.breakers.get(id);
    if (!b) {
      b = new Breaker(this.live?.config.breaker ?? { failures: 5, cooldownMs: 30_000 });
      this.breakers.set(id, b);
    }
    return b;
  }

  /** Closes pooled connections (shutdown). */
  close(): void {
    for (const t of this.#retiring) clearTimeout(t);
    this.#retiring.clear();
    this.live?.client.destroy();
  }

  #retire(client: UpstreamClient, afterMs: number): void {
    const t = setTimeout(() => {
      this.#retiring.delete(t);
      client.destroy();
    }, afterMs);
    t.unref();
    this.#retiring.add(t);
  }

  #retainBreakers(config: GatewayConfig, previous: GatewayConfig | undefined): void {
    const same = previous && previous.breaker.failures === config.breaker.failures && previous.breaker.cooldownMs === config.breaker.cooldownMs;
    const ids = new Set(config.deployments.map((d) => d.id));
    for (const id of this.breakers.keys()) if (!same || !ids.has(id)) this.breakers.delete(id);
  }

  #denied(host: string, deploymentId: string, reason: string): void {
    this.metrics.egressDenied();
    this.emit({ type: "egress_denied", host, deploymentId, reason, time: this.now() });
    this.emit({ type: "log", level: "warn", msg: "egress denied", host, deploymentId, reason });
  }
}
