/**
 * The gateway's HTTP server: routes from the table, model calls through the
 * call pipeline, plus /v1/models, /metrics and /healthz. `createGatewayServer`
 * is what main.ts runs in the isolated process and what tests run in-process.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import { fail, modelCall, type Exchange } from "./call.js";
import { Invalid } from "./check.js";
import { routeKey } from "./config.js";
import { asGatewayError, GatewayError } from "./errors.js";
import { authenticate } from "./auth.js";
import { responseHeaders, sendJson } from "./relay.js";
import { match, type Route } from "./router.js";
import { GatewayState, type StateOptions } from "./state.js";

/** What the gateway is built from (see StateOptions). */
export type GatewayOptions = StateOptions;

/** A running gateway (not yet listening: call server.listen). */
export interface Gateway {
  readonly server: Server;
  readonly state: GatewayState;
  /** Validates and applies a config control message; the previous configuration stays on error. */
  applyConfig(raw: unknown): { ok: true; version: number } | { ok: false; error: string };
  /** Stops accepting connections, lets calls in flight finish (up to `graceMs`), closes upstream pools. */
  close(graceMs?: number): Promise<void>;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith("::ffff:") ? address.slice(7) : address;
  return (isIP(a) === 4 && a.startsWith("127.")) || a === "::1";
}

/** GET /v1/models: the aliases this key may use, in a shape both SDKs read (OpenAI list + Anthropic page fields). */
function models(state: GatewayState, x: Exchange, route: Route): void {
  const format = x.req.headers["anthropic-version"] !== undefined ? "anthropic" : route.format;
  try {
    const live = state.live;
    if (!live) throw new GatewayError("not_configured", "The gateway has no configuration yet.");
    const key = authenticate(live.config, x.req.headers, state.now());
    if (key.paused) throw new GatewayError("paused", `This tenant or project is paused: ${key.paused.reason}`);
    const ids = [...key.models].filter((a) => live.config.routes.has(routeKey(key.tenantId, a))).sort();
    const data = ids.map((id) => ({ id, object: "model", created: 0, owned_by: "sealroom", type: "model", display_name: id, created_at: "1970-01-01T00:00:00Z" }));
    const body = { object: "list", data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null };
    sendJson(x.res, 200, JSON.stringify(body), responseHeaders(x.requestId, undefined, "application/json"));
  } catch (e) {
    fail(x, asGatewayError(e), format);
  }
}

function metrics(state: GatewayState, x: Exchange): void {
  // Counts per tenant are not for everyone who can reach the port: loopback scrapers only.
  if (!isLoopback(x.req.socket.remoteAddress)) return fail(x, new GatewayError("not_found", "No such endpoint."), "openai");
  const breakers = [...state.breakers].map(([id, b]) => ({ id, open: b.state !== "closed" }));
  sendJson(x.res, 200, state.metrics.render(breakers), responseHeaders(x.requestId, undefined, "text/plain; version=0.0.4; charset=utf-8"));
}

function handle(state: GatewayState, req: IncomingMessage, res: ServerResponse): void {
  const x: Exchange = { req, res, requestId: randomUUID(), started: performance.now() };
  const route = match(req.method, req.url);
  const anthropicClient = req.headers["anthropic-version"] !== undefined;
  if (route === undefined) return fail(x, new GatewayError("not_found", "No such endpoint."), anthropicClient ? "anthropic" : "openai");
  if (route === "wrong_method") return fail(x, new GatewayError("method_not_allowed", "This endpoint does not take that method."), anthropicClient ? "anthropic" : "openai");
  switch (route.name) {
    case "chat":
    case "embeddings":
    case "messages":
      void modelCall(state, x, route.name, route.format);
      return;
    case "models":
      return models(state, x, route);
    case "metrics":
      return metrics(state, x);
    case "healthz":
      return sendJson(res, 200, JSON.stringify({ ok: true, configured: state.live !== undefined, version: state.live?.config.version ?? null }), responseHeaders(x.requestId, undefined, "application/json"));
  }
}

/** Builds the gateway (server and state). */
export function createGatewayServer(options: GatewayOptions): Gateway {
  const state = new GatewayState(options);
  const server = createServer({ keepAlive: true, noDelay: true, requestTimeout: 120_000, headersTimeout: 30_000, maxHeaderSize: 32 * 1024 }, (req, res) => handle(state, req, res));
  // Streams may run for minutes; the per-request timeout of the configuration bounds calls instead.
  server.timeout = 0;
  server.keepAliveTimeout = 65_000;
  return {
    server,
    state,
    applyConfig(raw) {
      try {
        const config = state.apply(raw);
        state.emit({ type: "log", level: "info", msg: "configuration applied", version: config.version, deployments: config.deployments.length, keys: config.keysByHash.size });
        return { ok: true, version: config.version };
      } catch (e) {
        return { ok: false, error: e instanceof Invalid ? e.message : "the configuration could not be applied" };
      }
    },
    close(graceMs = 10_000) {
      return new Promise((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
        deadline.unref();
        server.close(() => {
          clearTimeout(deadline);
          state.close();
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
