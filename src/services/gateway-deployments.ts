/**
 * Provider deployments of the LLM gateway: an alias of a tenant served by a
 * provider (OpenAI or Anthropic) at a base URL with an upstream model name
 * and a provider key. The key is sealed at once under the tenant's data key
 * (bound to table, row and field) and never returned: only its last four
 * characters are kept in the clear.
 */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { bumpGatewayVersion, deleteDeployment, insertDeployment, listDeployments, updateDeploymentKey, type GatewayDeploymentRow } from "../store/repos/gateway.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { gatewayChanged } from "./gateway-notify.js";

/** Aliases: what clients put in `model`. */
export const ALIAS_PATTERN = /^[A-Za-z0-9._:/@-]{1,200}$/;
/** Upstream model names: printable ASCII without spaces. */
export const MODEL_PATTERN = /^[\x21-\x7e]{1,200}$/;
const HEADER_NAME = /^[a-z0-9][a-z0-9-]{0,99}$/;
/** Headers a deployment may never pass through (credentials, routing, framing); the gateway refuses them too. */
const NEVER_PASSED = /^(authorization|proxy-.*|x-api-key|api-key|host|cookie|content-length|content-type|transfer-encoding|connection|keep-alive|te|trailer|upgrade|expect|forwarded|x-forwarded-.*|x-real-ip|via|accept-encoding|anthropic-version)$/;

/** A deployment to add, as validated at the edge. */
export interface DeploymentInput {
  readonly alias: string;
  readonly provider: "openai" | "anthropic";
  readonly baseUrl: string;
  readonly model: string;
  /** The provider key; a Buffer (from a file) is zero-filled once sealed. */
  readonly apiKey: Buffer | string;
  readonly weight?: number;
  readonly passHeaders?: readonly string[];
  readonly inputPerMTok?: number;
  readonly outputPerMTok?: number;
}

/** The seal context of a deployment's provider key. */
export function apiKeyContext(tenantId: string, id: string) {
  return { tenantId, table: "gateway_deployments", rowId: id, field: "api_key" };
}

/**
 * True for key bytes the gateway can carry: printable ASCII without
 * space, quote or backslash (so they go into JSON and headers unescaped).
 */
export function isCarriableKey(key: Uint8Array): boolean {
  if (key.length < 8 || key.length > 4096) return false;
  for (const b of key) if (b < 0x21 || b > 0x7e || b === 0x22 || b === 0x5c) return false;
  return true;
}

function normaliseBaseUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new SealroomError("validation_failed", "baseUrl must be an absolute http(s) URL.");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new SealroomError("validation_failed", "baseUrl must use https (or http for a provider on your own network).");
  if (u.username || u.password || u.search || u.hash) throw new SealroomError("validation_failed", "baseUrl must not carry credentials, a query or a fragment: the key goes in --key-file.");
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
}

function checkInput(input: DeploymentInput, key: Buffer): void {
  if (!ALIAS_PATTERN.test(input.alias)) throw new SealroomError("validation_failed", "alias: use 1-200 letters, digits and . _ : / @ -");
  if (input.provider !== "openai" && input.provider !== "anthropic") throw new SealroomError("validation_failed", 'provider must be "openai" or "anthropic".');
  if (!MODEL_PATTERN.test(input.model)) throw new SealroomError("validation_failed", "model: printable characters without spaces.");
  if (!isCarriableKey(key)) throw new SealroomError("validation_failed", "The provider key must be 8 to 4096 printable ASCII characters without spaces, quotes or backslashes.");
  for (const h of input.passHeaders ?? []) {
    if (!HEADER_NAME.test(h) || NEVER_PASSED.test(h)) throw new SealroomError("validation_failed", `passHeaders: '${h}' may not be passed through.`);
  }
  const w = input.weight ?? 1;
  if (!Number.isFinite(w) || w < 0 || w > 1_000_000) throw new SealroomError("validation_failed", "weight must be from 0 to 1000000.");
}

