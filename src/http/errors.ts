/**
 * The one place error codes become HTTP: status code and the JSON envelope
 * `{ "error": { "code", "message", "details" } }`. Unknown errors become a
 * generic 500 naming the request id; their stack goes to the log only.
 */
import type { ErrorCode } from "../domain/errors.js";
import { isSealroomError } from "../domain/errors.js";
import type { Logger } from "../log/logger.js";

const STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  validation_failed: 400,
  weak_password: 400,
  invitation_invalid: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_mfa_code: 401,
  token_expired: 401,
  mfa_required: 403,
  mfa_enrolment_required: 403,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  shredded: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  paused: 423,
  lease_expired: 409,
  too_many_requests: 429,
  account_locked: 429,
  config_invalid: 500,
  key_file_insecure: 500,
  decryption_failed: 500,
  internal: 500,
  audit_unavailable: 503,
  audit_inconsistent: 500,
  storage_unavailable: 503,
};

/** The HTTP status for an error code. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/**
 * Headers on every response, success or error: responses may carry tenant
 * data, so nothing is cached by browsers or proxies; no MIME sniffing, no
 * referrer, no framing.
 */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** Turns any thrown value into the JSON error response. */
export function errorResponse(e: unknown, requestId: string, log: Logger): Response {
  const headers: Record<string, string> = { ...RESPONSE_HEADERS, "content-type": "application/json; charset=utf-8", "x-request-id": requestId };
  if (isSealroomError(e)) {
    const status = statusOf(e.code);
    if (status >= 500) log.error("request failed", { requestId, errorCode: e.code, message: e.message });
    const { retryAfterSeconds, ...details } = e.details;
    if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
    const body = { error: { code: e.code, message: e.message, details: retryAfterSeconds !== undefined ? { ...details, retryAfterSeconds } : details } };
    return new Response(JSON.stringify(body), { status, headers });
  }
  log.error("unexpected error", { requestId, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), stack: e instanceof Error ? e.stack : undefined });
  const body = { error: { code: "internal", message: `Something went wrong on our side. Quote request id ${requestId} when reporting it.`, details: {} } };
  return new Response(JSON.stringify(body), { status: 500, headers });
}
