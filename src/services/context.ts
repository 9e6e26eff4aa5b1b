/**
 * What every service receives: the store, the sealer, the audit log, the
 * configuration, a clock and a logger. Services take this as a parameter (no
 * globals), so tests build one over a real database and a fixed clock.
 */
import type { AuditEvent } from "../audit/entry.js";
import type { Config } from "../config/config.js";
import type { Actor } from "../domain/policy.js";
import type { Logger } from "../log/logger.js";
import type { Keyring, Sealer } from "../seal/keyring.js";
import type { Store } from "../store/store.js";
import type { AuditLog } from "./audit-log.js";

export interface Services {
  readonly config: Config;
  readonly store: Store;
  readonly keyring: Keyring;
  readonly sealer: Sealer;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** Milliseconds since the epoch; tests move it. */
  readonly now: () => number;
}

/** Who is asking and from where, for throttling and the audit log. */
export interface RequestMeta {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
}

/** The audit identity of whoever causes a change: a person, a token, the server's own terminal. */
export interface Caller {
  readonly actorType: AuditEvent["actorType"];
  readonly actorId: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
}

/** The caller behind an HTTP request. */
export function callerOf(actor: Actor | undefined, meta: RequestMeta): Caller {
  const who: Pick<Caller, "actorType" | "actorId"> = !actor
    ? { actorType: "anonymous", actorId: null }
    : actor.kind === "user"
      ? { actorType: "user", actorId: actor.userId }
      : { actorType: "token", actorId: actor.tokenId };
  return { ...who, requestId: meta.requestId, ip: meta.ip };
}

/** The operator at the server's own command line. */
export const TERMINAL: Caller = { actorType: "system", actorId: "cli", requestId: null, ip: null };

/** Sealroom itself (seeding, scheduled work). */
export const SYSTEM: Caller = { actorType: "system", actorId: "sealroom", requestId: null, ip: null };

/** An audit event caused by `caller`. */
export function eventBy(
  caller: Caller,
  e: { tenantId: string | null; action: string; objectType?: string | null; objectId?: string | null; outcome?: AuditEvent["outcome"]; detail?: Record<string, unknown> },
): AuditEvent {
  return {
    tenantId: e.tenantId,
    actorType: caller.actorType,
    actorId: caller.actorId,
    action: e.action,
    objectType: e.objectType ?? null,
    objectId: e.objectId ?? null,
    outcome: e.outcome ?? "success",
    requestId: caller.requestId,
    ip: caller.ip,
    ...(e.detail ? { detail: e.detail } : {}),
  };
}

/** The key ring scope for installation-wide secrets (users are not in a tenant). */
export const INSTALLATION_SCOPE = "installation";