/** Adds a deployment to a tenant; the provider key is sealed before anything is stored. */
export async function addDeployment(s: Services, tenantId: string, createdBy: string, input: DeploymentInput, caller: Caller): Promise<GatewayDeploymentRow> {
  const key = typeof input.apiKey === "string" ? Buffer.from(input.apiKey, "utf8") : input.apiKey;
  try {
    checkInput(input, key);
    const baseUrl = normaliseBaseUrl(input.baseUrl);
    const now = s.now();
    const id = uuidv7(now);
    const row: GatewayDeploymentRow = {
      tenant_id: tenantId,
      id,
      alias: input.alias,
      provider: input.provider,
      base_url: baseUrl,
      model: input.model,
      api_key: await s.sealer.seal(apiKeyContext(tenantId, id), key),
      last_four: key.subarray(-4).toString("latin1"),
      weight: input.weight ?? 1,
      pass_headers: JSON.stringify(input.passHeaders ?? []),
      input_per_mtok: input.inputPerMTok ?? null,
      output_per_mtok: input.outputPerMTok ?? null,
      created_by: createdBy,
      created_at: now,
    };
    await s.store.transaction(async (tx) => {
      await insertDeployment(tx, row);
      await bumpGatewayVersion(tx);
      const detail = { alias: row.alias, provider: row.provider, host: new URL(baseUrl).host, model: row.model, weight: row.weight };
      await s.audit.record(tx, eventBy(caller, { tenantId, action: "gateway.deployment.add", objectType: "gateway_deployment", objectId: id, detail }));
    });
    await gatewayChanged(s);
    return row;
  } finally {
    if (Buffer.isBuffer(input.apiKey)) input.apiKey.fill(0);
  }
}

/** A tenant's deployments (keys stay sealed; present only last_four). */
export async function listTenantDeployments(s: Services, tenantId: string): Promise<GatewayDeploymentRow[]> {
  return listDeployments(s.store.db, tenantId);
}

/** Removes a deployment: the gateway stops routing to it with the next configuration push (awaited here when it runs in this process). */
export async function removeDeployment(s: Services, tenantId: string, id: string, caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    if (!(await deleteDeployment(tx, tenantId, id))) throw new SealroomError("not_found", "No such deployment.");
    await bumpGatewayVersion(tx);
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "gateway.deployment.remove", objectType: "gateway_deployment", objectId: id }));
  });
  await gatewayChanged(s);
}

/**
 * Rotates a deployment's provider key: the new key is sealed under the same
 * row context, replaces the old one in one statement, and reaches the
 * gateway with the next push; the old key is gone from the database at once.
 */
export async function rotateDeploymentKey(s: Services, tenantId: string, id: string, apiKey: Buffer | string, caller: Caller): Promise<{ lastFour: string }> {
  const key = typeof apiKey === "string" ? Buffer.from(apiKey, "utf8") : apiKey;
  try {
    if (!isCarriableKey(key)) throw new SealroomError("validation_failed", "The provider key must be 8 to 4096 printable ASCII characters without spaces, quotes or backslashes.");
    await s.keyring.current(tenantId);
    const sealed = await s.sealer.seal(apiKeyContext(tenantId, id), key);
    const lastFour = key.subarray(-4).toString("latin1");
    await s.store.transaction(async (tx) => {
      if (!(await updateDeploymentKey(tx, tenantId, id, sealed, lastFour))) throw new SealroomError("not_found", "No such deployment.");
      await bumpGatewayVersion(tx);
      await s.audit.record(tx, eventBy(caller, { tenantId, action: "gateway.deployment.rotate_key", objectType: "gateway_deployment", objectId: id }));
    });
    await gatewayChanged(s);
    return { lastFour };
  } finally {
    if (Buffer.isBuffer(apiKey)) apiKey.fill(0);
  }
}
