/** Gateway response shapes, field by field: never a provider key (only its last four characters), never a key hash. */
import { isoTimeOrNull as iso } from "../domain/time.js";
import type { GatewayDeploymentRow, GatewayKeyRow, UsageDay } from "../store/repos/gateway.js";


/** A provider deployment. */
export function presentDeployment(d: GatewayDeploymentRow) {
  return {
    id: d.id,
    alias: d.alias,
    provider: d.provider,
    baseUrl: d.base_url,
    model: d.model,
    weight: d.weight,
    passHeaders: JSON.parse(d.pass_headers) as string[],
    keyLastFour: d.last_four,
    inputPerMTok: d.input_per_mtok,
    outputPerMTok: d.output_per_mtok,
    createdAt: iso(d.created_at),
  };
}

/** A virtual key (never its secret or hash). */
export function presentGatewayKey(k: GatewayKeyRow, now: number) {
  const state = k.revoked_at !== null ? "revoked" : k.expires_at !== null && now >= k.expires_at ? "expired" : "active";
  return {
    id: k.id,
    name: k.name,
    lastFour: k.last_four,
    projectId: k.project_id,
    models: JSON.parse(k.models) as string[],
    rpm: k.rpm,
    tpm: k.tpm,
    budgetUsdDay: k.budget_usd_day,
    budgetUsdMonth: k.budget_usd_month,
    state,
    createdAt: iso(k.created_at),
    expiresAt: iso(k.expires_at),
    revokedAt: iso(k.revoked_at),
  };
}

/** One day of usage of one alias. */
export function presentUsageDay(u: UsageDay) {
  return { date: new Date(u.day * 86_400_000).toISOString().slice(0, 10), alias: u.alias, calls: u.calls, errors: u.errors, promptTokens: u.promptTokens, completionTokens: u.completionTokens, costUsd: Math.round(u.costUsd * 1e6) / 1e6 };
}
