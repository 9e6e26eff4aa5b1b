/**
 * Prometheus metrics (text exposition format 0.0.4) for /metrics: requests,
 * errors, latency histogram, tokens and cost, per tenant and alias, plus
 * upstream attempts and egress denials. Label values only ever come from the
 * configuration or from fixed sets (status codes, error kinds), never from
 * request input, so the number of series stays bounded.
 */

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

interface Histogram {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** One finished call, as metrics see it. */
export interface CallSample {
  readonly tenant: string;
  readonly alias: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Set for failed calls. */
  readonly errorKind?: string;
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (pairs: Record<string, string>) => Object.entries(pairs).map(([k, v]) => `${k}="${escape(v)}"`).join(",");

/** A series key from a two-level cache, built by `build` the first time (both levels come from small sets). */
function seriesKey<A, B>(cache: Map<A, Map<B, string>>, a: A, b: B, build: () => string): string {
  let inner = cache.get(a);
  if (!inner) {
    inner = new Map();
    cache.set(a, inner);
  }
  let key = inner.get(b);
  if (key === undefined) {
    key = build();
    inner.set(b, key);
  }
  return key;
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** The gateway's counters. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  readonly #tokens = new Map<string, number>();
  readonly #cost = new Map<string, number>();
  readonly #upstream = new Map<string, number>();
  /** Label text per tenant and alias, built once (the set is bounded by the configuration). */
  readonly #who = new Map<string, string>();
  #egressDenied = 0;

  /** Counts one finished call. */
  call(s: CallSample): void {
    const cacheKey = `${s.tenant}\n${s.alias}`;
    let who = this.#who.get(cacheKey);
    if (who === undefined) {
      who = labels({ tenant: s.tenant, alias: s.alias });
      this.#who.set(cacheKey, who);
    }
    bump(this.#requests, this.#statusKey(who, s.status));
    if (s.errorKind) bump(this.#errors, `${who},${labels({ kind: s.errorKind })}`);
    let h = this.#latency.get(who);
    if (!h) {
      h = { counts: new Float64Array(BUCKETS.length), sum: 0, count: 0 };
      this.#latency.set(who, h);
    }
    const seconds = s.latencyMs / 1000;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i] = h.counts[i]! + 1;
    h.sum += seconds;
    h.count += 1;
    if (s.promptTokens > 0) bump(this.#tokens, `${who},type="prompt"`, s.promptTokens);
    if (s.completionTokens > 0) bump(this.#tokens, `${who},type="completion"`, s.completionTokens);
    if (s.costUsd > 0) bump(this.#cost, who, s.costUsd);
  }

  readonly #statusKeys = new Map<string, Map<number, string>>();

  /** The series key of (who, status), built once: statuses are a small fixed set. */
  #statusKey(who: string, status: number): string {
    return seriesKey(this.#statusKeys, who, status, () => `${who},status="${status}"`);
  }

  readonly #upstreamKeys = new Map<string, Map<string, string>>();

  /** Counts one attempt against a deployment, by outcome (an HTTP status or a failure kind). */
  upstream(deploymentId: string, outcome: string): void {
    bump(this.#upstream, seriesKey(this.#upstreamKeys, deploymentId, outcome, () => `deployment="${escape(deploymentId)}",outcome="${escape(outcome)}"`));
  }

  /** Counts one refused outbound destination. */
  egressDenied(): void {
    this.#egressDenied += 1;
  }

  /** The exposition text; `breakers` gives each deployment's breaker state (1 = open). */
  render(breakers: ReadonlyArray<{ id: string; open: boolean }>): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, map: Map<string, number>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [k, v] of map) out.push(`${name}{${k}} ${v}`);
    };
    family("sealroom_gateway_requests_total", "counter", "Model calls by tenant, alias and HTTP status.", this.#requests);
    family("sealroom_gateway_errors_total", "counter", "Failed model calls by kind.", this.#errors);
    out.push("# HELP sealroom_gateway_request_duration_seconds Time from request to last byte.", "# TYPE sealroom_gateway_request_duration_seconds histogram");
    for (const [k, h] of this.#latency) {
      BUCKETS.forEach((b, i) => out.push(`sealroom_gateway_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
      out.push(`sealroom_gateway_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`sealroom_gateway_request_duration_seconds_sum{${k}} ${h.sum}`, `sealroom_gateway_request_duration_seconds_count{${k}} ${h.count}`);
    }
    family("sealroom_gateway_tokens_total", "counter", "Tokens reported by upstreams.", this.#tokens);
    family("sealroom_gateway_cost_usd_total", "counter", "Cost in USD from the price table.", this.#cost);
    family("sealroom_gateway_upstream_attempts_total", "counter", "Attempts against each deployment by outcome.", this.#upstream);
    out.push("# HELP sealroom_gateway_egress_denied_total Outbound destinations refused.", "# TYPE sealroom_gateway_egress_denied_total counter", `sealroom_gateway_egress_denied_total ${this.#egressDenied}`);
    out.push("# HELP sealroom_gateway_breaker_open Circuit breaker state per deployment (1 = open).", "# TYPE sealroom_gateway_breaker_open gauge");
    for (const b of breakers) out.push(`sealroom_gateway_breaker_open{${labels({ deployment: b.id })}} ${b.open ? 1 : 0}`);
    return `${out.join("\n")}\n`;
  }
}
