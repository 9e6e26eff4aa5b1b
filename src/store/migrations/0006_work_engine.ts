/**
 * 0006: the work engine.
 * - projects: sealed guidelines (Markdown) and maintained counters, so
 *   progress never needs COUNT(*) over a million items.
 * - items: the queue columns. `assigned` counts leases and answers toward the
 *   project's overlap N; `queue_open` is 1 while an item can still be handed
 *   out, so claim-next walks one index (project, open, gold, priority, seq);
 *   `needs_adjudication` marks items whose N answers disagree (or whose blind
 *   check failed), so the adjudication queue is an index seek too.
 * - project_members: who works on a project, their standing (active or
 *   suspended, with the reason) and the counters gold mixing, daily caps and
 *   abuse signals read on every claim.
 * - assignments: one row per (item, contractor) ever handed out; the unique
 *   key is what makes "never the same item twice" hold under any race. The
 *   draft is sealed.
 * - answers: immutable, sealed, versioned per assignment (a revision or a
 *   reviewer's fix is a new version).
 * - reviews, resolutions: review decisions and the per-item final answer
 *   (sealed bodies; plaintext only what queues need).
 * - task_events: lease / heartbeat / submit / skip / expire, the raw record
 *   that hours are derived from (append-only).
 * - hours_entries, hours_decisions: manual entries and corrections, and lab
 *   admin approvals, both append-only.
 * - blocked_attempts: every attempt refused because work was paused, so hours
 *   can be reconciled on resume.
 * - notifications: what a lab admin is told (a contractor paused for gold
 *   accuracy or suspended for abuse).
 * - item_assists, project_assist_keys: model assist. One model-drafted answer
 *   per item (sealed; status ok / invalid / failed), and the project-bound
 *   gateway key the core calls the model with (its secret sealed).
 */
import { sql, type Kysely } from "kysely";
import type { DialectHandle } from "../dialect.js";

