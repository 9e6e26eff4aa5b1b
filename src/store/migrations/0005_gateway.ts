/**
 * 0005: the LLM gateway. gateway_deployments holds provider deployments with
 * the provider key sealed (api_key; seal context tenant / table / row /
 * field) and only its last four characters in the clear. gateway_keys holds
 * virtual keys by the SHA-256 of their secret. gateway_usage holds one row
 * per call (metadata only, never prompts or answers). gateway_state holds the
 * configuration version that every change bumps, so a core can tell that
 * another process (the CLI) changed something and push a new configuration.
 */
import type { Kysely } from "kysely";
import type { DialectHandle } from "../dialect.js";

/** Applies migration 0005. */
export async function up(db: Kysely<unknown>, d: DialectHandle): Promise<void> {
  const { blob, bigint } = d.types;
  await db.schema
    .createTable("gateway_deployments")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("base_url", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("api_key", blob, (c) => c.notNull())
    .addColumn("last_four", "text", (c) => c.notNull())
    .addColumn("weight", "double precision", (c) => c.notNull())
    .addColumn("pass_headers", "text", (c) => c.notNull())
    .addColumn("input_per_mtok", "double precision")
    .addColumn("output_per_mtok", "double precision")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("gateway_deployments_pk", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("gateway_deployments_alias").on("gateway_deployments").columns(["tenant_id", "alias"]).execute();

  await db.schema
    .createTable("gateway_keys")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("key_hash", "text", (c) => c.notNull().unique())
    .addColumn("last_four", "text", (c) => c.notNull())
    .addColumn("project_id", "text")
    .addColumn("models", "text", (c) => c.notNull())
    .addColumn("rpm", "integer")
    .addColumn("tpm", "integer")
    .addColumn("budget_usd_day", "double precision")
    .addColumn("budget_usd_month", "double precision")
    .addColumn("expires_at", bigint)
    .addColumn("revoked_at", bigint)
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("gateway_keys_pk", ["tenant_id", "id"])
    .execute();

  await db.schema
    .createTable("gateway_usage")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text")
    .addColumn("alias", "text")
    .addColumn("deployment_id", "text")
    .addColumn("model", "text")
    .addColumn("status", "integer", (c) => c.notNull())
    .addColumn("error_kind", "text")
    .addColumn("latency_ms", "double precision", (c) => c.notNull())
    .addColumn("prompt_tokens", "integer", (c) => c.notNull())
    .addColumn("completion_tokens", "integer", (c) => c.notNull())
    .addColumn("cost_usd", "double precision", (c) => c.notNull())
    .addColumn("stream", "integer", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("time", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("gateway_usage_pk", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("gateway_usage_tenant_time").on("gateway_usage").columns(["tenant_id", "time"]).execute();
  await db.schema.createIndex("gateway_usage_key_time").on("gateway_usage").columns(["tenant_id", "key_id", "time"]).execute();

  await db.schema
    .createTable("gateway_state")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("version", bigint, (c) => c.notNull())
    .execute();
  await db.insertInto("gateway_state" as never).values({ id: 1, version: 0 } as never).execute();
}
