/**
 * The route table: the only requests the gateway serves, matched exactly on
 * method and path (the query string is ignored, never read). No prefix
 * matching, no normalisation: `/v1/chat/completions/`, `//v1/…`, `/v1/./…`,
 * percent-encoded or absolute-form targets simply do not match, so there
 * is no alternate path around authentication or the model allowlist. The
 * Host header plays no part in routing.
 */
import type { ErrorFormat } from "./errors.js";

/** The routes of the table. */
export type RouteName = "chat" | "messages" | "embeddings" | "models" | "metrics" | "healthz";

/** A matched route and the error format its clients expect. */
export interface Route {
  readonly name: RouteName;
  readonly format: ErrorFormat;
}

const TABLE: ReadonlyMap<string, Route> = new Map([
  ["POST /v1/chat/completions", { name: "chat", format: "openai" }],
  ["POST /v1/messages", { name: "messages", format: "anthropic" }],
  ["POST /v1/embeddings", { name: "embeddings", format: "openai" }],
  ["GET /v1/models", { name: "models", format: "openai" }],
  ["GET /metrics", { name: "metrics", format: "openai" }],
  ["GET /healthz", { name: "healthz", format: "openai" }],
]);

const PATHS = new Set([...TABLE.keys()].map((k) => k.slice(k.indexOf(" ") + 1)));

/** The route of a request line; `wrongMethod` when the path exists under another method. */
export function match(method: string | undefined, url: string | undefined): Route | "wrong_method" | undefined {
  const target = url ?? "";
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const route = TABLE.get(`${method ?? ""} ${path}`);
  if (route) return route;
  return PATHS.has(path) ? "wrong_method" : undefined;
}

/** Every served route, for tests. */
export function routeKeys(): string[] {
  return [...TABLE.keys()];
}
