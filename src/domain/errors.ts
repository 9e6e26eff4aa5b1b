/**
 * Errors as values: every failure a person or program can act on is a
 * SealroomError with a stable string code. Messages are for people, codes are
 * for programs and tests. The HTTP layer maps codes to status codes in one
 * place (src/http/errors.ts); the CLI prints the message and exits non-zero.
 */

export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthenticated"
  | "invalid_credentials"
  | "mfa_required"
  | "mfa_enrolment_required"
  | "invalid_mfa_code"
  | "csrf_failed"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_many_requests"
  | "account_locked"
  | "payload_too_large"
  | "unsupported_media_type"
  | "weak_password"
  | "invitation_invalid"
  | "token_expired"
  | "paused"
  | "lease_expired"
  | "config_invalid"
  | "key_file_insecure"
  | "decryption_failed"
  | "shredded"
  | "audit_unavailable"
  | "audit_inconsistent"
  | "storage_unavailable"
  | "internal";

/** One problem in one field (or line, or argument) of an input. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface ErrorDetails {
  readonly issues?: readonly FieldIssue[];
  readonly retryAfterSeconds?: number;
  readonly [key: string]: unknown;
}

/** The one error family of Sealroom; `code` is the contract, `message` is prose. */
export class SealroomError extends Error {
  override readonly name = "SealroomError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `e` is a SealroomError, optionally of one code. */
export function isSealroomError(e: unknown, code?: ErrorCode): e is SealroomError {
  return e instanceof SealroomError && (code === undefined || e.code === code);
}
