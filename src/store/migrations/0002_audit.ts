/**
 * 0002: the audit log. audit_entries is one global append-only sequence (a
 * single Merkle tree for the installation, so it is keyed by seq, not by
 * tenant); audit_nodes holds every complete subtree hash so proofs cost
 * O(log n) reads; audit_state holds the right frontier; audit_heads the
 * signed tree heads; audit_signing_keys the Ed25519 key (private part sealed).
 */
import type { Kysely } from "kysely";
import type { DialectHandle } from "../dialect.js";

/** Applies migration 0002. */
export async function up(db: Kysely<unknown>, d: DialectHandle): Promise<void> {
  const { blob, bigint } = d.types;
  await db.schema
    .createTable("audit_entries")
    .addColumn("seq", bigint, (c) => c.primaryKey())
    .addColumn("time", bigint, (c) => c.notNull())
    .addColumn("tenant_id", "text")
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("object_type", "text")
    .addColumn("object_id", "text")
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("request_id", "text")
    .addColumn("ip", "text")
    .addColumn("detail", "text")
    .addColumn("detail_digest", "text")
    .execute();
  await db.schema.createIndex("audit_entries_tenant_time").on("audit_entries").columns(["tenant_id", "time"]).execute();
  await db.schema.createIndex("audit_entries_actor_time").on("audit_entries").columns(["actor_id", "time"]).execute();

  await db.schema
    .createTable("audit_nodes")
    .addColumn("level", "integer", (c) => c.notNull())
    .addColumn("idx", bigint, (c) => c.notNull())
    .addColumn("hash", blob, (c) => c.notNull())
    .addPrimaryKeyConstraint("audit_nodes_pk", ["level", "idx"])
    .execute();

  await db.schema
    .createTable("audit_state")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("size", bigint, (c) => c.notNull())
    .addColumn("frontier", "text", (c) => c.notNull())
    .execute();
  await db.insertInto("audit_state" as never).values({ id: 1, size: 0, frontier: JSON.stringify({ size: 0, hashes: [] }) } as never).execute();

  await db.schema
    .createTable("audit_heads")
    .addColumn("size", bigint, (c) => c.primaryKey())
    .addColumn("root_hash", "text", (c) => c.notNull())
    .addColumn("signed_at", bigint, (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("signature", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("audit_signing_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("private_key", blob, (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .execute();
}
