/**
 * Row types of every table, as Kysely sees them. Times are integer
 * milliseconds since the epoch (bigint in PostgreSQL, parsed back to number),
 * flags are 0/1 integers, sealed values are byte arrays. Every tenant-owned
 * table leads with tenant_id so the schema can be distributed by tenant.
 */

import type { Generated } from "kysely";

export type Role = "lab_admin" | "lab_auditor" | "reviewer" | "contractor";

export interface InstallationTable {
  id: string;
  created_at: number;
  demo_seeded_at: number | null;
}

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  is_operator: number;
  status: "active" | "disabled";
  totp_secret: Buffer | null;
  totp_enabled_at: number | null;
  totp_last_step: number | null;
  created_at: number;
  updated_at: number;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  status: "active" | "paused" | "shredded";
  pause_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  tenant_id: string;
  user_id: string;
  role: Role;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  mfa_verified_at: number | null;
  ip: string;
  user_agent: string;
}

export interface ApiTokensTable {
  tenant_id: string;
  id: string;
  name: string;
  role: Role;
  token_hash: string;
  last_four: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface InvitationsTable {
  tenant_id: string;
  id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_by: string | null;
  revoked_at: number | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: number;
  locked_until: number | null;
}

export interface DataKeysTable {
  tenant_id: string;
  version: number;
  wrapped: Buffer;
  kek_id: string;
  /** "index" marks version 0, the tenant's index key (see src/seal/keyring.ts). */
  status: "active" | "retired" | "index";
  created_at: number;
}

export interface ShreddedTenantsTable {
  tenant_id: string;
  shredded_at: number;
}

export interface ProjectsTable {
  tenant_id: string;
  id: string;
  slug: string;
  name: string;
  template: string;
  status: "active" | "paused" | "archived";
  pause_reason: string | null;
  config: string;
  item_count: number;
  created_at: number;
  updated_at: number;
  /** Markdown, sealed (context: projects / id / guidelines); null until a lab admin sets it. */
  guidelines: Generated<Buffer | null>;
  guidelines_version: Generated<number>;
  /** Maintained counters: answers submitted, items resolved. */
  submitted_count: Generated<number>;
  resolved_count: Generated<number>;
  archived_at: Generated<number | null>;
}

export interface ItemsTable {
  tenant_id: string;
  project_id: string;
  id: string;
  /** Keyed hash (HMAC) of the external id: de-duplicates without revealing it. */
  external_key: string;
  /** Import order within the project, for keyset pagination and oldest-first queues. */
  seq: number;
  is_gold: number;
  payload: Buffer;
  created_at: number;
  /** Keyed fingerprint (HMAC) of the item's content, to report changed items on re-import; null on rows older than 0003. */
  content_key: string | null;
  /** Higher first; oldest first (seq) within a priority. */
  priority: Generated<number>;
  /** Leases and answers counting toward the project's overlap N. */
  assigned: Generated<number>;
  submitted: Generated<number>;
  /** 1 while the item can still be handed out (assigned < N; gold items stay open). */
  queue_open: Generated<number>;
  resolved_at: Generated<number | null>;
  /** 1 while the item waits for an adjudicator. */
  needs_adjudication: Generated<number>;
}

export interface ProjectMembersTable {
  tenant_id: string;
  project_id: string;
  user_id: string;
  role: "contractor" | "reviewer";
  status: "active" | "suspended";
  status_reason: string | null;
  tasks_served: number;
  gold_served: number;
  gold_answered: number;
  gold_correct: number;
  submitted: number;
  leases_since_submit: number;
  /** When the member last took a lease (the throttle spaces leases a minute apart). */
  last_lease_at: number;
  /** UTC day (YYYY-MM-DD) that day_count counts leases of. */
  day: string;
  day_count: number;
  created_at: number;
  updated_at: number;
}

export type AssignmentStatus = "leased" | "paused" | "submitted" | "returned" | "skipped" | "expired";
export type ReviewStatus = "none" | "pending" | "accepted" | "rejected" | "fixed" | "escalated";

export interface AssignmentsTable {
  tenant_id: string;
  id: string;
  project_id: string;
  item_id: string;
  user_id: string;
  status: AssignmentStatus;
  is_gold: number;
  leased_at: number;
  expires_at: number;
  last_seen_at: number;
  active_ms: number;
  /** While paused: how much of the lease was left, restored on resume. */
  paused_remaining_ms: number | null;
  draft: Buffer | null;
  draft_at: number | null;
  skip_reason: Buffer | null;
  submitted_at: number | null;
  answer_version: number;
  review_status: ReviewStatus;
  gold_correct: number | null;
  updated_at: number;
}

export interface AnswersTable {
  tenant_id: string;
  id: string;
  project_id: string;
  item_id: string;
  assignment_id: string;
  author_id: string;
  version: number;
  kind: "submission" | "fix";
  body: Buffer;
  active_ms: number;
  created_at: number;
}

export interface ReviewsTable {
  tenant_id: string;
  id: string;
  project_id: string;
  item_id: string;
  assignment_id: string | null;
  reviewer_id: string;
  mode: "review" | "blind_sufficiency" | "adjudication";
  decision: string;
  body: Buffer;
  created_at: number;
}

export interface ResolutionsTable {
  tenant_id: string;
  id: string;
  project_id: string;
  item_id: string;
  method: "single" | "unanimous" | "reviewed" | "adjudicated";
  answer_id: string | null;
  body: Buffer;
  resolved_by: string | null;
  created_at: number;
}

export interface TaskEventsTable {
  tenant_id: string;
  id: string;
  project_id: string;
  user_id: string;
  assignment_id: string;
  kind: "lease" | "heartbeat" | "draft" | "submit" | "skip" | "expire";
  at: number;
}

export interface HoursEntriesTable {
  tenant_id: string;
  id: string;
  project_id: string;
  user_id: string;
  kind: "manual" | "correction";
  start_at: number;
  end_at: number;
  ms: number;
  ref_id: string | null;
  reason: Buffer;
  created_by: string;
  created_at: number;
}

export interface HoursDecisionsTable {
  tenant_id: string;
  id: string;
  entry_id: string;
  decision: "approved" | "rejected";
  decided_by: string;
  decided_at: number;
}

export interface BlockedAttemptsTable {
  tenant_id: string;
  id: string;
  project_id: string | null;
  user_id: string;
  action: string;
  reason: string;
  at: number;
}

export interface NotificationsTable {
  tenant_id: string;
  id: string;
  kind: string;
  project_id: string | null;
  subject_user_id: string | null;
  detail: string;
  created_at: number;
}

export interface ImportsTable {
  tenant_id: string;
  id: string;
  project_id: string;
  actor_type: "user" | "token" | "gateway_key" | "system" | "anonymous";
  actor_id: string | null;
  format: "jsonl" | "csv" | "labelstudio";
  /** Sealed: a file name can say what the data is. */
  file_name: Buffer;
  /** Sealed SHA-256 of the file as received (null when the upload never completed). */
  file_sha256: Buffer | null;
  total: number;
  imported: number;
  skipped_duplicates: number;
  changed: number;
  rejected: number;
  status: "published" | "failed";
  started_at: number;
  finished_at: number;
}

export interface KeyRotationsTable {
  tenant_id: string;
  id: string;
  /** The data-key version rows are being moved to. */
  target_version: number;
  status: "running" | "done";
  rows_done: number;
  started_at: number;
  finished_at: number | null;
}

export interface GatewayDeploymentsTable {
  tenant_id: string;
  id: string;
  alias: string;
  provider: "openai" | "anthropic";
  base_url: string;
  model: string;
  /** Sealed provider key (context: tenant, "gateway_deployments", id, "api_key"). */
  api_key: Buffer;
  last_four: string;
  weight: number;
  /** JSON array of lower-case header names passed through to this deployment. */
  pass_headers: string;
  input_per_mtok: number | null;
  output_per_mtok: number | null;
  created_by: string;
  created_at: number;
}

export interface GatewayKeysTable {
  tenant_id: string;
  id: string;
  name: string;
  /** Hex SHA-256 of the sk-sr-… secret. */
  key_hash: string;
  last_four: string;
  project_id: string | null;
  /** JSON array of the aliases the key may call. */
  models: string;
  rpm: number | null;
  tpm: number | null;
  budget_usd_day: number | null;
  budget_usd_month: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  created_by: string;
  created_at: number;
}

export interface GatewayUsageTable {
  tenant_id: string;
  id: string;
  key_id: string;
  project_id: string | null;
  alias: string | null;
  deployment_id: string | null;
  model: string | null;
  status: number;
  error_kind: string | null;
  latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  stream: number;
  request_id: string;
  time: number;
}

export interface GatewayStateTable {
  id: number;
  version: number;
}

export interface AuditEntriesTable {
  seq: number;
  time: number;
  tenant_id: string | null;
  actor_type: "user" | "token" | "gateway_key" | "system" | "anonymous";
  actor_id: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: "success" | "failure" | "denied";
  request_id: string | null;
  ip: string | null;
  detail: string | null;
  detail_digest: string | null;
}

export interface AuditNodesTable {
  level: number;
  idx: number;
  hash: Buffer;
}

export interface AuditStateTable {
  id: number;
  size: number;
  frontier: string;
}

export interface AuditHeadsTable {
  size: number;
  root_hash: string;
  signed_at: number;
  key_id: string;
  signature: string;
}

export interface AuditSigningKeysTable {
  id: string;
  public_key: string;
  private_key: Buffer;
  created_at: number;
}

export type AssistStatus = "ok" | "invalid" | "failed";

export interface ItemAssistsTable {
  tenant_id: string;
  id: string;
  project_id: string;
  item_id: string;
  /** The gateway alias that drafted it. */
  model: string;
  status: AssistStatus;
  /** The drafted answer as JSON, sealed (context: item_assists / id / draft); null when the call failed. */
  draft: Buffer | null;
  /** Why it is invalid or failed: issue paths and messages, or the gateway's status and error code (never content). */
  error: string | null;
  /** The gateway's request id (joins gateway_usage, where the call's cost is metered). */
  request_id: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: number;
  updated_at: number;
}

export interface ProjectAssistKeysTable {
  tenant_id: string;
  id: string;
  project_id: string;
  /** The gateway_keys row (project-bound, models [model]). */
  key_id: string;
  model: string;
  /** The sk-sr-… secret, sealed (context: project_assist_keys / id / secret). */
  secret: Buffer;
  created_at: number;
}

export interface Database {
  installation: InstallationTable;
  users: UsersTable;
  recovery_codes: RecoveryCodesTable;
  tenants: TenantsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  invitations: InvitationsTable;
  login_throttle: LoginThrottleTable;
  data_keys: DataKeysTable;
  shredded_tenants: ShreddedTenantsTable;
  projects: ProjectsTable;
  items: ItemsTable;
  imports: ImportsTable;
  key_rotations: KeyRotationsTable;
  gateway_deployments: GatewayDeploymentsTable;
  gateway_keys: GatewayKeysTable;
  gateway_usage: GatewayUsageTable;
  gateway_state: GatewayStateTable;
  project_members: ProjectMembersTable;
  assignments: AssignmentsTable;
  answers: AnswersTable;
  reviews: ReviewsTable;
  resolutions: ResolutionsTable;
  task_events: TaskEventsTable;
  hours_entries: HoursEntriesTable;
  hours_decisions: HoursDecisionsTable;
  blocked_attempts: BlockedAttemptsTable;
  notifications: NotificationsTable;
  audit_entries: AuditEntriesTable;
  audit_nodes: AuditNodesTable;
  audit_state: AuditStateTable;
  audit_heads: AuditHeadsTable;
  audit_signing_keys: AuditSigningKeysTable;
  item_assists: ItemAssistsTable;
  project_assist_keys: ProjectAssistKeysTable;
}
