/**
 * One model call as a pipeline: authenticate → refuse if paused → read and
 * parse the body → model allowlist → budget and rate limits → dispatch to a
 * deployment → relay the answer → meter and report. Every call that got past
 * authentication ends in exactly one usage record (also refusals), so the
 * core can audit it; nothing of the prompt or the answer is kept.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "./auth.js";
import { Cancel } from "./cancel.js";
import { isObj, own, type Obj } from "./check.js";
import { routeKey, type Deployment, type GatewayConfig, type VirtualKey } from "./config.js";
import { dispatch } from "./dispatch.js";
import { GatewayError, asGatewayError, errorBody, type ErrorFormat } from "./errors.js";
import type { Admission } from "./limits.js";
import { collect, readLimited, translates, upstreamBody, upstreamPath, upstreamRefusal, type CallKind } from "./provider.js";
import { relayStream, responseHeaders, sendJson } from "./relay.js";
import type { GatewayState, Live } from "./state.js";
import { anthropicToOpenaiResponse, openaiToAnthropicResponse } from "./translate-response.js";
import { AnthropicPassthrough, AnthropicToOpenai, OpenaiPassthrough, OpenaiToAnthropic, type StreamRelay } from "./translate-stream.js";
import { UpstreamFailure } from "./upstream.js";
import { anthropicUsage, costOf, findUsage, openaiUsage, type Usage } from "./usage.js";

/** One HTTP exchange. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** performance.now() at arrival. */
  readonly started: number;
}

/** What is known about a call as it goes (for the usage record and metrics). */
interface Progress {
  alias: string | null;
  deployment: Deployment | null;
  stream: boolean;
  usage: Usage;
  status: number;
  errorKind: string | null;
  admission: Admission | null;
}

const JSON_TYPE = /^application\/json\b/i;

/** Reads the request body (bounded by the configured limit), or 413/415. */
function readRequest(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (!JSON_TYPE.test(req.headers["content-type"] ?? "")) return Promise.reject(new GatewayError("unsupported_media_type", "Send the body as JSON (Content-Type: application/json)."));
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.reject(tooLarge());
  return collect(req, limit, tooLarge);
}

const tooLarge = () => new GatewayError("payload_too_large", "The request body is larger than this gateway accepts.");

function parseBody(raw: Buffer): Obj {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new GatewayError("bad_request", "The body is not valid JSON.");
  }
  if (!isObj(v)) throw new GatewayError("bad_request", "The body must be a JSON object.");
  return v;
}

/** The deployments that may serve `alias` for `key`; 403 when the key may not use it, 404 when it does not exist. */
function deploymentsFor(config: GatewayConfig, key: VirtualKey, alias: string, kind: CallKind): readonly Deployment[] {
  if (!key.models.has(alias)) throw new GatewayError("model_not_allowed", "This key may not use that model.");
  const list = config.routes.get(routeKey(key.tenantId, alias));
  if (!list || list.length === 0) throw new GatewayError("model_not_found", "No deployment serves that model.");
  if (kind !== "embeddings") return list;
  const openai = list.filter((d) => d.provider === "openai");
  if (openai.length === 0) throw new GatewayError("bad_request", "That model has no embeddings deployment.");
  return openai;
}

/** Prompt bytes / 4 plus the completion ceiling: the reservation against the tokens-per-minute limit. */
function estimateTokens(raw: Buffer, body: Obj): number {
  const max = own(body, "max_completion_tokens") ?? own(body, "max_tokens");
  return Math.ceil(raw.length / 4) + (typeof max === "number" && max > 0 ? Math.min(max, 1_000_000) : 1024);
}

function relayFor(kind: CallKind, d: Deployment, alias: string, body: Obj, now: number): StreamRelay {
  const opts = own(body, "stream_options");
  const wantsUsage = isObj(opts) && own(opts, "include_usage") === true;
  if (kind === "messages") return d.provider === "anthropic" ? new AnthropicPassthrough() : new OpenaiToAnthropic(alias);
  return d.provider === "openai" ? new OpenaiPassthrough(wantsUsage) : new AnthropicToOpenai(alias, wantsUsage, now);
}

/** Runs a model call of `kind` answering in `format`. Never throws: failures become error responses. */
export async function modelCall(state: GatewayState, x: Exchange, kind: CallKind, format: ErrorFormat): Promise<void> {
  const live = state.live;
  let key: VirtualKey;
  try {
    if (!live) throw new GatewayError("not_configured", "The gateway has no configuration yet.");
    if (state.backlogged()) throw new GatewayError("backlogged", "The gateway cannot record calls right now; try again shortly.", 1);
    key = authenticate(live.config, x.req.headers, state.now());
  } catch (e) {
    fail(x, asGatewayError(e), format);
    return;
  }
  const p: Progress = { alias: null, deployment: null, stream: false, usage: { promptTokens: 0, completionTokens: 0 }, status: 0, errorKind: null, admission: null };
  const cancel = new Cancel();
  let timedOut = false;
  // The per-request timeout bounds the whole call, streams included; it aborts the upstream request.
  const timer = setTimeout(() => {
    timedOut = true;
    cancel.cancel();
  }, live.config.timeouts.requestMs);
  const onClose = () => {
    if (!x.res.writableFinished) cancel.cancel();
  };
  x.res.on("close", onClose);
  try {
    await run(state, live, x, key, kind, format, p, cancel);
    if (timedOut) [p.status, p.errorKind] = [504, "upstream_timeout"];
  } catch (e) {
    const gone = !timedOut && (cancel.cancelled || (e instanceof UpstreamFailure && e.kind === "aborted"));
    const err = timedOut ? new GatewayError("upstream_timeout", "The call took longer than the gateway allows.") : gone ? undefined : asGatewayError(e);
    if (!err) [p.status, p.errorKind] = [499, "client_gone"];
    else {
      [p.status, p.errorKind] = [err.status, err.kind];
      if (!x.res.headersSent) fail(x, err, format);
      else x.res.destroy();
    }
  } finally {
    clearTimeout(timer);
    x.res.off("close", onClose);
    report(state, x, key, p);
  }
}

