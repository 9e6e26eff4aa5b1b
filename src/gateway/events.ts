/**
 * What the gateway tells the core, one JSON object a line on stdout. None of
 * these ever carries a secret: keys appear by id, deployments by id, hosts by
 * name; no prompt or response text.
 */

/** One model call (or refusal) under a virtual key. */
export interface UsageEvent {
  readonly type: "usage";
  /** Monotonic within this gateway process; the core echoes the highest it counted as `usageSeq`. */
  readonly seq: number;
  readonly requestId: string;
  readonly keyId: string;
  readonly tenantId: string;
  readonly projectId: string | null;
  readonly alias: string | null;
  readonly deploymentId: string | null;
  readonly model: string | null;
  readonly status: number;
  readonly errorKind: string | null;
  readonly latencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  readonly stream: boolean;
  readonly time: number;
}

/** An outbound destination the gateway refused. */
export interface EgressDeniedEvent {
  readonly type: "egress_denied";
  readonly host: string;
  readonly deploymentId: string;
  readonly reason: string;
  readonly time: number;
}

/** Sent once, when the server listens. `permission` is what the permission model reports from inside. */
export interface ReadyEvent {
  readonly type: "ready";
  readonly port: number;
  readonly pid: number;
  readonly permission: {
    readonly enabled: boolean;
    readonly fsReadOutside: boolean;
    readonly fsWrite: boolean;
    readonly childProcess: boolean;
    readonly worker: boolean;
  };
}

/** A configuration was applied (ack) or refused whole (nack; the previous one stays). */
export type ConfigReply = { readonly type: "ack"; readonly version: number } | { readonly type: "nack"; readonly version: number | null; readonly error: string };

/** A log line (fields are ids, counts and kinds; never secrets). */
export interface LogEvent {
  readonly type: "log";
  readonly level: "debug" | "info" | "warn" | "error";
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Every line the gateway writes on stdout. */
export type GatewayEvent = UsageEvent | EgressDeniedEvent | ReadyEvent | ConfigReply | LogEvent;

/** Where events go (stdout in the process; a callback in tests). */
export type Emit = (e: GatewayEvent) => void;
