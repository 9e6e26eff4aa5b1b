/**
 * What the gateway reports, recorded by the core: each call as a usage row
 * and an audit entry `gateway.call` (actor: the gateway key; metadata only),
 * written in batches, each batch in one transaction so a row never exists
 * without its audit entry; refused destinations as `gateway.egress_denied`.
 * The gateway's stdout is an edge: every line is validated here.
 */
import { z } from "zod";
import { GATEWAY_CALL } from "../audit/actions.js";
import { uuidv7 } from "../auth/ids.js";
import { insertUsage, listDeployments, usageByDay, type GatewayUsageRow, type UsageDay } from "../store/repos/gateway.js";
import type { AuditEvent } from "./audit-log.js";
import type { Services } from "./context.js";

const id = z.string().min(1).max(200);
const count = z.number().int().min(0).max(1e12);

/** A usage line from the gateway. */
export const usageEventSchema = z.object({
  type: z.literal("usage"),
  seq: z.number().int().min(0),
  requestId: z.string().min(1).max(100),
  keyId: id,
  tenantId: id,
  projectId: id.nullable(),
  alias: z.string().max(200).nullable(),
  deploymentId: id.nullable(),
  model: z.string().max(200).nullable(),
  status: z.number().int().min(100).max(599),
  errorKind: z.string().max(64).nullable(),
  latencyMs: z.number().min(0).max(1e9),
  promptTokens: count,
  completionTokens: count,
  costUsd: z.number().min(0).max(1e9),
  stream: z.boolean(),
  time: z.number().min(0),
});
/** A validated usage line. */
export type UsageEvent = z.infer<typeof usageEventSchema>;

/** An egress refusal line from the gateway. */
export const egressEventSchema = z.object({
  type: z.literal("egress_denied"),
  host: z.string().max(255),
  deploymentId: z.string().max(200),
  reason: z.string().max(200),
  time: z.number().min(0),
});
/** A validated egress refusal line. */
export type EgressEvent = z.infer<typeof egressEventSchema>;

/** success below 400; denied for refusals of the key (401, 403, 423, 429); failure otherwise. */
function outcomeOf(status: number): AuditEvent["outcome"] {
  if (status < 400) return "success";
  return status === 401 || status === 403 || status === 423 || status === 429 ? "denied" : "failure";
}

function auditOf(e: UsageEvent): AuditEvent {
  return {
    tenantId: e.tenantId,
    actorType: "gateway_key",
    actorId: e.keyId,
    action: GATEWAY_CALL,
    objectType: e.deploymentId ? "gateway_deployment" : null,
    objectId: e.deploymentId,
    outcome: outcomeOf(e.status),
    requestId: e.requestId,
    ip: null,
    detail: {
      ...(e.projectId ? { projectId: e.projectId } : {}),
      alias: e.alias,
      model: e.model,
      status: e.status,
      errorKind: e.errorKind,
      promptTokens: e.promptTokens,
      completionTokens: e.completionTokens,
      costUsd: e.costUsd,
      latencyMs: e.latencyMs,
      stream: e.stream,
    },
  };
}

/** Records a batch of calls: usage rows and their audit entries in one transaction. */
export async function recordUsage(s: Services, events: readonly UsageEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows: GatewayUsageRow[] = events.map((e) => ({
    tenant_id: e.tenantId,
    id: uuidv7(e.time),
    key_id: e.keyId,
    project_id: e.projectId,
    alias: e.alias,
    deployment_id: e.deploymentId,
    model: e.model,
    status: e.status,
    error_kind: e.errorKind,
    latency_ms: e.latencyMs,
    prompt_tokens: e.promptTokens,
    completion_tokens: e.completionTokens,
    cost_usd: e.costUsd,
    stream: e.stream ? 1 : 0,
    request_id: e.requestId,
    time: e.time,
  }));
  await s.store.transaction(async (tx) => {
    await insertUsage(tx, rows);
    await s.audit.record(tx, ...events.map(auditOf));
  });
}

/** Records a refused outbound destination under the tenant of the deployment it was for. */
export async function recordEgressDenied(s: Services, e: EgressEvent): Promise<void> {
  const deployment = (await listDeployments(s.store.db)).find((d) => d.id === e.deploymentId);
  await s.store.transaction((tx) =>
    s.audit.record(tx, {
      tenantId: deployment?.tenant_id ?? null,
      actorType: "system",
      actorId: "gateway",
      action: "gateway.egress_denied",
      objectType: "gateway_deployment",
      objectId: e.deploymentId,
      outcome: "denied",
      requestId: null,
      ip: null,
      detail: { host: e.host, reason: e.reason },
    }),
  );
}

/** A tenant's usage per UTC day and alias over the last `days` days (today included). */
export async function tenantUsage(s: Services, tenantId: string, days: number): Promise<UsageDay[]> {
  const today = Math.floor(s.now() / 86_400_000);
  return usageByDay(s.store.db, tenantId, (today - days + 1) * 86_400_000, (today + 1) * 86_400_000);
}
