/**
 * Builds the configuration message the core hands the gateway: every
 * tenant's deployments (provider keys opened from their sealed column),
 * live keys with their limits, spend so far today and this month, pause
 * state, prices. The message is assembled as bytes: each provider key is
 * opened into a Buffer, copied into the message buffer and zero-filled; it
 * never becomes a JS string in the core. The caller writes the message to
 * the gateway's stdin and zero-fills it (spawnGateway's send does).
 */
import { randomBytes } from "node:crypto";
import { listDeployments, listLiveGatewayKeys, spendSince, type GatewayDeploymentRow } from "../store/repos/gateway.js";
import { listProjects } from "../store/repos/projects.js";
import { listTenants } from "../store/repos/tenants.js";
import { SYSTEM, eventBy, type Services } from "./context.js";
import { apiKeyContext, isCarriableKey } from "./gateway-deployments.js";
import { DEFAULT_PRICES, type ModelPrice } from "./gateway-prices.js";

const DAY_MS = 86_400_000;

/** Call limits the configuration carries (defaults suit hosted providers). */
export interface GatewayTuning {
  readonly timeouts: { readonly requestMs: number; readonly firstByteMs: number };
  readonly retries: { readonly max: number; readonly baseMs: number };
}

/** Ten minutes per call, a minute to the first byte, two retries from 200 ms. */
export const DEFAULT_TUNING: GatewayTuning = { timeouts: { requestMs: 600_000, firstByteMs: 60_000 }, retries: { max: 2, baseMs: 200 } };

/** A built message and what went into it. */
export interface BuiltConfig {
  /** The config control message as bytes (provider keys inside): zero-fill after writing. */
  readonly message: Buffer;
  readonly version: number;
  readonly deployments: number;
  readonly keys: number;
  /** Deployments left out because their key could not be opened (shredded tenant, wrong master key). */
  readonly skipped: number;
}

function prices(rows: readonly GatewayDeploymentRow[]): Record<string, ModelPrice> {
  const out: Record<string, ModelPrice> = Object.assign(Object.create(null) as Record<string, ModelPrice>, DEFAULT_PRICES);
  for (const d of [...rows].sort((a, b) => a.created_at - b.created_at)) {
    if (d.input_per_mtok !== null || d.output_per_mtok !== null) {
      out[d.model] = { inputPerMTok: d.input_per_mtok ?? 0, outputPerMTok: d.output_per_mtok ?? 0 };
    }
  }
  return out;
}

async function pauses(s: Services): Promise<{ tenants: Map<string, string | null>; projects: Map<string, string> }> {
  const tenants = new Map<string, string | null>();
  const projects = new Map<string, string>();
  for (const t of await listTenants(s.store.db)) {
    if (t.status === "shredded") tenants.set(t.id, null);
    else if (t.status === "paused") tenants.set(t.id, t.pause_reason ?? "paused by the operator");
    if (t.status !== "shredded") for (const p of await listProjects(s.store.db, t.id)) if (p.status === "paused") projects.set(`${t.id}/${p.id}`, p.pause_reason ?? "paused");
  }
  return { tenants, projects };
}

/**
 * Builds configuration `version`. `usageSeq` is the highest usage record of
 * the running gateway already persisted (and so inside the spend figures).
 */
export async function buildGatewayConfig(s: Services, version: number, usageSeq: number | null, tuning: GatewayTuning = DEFAULT_TUNING): Promise<BuiltConfig> {
  const now = s.now();
  const day = new Date(now);
  const [deployments, keys, spentDay, spentMonth, paused] = await Promise.all([
    listDeployments(s.store.db),
    listLiveGatewayKeys(s.store.db),
    spendSince(s.store.db, Math.floor(now / DAY_MS) * DAY_MS),
    spendSince(s.store.db, Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1)),
    pauses(s),
  ]);
  // Opening provider keys is a read of sealed data: record it, per tenant, before any key is opened.
  // If the entries cannot be written no configuration is built and the gateway keeps the one it has.
  const handedOver = new Map<string, number>();
  for (const d of deployments) if (paused.tenants.get(d.tenant_id) !== null) handedOver.set(d.tenant_id, (handedOver.get(d.tenant_id) ?? 0) + 1);
  if (handedOver.size > 0) {
    await s.store.transaction((tx) =>
      s.audit.record(
        tx,
        ...[...handedOver].map(([tenantId, count]) => eventBy(SYSTEM, { tenantId, action: "gateway.keys.handover", detail: { deployments: count, version } })),
      ),
    );
  }
  const nonce = randomBytes(9).toString("hex");
  const secrets: Buffer[] = [];
  let skipped = 0;
  const entries = [];
  for (const d of deployments) {
    if (paused.tenants.get(d.tenant_id) === null) continue;
    let key: Buffer;
    try {
      key = await s.sealer.open(apiKeyContext(d.tenant_id, d.id), d.api_key);
    } catch {
      skipped++;
      continue;
    }
    if (!isCarriableKey(key)) {
      key.fill(0);
      skipped++;
      continue;
    }
    entries.push({
      id: d.id,
      tenantId: d.tenant_id,
      alias: d.alias,
      provider: d.provider,
      baseUrl: d.base_url,
      model: d.model,
      apiKey: `@@sealroom-key-${nonce}-${secrets.length}@@`,
      weight: d.weight,
      passHeaders: JSON.parse(d.pass_headers) as string[],
    });
    secrets.push(key);
  }
  const liveKeys = keys
    .filter((k) => paused.tenants.get(k.tenant_id) !== null)
    .map((k) => {
      const reason = paused.tenants.get(k.tenant_id) ?? (k.project_id ? paused.projects.get(`${k.tenant_id}/${k.project_id}`) : undefined);
      return {
        id: k.id,
        hash: k.key_hash,
        tenantId: k.tenant_id,
        projectId: k.project_id,
        models: JSON.parse(k.models) as string[],
        rpm: k.rpm,
        tpm: k.tpm,
        budgetUsdDay: k.budget_usd_day,
        budgetUsdMonth: k.budget_usd_month,
        spentUsdDay: spentDay.get(k.id) ?? 0,
        spentUsdMonth: spentMonth.get(k.id) ?? 0,
        expiresAt: k.expires_at,
        revoked: false,
        paused: reason === undefined ? null : { reason },
      };
    });
  const text = JSON.stringify({ type: "config", version, deployments: entries, keys: liveKeys, prices: prices(deployments), ...tuning, usageSeq, spentAt: now });
  // Splice the keys in as bytes where their placeholders are.
  const parts = text.split(new RegExp(`@@sealroom-key-${nonce}-(\\d+)@@`));
  const chunks: Buffer[] = [];
  for (let i = 0; i < parts.length; i++) chunks.push(i % 2 === 0 ? Buffer.from(parts[i]!, "utf8") : secrets[Number(parts[i])]!);
  const message = Buffer.concat(chunks);
  for (const k of secrets) k.fill(0);
  return { message, version, deployments: entries.length, keys: liveKeys.length, skipped };
}
