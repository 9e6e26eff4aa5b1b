/**
 * Errors the gateway answers with, rendered in the format the client's SDK
 * expects: the OpenAI error object on OpenAI routes, the Anthropic one on
 * /v1/messages. Messages are fixed prose chosen here; they never echo request
 * values, upstream bodies or configuration, so no secret can ride out in one.
 */

export type ErrorKind =
  | "bad_request"
  | "unauthenticated"
  | "model_not_allowed"
  | "model_not_found"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "tokens_limited"
  | "budget_exceeded"
  | "paused"
  | "upstream_rate_limited"
  | "upstream_error"
  | "upstream_timeout"
  | "upstream_unavailable"
  | "not_configured"
  | "backlogged"
  | "internal";

const STATUS: Readonly<Record<ErrorKind, number>> = {
  bad_request: 400,
  unauthenticated: 401,
  model_not_allowed: 403,
  model_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  tokens_limited: 429,
  budget_exceeded: 429,
  paused: 423,
  upstream_rate_limited: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  upstream_unavailable: 503,
  not_configured: 503,
  backlogged: 503,
  internal: 500,
};

/** OpenAI's `type` field for each kind (what its SDK and users key on). */
const OPENAI_TYPE: Readonly<Record<ErrorKind, string>> = {
  bad_request: "invalid_request_error",
  unauthenticated: "invalid_request_error",
  model_not_allowed: "invalid_request_error",
  model_not_found: "invalid_request_error",
  not_found: "invalid_request_error",
  method_not_allowed: "invalid_request_error",
  payload_too_large: "invalid_request_error",
  unsupported_media_type: "invalid_request_error",
  rate_limited: "requests",
  tokens_limited: "tokens",
  budget_exceeded: "insufficient_quota",
  paused: "paused",
  upstream_rate_limited: "requests",
  upstream_error: "api_error",
  upstream_timeout: "api_error",
  upstream_unavailable: "api_error",
  not_configured: "api_error",
  backlogged: "api_error",
  internal: "api_error",
};

/** Anthropic's error `type` by status (https://docs.anthropic.com/en/api/errors). */
function anthropicType(status: number): string {
  if (status === 400 || status === 405 || status === 415) return "invalid_request_error";
  if (status === 401) return "authentication_error";
  if (status === 403 || status === 423) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  if (status === 503) return "overloaded_error";
  return "api_error";
}

/** A refusal or failure with a kind; `retryAfterSec` becomes the retry-after header. */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly retryAfterSec?: number,
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.kind];
  }
}

/** Which SDK's error shape a route answers with. */
export type ErrorFormat = "openai" | "anthropic";

/** The JSON body of an error in the client's format. */
export function errorBody(e: GatewayError, format: ErrorFormat): string {
  if (format === "anthropic") return JSON.stringify({ type: "error", error: { type: anthropicType(e.status), message: e.message } });
  return JSON.stringify({ error: { message: e.message, type: OPENAI_TYPE[e.kind], param: null, code: e.kind === "unauthenticated" ? "invalid_api_key" : e.kind } });
}

/** The same error as one server-sent event, for failures after a stream has begun. */
export function errorEvent(e: GatewayError, format: ErrorFormat): string {
  return format === "anthropic" ? `event: error\ndata: ${errorBody(e, format)}\n\n` : `data: ${errorBody(e, format)}\n\n`;
}

/** Any thrown value as a GatewayError (unknown errors become a generic internal error, details dropped). */
export function asGatewayError(e: unknown): GatewayError {
  return e instanceof GatewayError ? e : new GatewayError("internal", "The gateway failed to handle this request.");
}