async function run(state: GatewayState, live: Live, x: Exchange, key: VirtualKey, kind: CallKind, format: ErrorFormat, p: Progress, cancel: Cancel): Promise<void> {
  const { config } = live;
  if (key.paused) throw new GatewayError("paused", `This tenant or project is paused: ${key.paused.reason}`);
  const raw = await readRequest(x.req, config.bodyLimitBytes);
  const body = parseBody(raw);
  const model = own(body, "model");
  if (typeof model !== "string" || model.length === 0 || model.length > 200) throw new GatewayError("bad_request", "Name the model (an alias) in the body's `model` field.");
  p.stream = kind !== "embeddings" && own(body, "stream") === true;
  const deployments = deploymentsFor(config, key, model, kind);
  p.alias = model;
  const now = state.now();
  state.spend.check(key, now);
  p.admission = state.limits.admit(key, now, estimateTokens(raw, body));
  const chosen = await dispatch(state, live, deployments, (d) => ({ path: upstreamPath(kind, d), body: upstreamBody(kind, body, d, p.stream), stream: p.stream }), { cancel, clientHeaders: x.req.headers });
  const { deployment: d, response } = chosen;
  p.deployment = d;
  if (response.status >= 400) throw await upstreamRefusal(response.body, response.status, d);
  if (p.stream) {
    const relay = relayFor(kind, d, model, body, state.now());
    const end = await relayStream(x.res, response.body, relay, format, x.requestId);
    p.usage = relay.usage;
    [p.status, p.errorKind] = end === "complete" ? [200, null] : end === "client_gone" ? [499, "client_gone"] : [502, "upstream_stream_failed"];
    return;
  }
  const upstreamRaw = await readLimited(response.body, 64 * 1024 * 1024);
  const headers = responseHeaders(x.requestId, response.body, "application/json");
  if (!translates(kind, d)) {
    // Same format both sides: the provider's bytes go out as they came; only usage is read.
    p.usage = readUsage(upstreamRaw, d.provider === "anthropic");
    sendJson(x.res, response.status, upstreamRaw, headers);
  } else {
    const parsed = parseUpstream(upstreamRaw);
    const out = kind === "messages" ? openaiToAnthropicResponse(parsed, model) : anthropicToOpenaiResponse(parsed, model, state.now());
    p.usage = out.usage;
    sendJson(x.res, response.status, JSON.stringify(out.body), headers);
  }
  p.status = response.status;
}

function parseUpstream(raw: Buffer): Obj {
  try {
    const v: unknown = JSON.parse(raw.toString("utf8"));
    if (isObj(v)) return v;
  } catch {
    /* fall through */
  }
  throw new GatewayError("upstream_error", "The provider's answer was not valid JSON.");
}

function readUsage(raw: Buffer, anthropic: boolean): Usage {
  const u = findUsage(raw) ?? own(parseUpstream(raw), "usage");
  return anthropic ? anthropicUsage(u) : openaiUsage(u);
}

/** Sends an error response in the client's format. */
export function fail(x: Exchange, e: GatewayError, format: ErrorFormat): void {
  if (x.res.headersSent || x.res.destroyed) return;
  const headers = responseHeaders(x.requestId, undefined, "application/json");
  if (e.retryAfterSec !== undefined) headers["retry-after"] = String(e.retryAfterSec);
  // The request body may be unread (refused before reading): close rather than keep a half-read connection.
  if (!x.req.complete) headers.connection = "close";
  sendJson(x.res, e.status, errorBody(e, format), headers);
}

/** Meters the call: limits and spend settle, metrics count, the usage record goes to the core. */
function report(state: GatewayState, x: Exchange, key: VirtualKey, p: Progress): void {
  const now = state.now();
  const tokens = p.usage.promptTokens + p.usage.completionTokens;
  const model = p.deployment?.model ?? null;
  const cost = costOf(p.usage, model === null ? undefined : state.live?.config.prices.get(model));
  if (p.admission) state.limits.settle(p.admission, now, tokens);
  const seq = state.nextSeq();
  // Spend is only kept for keys with a budget: nothing else reads it.
  if (key.budgetUsdDay !== null || key.budgetUsdMonth !== null) state.spend.record(seq, key.id, cost, now);
  const latencyMs = Math.round((performance.now() - x.started) * 100) / 100;
  state.metrics.call({ tenant: key.tenantId, alias: p.alias ?? "-", status: p.status, latencyMs, promptTokens: p.usage.promptTokens, completionTokens: p.usage.completionTokens, costUsd: cost, ...(p.errorKind ? { errorKind: p.errorKind } : {}) });
  state.emit({
    type: "usage",
    seq,
    requestId: x.requestId,
    keyId: key.id,
    tenantId: key.tenantId,
    projectId: key.projectId,
    alias: p.alias,
    deploymentId: p.deployment?.id ?? null,
    model,
    status: p.status,
    errorKind: p.errorKind,
    latencyMs,
    promptTokens: p.usage.promptTokens,
    completionTokens: p.usage.completionTokens,
    costUsd: cost,
    stream: p.stream,
    time: now,
  });
}
