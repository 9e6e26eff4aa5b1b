/**
 * Virtual keys of the LLM gateway (`sk-sr-…`): shown once, stored as
 * SHA-256, scoped to a tenant and optionally a project, limited to some
 * aliases, with optional rate limits, budgets and expiry. Revocation takes
 * effect on the gateway's next request.
 */
import { uuidv7 } from "../auth/ids.js";
import { hashToken, randomToken } from "../auth/tokens.js";
import { SealroomError } from "../domain/errors.js";
import { bumpGatewayVersion, findGatewayKey, insertGatewayKey, listGatewayKeys, revokeGatewayKey as revokeRow, type GatewayKeyRow } from "../store/repos/gateway.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { ALIAS_PATTERN } from "./gateway-deployments.js";
import { gatewayChanged } from "./gateway-notify.js";
import { getProject } from "./projects.js";

/** Says what a leaked secret is (and what the gateway accepts). */
export const GATEWAY_KEY_PREFIX = "sk-sr-";

/** A key to create, as validated at the edge. */
export interface GatewayKeyInput {
  readonly name?: string;
  readonly projectId?: string;
  readonly models: readonly string[];
  readonly rpm?: number;
  readonly tpm?: number;
  readonly budgetUsdDay?: number;
  readonly budgetUsdMonth?: number;
  /** Lifetime from now; none means no expiry. */
  readonly expiresInMs?: number;
}

function check(input: GatewayKeyInput): void {
  if (input.models.length === 0 || input.models.length > 1000) throw new SealroomError("validation_failed", "models: name 1 to 1000 aliases.");
  for (const m of input.models) if (!ALIAS_PATTERN.test(m)) throw new SealroomError("validation_failed", `models: '${m.slice(0, 50)}' is not an alias.`);
  for (const [name, v] of [["rpm", input.rpm], ["tpm", input.tpm]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 1_000_000_000)) throw new SealroomError("validation_failed", `${name} must be a whole number from 1.`);
  }
  for (const [name, v] of [["budgetUsdDay", input.budgetUsdDay], ["budgetUsdMonth", input.budgetUsdMonth]] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0 || v > 1e9)) throw new SealroomError("validation_failed", `${name} must be a non-negative amount.`);
  }
  if (input.expiresInMs !== undefined && (!Number.isFinite(input.expiresInMs) || input.expiresInMs < 1000)) throw new SealroomError("validation_failed", "The expiry must be at least a second away.");
}

/** Creates a key; returns the row and the secret, which is never retrievable again. */
export async function createGatewayKey(s: Services, tenantId: string, createdBy: string, input: GatewayKeyInput, caller: Caller): Promise<{ row: GatewayKeyRow; secret: string }> {
  check(input);
  const projectId = input.projectId === undefined ? null : (await getProject(s, tenantId, input.projectId)).id;
  const now = s.now();
  const secret = randomToken(GATEWAY_KEY_PREFIX);
  const row: GatewayKeyRow = {
    tenant_id: tenantId,
    id: uuidv7(now),
    name: input.name ?? "",
    key_hash: hashToken(secret),
    last_four: secret.slice(-4),
    project_id: projectId,
    models: JSON.stringify([...new Set(input.models)]),
    rpm: input.rpm ?? null,
    tpm: input.tpm ?? null,
    budget_usd_day: input.budgetUsdDay ?? null,
    budget_usd_month: input.budgetUsdMonth ?? null,
    expires_at: input.expiresInMs === undefined ? null : now + input.expiresInMs,
    revoked_at: null,
    created_by: createdBy,
    created_at: now,
  };
  await s.store.transaction(async (tx) => {
    await insertGatewayKey(tx, row);
    await bumpGatewayVersion(tx);
    const detail = { models: JSON.parse(row.models) as string[], projectId, rpm: row.rpm, tpm: row.tpm, budgetUsdDay: row.budget_usd_day, budgetUsdMonth: row.budget_usd_month, expiresAt: row.expires_at };
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "gateway_key.create", objectType: "gateway_key", objectId: row.id, detail }));
  });
  await gatewayChanged(s);
  return { row, secret };
}

/** Revokes a key of the tenant; in force at the gateway's next request. */
export async function revokeGatewayKey(s: Services, tenantId: string, id: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    if (!(await revokeRow(tx, tenantId, id, s.now()))) throw new SealroomError("not_found", "No such live gateway key in this tenant.");
    await bumpGatewayVersion(tx);
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "gateway_key.revoke", objectType: "gateway_key", objectId: id }));
  });
  await gatewayChanged(s);
}

/** Revokes a key named by id alone (the operator's terminal); returns its tenant. */
export async function revokeGatewayKeyById(s: Services, id: string, caller: Caller): Promise<string> {
  const row = await findGatewayKey(s.store.db, id);
  if (!row) throw new SealroomError("not_found", "No gateway key has this id.");
  await revokeGatewayKey(s, row.tenant_id, id, caller);
  return row.tenant_id;
}

/** A tenant's keys (hashes only are stored; present only last_four). */
export async function listTenantGatewayKeys(s: Services, tenantId: string): Promise<GatewayKeyRow[]> {
  return listGatewayKeys(s.store.db, tenantId);
}
