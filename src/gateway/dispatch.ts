/**
 * Routing one call: the alias's deployments in order (the first picked by
 * weight among those whose breaker is closed, the rest as fallbacks in
 * configured order), each tried up to 1 + retries.max times with full-jitter
 * exponential backoff on 429, 5xx, timeouts and connection failures. All of
 * that happens before the first byte reaches the client; once a response is
 * chosen there is no retry.
 */
import type { Cancel } from "./cancel.js";
import type { Deployment } from "./config.js";
import { GatewayError } from "./errors.js";
import type { GatewayState, Live } from "./state.js";
import { UpstreamFailure, type UpstreamCall, type UpstreamResponse } from "./upstream.js";

/** The response chosen for a call, and which deployment gave it. */
export interface Dispatched {
  readonly deployment: Deployment;
  readonly response: UpstreamResponse;
}

/** A Retry-After longer than this sends the call to the next deployment instead of waiting. */
const MAX_WAIT_MS = 5_000;

/** The deployments to try, in order. */
export function orderDeployments(state: GatewayState, list: readonly Deployment[], now: number): readonly Deployment[] {
  // The common case, one healthy deployment, allocates nothing.
  if (list.length === 1) return state.breaker(list[0]!.id).available(now) ? list : [];
  const available = list.filter((d) => state.breaker(d.id).available(now));
  const weighted = available.filter((d) => d.weight > 0);
  const total = weighted.reduce((s, d) => s + d.weight, 0);
  if (total === 0) return available;
  let r = state.random() * total;
  const first = weighted.find((d) => (r -= d.weight) < 0) ?? weighted[weighted.length - 1]!;
  return [first, ...available.filter((d) => d !== first)];
}

function sleep(ms: number, cancel: Cancel): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cancel.cancelled) return reject(new UpstreamFailure("aborted"));
    const stop = () => {
      clearTimeout(t);
      reject(new UpstreamFailure("aborted"));
    };
    const t = setTimeout(() => {
      cancel.off(stop);
      resolve();
    }, ms);
    cancel.on(stop);
  });
}

function retryAfterMs(res: UpstreamResponse): number | undefined {
  const v = res.headers["retry-after"];
  if (typeof v !== "string") return undefined;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/** Lets a refused response go: small bodies are read to keep the connection, large ones dropped. */
function discard(res: UpstreamResponse): void {
  const length = Number(res.headers["content-length"] ?? "0");
  if (length > 65_536) res.body.destroy();
  else res.body.resume();
}

function failureError(f: UpstreamFailure): GatewayError {
  if (f.kind === "timeout") return new GatewayError("upstream_timeout", "The provider did not answer in time.");
  if (f.kind === "egress_denied") return new GatewayError("upstream_error", "The provider's address is not allowed by the gateway's egress policy.");
  if (f.kind === "redirect") return new GatewayError("upstream_error", "The provider answered with a redirect, which the gateway does not follow.");
  return new GatewayError("upstream_error", "The provider could not be reached.");
}

/**
 * Sends the call built by `build` to the alias's deployments until one
 * answers with something other than 429/5xx. 4xx answers are returned (the
 * caller maps them); when everything failed, the last failure is thrown.
 */
export async function dispatch(
  state: GatewayState,
  live: Live,
  deployments: readonly Deployment[],
  build: (d: Deployment) => Omit<UpstreamCall, "deployment" | "cancel" | "firstByteMs" | "clientHeaders">,
  call: Pick<UpstreamCall, "cancel" | "clientHeaders">,
): Promise<Dispatched> {
  const { retries, timeouts } = live.config;
  const order = orderDeployments(state, deployments, state.now());
  if (order.length === 0) {
    const wait = Math.min(...deployments.map((d) => state.breaker(d.id).retryAfterSec(state.now())));
    throw new GatewayError("upstream_unavailable", "Every deployment of this model is failing; try again shortly.", wait);
  }
  // Errors are built only on failure: constructing one captures a stack, which the hot path cannot afford.
  let last: GatewayError | undefined;
  for (const d of order) {
    const breaker = state.breaker(d.id);
    const request = build(d);
    const upstreamCall: UpstreamCall = { deployment: d, path: request.path, body: request.body, stream: request.stream, clientHeaders: call.clientHeaders, cancel: call.cancel, firstByteMs: timeouts.firstByteMs };
    for (let attempt = 0; attempt <= retries.max; attempt++) {
      if (!breaker.acquire(state.now())) break;
      let waitMs = 0;
      try {
        const response = await live.client.send(live.egress, upstreamCall);
        state.metrics.upstream(d.id, String(response.status));
        if (response.status !== 429 && response.status < 500) {
          breaker.success();
          return { deployment: d, response };
        }
        breaker.failure(state.now());
        waitMs = state.random() * retries.baseMs * 2 ** attempt;
        const after = retryAfterMs(response);
        discard(response);
        last =
          response.status === 429
            ? new GatewayError("upstream_rate_limited", "The provider is rate limiting this model; try again later.", Math.max(1, Math.ceil((after ?? 1000) / 1000)))
            : new GatewayError("upstream_error", "The provider failed to answer.");
        if (after !== undefined && after > MAX_WAIT_MS) break;
        if (after !== undefined) waitMs = Math.max(waitMs, after);
      } catch (e) {
        if (!(e instanceof UpstreamFailure) || e.kind === "aborted") throw e;
        state.metrics.upstream(d.id, e.kind);
        last = failureError(e);
        if (e.kind === "egress_denied") {
          breaker.success(); // a policy refusal says nothing about the deployment's health
          break;
        }
        breaker.failure(state.now());
        if (e.kind === "redirect") break;
        waitMs = state.random() * retries.baseMs * 2 ** attempt;
      }
      if (attempt < retries.max) await sleep(waitMs, call.cancel);
    }
  }
  throw last ?? new GatewayError("upstream_unavailable", "Every deployment of this model is failing; try again shortly.", 1);
}
