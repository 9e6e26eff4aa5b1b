/**
 * 0003: sealed import and key rotation.
 * - items.content_key: a keyed fingerprint (HMAC under the tenant's index key)
 *   of the item's content, so a re-import can tell "same item again" from
 *   "changed item" without a plain hash that would confirm guessed content.
 * - imports: one record per import run: who, when, counts, status; the file
 *   name and the file's SHA-256 are sealed (either could identify the data).
 * - key_rotations: a re-encryption in progress, so `keys rotate --reencrypt`
 *   resumes it after a crash instead of starting another rotation.
 */
import type { Kysely } from "kysely";
import type { DialectHandle } from "../dialect.js";

/** Applies migration 0003. */
export async function up(db: Kysely<unknown>, d: DialectHandle): Promise<void> {
  const { blob, bigint } = d.types;
  await db.schema.alterTable("items").addColumn("content_key", "text").execute();

  await db.schema
    .createTable("imports")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("file_name", blob, (c) => c.notNull())
    .addColumn("file_sha256", blob)
    .addColumn("total", bigint, (c) => c.notNull())
    .addColumn("imported", bigint, (c) => c.notNull())
    .addColumn("skipped_duplicates", bigint, (c) => c.notNull())
    .addColumn("changed", bigint, (c) => c.notNull())
    .addColumn("rejected", bigint, (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("started_at", bigint, (c) => c.notNull())
    .addColumn("finished_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("imports_pk", ["tenant_id", "id"])
    .addForeignKeyConstraint("imports_project", ["tenant_id", "project_id"], "projects", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("imports_project_started").on("imports").columns(["tenant_id", "project_id", "started_at"]).execute();

  await db.schema
    .createTable("key_rotations")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("target_version", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("rows_done", bigint, (c) => c.notNull())
    .addColumn("started_at", bigint, (c) => c.notNull())
    .addColumn("finished_at", bigint)
    .addPrimaryKeyConstraint("key_rotations_pk", ["tenant_id", "id"])
    .execute();
}
