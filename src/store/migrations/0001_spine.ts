/**
 * 0001: the spine: installation, identities, tenants, memberships, sessions,
 * API tokens, invitations, login throttling, data keys, projects, items.
 * Landed migrations are never edited; later changes are new files.
 */
import type { Kysely } from "kysely";
import type { DialectHandle } from "../dialect.js";

/** Applies migration 0001. */
export async function up(db: Kysely<unknown>, d: DialectHandle): Promise<void> {
  const { blob, bigint } = d.types;
  await db.schema
    .createTable("installation")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("demo_seeded_at", bigint)
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("is_operator", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("totp_secret", blob)
    .addColumn("totp_enabled_at", bigint)
    .addColumn("totp_last_step", bigint)
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("updated_at", bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("recovery_codes")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("used_at", bigint)
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("recovery_codes_pk", ["user_id", "code_hash"])
    .execute();

  await db.schema
    .createTable("tenants")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("pause_reason", "text")
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("updated_at", bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("updated_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("memberships_pk", ["tenant_id", "user_id"])
    .execute();
  await db.schema.createIndex("memberships_user").on("memberships").columns(["user_id"]).execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("last_seen_at", bigint, (c) => c.notNull())
    .addColumn("expires_at", bigint, (c) => c.notNull())
    .addColumn("mfa_verified_at", bigint)
    .addColumn("ip", "text", (c) => c.notNull())
    .addColumn("user_agent", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id"]).execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("last_four", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("expires_at", bigint, (c) => c.notNull())
    .addColumn("revoked_at", bigint)
    .addColumn("last_used_at", bigint)
    .addPrimaryKeyConstraint("api_tokens_pk", ["tenant_id", "id"])
    .execute();

  await db.schema
    .createTable("invitations")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("invited_by", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("expires_at", bigint, (c) => c.notNull())
    .addColumn("accepted_at", bigint)
    .addColumn("accepted_by", "text")
    .addColumn("revoked_at", bigint)
    .addPrimaryKeyConstraint("invitations_pk", ["tenant_id", "id"])
    .execute();

  await db.schema
    .createTable("login_throttle")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("window_started_at", bigint, (c) => c.notNull())
    .addColumn("locked_until", bigint)
    .execute();

  await db.schema
    .createTable("data_keys")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("wrapped", blob, (c) => c.notNull())
    .addColumn("kek_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("data_keys_pk", ["tenant_id", "version"])
    .execute();

  await db.schema
    .createTable("shredded_tenants")
    .addColumn("tenant_id", "text", (c) => c.primaryKey())
    .addColumn("shredded_at", bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("projects")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("slug", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("pause_reason", "text")
    .addColumn("config", "text", (c) => c.notNull())
    .addColumn("item_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("updated_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("projects_pk", ["tenant_id", "id"])
    .addUniqueConstraint("projects_slug", ["tenant_id", "slug"])
    .execute();

  await db.schema
    .createTable("items")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("external_key", "text", (c) => c.notNull())
    .addColumn("seq", bigint, (c) => c.notNull())
    .addColumn("is_gold", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("payload", blob, (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("items_pk", ["tenant_id", "id"])
    .addUniqueConstraint("items_external", ["tenant_id", "project_id", "external_key"])
    .addForeignKeyConstraint("items_project", ["tenant_id", "project_id"], "projects", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("items_project_seq").on("items").columns(["tenant_id", "project_id", "seq"]).execute();
}
