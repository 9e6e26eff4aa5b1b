/**
 * The audit log read back for exposure reports: grouped counts by actor or
 * by tenant over a time window, served by the indexes of migrations 0002
 * (actor_id, time) and 0004 (tenant_id, action, time, …) and (action, time).
 * Aggregation happens in SQL so a report costs one pass over the matching
 * index range, never a scan of the whole log.
 */
import type { Executor } from "../store.js";
import type { ApiTokenRow } from "./credentials.js";

export type { ApiTokenRow };

/** A time window in ms since the epoch, both ends included. */
export interface Window {
  readonly from: number;
  readonly to: number;
}

/** Entries of one (tenant, action, object, detail) group. */
export interface ActorReadGroup {
  readonly tenant_id: string | null;
  readonly action: string;
  readonly object_id: string | null;
  readonly detail: string | null;
  readonly n: number;
  readonly first_seq: number;
  readonly last_seq: number;
}

/**
 * What one actor did with `actions` in the window, grouped by tenant, action,
 * object and detail (the detail of a read names its project; grouping by the
 * text keeps the SQL the same on both dialects, and the caller parses it once
 * per group, not once per entry).
 */
export async function actorReadGroups(db: Executor, actorId: string, w: Window, actions: readonly string[], tenantId?: string): Promise<ActorReadGroup[]> {
  let q = db
    .selectFrom("audit_entries")
    .select((eb) => ["tenant_id", "action", "object_id", "detail", eb.fn.countAll<number>().as("n"), eb.fn.min<number>("seq").as("first_seq"), eb.fn.max<number>("seq").as("last_seq")])
    .where("actor_id", "=", actorId)
    .where("time", ">=", w.from)
    .where("time", "<=", w.to)
    .where("action", "in", [...actions]);
  if (tenantId !== undefined) q = q.where("tenant_id", "=", tenantId);
  const rows = await q.groupBy(["tenant_id", "action", "object_id", "detail"]).execute();
  return rows.map((r) => ({ ...r, n: Number(r.n), first_seq: Number(r.first_seq), last_seq: Number(r.last_seq) }));
}

/** How many entries an actor caused in the window (any action), and their seq range. */
export async function actorActivity(db: Executor, actorId: string, w: Window, tenantId?: string): Promise<{ n: number; first_seq: number | null; last_seq: number | null }> {
  let q = db
    .selectFrom("audit_entries")
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min<number>("seq").as("first_seq"), eb.fn.max<number>("seq").as("last_seq")])
    .where("actor_id", "=", actorId)
    .where("time", ">=", w.from)
    .where("time", "<=", w.to);
  if (tenantId !== undefined) q = q.where("tenant_id", "=", tenantId);
  const r = await q.executeTakeFirstOrThrow();
  const n = Number(r.n);
  return { n, first_seq: n === 0 ? null : Number(r.first_seq), last_seq: n === 0 ? null : Number(r.last_seq) };
}

/** The type an actor id was recorded with, when it appears in the log at all. */
export async function recordedActorType(db: Executor, actorId: string): Promise<string | undefined> {
  const r = await db.selectFrom("audit_entries").select("actor_type").where("actor_id", "=", actorId).limit(1).executeTakeFirst();
  return r?.actor_type;
}

/** Per actor and action: entries, distinct objects and seq range of `actions` in one tenant in the window. */
export async function tenantReadGroups(db: Executor, tenantId: string, w: Window, actions: readonly string[]) {
  const rows = await db
    .selectFrom("audit_entries")
    .select((eb) => [
      "actor_type",
      "actor_id",
      "action",
      eb.fn.countAll<number>().as("n"),
      eb.fn.count<number>("object_id").distinct().as("objects"),
      eb.fn.min<number>("seq").as("first_seq"),
      eb.fn.max<number>("seq").as("last_seq"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("action", "in", [...actions])
    .where("time", ">=", w.from)
    .where("time", "<=", w.to)
    .groupBy(["actor_type", "actor_id", "action"])
    .execute();
  return rows.map((r) => ({ ...r, n: Number(r.n), objects: Number(r.objects), first_seq: Number(r.first_seq), last_seq: Number(r.last_seq) }));
}

/** One entry that changed a user's memberships. */
export interface MembershipEvent {
  readonly seq: number;
  readonly time: number;
  readonly tenant_id: string | null;
  readonly action: string;
  readonly detail: string | null;
}

/**
 * Entries after `after` that changed `userId`'s memberships: additions, role
 * changes and removals name the user as their object; an accepted invitation
 * has the user as its actor. Two queries, so each uses its index. Newest first.
 */
export async function membershipEvents(db: Executor, userId: string, after: number): Promise<MembershipEvent[]> {
  const byObject = await db
    .selectFrom("audit_entries")
    .select(["seq", "time", "tenant_id", "action", "detail"])
    .where("action", "in", ["member.add", "member.role_change", "member.remove"])
    .where("time", ">", after)
    .where("object_type", "=", "user")
    .where("object_id", "=", userId)
    .where("outcome", "=", "success")
    .execute();
  const byActor = await db
    .selectFrom("audit_entries")
    .select(["seq", "time", "tenant_id", "action", "detail"])
    .where("actor_id", "=", userId)
    .where("time", ">", after)
    .where("action", "=", "invitation.accept")
    .where("outcome", "=", "success")
    .execute();
  return [...byObject, ...byActor].sort((a, b) => b.seq - a.seq);
}

/** An API token by id, in whichever tenant it is. */
export async function findApiTokenById(db: Executor, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
}

/** API tokens a user created, in every tenant. */
export async function apiTokensCreatedBy(db: Executor, userId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom("api_tokens").selectAll().where("created_by", "=", userId).orderBy("created_at").execute();
}

/** Display names for actor ids: users' emails and API tokens' names, looked up in chunks. */
export async function actorLabels(db: Executor, userIds: readonly string[], tokenIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < userIds.length; i += 500) {
    for (const u of await db.selectFrom("users").select(["id", "email"]).where("id", "in", userIds.slice(i, i + 500)).execute()) out.set(u.id, u.email);
  }
  for (let i = 0; i < tokenIds.length; i += 500) {
    for (const t of await db.selectFrom("api_tokens").select(["id", "name"]).where("id", "in", tokenIds.slice(i, i + 500)).execute()) out.set(t.id, t.name);
  }
  return out;
}
