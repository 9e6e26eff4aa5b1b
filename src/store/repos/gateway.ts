/** The LLM gateway's tables: deployments (provider keys sealed), virtual keys (hashed), usage rows, and the change counter. */
import { sql, type Selectable } from "kysely";
import type { Executor } from "../store.js";
import type { GatewayDeploymentsTable, GatewayKeysTable, GatewayUsageTable } from "../schema.js";

/** A deployment row (api_key sealed). */
export type GatewayDeploymentRow = Selectable<GatewayDeploymentsTable>;
/** A virtual key row (hash only). */
export type GatewayKeyRow = Selectable<GatewayKeysTable>;
/** One call. */
export type GatewayUsageRow = Selectable<GatewayUsageTable>;

/** Inserts a deployment. */
export async function insertDeployment(db: Executor, row: GatewayDeploymentRow): Promise<void> {
  await db.insertInto("gateway_deployments").values(row).execute();
}

/** Deletes a tenant's deployment; false when there was none. */
export async function deleteDeployment(db: Executor, tenantId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom("gateway_deployments").where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** Replaces a deployment's sealed provider key (and its last four characters); false when there is no such deployment. */
export async function updateDeploymentKey(db: Executor, tenantId: string, id: string, sealed: Buffer, lastFour: string): Promise<boolean> {
  const r = await db.updateTable("gateway_deployments").set({ api_key: sealed, last_four: lastFour }).where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A tenant's deployments (or every tenant's), by alias then creation. */
export async function listDeployments(db: Executor, tenantId?: string): Promise<GatewayDeploymentRow[]> {
  let q = db.selectFrom("gateway_deployments").selectAll().orderBy("tenant_id").orderBy("alias").orderBy("created_at");
  if (tenantId !== undefined) q = q.where("tenant_id", "=", tenantId);
  return q.execute();
}

/** Inserts a virtual key. */
export async function insertGatewayKey(db: Executor, row: GatewayKeyRow): Promise<void> {
  await db.insertInto("gateway_keys").values(row).execute();
}

/** A tenant's virtual keys, newest first. */
export async function listGatewayKeys(db: Executor, tenantId: string): Promise<GatewayKeyRow[]> {
  return db.selectFrom("gateway_keys").selectAll().where("tenant_id", "=", tenantId).orderBy("created_at", "desc").execute();
}

/** Every key that is not revoked, of every tenant (for the gateway's configuration). */
export async function listLiveGatewayKeys(db: Executor): Promise<GatewayKeyRow[]> {
  return db.selectFrom("gateway_keys").selectAll().where("revoked_at", "is", null).execute();
}

/** One key by id, in any tenant (the CLI revokes by id alone). */
export async function findGatewayKey(db: Executor, id: string): Promise<GatewayKeyRow | undefined> {
  return db.selectFrom("gateway_keys").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Revokes a key; true when it was live and is revoked now. */
export async function revokeGatewayKey(db: Executor, tenantId: string, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable("gateway_keys").set({ revoked_at: now }).where("tenant_id", "=", tenantId).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Inserts usage rows. */
export async function insertUsage(db: Executor, rows: readonly GatewayUsageRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto("gateway_usage").values([...rows]).execute();
}

/** Cost per key since `from` (ms), for budgets. */
export async function spendSince(db: Executor, from: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("gateway_usage")
    .select((eb) => ["key_id", eb.fn.sum<number>("cost_usd").as("cost")])
    .where("time", ">=", from)
    .groupBy("key_id")
    .execute();
  return new Map(rows.map((r) => [r.key_id, Number(r.cost ?? 0)]));
}

/** One day of one alias in a tenant's usage. */
export interface UsageDay {
  readonly day: number;
  readonly alias: string | null;
  readonly calls: number;
  readonly errors: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

/** A tenant's usage aggregated per UTC day (day number since the epoch) and alias, in [from, to). */
export async function usageByDay(db: Executor, tenantId: string, from: number, to: number): Promise<UsageDay[]> {
  const day = sql<number>`(time / 86400000)`;
  const rows = await db
    .selectFrom("gateway_usage")
    .select((eb) => [
      day.as("day"),
      "alias",
      eb.fn.countAll<number>().as("calls"),
      eb.fn.sum<number>(sql<number>`case when status >= 400 then 1 else 0 end`).as("errors"),
      eb.fn.sum<number>("prompt_tokens").as("prompt"),
      eb.fn.sum<number>("completion_tokens").as("completion"),
      eb.fn.sum<number>("cost_usd").as("cost"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("time", ">=", from)
    .where("time", "<", to)
    .groupBy([day, "alias"])
    .orderBy(day)
    .orderBy("alias")
    .execute();
  return rows.map((r) => ({
    day: Math.floor(Number(r.day)),
    alias: r.alias,
    calls: Number(r.calls),
    errors: Number(r.errors ?? 0),
    promptTokens: Number(r.prompt ?? 0),
    completionTokens: Number(r.completion ?? 0),
    costUsd: Number(r.cost ?? 0),
  }));
}

/** Bumps the configuration version (in the transaction of the change). */
export async function bumpGatewayVersion(db: Executor): Promise<void> {
  await db.updateTable("gateway_state").set((eb) => ({ version: eb("version", "+", 1) })).where("id", "=", 1).execute();
}

/**
 * What the gateway's configuration depends on, cheaply: the change counter
 * plus the latest update of any tenant or project (pausing one changes the
 * keys' `paused`, and is done by code that knows nothing of the gateway).
 */
export async function gatewaySignature(db: Executor): Promise<string> {
  const r = await sql<{ v: number | string; t: number | string | null; p: number | string | null }>`
    select (select version from gateway_state where id = 1) as v,
           (select max(updated_at) from tenants) as t,
           (select max(updated_at) from projects) as p`.execute(db);
  const row = r.rows[0];
  return `${row?.v ?? 0}/${row?.t ?? 0}/${row?.p ?? 0}`;
}