/** Applies migration 0006. */
export async function up(db: Kysely<unknown>, d: DialectHandle): Promise<void> {
  const { blob, bigint } = d.types;
  await db.schema.alterTable("projects").addColumn("guidelines", blob).execute();
  await db.schema.alterTable("projects").addColumn("guidelines_version", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("projects").addColumn("submitted_count", bigint, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("projects").addColumn("resolved_count", bigint, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("projects").addColumn("archived_at", bigint).execute();

  await db.schema.alterTable("items").addColumn("priority", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("items").addColumn("assigned", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("items").addColumn("submitted", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("items").addColumn("queue_open", "integer", (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable("items").addColumn("resolved_at", bigint).execute();
  await db.schema.alterTable("items").addColumn("needs_adjudication", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createIndex("items_queue")
    .on("items")
    .columns(["tenant_id", "project_id", "queue_open", "is_gold"])
    .column("priority desc")
    .column("seq")
    .execute();
  // Partial: only the few items waiting for an adjudicator are indexed, so imports pay nothing for it.
  await db.schema.createIndex("items_adjudication").on("items").columns(["tenant_id", "project_id", "seq"]).where(sql.ref("needs_adjudication"), "=", 1).execute();

  await db.schema
    .createTable("project_members")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("status_reason", "text")
    .addColumn("tasks_served", bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("gold_served", bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("gold_answered", bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("gold_correct", bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("submitted", bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("leases_since_submit", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_lease_at", bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("day", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("day_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("updated_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("project_members_pk", ["tenant_id", "project_id", "user_id"])
    .addForeignKeyConstraint("project_members_project", ["tenant_id", "project_id"], "projects", ["tenant_id", "id"])
    .execute();

  await db.schema
    .createTable("assignments")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("is_gold", "integer", (c) => c.notNull())
    .addColumn("leased_at", bigint, (c) => c.notNull())
    .addColumn("expires_at", bigint, (c) => c.notNull())
    .addColumn("last_seen_at", bigint, (c) => c.notNull())
    .addColumn("active_ms", bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("paused_remaining_ms", bigint)
    .addColumn("draft", blob)
    .addColumn("draft_at", bigint)
    .addColumn("skip_reason", blob)
    .addColumn("submitted_at", bigint)
    .addColumn("answer_version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("review_status", "text", (c) => c.notNull().defaultTo("none"))
    .addColumn("gold_correct", "integer")
    .addColumn("updated_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("assignments_pk", ["tenant_id", "id"])
    .addUniqueConstraint("assignments_once", ["tenant_id", "item_id", "user_id"])
    .addForeignKeyConstraint("assignments_item", ["tenant_id", "item_id"], "items", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("assignments_user").on("assignments").columns(["tenant_id", "project_id", "user_id", "status"]).execute();
  await db.schema.createIndex("assignments_expiry").on("assignments").columns(["tenant_id", "project_id", "status", "expires_at"]).execute();
  await db.schema.createIndex("assignments_review").on("assignments").columns(["tenant_id", "project_id", "review_status", "submitted_at"]).execute();

  await db.schema
    .createTable("answers")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("assignment_id", "text", (c) => c.notNull())
    .addColumn("author_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("body", blob, (c) => c.notNull())
    .addColumn("active_ms", bigint, (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("answers_pk", ["tenant_id", "id"])
    .addUniqueConstraint("answers_version", ["tenant_id", "assignment_id", "version"])
    .execute();
  await db.schema.createIndex("answers_item").on("answers").columns(["tenant_id", "item_id"]).execute();
  await db.schema.createIndex("answers_project").on("answers").columns(["tenant_id", "project_id", "id"]).execute();

  await db.schema
    .createTable("reviews")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("assignment_id", "text")
    .addColumn("reviewer_id", "text", (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("decision", "text", (c) => c.notNull())
    .addColumn("body", blob, (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("reviews_pk", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("reviews_item").on("reviews").columns(["tenant_id", "item_id"]).execute();

  await db.schema
    .createTable("resolutions")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("answer_id", "text")
    .addColumn("body", blob, (c) => c.notNull())
    .addColumn("resolved_by", "text")
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("resolutions_pk", ["tenant_id", "id"])
    .addUniqueConstraint("resolutions_item", ["tenant_id", "item_id"])
    .execute();
  await db.schema.createIndex("resolutions_project").on("resolutions").columns(["tenant_id", "project_id", "id"]).execute();

  await db.schema
    .createTable("task_events")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("assignment_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("task_events_pk", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("task_events_user").on("task_events").columns(["tenant_id", "user_id", "at"]).execute();

  await db.schema
    .createTable("hours_entries")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("start_at", bigint, (c) => c.notNull())
    .addColumn("end_at", bigint, (c) => c.notNull())
    .addColumn("ms", bigint, (c) => c.notNull())
    .addColumn("ref_id", "text")
    .addColumn("reason", blob, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("hours_entries_pk", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("hours_entries_user").on("hours_entries").columns(["tenant_id", "user_id", "start_at"]).execute();
  await db.schema.createIndex("hours_entries_project").on("hours_entries").columns(["tenant_id", "project_id", "start_at"]).execute();

  await db.schema
    .createTable("hours_decisions")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("entry_id", "text", (c) => c.notNull())
    .addColumn("decision", "text", (c) => c.notNull())
    .addColumn("decided_by", "text", (c) => c.notNull())
    .addColumn("decided_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("hours_decisions_pk", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("hours_decisions_entry").on("hours_decisions").columns(["tenant_id", "entry_id"]).execute();

  await db.schema
    .createTable("blocked_attempts")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("blocked_attempts_pk", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("blocked_attempts_at").on("blocked_attempts").columns(["tenant_id", "at"]).execute();

  await db.schema
    .createTable("notifications")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("project_id", "text")
    .addColumn("subject_user_id", "text")
    .addColumn("detail", "text", (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("notifications_pk", ["tenant_id", "id"])
    .execute();

  // Model assist: one drafted answer per item (sealed), and the project's own gateway key (its secret sealed).
  await db.schema
    .createTable("item_assists")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("draft", blob)
    .addColumn("error", "text")
    .addColumn("request_id", "text")
    .addColumn("prompt_tokens", bigint)
    .addColumn("completion_tokens", bigint)
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addColumn("updated_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("item_assists_pk", ["tenant_id", "id"])
    .addUniqueConstraint("item_assists_item", ["tenant_id", "item_id"])
    .addForeignKeyConstraint("item_assists_item_fk", ["tenant_id", "item_id"], "items", ["tenant_id", "id"])
    .execute();
  await db.schema.createIndex("item_assists_project").on("item_assists").columns(["tenant_id", "project_id", "status"]).execute();

  await db.schema
    .createTable("project_assist_keys")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("secret", blob, (c) => c.notNull())
    .addColumn("created_at", bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("project_assist_keys_pk", ["tenant_id", "id"])
    .addUniqueConstraint("project_assist_keys_project", ["tenant_id", "project_id"])
    .addForeignKeyConstraint("project_assist_keys_project_fk", ["tenant_id", "project_id"], "projects", ["tenant_id", "id"])
    .execute();
}
